"""Gift certificates: created → sold → redeemed (fully or partly) → expired; no double
spend across tills; a till that cannot reach the marketing server refuses them clearly."""

from datetime import timedelta

import bottle
import gevent
import gevent.event
import pytest
from sqlalchemy import update

from tests.marketing.helpers import ask, light_marketing, loopback, too_slow, unreachable
from ukm_actors.config import load_config
from ukm_actors.errors import UkmError
from ukm_actors.nodes.base import NodeContext
from ukm_actors.nodes.marketing.core import certificates
from ukm_actors.nodes.marketing.core.campaigns import utcnow
from ukm_actors.nodes.marketing.core.errors import CertificateRefused
from ukm_actors.nodes.marketing.core.tables import MkCertificate, MkCertOp, MkCertSeries
from ukm_actors.nodes.till.promotions.payments import MarketingPayments
from ukm_actors.nodes.till.promotions.service import PromotionsService
from ukm_actors.nodes.till.services import TillServices
from ukm_actors.supervision import Names

SERIES = {
    "id": "GC1000",
    "name": "Gift 1000",
    "face_value": 100_000,
    "article": "CERT1000",
    "prefix": "9",
    "length": 10,
    "valid_days": 30,
}


def _numbers(ctx, count=2):
    with ctx.require_db().write() as s:
        if s.get(MkCertSeries, "GC1000") is None:
            certificates.create_series(s, SERIES, utcnow())
        return certificates.create_certificates(s, "GC1000", count, utcnow())


def _sell(ctx, number, receipt="SALE-1"):
    return ask(
        ctx, "certificate.activate", {"number": number, "receipt_id": receipt, "store": "17"}
    )


def _redeem(ctx, number, amount, receipt="R1", peer="till-17-1"):
    return ask(
        ctx,
        "certificate.redeem",
        {"number": number, "amount": amount, "receipt_id": receipt, "store": "17"},
        peer=peer,
    )


def till_payments(ask_fn) -> MarketingPayments:
    """The till's marketing payments service, asking through ``ask_fn``."""
    config = load_config(None, role="till", overrides={"till": {"store": "17", "number": 1}})
    ctx = NodeContext(config=config, names=Names(), app=bottle.Bottle(), services=TillServices())
    return MarketingPayments(ctx, ask_fn, PromotionsService(ctx, ask_fn))


def test_states_from_created_to_redeemed(light):
    number, _ = _numbers(light)
    assert ask(light, "certificate.check", {"number": number})["state"] == "created"
    with pytest.raises(CertificateRefused) as not_sold:
        _redeem(light, number, 100)
    assert not_sold.value.code == "certificate.not_sold"
    sold = _sell(light, number)
    assert (sold["state"], sold["balance"]) == ("sold", 100_000)
    assert _sell(light, number)["state"] == "sold"  # the same sale again: no change
    with pytest.raises(CertificateRefused) as twice:
        _sell(light, number, receipt="SALE-2")
    assert twice.value.code == "certificate.already_sold"
    paid = _redeem(light, number, 30_000)
    assert paid["amount"] == 30_000 and paid["certificate"]["balance"] == 70_000
    rest = _redeem(light, number, 90_000, receipt="R2")
    assert rest["amount"] == 70_000 and rest["certificate"]["state"] == "redeemed"
    with pytest.raises(CertificateRefused) as used:
        _redeem(light, number, 1, receipt="R3")
    assert used.value.code == "certificate.used_up" and "used up" in used.value.message


def test_without_partial_redemption_one_payment_uses_it_up(tmp_path, make_db_url):
    ctx = light_marketing(tmp_path, make_db_url("whole"), certificate_partial=False)
    try:
        number, _ = _numbers(ctx)
        _sell(ctx, number)
        paid = _redeem(ctx, number, 40_000)
        assert paid["amount"] == 40_000
        assert (paid["certificate"]["state"], paid["certificate"]["balance"]) == ("redeemed", 0)
        with ctx.require_db().read() as s:
            kinds = [(o.kind, o.amount) for o in s.query(MkCertOp).order_by(MkCertOp.id)]
        assert kinds == [("sell", 100_000), ("redeem", 40_000), ("forfeit", 60_000)]
        back = ask(
            ctx, "certificate.void", {"number": number, "receipt_id": "R1", "amount": 40_000}
        )
        assert (back["state"], back["balance"]) == ("sold", 100_000)
    finally:
        ctx.require_db().dispose()


