"""The one HTTP layer every hook of this provider goes through.

Hooks describe a call (method, path, payload, whether it is safe to repeat); a vendor ``Wire``
applies auth per attempt and decodes the envelope; :class:`Transport` (``requests``) and
:class:`AsyncTransport` (``httpx``) send it with timeouts, a client-side rate limiter and tenacity
retries. Nothing here imports Airflow at module level beyond the error base class.
"""

from __future__ import annotations

from airflow_provider_kakaclo.transport.errors import (
    AmbiguousWriteError,
    AuthenticationError,
    BusinessError,
    DeadlineExceededError,
    MalformedResponseError,
    NotFoundError,
    PrecheckError,
    RequestValidationError,
    ServerError,
    ThrottledError,
    TransportError,
    VendorError,
)

__all__ = [
    "AmbiguousWriteError",
    "AuthenticationError",
    "BusinessError",
    "DeadlineExceededError",
    "MalformedResponseError",
    "NotFoundError",
    "PrecheckError",
    "RequestValidationError",
    "ServerError",
    "ThrottledError",
    "TransportError",
    "VendorError",
]
