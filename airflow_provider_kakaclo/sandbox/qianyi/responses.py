"""The Qianyi wire format: ``POST /api/v1/{module}`` form posts, the signature, the two-layer envelope.

Request path of one call: read the form (multipart or urlencoded) -> count the serviceType -> a
``/_sandbox/qianyi/faults`` rule may answer instead -> outer checks (appId, required fields, sign,
timestamp, serviceType and module, throttling) -> bizParam JSON -> the serviceType's handler
(``services.py``) -> ``{"state":"success","errorCode":"","errorMsg":"","bizContent":"<JSON string>",
"requestId"}``. Nothing malformed ends in an unhandled 500: every failure is a Qianyi envelope.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from . import errors
from .errors import BizError, OuterError
from .services import ALIASES, MODULES, SERVICES
from .signing import sign
from .state import QianyiBackend, ServiceFault

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
REQUIRED_FIELDS = ("serviceType", "bizParam", "timestamp", "sign")
MAX_PART_BYTES = 16 * 1024 * 1024
_DIGITS = re.compile(r"^\d{1,18}$")
_HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def biz_content(content: dict[str, Any]) -> str:
    """Serialize bizContent compactly, non-ASCII kept (as the documented example)."""
    return json.dumps(content, ensure_ascii=False, separators=(",", ":"))


def success_body(content: dict[str, Any], request_id: str) -> dict[str, Any]:
    """The outer envelope around a bizContent object (spec §4.1)."""
    return {"state": "success", "errorCode": "", "errorMsg": "", "bizContent": biz_content(content),
            "requestId": request_id}


def biz_failure_body(error: BizError, request_id: str) -> dict[str, Any]:
    """Outer success, bizContent ``notSuccess: true`` ([OBS] JS-MOCK)."""
    return success_body(error.biz_content(), request_id)


async def read_form(request: Request) -> dict[str, str]:
    """Return the form fields (the last value of a repeated field; file parts decoded as UTF-8).

    :raises OuterError: DATA_INPUT_ERROR when the body is not a readable form
    """
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type not in FORM_TYPES:
        raise OuterError(errors.DATA_INPUT_ERROR,
                         f"{errors.DATA_INPUT_MESSAGE}: Content-Type must be multipart/form-data "
                         f"(or application/x-www-form-urlencoded), got {content_type or 'none'!r}")
    try:
        form = await request.form(max_part_size=MAX_PART_BYTES)
        fields: dict[str, str] = {}
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                fields[name] = (await value.read()).decode("utf-8")
            else:
                fields[name] = value
        return fields
    except Exception as exc:  # malformed multipart, bad encodings, limits: all one failure
        detail = getattr(exc, "detail", None) or str(exc) or type(exc).__name__
        raise OuterError(errors.DATA_INPUT_ERROR,
                         f"{errors.DATA_INPUT_MESSAGE}: malformed form body ({detail})") from None


class Gateway:
    """The outer checks and dispatch of one module path."""

    def __init__(self, backend: QianyiBackend) -> None:
        self.backend = backend

    def check_envelope(self, fields: dict[str, str], module: str) -> str:
        """Run the outer checks; return the canonical serviceType.

        :raises OuterError: APP_NOT_EXIST, DATA_INPUT_ERROR, AUTH_001 or SIGN_ERROR, TIMESTAMP_EXPIRED,
            SERVICE_TYPE_NOT_EXIST or TOO_MANY_REQUESTS
        """
        backend, switches = self.backend, self.backend.switches
        app_id = fields.get("appId")
        secret = backend.app_secret(app_id) if app_id else None
        if secret is None:
            raise OuterError(errors.APP_NOT_EXIST, errors.APP_NOT_EXIST_MESSAGE, shape="app")
        missing = [name for name in REQUIRED_FIELDS if not fields.get(name)]
        if missing:
            raise OuterError(errors.DATA_INPUT_ERROR, f"{errors.DATA_INPUT_MESSAGE}: missing {missing}")
        if switches["verify_signature"]:
            given = fields["sign"]
            expected = sign(fields, secret)
            ok = given == expected if switches["sign_case"] == "lower" else given.lower() == expected
            if not ok:
                reason = "sign must be 32 lowercase hex characters" if not _HEX32.match(given) else "sign mismatch"
                raise OuterError(switches["auth_error_code"], f"签名错误 ({reason})")
        timestamp = fields["timestamp"]
        if not _DIGITS.match(timestamp):
            raise OuterError(errors.DATA_INPUT_ERROR,
                             f"{errors.DATA_INPUT_MESSAGE}: timestamp must be milliseconds since the epoch")
        skew = switches["timestamp_max_skew_seconds"]
        if skew:
            value = int(timestamp)
            seconds = value if value < 10**11 else value / 1000
            if abs(seconds - backend.now()) > skew:
                raise OuterError(errors.TIMESTAMP_EXPIRED, f"timestamp {timestamp} is outside ±{skew}s")
        service_type = fields["serviceType"]
        canonical = ALIASES.get(service_type, service_type) if switches["enable_sku_alias"] else service_type
        service = SERVICES.get(canonical)
        if service is None or (canonical == "QUERY_SIMPLE_LIST_INVENTORY" and switches["inventory_v1"] == "reject"):
            raise OuterError(errors.SERVICE_TYPE_NOT_EXIST, f"serviceType {service_type} does not exist")
        if service.module != module and switches["wrong_module"] == "error":
            raise OuterError(errors.SERVICE_TYPE_NOT_EXIST,
                             f"serviceType {service_type} does not exist on /api/v1/{module} "
                             f"(it belongs to /api/v1/{service.module})")
        wait = backend.admit(app_id)
        if wait is not None:
            headers = {"Retry-After": str(max(1, math.ceil(wait)))} if math.isfinite(wait) else {}
            raise OuterError(errors.TOO_MANY_REQUESTS, "too many requests",
                             http_status=switches["throttle_http_status"], headers=headers)
        return canonical

    def process(self, fields: dict[str, str], module: str) -> tuple[int, dict[str, Any], dict[str, str], str]:
        """Process one call.

        :return: ``(HTTP status, body, headers, outcome)``; outcome is ``"success"`` or the errorCode
        """
        backend = self.backend
        try:
            canonical = self.check_envelope(fields, module)
        except OuterError as error:
            return error.http_status, error.body(), error.headers, error.code
        request_id = backend.request_id()
        try:
            try:
                biz = json.loads(fields["bizParam"], parse_constant=_reject_constant)
            except ValueError as exc:
                raise errors.data_input_error(f"bizParam is not valid JSON ({exc})") from None
            if not isinstance(biz, dict):
                raise errors.data_input_error("bizParam must be a JSON object")
            content = SERVICES[canonical].handler(backend, biz)
        except BizError as error:
            return 200, biz_failure_body(error, request_id), {}, error.code
        if canonical in SKU_WRITES:
            return 200, write_success_body(backend.switches["write_reply"], content, request_id), {}, "success"
        return 200, success_body({"notSuccess": False, "state": "success", **content}, request_id), {}, "success"


SKU_WRITES = frozenset({"INSERT_SKU_INFO", "UPDATE_SKU_INFO", "UPDATE_SKU_STATUS"})
"""The writes of seed §1.2-1.4, whose success reply is shaped by the switch ``write_reply`` (spec §11b Q1)."""


def write_success_body(reading: str, content: dict[str, Any], request_id: str) -> dict[str, Any]:
    """The success reply of a SKU write under one reading of the seed's response table."""
    status = {"errorCode": "", "errorMsg": "", "notSuccess": False, "state": "success"}
    if reading == "result":
        return success_body({**status, **content}, request_id)
    if reading == "status":
        return success_body(status, request_id)
    body = success_body(status, request_id)
    if reading == "absent":
        del body["bizContent"]
    else:
        body["bizContent"] = None if reading == "null" else ""
    return body


