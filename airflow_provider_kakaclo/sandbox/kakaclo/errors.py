"""KakaClo errors, rendered in the vendor envelope ``{"code": <int>, "message": <text>}``.

Only ``10000`` (success) is documented (spec §5.1, §10); the failure codes below are INVENTED by the
sandbox, one per failure class, and listed in the sandbox README. A client must treat any code other
than 10000 as a failure and should not depend on these numbers.
"""

from __future__ import annotations

SUCCESS_CODE = 10000


class KakaCloError(Exception):
    """A failure answered in the KakaClo envelope.

    ``http_status`` of ``None`` means "the business-error status" (switch
    ``business_error_http_status``, HTTP 200 by default, spec §5.2 inference).
    """

    code = 50000
    http_status: int | None = None
    default_message = "error"

    def __init__(self, message: str | None = None) -> None:
        """:param message: human-readable reason, sent as ``message``"""
        self.message = message or self.default_message
        super().__init__(self.message)

    def envelope(self) -> dict:
        """Return the error body."""
        return {"code": self.code, "message": self.message}


class MalformedRequest(KakaCloError):
    """The body is not JSON, or not a JSON object. INVENTED code 40000."""

    code = 40000
    default_message = "malformed request"


class ValidationFailed(KakaCloError):
    """A parameter is missing, of the wrong type, too long or out of range. INVENTED code 40001."""

    code = 40001
    default_message = "invalid parameter"


class Unauthorized(KakaCloError):
    """Missing or unknown bearer token (only used when ``auth_error_body`` is ``envelope``). INVENTED 40100."""

    code = 40100
    http_status = 401
    default_message = "unauthorized"


class NotFound(KakaCloError):
    """An order, refund or design model that does not exist. INVENTED code 40400."""

    code = 40400
    default_message = "not found"


class RouteNotFound(KakaCloError):
    """No such endpoint. INVENTED code 40404, HTTP 404."""

    code = 40404
    http_status = 404
    default_message = "no such endpoint"


class MethodNotAllowed(KakaCloError):
    """Known path, wrong HTTP method. INVENTED code 40500, HTTP 405."""

    code = 40500
    http_status = 405
    default_message = "method not allowed"


class RateLimited(KakaCloError):
    """Throttled (only used when ``throttle_body`` is ``envelope``). INVENTED code 42900, HTTP 429."""

    code = 42900
    http_status = 429
    default_message = "too many requests"


class UnknownSku(KakaCloError):
    """An order or freight request names a SKU that is not in the catalog. INVENTED code 60001."""

    code = 60001
    default_message = "sku not found"


class SkuUnavailable(KakaCloError):
    """The SKU exists but its skuStatus is not 1 (on the shelf). INVENTED code 60002."""

    code = 60002
    default_message = "sku is not on sale"


class InsufficientStock(KakaCloError):
    """No enabled warehouse holds the quantity ordered. INVENTED code 60003."""

    code = 60003
    default_message = "insufficient stock"


class InsufficientBalance(KakaCloError):
    """The prepaid balance does not cover items + freight. INVENTED code 60004."""

    code = 60004
    default_message = "insufficient balance, please top up"


class NotRefundable(KakaCloError):
    """The order was shipped, cancelled or has nothing left to refund. INVENTED code 60005."""

    code = 60005
    default_message = "order can not be refunded"


class DuplicateCustomOrderId(KakaCloError):
    """``customOrderId`` already used (only when ``duplicate_custom_order_id`` is ``reject``). INVENTED 60006."""

    code = 60006
    default_message = "duplicate customOrderId"


class InternalError(KakaCloError):
    """Unexpected sandbox failure, still answered in the envelope. INVENTED code 50000, HTTP 500."""

    code = 50000
    http_status = 500
    default_message = "internal error"


ERROR_CLASSES: tuple[type[KakaCloError], ...] = (
    MalformedRequest, ValidationFailed, Unauthorized, NotFound, RouteNotFound, MethodNotAllowed, RateLimited,
    UnknownSku, SkuUnavailable, InsufficientStock, InsufficientBalance, NotRefundable, DuplicateCustomOrderId,
    InternalError,
)
"""Every error class, for documentation and tests."""


def envelope(code: int, message: str) -> dict:
    """Build a KakaClo error body (used by ``envelope`` faults).

    :param code: vendor code
    :param message: message text
    :return: the body
    """
    return {"code": code, "message": message}
