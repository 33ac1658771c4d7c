"""The provider's retry policy (Airflow >= 3.3): refusals fail at once, transient faults retry with backoff.

Airflow 3.3 (AIP-105) lets a task carry a ``retry_policy`` that sees the actual exception and decides
retry, fail or default. Every operator and sensor of this provider gets :class:`VendorRetryPolicy`
through :class:`VendorRetryPolicyMixin`, unless the task (or its DAG's ``default_args``) names its own
``retry_policy``. On Airflow 3.1 and 3.2 the mixin does nothing.

The decision itself is :func:`decide`, a pure function tested on every Airflow version.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

try:  # Airflow >= 3.3
    from airflow.sdk.definitions.retry_policy import RetryAction, RetryDecision, RetryPolicy

    RETRY_POLICIES = True
except ImportError:  # Airflow 3.1, 3.2: no retry policies; the task's own retries apply
    RETRY_POLICIES = False

if TYPE_CHECKING:
    from airflow.sdk import Context

#: The first retry's delay, doubled at each later try, up to :data:`MAX_DELAY`.
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(minutes=10)


def decide(
    exception: BaseException, try_number: int, base: timedelta = BASE_DELAY, cap: timedelta = MAX_DELAY
) -> tuple[str, timedelta | None, str]:
    """``(action, delay, reason)`` for a failure: ``"retry"``, ``"fail"`` or ``"default"``.

    :param exception: what the task raised.
    :param try_number: the try that failed (1-based).
    :param base: the delay after the first try; doubled after each later one.
    :param cap: the longest delay.
    :return: ``"retry"`` with a delay for transient faults (the vendor's ``Retry-After`` when longer),
        ``"fail"`` for refusals that the same input will meet again, ``"default"`` for anything else.
    """
    from airflow_provider_kakaclo.capabilities import UnsupportedCapability
    from airflow_provider_kakaclo.transport.errors import AmbiguousWriteError, ThrottledError, VendorError

    name = type(exception).__name__
    if isinstance(exception, UnsupportedCapability):
        return "fail", None, f"{name}: the connection's vendor cannot do this; a retry cannot help"
    if isinstance(exception, (ValueError, TypeError)) and not isinstance(exception, VendorError):
        # the task's own arguments (a target status, a mode, a table name, an order that is not JSON):
        # the same task meets them again on every try
        return "fail", None, f"{name}: the task's arguments are wrong; a retry would meet them again"
    if not isinstance(exception, VendorError):
        return "default", None, f"{name} is not a vendor error"
    if isinstance(exception, AmbiguousWriteError) or exception.retryable:
        delay = min(base * 2 ** max(try_number - 1, 0), cap)
        retry_after = getattr(exception, "retry_after", None) if isinstance(exception, ThrottledError) else None
        if retry_after:
            delay = max(delay, timedelta(seconds=float(retry_after)))
        why = "outcome unknown, the retry reconciles first" if isinstance(exception, AmbiguousWriteError) else "transient"
        return "retry", delay, f"{name} ({why}): retry in {delay.total_seconds():g} s"
    return "fail", None, f"{name}: the vendor or our checks refused the input; a retry would be refused again"


if RETRY_POLICIES:

    class VendorRetryPolicy(RetryPolicy):
        """Fail refusals at once (bad input, credentials, business refusals, wrong connection type);
        retry transient faults (network, throttling, 5xx, ambiguous writes) with exponential backoff.

        Retries still count against the task's ``retries``: with ``retries=0`` nothing is retried.

        :param base_delay: the delay after the first try, doubled after each later one.
        :param max_delay: the longest delay.
        """

        def __init__(self, base_delay: timedelta = BASE_DELAY, max_delay: timedelta = MAX_DELAY) -> None:
            self.base_delay = base_delay
            self.max_delay = max_delay

        def evaluate(
            self, exception: BaseException, try_number: int, max_tries: int, context: Context | None = None
        ) -> RetryDecision:
            action, delay, reason = decide(exception, try_number, self.base_delay, self.max_delay)
            if action == "default" or (action == "retry" and try_number > max_tries):
                return RetryDecision.default()  # no retries left: no misleading "retry in N s" in the log
            return RetryDecision(action=RetryAction(action), retry_delay=delay, reason=reason)

        def serialize(self) -> dict[str, Any]:
            return {
                "__type": "VendorRetryPolicy",
                "base_delay": self.base_delay.total_seconds(),
                "max_delay": self.max_delay.total_seconds(),
            }

        @classmethod
        def deserialize(cls, data: dict[str, Any]) -> VendorRetryPolicy:
            return cls(timedelta(seconds=data["base_delay"]), timedelta(seconds=data["max_delay"]))


class VendorRetryPolicyMixin:
    """Put before ``BaseOperator`` in an operator's bases: the task gets :class:`VendorRetryPolicy`.

    Only on Airflow >= 3.3, and only when neither the task nor its ``default_args`` set a ``retry_policy``
    (to keep Airflow's plain retries, give one that never decides: ``ExceptionRetryPolicy(rules=[])``).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # ``None`` counts as unset: ``.partial()`` fills every BaseOperator argument with its default, so a
        # mapped task reaches here with ``retry_policy=None`` whatever the user wrote.
        own = kwargs.get("retry_policy") or (kwargs.get("default_args") or {}).get("retry_policy")
        if RETRY_POLICIES and own is None:
            kwargs["retry_policy"] = VendorRetryPolicy()
        super().__init__(*args, **kwargs)
