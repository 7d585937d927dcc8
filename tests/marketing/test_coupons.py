"""Coupons: batches with check digits, one per receipt, check, redeem once chain-wide."""

from datetime import timedelta

import gevent
import gevent.event
import pytest
from sqlalchemy import update

from tests.marketing.helpers import ask
from ukm_actors.domain.promotions.codes import luhn_ok
from ukm_actors.nodes.marketing.core import coupons
from ukm_actors.nodes.marketing.core.campaigns import utcnow
from ukm_actors.nodes.marketing.core.errors import BadRequest, Conflict, CouponRefused
from ukm_actors.nodes.marketing.core.tables import MkCoupon


def _campaign(ctx, **kw):
    body = {"id": "SPRING", "name": "Spring", "prefix": "77", "length": 10, "valid_days": 30, **kw}
    with ctx.require_db().write() as s:
        coupons.create_campaign(s, body, utcnow())


def _batch(ctx, count, campaign="SPRING"):
    with ctx.require_db().write() as s:
        return coupons.issue_batch(s, campaign, count, utcnow())[1]


def test_a_batch_has_unique_codes_with_check_digits(light):
    _campaign(light)
    codes = _batch(light, 200) + _batch(light, 200)
    assert len(set(codes)) == 400
    assert all(len(c) == 10 and c.startswith("77") and luhn_ok(c) for c in codes)
    _campaign(light, id="PLAIN", prefix="P", length=8, check_digit=False)
    assert [len(c) for c in _batch(light, 3, "PLAIN")] == [8, 8, 8]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"prefix": "SPRING2026", "length": 10}, "cannot hold prefix"),
        ({"prefix": "7-7"}, "letters or digits"),
        ({"valid_days": 0}, "valid_days"),
    ],
)
def test_bad_coupon_campaigns_are_refused(light, body, message):
    with pytest.raises(BadRequest, match=message):
        _campaign(light, **body)


def test_a_batch_too_large_for_the_code_layout_is_refused(light):
    _campaign(light, length=5)
    with pytest.raises(Conflict, match="make the codes longer"):
        _batch(light, 200)


def test_redeem_once_then_clear_refusals(light):
    _campaign(light)
    (code,) = _batch(light, 1)
    assert ask(light, "coupon.check", {"code": code})["valid"] is True
    done = ask(light, "coupon.redeem", {"code": code, "receipt_id": "R1"}, peer="till-17-1")
    assert done["state"] == "redeemed"
    again = ask(light, "coupon.redeem", {"code": code, "receipt_id": "R1"})
    assert again["state"] == "redeemed"  # the same receipt asking again (a retry) is fine
    with pytest.raises(CouponRefused) as used:
        ask(light, "coupon.redeem", {"code": code, "receipt_id": "R2"}, peer="till-18-1")
    assert used.value.code == "coupon.used"
    assert "already used" in used.value.message and "till-17-1" in used.value.message


def test_unknown_mistyped_and_expired_coupons(light):
    _campaign(light)
    code, other = _batch(light, 2)
    with pytest.raises(CouponRefused) as unknown:
        ask(light, "coupon.check", {"code": "9999999999"})
    assert (
        unknown.value.code == "coupon.unknown" and "no coupon was issued" in unknown.value.message
    )
    typo = code[:-1] + str((int(code[-1]) + 1) % 10)
    with pytest.raises(CouponRefused) as mistyped:
        ask(light, "coupon.check", {"code": typo})
    assert "mistyped" in mistyped.value.message
    with light.require_db().write() as s:
        s.execute(
            update(MkCoupon)
            .where(MkCoupon.code == other)
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    for name in ("coupon.check", "coupon.redeem"):
        with pytest.raises(CouponRefused) as expired:
            ask(light, name, {"code": other, "receipt_id": "R9"})
        assert expired.value.code == "coupon.expired" and "expired on" in expired.value.message


def test_a_coupon_issued_on_a_receipt_is_the_same_when_asked_again(light):
    _campaign(light)
    first = ask(light, "coupon.issue", {"campaign_id": "SPRING", "receipt_id": "R1"})
    again = ask(light, "coupon.issue", {"campaign_id": "SPRING", "receipt_id": "R1"})
    other = ask(light, "coupon.issue", {"campaign_id": "SPRING", "receipt_id": "R2"})
    assert first["code"] == again["code"] != other["code"]
    assert ask(light, "coupon.check", {"code": first["code"]})["valid"] is True


def test_two_tills_redeeming_one_code_at_the_same_moment_exactly_one_wins(light):
    """Two greenlets, two database connections (truly concurrent on PostgreSQL)."""
    _campaign(light)
    codes = _batch(light, 5)
    for code in codes:
        start = gevent.event.Event()
        results = {}

        def redeem(till, code=code, start=start, results=results):
            start.wait()
            try:
                ask(light, "coupon.redeem", {"code": code, "receipt_id": f"R-{till}"}, peer=till)
                results[till] = "ok"
            except CouponRefused as exc:
                results[till] = exc.code

        workers = [gevent.spawn(redeem, t) for t in ("till-17-1", "till-18-1")]
        gevent.sleep(0)
        start.set()
        gevent.joinall(workers, timeout=20, raise_error=True)
        assert sorted(results.values()) == ["coupon.used", "ok"], results
        with light.require_db().read() as s:
            row = s.get(MkCoupon, code)
            assert row.state == "redeemed" and row.redeemed_receipt == f"R-{row.redeemed_by}"


def test_a_stopped_coupon_campaign_refuses_its_coupons(light):
    from ukm_actors.nodes.marketing.core.tables import MkCouponCampaign

    _campaign(light)
    (code,) = _batch(light, 1)
    with light.require_db().write() as s:
        s.get(MkCouponCampaign, "SPRING").enabled = False
    with pytest.raises(CouponRefused, match="has been stopped"):
        ask(light, "coupon.redeem", {"code": code, "receipt_id": "R1"})