def fault_response(rule: ServiceFault, backend: QianyiBackend) -> tuple[int, Any]:
    """The answer of an ``error``/``status`` serviceType fault."""
    if rule.action == "status":
        return rule.status or 500, rule.body
    if rule.layer == "biz":
        error = BizError(rule.code, rule.message or "sandbox injected error")
        return rule.status or 200, biz_failure_body(error, backend.request_id())
    message = rule.message or (errors.SYSTEM_ERROR_MESSAGE if rule.code == errors.SYSTEM_ERROR
                               else "sandbox injected error")
    return rule.status or 200, errors.outer_failure(rule.code, message)


def fault_outcome(rule: ServiceFault, status: int) -> str:
    """How a faulted call is recorded in the per-serviceType outcomes: its errorCode, or ``HTTP_<status>``."""
    return rule.code if rule.action == "error" else f"HTTP_{status}"


def render(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    if body is None:
        return Response(status_code=status, headers=headers)
    if isinstance(body, (str, bytes)):
        return Response(body, status_code=status, headers=headers, media_type="text/plain")
    return JSONResponse(body, status_code=status, headers=headers)


def create_vendor_app(backend: QianyiBackend, _switches: Any = None) -> FastAPI:
    """Build the Qianyi app: one ``POST /api/v1/{module}`` route per module path.

    :param backend: the backend
    :return: the app, mounted at ``/qianyi``
    """
    app = FastAPI(title="Qianyi ERP Open API (sandbox)", docs_url=None, redoc_url=None, openapi_url=None)
    gateway = Gateway(backend)

    async def call(request: Request, module: str) -> Response:
        service_type = None
        try:
            fields = await read_form(request)
            service_type = fields.get("serviceType") or None
            if service_type is not None:
                backend.count_call(service_type)
                rule = backend.take_fault(service_type)
                if rule is not None and rule.action == "delay":
                    await asyncio.sleep(rule.seconds)
                    rule = None
                if rule is not None and not rule.after_commit:
                    status, body = fault_response(rule, backend)
                    backend.record_outcome(service_type, fault_outcome(rule, status))
                    return render(status, body)
            else:
                rule = None
            status, body, headers, outcome = gateway.process(fields, module)
            if rule is not None:  # after_commit: the call was processed, its answer is lost
                status, body = fault_response(rule, backend)
                outcome = fault_outcome(rule, status)
            if service_type is not None:
                backend.record_outcome(service_type, outcome)
            return render(status, body, headers)
        except OuterError as error:
            if service_type is not None:
                backend.record_outcome(service_type, error.code)
            return render(error.http_status, error.body(), error.headers)
        except Exception:  # a sandbox bug: still the vendor's SYSTEM_ERROR envelope, HTTP 500
            if service_type is not None:
                backend.record_outcome(service_type, errors.SYSTEM_ERROR)
            return render(500, errors.outer_failure(errors.SYSTEM_ERROR, errors.SYSTEM_ERROR_MESSAGE))

    def route(module: str):
        async def endpoint(request: Request) -> Response:
            return await call(request, module)

        endpoint.__name__ = f"post_{module}"
        return endpoint

    for module in MODULES:
        app.add_api_route(f"/api/v1/{module}", route(module), methods=["POST"])

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return render(404, errors.outer_failure(errors.NOT_FOUND, "no such module path; use POST /api/v1/<module> "
                                                    f"with module one of {list(MODULES)}"))
        if exc.status_code == 405:
            return render(405, errors.outer_failure(errors.METHOD_NOT_ALLOWED, "only POST is supported"))
        return render(exc.status_code, errors.outer_failure(errors.SYSTEM_ERROR, str(exc.detail)))

    @app.exception_handler(RequestValidationError)
    async def request_validation(_request: Request, exc: RequestValidationError) -> Response:
        return render(200, errors.outer_failure(errors.DATA_INPUT_ERROR, errors.DATA_INPUT_MESSAGE))

    @app.exception_handler(Exception)
    async def internal(_request: Request, exc: Exception) -> Response:
        return render(500, errors.outer_failure(errors.SYSTEM_ERROR, errors.SYSTEM_ERROR_MESSAGE))

    return app
