"""Coupon campaigns and coupons: issue (in batches, or one per receipt), check, redeem once.

Redeeming is one conditional ``UPDATE … WHERE state = 'issued'``: under
concurrent redemptions of one code on PostgreSQL the second waits for the
first's row lock, re-reads the row, finds it redeemed and changes nothing,
so exactly one receipt gets the coupon (on SQLite writers are serialised).
Redeeming again for the same receipt is not an error (a retried ask).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm import Session

from ukm_actors.domain.promotions import CouponRule, PresentedCoupon
from ukm_actors.domain.promotions.codes import (
    CodeError,
    recognise,
    serial_width,
)
from ukm_actors.i18n import _
from ukm_actors.isotime import iso_utc
from ukm_actors.nodes.marketing.core.errors import BadRequest, Conflict, CouponRefused, NotFound
from ukm_actors.nodes.marketing.core.numbering import take_codes
from ukm_actors.nodes.marketing.core.tables import MkCoupon, MkCouponCampaign

MAX_BATCH = 100_000


def create_campaign(session: Session, data: dict[str, Any], now: datetime) -> MkCouponCampaign:
    """A coupon campaign: ``id``, ``name``, ``prefix``, ``length`` (13), ``check_digit``
    (true), and ``valid_days`` or ``valid_until`` (UTC ``yyyy-mm-ddThh:mm:ss``)."""
    cid = data.get("id")
    if not isinstance(cid, str) or not cid or len(cid) > 60:
        raise BadRequest(_("coupon campaign 'id' must be 1 to 60 characters"))
    if session.get(MkCouponCampaign, cid) is not None:
        raise Conflict(_("coupon campaign {id} already exists", id=repr(cid)))
    prefix = data.get("prefix", "")
    length = data.get("length", 13)
    check = data.get("check_digit", True)
    if not isinstance(prefix, str) or not prefix.isalnum() or len(prefix) > 20:
        raise BadRequest(
            _("coupon campaign {id}: 'prefix' must be 1 to 20 letters or digits", id=repr(cid))
        )
    if not isinstance(length, int) or not 4 <= length <= 40 or not isinstance(check, bool):
        raise BadRequest(
            f"coupon campaign {cid!r}: 'length' must be 4..40, 'check_digit' true/false"
        )
    try:
        serial_width(prefix, length, check)
    except CodeError as exc:
        raise BadRequest(f"coupon campaign {cid!r}: {exc}") from None
    valid_days = data.get("valid_days")
    valid_until = data.get("valid_until")
    if valid_days is not None and (not isinstance(valid_days, int) or valid_days <= 0):
        raise BadRequest(
            _("coupon campaign {id}: 'valid_days' must be a positive number", id=repr(cid))
        )
    until: datetime | None = None
    if valid_until is not None:
        try:
            until = datetime.fromisoformat(str(valid_until).rstrip("Z"))
        except ValueError:
            raise BadRequest(f"coupon campaign {cid!r}: 'valid_until' is not a date-time") from None
    row = MkCouponCampaign(
        id=cid,
        name=str(data.get("name") or cid),
        prefix=prefix,
        length=length,
        check_digit=check,
        valid_days=valid_days,
        valid_until=until,
        next_serial=1,
        enabled=True,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def _campaign_for_update(session: Session, campaign_id: str) -> MkCouponCampaign:
    row = session.execute(
        select(MkCouponCampaign).where(MkCouponCampaign.id == campaign_id).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(_("there is no coupon campaign {id}", id=repr(campaign_id)))
    if not row.enabled:
        raise Conflict(
            _("coupon campaign {id} is disabled; it issues no coupons", id=repr(campaign_id))
        )
    return row


def _expiry(c: MkCouponCampaign, now: datetime) -> datetime | None:
    ends = now + timedelta(days=c.valid_days) if c.valid_days else None
    if c.valid_until is not None:
        ends = min(ends, c.valid_until) if ends else c.valid_until
    return ends


def _codes(c: MkCouponCampaign, count: int) -> list[str]:
    return take_codes(c, count, secrets.token_hex(8), "coupon campaign")


def issue_batch(
    session: Session, campaign_id: str, count: int, now: datetime
) -> tuple[str, list[str]]:
    """``count`` new unique codes of the campaign; returns the batch id and the codes."""
    if not isinstance(count, int) or not 1 <= count <= MAX_BATCH:
        raise BadRequest(
            _("a batch has 1 to {most} coupons, not {count}", most=MAX_BATCH, count=repr(count))
        )
    c = _campaign_for_update(session, campaign_id)
    batch = f"{campaign_id}-{now:%Y%m%d%H%M%S}-{c.next_serial}"
    codes = _codes(c, count)
    expires = _expiry(c, now)
    session.bulk_insert_mappings(
        MkCoupon,  # type: ignore[arg-type]
        [
            {
                "code": code,
                "campaign_id": c.id,
                "state": "issued",
                "batch": batch,
                "issued_at": now,
                "expires_at": expires,
            }
            for code in codes
        ],
    )
    return batch, codes


def issue_for_receipt(
    session: Session, campaign_id: str, receipt_id: str, now: datetime
) -> MkCoupon:
    """The coupon printed on ``receipt_id`` (the same one if asked again)."""
    existing = session.execute(
        select(MkCoupon).where(
            MkCoupon.campaign_id == campaign_id, MkCoupon.issued_receipt == receipt_id
        )
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    c = _campaign_for_update(session, campaign_id)
    (code,) = _codes(c, 1)
    row = MkCoupon(
        code=code,
        campaign_id=c.id,
        state="issued",
        issued_receipt=receipt_id,
        issued_at=now,
        expires_at=_expiry(c, now),
    )
    session.add(row)
    session.flush()
    return row


def rules(session: Session) -> list[CouponRule]:
    return [
        CouponRule(r.id, r.prefix, r.length, r.check_digit)
        for r in session.execute(select(MkCouponCampaign)).scalars()
    ]


def _unknown(session: Session, code: str) -> CouponRefused:
    rule = recognise(code, rules(session))
    looks = any(code.startswith(r.prefix) for r in rules(session))
    if rule is None and looks:
        return CouponRefused(
            _("coupon {code} is mistyped: its check digit does not match", code=code),
            code="coupon.mistyped",
            hint=_("scan the coupon again or type its code carefully"),
        )
    return CouponRefused(
        _("coupon {code} is unknown: no coupon was issued with this code", code=code),
        code="coupon.unknown",
    )


def _refusal(session: Session, row: MkCoupon | None, code: str, now: datetime) -> CouponRefused:
    if row is None:
        return _unknown(session, code)
    if row.state == "redeemed":
        when = f"{row.redeemed_at:%Y-%m-%d %H:%M} UTC" if row.redeemed_at else "—"
        if row.redeemed_by:
            message = _(
                "coupon {code} was already used on {when} at {till}; a coupon can be used once",
                code=code,
                when=when,
                till=row.redeemed_by,
            )
        else:
            message = _(
                "coupon {code} was already used on {when}; a coupon can be used once",
                code=code,
                when=when,
            )
        return CouponRefused(message, code="coupon.used")
    if row.expires_at is not None and row.expires_at <= now:
        return CouponRefused(
            _(
                "coupon {code} expired on {when} UTC",
                code=code,
                when=f"{row.expires_at:%Y-%m-%d %H:%M}",
            ),
            code="coupon.expired",
        )
    campaign = session.get(MkCouponCampaign, row.campaign_id)
    if campaign is not None and not campaign.enabled:
        return CouponRefused(
            _(
                "coupon {code}: its campaign {campaign} has been stopped",
                code=code,
                campaign=row.campaign_id,
            ),
            code="coupon.expired",
        )
    return CouponRefused(_("coupon {code} cannot be used now", code=code), code="coupon.refused")


@dataclass(frozen=True)
class CouponView:
    code: str
    campaign_id: str
    state: str
    expires_at: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "campaign_id": self.campaign_id,
            "state": self.state,
            "expires_at": self.expires_at,
            "valid": self.state == "issued",
        }


def check(session: Session, code: str, now: datetime) -> CouponView:
    """The coupon if it can be used now; otherwise ``CouponRefused`` saying why."""
    row = session.get(MkCoupon, code)
    usable = (
        row is not None
        and row.state == "issued"
        and (row.expires_at is None or row.expires_at > now)
    )
    if not usable or row is None:
        raise _refusal(session, row, code, now)
    campaign = session.get(MkCouponCampaign, row.campaign_id)
    if campaign is not None and not campaign.enabled:
        raise _refusal(session, row, code, now)
    return CouponView(row.code, row.campaign_id, row.state, iso_utc(row.expires_at, z=True))


def usable(
    session: Session, codes: list[str], now: datetime
) -> tuple[list[PresentedCoupon], dict[str, str], dict[str, str]]:
    """The presented codes that can be used now; for each code a word (ok or why not)
    and a code (ok or the refusal's code: ``coupon.used``…)."""
    ok: list[PresentedCoupon] = []
    verdicts: dict[str, str] = {}
    refusals: dict[str, str] = {}
    for code in codes:
        try:
            view = check(session, code, now)
        except CouponRefused as exc:
            verdicts[code], refusals[code] = exc.message, exc.code
            continue
        ok.append(PresentedCoupon(view.code, view.campaign_id))
        verdicts[code] = refusals[code] = "ok"
    return ok, verdicts, refusals


def redeem(session: Session, code: str, receipt_id: str, till: str, now: datetime) -> CouponView:
    """Mark the coupon used by ``receipt_id`` — once, chain-wide (see the module doc)."""
    result = session.execute(
        update(MkCoupon)
        .where(
            MkCoupon.code == code,
            MkCoupon.state == "issued",
            or_(MkCoupon.expires_at.is_(None), MkCoupon.expires_at > now),
            MkCoupon.campaign_id.in_(
                select(MkCouponCampaign.id).where(MkCouponCampaign.enabled.is_(True))
            ),
        )
        .values(state="redeemed", redeemed_at=now, redeemed_receipt=receipt_id, redeemed_by=till)
        .execution_options(synchronize_session=False)
    )
    done = cast("CursorResult[Any]", result).rowcount
    row = session.get(MkCoupon, code)
    if row is not None:
        session.refresh(row)
    if done != 1:
        if row is not None and row.state == "redeemed" and row.redeemed_receipt == receipt_id:
            return CouponView(row.code, row.campaign_id, row.state, iso_utc(row.expires_at, z=True))
        raise _refusal(session, row, code, now)
    assert row is not None
    return CouponView(row.code, row.campaign_id, row.state, iso_utc(row.expires_at, z=True))
