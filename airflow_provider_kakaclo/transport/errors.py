"""One typed error tree for every vendor, mapped in one place per vendor (its decoder).

Every text an error carries is redacted when the error is built: the credentials of the
connections this process uses (registered by the transports) and those of the call in flight
(e.g. a Qianyi signature, set by the transport around decoding) become ``***``, even when the vendor
or a gateway echoed them back.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from urllib.parse import quote, quote_plus

from airflow.providers.common.compat.sdk import AirflowException

REDACTED = "***"
#: Shorter strings are not treated as secrets: replacing them would mangle ordinary text.
MIN_SECRET_LENGTH = 6
_known: set[str] = set()
_known_lock = threading.Lock()
_in_flight: ContextVar[frozenset[str]] = ContextVar("kakaclo_provider_secrets", default=frozenset())


def _forms(secret: str) -> set[str]:
    """The secret as it may appear in a reply: verbatim, JSON-escaped, URL-encoded."""
    return {secret, json.dumps(secret)[1:-1], quote(secret, safe=""), quote_plus(secret)}


def register_secrets(secrets: Iterable[str | None]) -> None:
    """Remember a connection's secrets for the life of the process (like Airflow's masker)."""
    new = {form for secret in secrets if secret and len(secret) >= MIN_SECRET_LENGTH for form in _forms(secret)}
    if new - _known:
        with _known_lock:
            _known.update(new)


@contextlib.contextmanager
def secrets_in_flight(secrets: Iterable[str | None]) -> Iterator[None]:
    """Within the block, also redact these per-call secrets (e.g. a signature)."""
    extra = {form for secret in secrets if secret and len(secret) >= MIN_SECRET_LENGTH for form in _forms(secret)}
    token = _in_flight.set(_in_flight.get() | extra)
    try:
        yield
    finally:
        _in_flight.reset(token)


def redact(text: str) -> str:
    """``text`` with every known secret replaced by ``***`` (longest first, so none leaks in part)."""
    if not isinstance(text, str):
        text = str(text)
    secrets = _known | _in_flight.get()
    for secret in sorted(secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def redact_bytes(content: bytes) -> bytes:
    """Like :func:`redact` for a reply body, before any text is cut out of it."""
    secrets = _known | _in_flight.get()
    for secret in sorted(secrets, key=len, reverse=True):
        raw = secret.encode("utf-8")
        if raw in content:
            content = content.replace(raw, REDACTED.encode())
    return content


class VendorError(AirflowException):
    """A call to a vendor failed: in its envelope, its HTTP status, the network, or our own checks.

    :param vendor: ``kakaclo``, ``qianyi`` or ``birdsystem``.
    :param endpoint: what was called, e.g. ``GET /openapi/v1/product/stocks`` or ``sku QUERY_SIMPLE_LIST_SKU``.
    :param message: the vendor's message, verbatim where it gave one.
    :param code: the vendor's error code, verbatim (``str``), when it gave one.
    :param http_status: the HTTP status of the reply, when there was one.
    """

    #: Whether repeating the same call may succeed (throttling, server fault, network).
    retryable: bool = False
    #: Whether the vendor certainly did not act on the request (safe to repeat even a write).
    not_processed: bool = False
    #: The Airflow connection whose call failed (set by the hook; part of the message then).
    conn_id: str | None = None

    def __init__(
        self,
        vendor: str,
        endpoint: str,
        message: str,
        *,
        code: str | None = None,
        http_status: int | None = None,
    ) -> None:
        message = redact(message)
        code = redact(code) if code is not None else None
        self.vendor = vendor
        self.endpoint = endpoint = redact(endpoint)
        self.message = message
        self.code = code
        self.http_status = http_status
        details = ", ".join(
            part
            for part in (f"code={code}" if code is not None else "", f"http={http_status}" if http_status else "")
            if part
        )
        super().__init__(f"{vendor} {endpoint}: {message}" + (f" ({details})" if details else ""))

    def __reduce__(self):  # keep errors picklable across processes (triggerer, executors)
        return (
            _rebuild,
            (type(self), self.vendor, self.endpoint, self.message, self.code, self.http_status, self.__dict__),
        )


def _rebuild(cls, vendor, endpoint, message, code, http_status, state):
    err = cls.__new__(cls)
    VendorError.__init__(err, vendor, endpoint, message, code=code, http_status=http_status)
    err.__dict__.update(state)
    return err


class RequestValidationError(VendorError, ValueError):
    """Our own checks refused the input; nothing was sent to the vendor."""

    not_processed = True


class PrecheckError(VendorError):
    """A read-only check before a write found it would fail (SKU off sale, no stock, low balance).

    Nothing was written.
    """

    not_processed = True


class AuthenticationError(VendorError):
    """The vendor refused the credentials (bad or rotated token, unknown appId, wrong api_key)."""

    not_processed = True


class ThrottledError(VendorError):
    """The vendor's rate limit refused the call (HTTP 429); it did not act on it."""

    retryable = True
    not_processed = True

    def __init__(self, *args, retry_after: float | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.retry_after = retry_after


class NotFoundError(VendorError):
    """The vendor says the thing asked for does not exist."""


class BusinessError(VendorError):
    """The vendor understood the call and refused it; ``code`` is its own code, verbatim."""


class ServerError(VendorError):
    """A server-side fault (HTTP 5xx that is not a business answer): worth another try."""

    retryable = True


class MalformedResponseError(VendorError):
    """The reply could not be decoded (HTML page, truncated JSON, missing envelope fields)."""

    retryable = True


class TransportError(VendorError):
    """The network failed: connection refused, timeout, dropped connection."""

    retryable = True

    def __init__(self, *args, not_processed: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.not_processed = not_processed


class DeadlineExceededError(TransportError):
    """The whole exchange (connect, send, headers and body) outlasted the call's total deadline.

    Retryable for reads; for a write the outcome is unknown, so it settles as
    :class:`AmbiguousWriteError`.
    """


class AmbiguousWriteError(VendorError):
    """A write that is not safe to repeat failed in a way that leaves its outcome unknown.

    The vendor may or may not have committed it: reconcile (look it up by its reference) before
    trying again. Raised instead of retrying blindly.
    """

    def __init__(self, cause: VendorError) -> None:
        super().__init__(
            cause.vendor,
            cause.endpoint,
            f"outcome unknown, the vendor may have committed the write: {cause.message}",
            code=cause.code,
            http_status=cause.http_status,
        )
        self.cause = cause
