"""Hypothesis strategies: random campaigns, campaign sets, receipts and contexts."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import strategies as st

from ukm_actors.domain.promotions import CampaignSet, CardInfo, PresentedCoupon, PriceContext
from ukm_actors.domain.promotions.codec import campaign_from_json
from ukm_actors.domain.receipt import Receipt, add_line, void_line

ARTICLES = ["A", "B", "C", "D", "E", "G"]
GROUPS = ["g1", "g2"]
ITEM_GROUPS = {"A": frozenset({"g1"}), "B": frozenset({"g1", "g2"}), "C": frozenset({"g2"})}
BASE = datetime(2026, 12, 7, 0, 0)

actions = st.one_of(
    st.builds(
        lambda k, v, s: {"type": k, "value": v, "scope": s},
        st.sampled_from(["percent"]),
        st.integers(1, 10_000),
        st.sampled_from(["line", "group", "receipt"]),
    ),
    st.builds(
        lambda v, s: {"type": "amount", "value": v, "scope": s},
        st.integers(1, 30_000),
        st.sampled_from(["line", "group", "receipt"]),
    ),
    st.builds(lambda p: {"type": "fixed_price", "price": p}, st.integers(0, 20_000)),
    st.builds(
        lambda n, m: {"type": "n_for_m", "n": n, "m": min(m, n - 1)},
        st.integers(2, 5),
        st.integers(1, 4),
    ),
    st.builds(
        lambda arts: {"type": "cheapest_free", "articles": arts},
        st.lists(st.sampled_from(ARTICLES), min_size=2, max_size=3, unique=True),
    ),
    st.builds(
        lambda a, q: {"type": "gift", "article": a, "quantity": q},
        st.sampled_from(ARTICLES),
        st.sampled_from([500, 1000, 2000]),
    ),
    st.builds(lambda v: {"type": "bonus", "value": v}, st.integers(1, 2000)),
)


@st.composite
def campaign_data(draw, cid: str) -> dict:
    data = {
        "id": cid,
        "name": f"Campaign {cid}",
        "priority": draw(st.integers(0, 3)),
        "stacking": draw(st.sampled_from(["exclusive", "stackable", "best"])),
        "action": draw(actions),
        "customer": draw(st.sampled_from(["any", "any", "card", "level"])),
        "min_level": draw(st.integers(0, 2)),
        "stores": draw(st.sampled_from([[], ["17"], ["18"]])),
        "days": draw(st.sampled_from([[], [1, 2], [6, 7]])),
        "conditions": {
            "articles": draw(st.lists(st.sampled_from(ARTICLES), max_size=2, unique=True)),
            "groups": draw(st.lists(st.sampled_from(GROUPS), max_size=1)),
            "min_quantity": draw(st.sampled_from([0, 0, 2000])),
            "min_receipt": draw(st.sampled_from([0, 0, 20_000])),
            "coupon": draw(st.sampled_from([None, None, "SPRING"])),
        },
    }
    if draw(st.booleans()):
        start = BASE + timedelta(hours=draw(st.integers(0, 48)))
        data["starts"] = start.isoformat()
        data["ends"] = (start + timedelta(hours=draw(st.integers(1, 48)))).isoformat()
    return data


@st.composite
def campaign_sets(draw, max_campaigns: int = 8) -> CampaignSet:
    n = draw(st.integers(0, max_campaigns))
    campaigns = tuple(campaign_from_json(draw(campaign_data(f"C{i:02d}"))) for i in range(n))
    floors = draw(st.dictionaries(st.sampled_from(ARTICLES), st.integers(0, 15_000), max_size=3))
    return CampaignSet(campaigns, item_groups=ITEM_GROUPS, floors=floors)


@st.composite
def receipts(draw) -> Receipt:
    r = Receipt()
    for _ in range(draw(st.integers(1, 8))):
        r = add_line(
            r,
            article=draw(st.sampled_from(ARTICLES)),
            name="item",
            quantity=draw(st.sampled_from([1000, 2000, 3000, 350, 1500])),
            price=draw(st.integers(0, 20_000)),
            measure="шт",
        )
    if len(r.lines) > 1 and draw(st.booleans()):
        r = void_line(r, draw(st.sampled_from([ln.position for ln in r.lines])))
    return r


@st.composite
def contexts(draw) -> PriceContext:
    card = draw(
        st.one_of(
            st.none(),
            st.builds(
                CardInfo,
                st.just("7770001"),
                st.integers(0, 3),
                st.sampled_from(["active", "active", "blocked"]),
            ),
        )
    )
    coupons = draw(st.sampled_from([(), (PresentedCoupon("SP00017", "SPRING"),)]))
    return PriceContext(
        store=draw(st.sampled_from(["17", "18"])),
        at=BASE + timedelta(minutes=draw(st.integers(0, 4 * 24 * 60))),
        till=1,
        card=card,
        coupons=coupons,
    )
