"""What a failed poll cycle means for the tasks waiting on it: try again next cycle, or stop now.

Shared by the order watch and the refund trigger, so no exception can end a poll silently and
leave a task waiting until its timeout (7 days by default), and none escapes ``run()``.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Cycles in a row an unexpected exception may repeat before the waiting tasks are told.
MAX_FAILED_CYCLES = 3


@dataclass(frozen=True)
class PollError:
    """A failed look-up, as the waiting trigger sees it (the message is already redacted).

    :param message: why the look-up failed.
    :param final: ``True`` when waiting longer cannot help: the trigger ends with an error event.
    """

    message: str
    final: bool


class PollFailures:
    """Counts the failed cycles of one poll and decides, per failure, whether the wait goes on.

    Final at once: the connection is gone (``AirflowNotFoundException``), the vendor refused the
    call for good (a :class:`~..transport.errors.VendorError` that is not retryable, e.g. bad
    credentials), or the connection cannot do this (``TypeError``/``ValueError`` from the capability
    check). Retried every cycle: a retryable vendor error (throttling, network, server fault; the
    task's ``timeout`` bounds the wait). Any other exception is retried until it has failed
    :data:`MAX_FAILED_CYCLES` cycles in a row.

    :param conn_id: the connection polled (named in messages).
    :param limit: how many cycles in a row an unexpected exception may fail.
    """

    def __init__(self, conn_id: str, limit: int = MAX_FAILED_CYCLES) -> None:
        self.conn_id = conn_id
        self.limit = limit
        self.in_a_row = 0

    def succeeded(self) -> None:
        self.in_a_row = 0

    def failed(self, err: BaseException) -> PollError:
        """Count one failed cycle and say what the waiting tasks are told."""
        from airflow.providers.common.compat.sdk import AirflowNotFoundException

        from airflow_provider_kakaclo.transport.errors import VendorError, redact

        self.in_a_row += 1
        text = redact(str(err) if isinstance(err, VendorError) else f"{type(err).__name__}: {err}")
        if isinstance(err, AirflowNotFoundException):
            return PollError(f"connection {self.conn_id!r} cannot be read (deleted?): {text}", final=True)
        if isinstance(err, VendorError):
            return PollError(text, final=not err.retryable)
        if isinstance(err, (TypeError, ValueError)):
            return PollError(text, final=True)
        if self.in_a_row >= self.limit:
            return PollError(f"the look-up failed {self.in_a_row} cycles in a row: {text}", final=True)
        return PollError(f"{text} (cycle {self.in_a_row} of {self.limit} before giving up)", final=False)
