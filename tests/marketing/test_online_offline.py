"""A till prices a receipt the same online (the marketing server) and offline (its own copy).

Real nodes: a marketing server and a till in this process. For each example the
marketing server gets a random campaign set (and catalog floors, a coupon, a card),
publishes the till's copy, the copy is delivered and applied on the till, and the till
prices a random receipt both ways.
"""

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from tests.domain.promotions.strategies import ARTICLES, campaign_data, contexts, receipts
from tests.marketing.helpers import (
    connect,
    deliver,
    feed_catalog,
    feed_stores,
    loopback,
    start_till,
)
from ukm_actors.domain.promotions.codes import make_code
from ukm_actors.domain.promotions.feeds import FeedGroup, FeedItem
from ukm_actors.nodes.marketing.core.campaigns import save_campaign, store_set, utcnow
from ukm_actors.nodes.marketing.core.tables import (
    MkCampaign,
    MkCard,
    MkCoupon,
    MkCouponCampaign,
    MkItem,
)
from ukm_actors.supervision.testing import expect

GROUPS = [FeedGroup("g1", None, "One"), FeedGroup("g2", "g1", "Two")]
ITEM_GROUP = {"A": "g1", "B": "g2", "C": "g2"}
CODE = make_code("SP", 17, 8, True)


def _reset(marketing, campaigns, floors, card):
    mk = marketing.ctx.services.marketing
    with mk.changing() as s:
        for table in (MkCampaign, MkCoupon, MkCard, MkCouponCampaign):
            s.execute(delete(table))
        for item in s.execute(select(MkItem)).scalars():
            item.min_price = floors.get(item.article, 0)
        now = utcnow()
        s.add(
            MkCouponCampaign(
                id="SPRING",
                name="Spring",
                prefix="SP",
                length=8,
                check_digit=True,
                next_serial=100,
                enabled=True,
                created_at=now,
            )
        )
        s.flush()
        s.add(MkCoupon(code=CODE, campaign_id="SPRING", state="issued", issued_at=now))
        if card is not None:
            s.add(
                MkCard(
                    number=card.number,
                    holder="",
                    state=card.state,
                    accumulated=0,
                    level=card.level,
                    created_at=now,
                )
            )
        for data in campaigns:
            save_campaign(s, data, create=True)


def test_online_and_offline_give_identical_receipts(tmp_path, make_db_url):
    from tests.marketing.helpers import start_marketing

    marketing = start_marketing(tmp_path, make_db_url("marketing"))
    till = start_till(tmp_path, make_db_url("till"))
    try:
        feed_catalog(
            marketing, [FeedItem(a, a, False, ITEM_GROUP.get(a)) for a in ARTICLES], GROUPS
        )
        feed_stores(marketing, {"17": 1})
        online_ask = loopback(marketing, "till-17-1")
        connect(till, online_ask)
        svc = till.ctx.services.promotions
        engine = till.ctx.actor("promotion_engine").proxy()
        checked = {"n": 0, "discounted": 0}

        @settings(
            max_examples=10 if os.environ.get("UKM_TEST_PG_URL") else 25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(
            st.lists(st.integers(0, 99), min_size=1, max_size=6, unique=True).flatmap(
                lambda ids: st.tuples(*[campaign_data(f"C{i:02d}") for i in ids])
            ),
            st.dictionaries(st.sampled_from(ARTICLES), st.integers(0, 15_000), max_size=3),
            receipts(),
            contexts(),
        )
        def check(campaigns, floors, receipt, ctx):
            for i, data in enumerate(campaigns):
                data["conditions"]["coupon"] = data["conditions"].get("coupon") and "SPRING"
                if i % 2 == 0:  # half of them for everybody, always: more answers to compare
                    data.update(customer="any", stores=[], days=[], starts=None, ends=None)
            _reset(marketing, campaigns, floors, ctx.card)
            deliver(marketing, till, "marketing>till-17-1")
            with marketing.ctx.require_db().read() as s:
                version = store_set(s, "17").version
            expect(lambda: engine.campaign_set().get().version == version)
            context = {
                "store": "17",
                "till": 1,
                "at": ctx.at.isoformat(timespec="seconds"),
                "card": ctx.card.number if ctx.card else None,
                "coupons": [CODE] if ctx.coupons else [],
            }
            online = svc.price(receipt, context)
            assert svc.online is True
            offline = svc.price_offline(receipt, context)
            assert online == offline
            checked["n"] += 1
            checked["discounted"] += any(online.values())

        check()
        assert checked["discounted"] > 0, checked
    finally:
        till.stop()
        marketing.stop()
