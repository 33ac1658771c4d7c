"""Qianyi errors, rendered in the vendor's own two-layer envelope (spec §4).

Two kinds of failure exist:

* **outer** (:class:`OuterError`): platform, auth or system errors. The HTTP body's own ``state`` is
  ``"failure"`` and ``errorCode``/``errorMsg`` say why; there is no usable ``bizContent``.
* **business** (:class:`BizError`): the outer ``state`` is ``"success"`` and ``bizContent`` (a JSON
  *string*) holds ``{"errorCode", "errorMsg", "notSuccess": true, "state": "failure"}``.

Documented or observed codes are used verbatim: ``APP_NOT_EXIST`` and ``SYSTEM_ERROR`` [OBS],
``DATA_INPUT_ERROR`` [DOC], ``SKU_NOT_EXISTS_WITH_ARGS`` and ``order.id.exist`` [OBS]. Every other code
here is INVENTED by the sandbox (the docs publish no error-code table, spec §4.2/§11) and listed in the
README.
"""

from __future__ import annotations

from typing import Any

# -- documented / observed --------------------------------------------------------------------------
APP_NOT_EXIST = "APP_NOT_EXIST"
"""[OBS] unknown or missing appId; body ``{"errorCode","errorMsg":"app不存在","state":"failure","success":false}``."""
SYSTEM_ERROR = "SYSTEM_ERROR"
"""[OBS] server error; body ``{"state":"failure","errorCode","errorMsg","bizContent":null,"requestId":null}``."""
DATA_INPUT_ERROR = "DATA_INPUT_ERROR"
"""[DOC] a parameter is missing, of the wrong type, too long or out of range."""
SKU_NOT_EXISTS_WITH_ARGS = "SKU_NOT_EXISTS_WITH_ARGS"
"""[OBS] unknown SKU(s); message ``sku不存在，具体清单如下: A; B; ``."""
ORDER_ID_EXIST = "order.id.exist"
"""[OBS] duplicate onlineOrderNumber on CREATE_SALES_ORDER; message ``订单号已存在``."""

# -- INVENTED ---------------------------------------------------------------------------------------
SIGN_ERROR = "SIGN_ERROR"
"""INVENTED: the ``sign`` does not match."""
TIMESTAMP_EXPIRED = "TIMESTAMP_EXPIRED"
"""INVENTED: timestamp outside the allowed skew (switch ``timestamp_max_skew_seconds``, off by default)."""
SERVICE_TYPE_NOT_EXIST = "SERVICE_TYPE_NOT_EXIST"
"""INVENTED: unknown serviceType, or one posted to another module's path."""
TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS"
"""INVENTED: throttled (switch ``rate_limit_enabled``, off by default)."""
NOT_FOUND = "NOT_FOUND"
"""INVENTED: no such module path (HTTP 404)."""
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
"""INVENTED: known module path, method other than POST (HTTP 405)."""
SKU_EXIST = "sku.exist"
"""INVENTED: INSERT_SKU_INFO of an existing sku, only with switch ``duplicate_sku="sku.exist"``."""

DATA_INPUT_MESSAGE = "The input of Params is incorrect"
"""[DOC] the documented errorMsg of DATA_INPUT_ERROR; the sandbox appends the reason after ``: ``."""
APP_NOT_EXIST_MESSAGE = "app不存在"
SYSTEM_ERROR_MESSAGE = "系统异常,请联系官方人员"
ORDER_ID_EXIST_MESSAGE = "订单号已存在"


class OuterError(Exception):
    """A failure of the outer layer: ``state: failure`` in the HTTP body itself.

    :param code: errorCode
    :param message: errorMsg
    :param http_status: HTTP status (200 unless said otherwise)
    :param shape: ``"app"`` (the observed APP_NOT_EXIST body, with ``success: false`` and no bizContent)
        or ``"system"`` (the observed SYSTEM_ERROR body, with ``bizContent: null, requestId: null``)
    """

    def __init__(self, code: str, message: str, *, http_status: int = 200, shape: str = "system",
                 headers: dict[str, str] | None = None) -> None:
        self.code, self.message, self.http_status, self.shape = code, message, http_status, shape
        self.headers = headers or {}
        super().__init__(f"{code}: {message}")

    def body(self) -> dict[str, Any]:
        """Return the HTTP body."""
        return outer_failure(self.code, self.message, self.shape)


class BizError(Exception):
    """A business failure: outer ``state: success``, bizContent ``notSuccess: true``.

    :param code: errorCode inside bizContent
    :param message: errorMsg inside bizContent
    """

    def __init__(self, code: str, message: str) -> None:
        self.code, self.message = code, message
        super().__init__(f"{code}: {message}")

    def biz_content(self) -> dict[str, Any]:
        """Return the bizContent object (serialized into a string by the response layer)."""
        return {"errorCode": self.code, "errorMsg": self.message, "notSuccess": True, "state": "failure"}


def data_input_error(reason: str) -> BizError:
    """A ``DATA_INPUT_ERROR`` with the documented message and the reason appended."""
    return BizError(DATA_INPUT_ERROR, f"{DATA_INPUT_MESSAGE}: {reason}")


def unknown_skus(codes: list[str]) -> BizError:
    """``SKU_NOT_EXISTS_WITH_ARGS`` listing ``codes`` in the observed message format."""
    listed = "".join(f"{code}; " for code in codes)
    return BizError(SKU_NOT_EXISTS_WITH_ARGS, f"sku不存在，具体清单如下: {listed}")


def outer_failure(code: str, message: str, shape: str = "system") -> dict[str, Any]:
    """Build an outer failure body.

    :param code: errorCode
    :param message: errorMsg
    :param shape: ``"app"`` or ``"system"`` (see :class:`OuterError`)
    :return: the body
    """
    if shape == "app":
        return {"errorCode": code, "errorMsg": message, "state": "failure", "success": False}
    return {"state": "failure", "errorCode": code, "errorMsg": message, "bizContent": None, "requestId": None}


def envelope(code: int, message: str) -> dict[str, Any]:
    """Build a Qianyi outer failure body for the shared ``envelope`` faults.

    The shared fault rules carry integer codes; Qianyi codes are strings, so the code is rendered as its
    decimal string (``/_sandbox/qianyi/faults`` takes string codes such as ``SYSTEM_ERROR``).

    :param code: the rule's code
    :param message: errorMsg
    :return: the body
    """
    return outer_failure(str(code), message)
