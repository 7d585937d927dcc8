"""Refusals of the marketing server; each ``code`` reaches a till as ``RemoteError.code``."""

from __future__ import annotations

from ukm_actors.errors import UkmError


class MarketingError(UkmError):
    """Base of the marketing server's deliberate refusals."""

    code = "marketing.error"


class NotFound(MarketingError):
    code = "marketing.not_found"
    http_status = 404


class Conflict(MarketingError):
    code = "marketing.conflict"
    http_status = 409


class BadRequest(MarketingError):
    code = "marketing.bad_request"
    http_status = 400


class CouponRefused(MarketingError):
    """A coupon that cannot be used: ``coupon.unknown``, ``coupon.used``, ``coupon.expired``."""

    code = "coupon.refused"
    http_status = 409


class CertificateRefused(MarketingError):
    """``certificate.unknown``, ``.not_sold``, ``.used_up``, ``.expired``, ``.already_sold``…"""

    code = "certificate.refused"
    http_status = 409


class CardRefused(MarketingError):
    """``card.unknown``, ``card.blocked``, ``bonus.insufficient``, ``bonus.limit``."""

    code = "card.refused"
    http_status = 409


def require_text(message: dict[str, object], key: str, what: str) -> str:
    """``message[key]`` as non-empty text, or a ``BadRequest`` naming it."""
    value = message.get(key)
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"{what}: {key!r} is missing or empty")
    return value.strip()


def require_amount(message: dict[str, object], key: str, what: str) -> int:
    """``message[key]`` as a positive integer amount (kopecks or points)."""
    value = message.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise BadRequest(f"{what}: {key!r} must be a positive whole number of kopecks")
    return value