def test_unknown_and_expired_certificates(light):
    number, _ = _numbers(light)
    with pytest.raises(CertificateRefused) as unknown:
        ask(light, "certificate.check", {"number": "0000000000"})
    assert unknown.value.code == "certificate.unknown" and "no certificate has this number" in str(
        unknown.value
    )
    _sell(light, number)
    with light.require_db().write() as s:
        s.execute(update(MkCertificate).values(expires_at=utcnow() - timedelta(days=1)))
    with pytest.raises(CertificateRefused) as expired:
        _redeem(light, number, 100)
    assert expired.value.code == "certificate.expired" and "1000.00 unused" in expired.value.message
    assert ask(light, "certificate.check", {"number": number})["state"] == "expired"


def test_the_periodic_expiry_marks_sold_certificates_past_their_date(light):
    a, b = _numbers(light)
    _sell(light, a)
    _sell(light, b, receipt="SALE-2")
    with light.require_db().write() as s:
        s.execute(
            update(MkCertificate)
            .where(MkCertificate.number == a)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        assert certificates.expire_due(s, utcnow()) == 1
    assert ask(light, "certificate.check", {"number": b})["state"] == "sold"


def test_two_tills_spending_one_certificate_at_once_never_overspend(light):
    (number,) = _numbers(light, 1)
    _sell(light, number)
    start = gevent.event.Event()
    paid: dict[str, object] = {}

    def spend(till):
        start.wait()
        try:
            paid[till] = _redeem(light, number, 60_000, receipt=f"R-{till}", peer=till)["amount"]
        except CertificateRefused as exc:
            paid[till] = exc.code

    workers = [gevent.spawn(spend, t) for t in ("till-17-1", "till-17-2")]
    gevent.sleep(0)
    start.set()
    gevent.joinall(workers, timeout=20, raise_error=True)
    assert sorted(paid.values(), key=str) == [40_000, 60_000], paid
    check = ask(light, "certificate.check", {"number": number})
    assert (check["state"], check["balance"]) == ("redeemed", 0)


def test_till_payments_authorize_void_and_balance(light):
    number, _ = _numbers(light)
    _sell(light, number)
    payments = till_payments(loopback(light, "till-17-1"))
    assert payments.balance("certificate", number) == 100_000
    payment = payments.authorize("certificate", 25_000, number, "R77")
    assert (payment.type, payment.amount, payment.reference, payment.rrn) == (
        "certificate",
        25_000,
        number,
        "R77",
    )
    assert payments.balance("certificate", number) == 75_000
    payments.void(payment)
    assert payments.balance("certificate", number) == 100_000
    with pytest.raises(UkmError) as refused:
        payments.authorize("certificate", 100, "0000000000", "R78")
    assert refused.value.code == "certificate.unknown"


@pytest.mark.parametrize("down", [unreachable, too_slow])
def test_a_till_that_cannot_reach_marketing_refuses_certificates_and_says_so(down):
    payments = till_payments(down)
    with pytest.raises(UkmError) as refused:
        payments.authorize("certificate", 1000, "9000000017", "R1")
    assert refused.value.code == "marketing.unreachable"
    assert refused.value.message == (
        "gift certificates need the marketing server, which does not answer; "
        "take another means of payment"
    )
    with pytest.raises(UkmError, match="bonus points need the marketing server"):
        payments.authorize("bonus", 1000, "7770001", "R1")
    with pytest.raises(UkmError) as balance:
        payments.balance("certificate", "9000000017")
    assert balance.value.code == "marketing.unreachable"


def test_a_payment_the_closed_receipt_does_not_have_is_given_back(light):
    from ukm_actors.domain.promotions import accrual as accruals
    from ukm_actors.nodes.marketing.core.accruals import apply_accrual
    from ukm_actors.nodes.marketing.core.tables import MkAccrual

    number, other = _numbers(light)
    _sell(light, number)
    _sell(light, other, receipt="SALE-2")
    _redeem(light, number, 30_000, receipt="R1")  # the till never got this answer
    _redeem(light, other, 10_000, receipt="R1")  # this one it did, and it is on the receipt
    a = accruals.Accrual(
        receipt_id="R1", store="17", till="till-17-1", kind="sale",
        closed_at="2026-12-07T12:00:00", closed_at_utc="2026-12-07T09:00:00Z", total=40_000,
        payments=(accruals.AccrualPayment("cash", 30_000),
                  accruals.AccrualPayment("certificate", 10_000, other)),
    )  # fmt: skip
    with light.require_db().write() as s:
        apply_accrual(s, a, light.config.marketing, utcnow())
    assert ask(light, "certificate.check", {"number": number})["balance"] == 100_000
    assert ask(light, "certificate.check", {"number": other})["balance"] == 90_000
    with light.require_db().read() as s:
        problems = s.get(MkAccrual, "R1").problems
    assert f"certificate {number}: 300.00 taken" in problems
    # the amount is said in roubles, never as raw kopecks (the certificate numbers are random
    # digits and may hold "30000" themselves, so they are taken out before looking)
    assert "30000" not in problems.replace(number, "").replace(other, "")
