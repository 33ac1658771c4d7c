"""The sandbox's autopilot: the vendors' people, played on a timer, for demos and first DAGs.

The sandbox never moves an order by itself unless asked (tests stay deterministic). With the
autopilot on (``kakaclo-sandbox --autopilot 15``, the ``autopilot`` setting, or
``PUT /_sandbox/autopilot {"seconds": 15}``), every ``seconds`` after the sandbox first sees something
waiting, it does what the vendor's staff would do next:

- KakaClo: pays an order waiting for payment (from the prepaid balance), ships a paid order in full,
  and approves a refund under review;
- BirdSystem: finishes a consignment that reached ``PENDING`` (the warehouse dispatched it).

Each step waits its own ``seconds``, so an order is paid after N seconds and shipped N seconds later.
A step the vendor state refuses (say, a balance too low to pay) is skipped and tried again next tick.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from .backend import ControlError

log = logging.getLogger(__name__)

#: How often the autopilot looks (seconds).
TICK_SECONDS = 0.5


class Autopilot:
    """Moves waiting KakaClo orders and refunds and BirdSystem consignments along after a delay."""

    def __init__(self, state: Any, seconds: float | None = None, *, monotonic: Callable[[], float]) -> None:
        """:param state: the sandbox state (``state.kakaclo`` and ``state.birdsystem`` backends)
        :param seconds: delay per step; ``None`` or 0 = off
        :param monotonic: clock used to age what the autopilot has seen
        """
        self.state = state
        self.monotonic = monotonic
        self.seconds: float | None = None
        self._seen: dict[tuple[str, str, str], float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.set(seconds)

    @staticmethod
    def check(seconds: Any) -> float | None:
        """Return ``seconds`` as a delay, ``None`` for off.

        :raises ValueError: not a number >= 0
        """
        if seconds is None:
            return None
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise ValueError(f"autopilot seconds must be a number >= 0 (0 or null = off), got {seconds!r}")
        return float(seconds) or None

    def set(self, seconds: Any) -> None:
        """Turn the autopilot on (a delay in seconds) or off (``None`` / 0)."""
        value = self.check(seconds)
        with self._lock:
            self.seconds = value
            self._seen.clear()
        if value and (self._thread is None or not self._thread.is_alive()):
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="sandbox-autopilot", daemon=True)
            self._thread.start()

    def forget(self) -> None:
        """Forget what was seen (after a reset the old orders are gone)."""
        with self._lock:
            self._seen.clear()

    def stop(self) -> None:
        """End the background thread."""
        self._stop.set()

    def describe(self) -> dict[str, Any]:
        """The control API's view."""
        return {"seconds": self.seconds, "on": bool(self.seconds)}

    def _run(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            if not self.seconds:
                continue
            try:
                self.tick()
            except Exception:  # the autopilot must never take the sandbox down
                log.exception("sandbox autopilot: tick failed")

    def _ripe(self, key: tuple[str, str, str]) -> bool:
        now = self.monotonic()
        with self._lock:
            first = self._seen.setdefault(key, now)
            return self.seconds is not None and now - first >= self.seconds

    def tick(self) -> list[str]:
        """Make every move that is due now; return what was done (one line each)."""
        moves: list[str] = []
        vendors = getattr(self.state, "vendors", {})
        if "kakaclo" in vendors:
            moves += self._kakaclo(vendors["kakaclo"].backend)
        if "birdsystem" in vendors:
            moves += self._birdsystem(vendors["birdsystem"].backend)
        for line in moves:
            log.info("sandbox autopilot: %s", line)
        return moves

    def _kakaclo(self, backend: Any) -> list[str]:
        moves = []
        for order in list(backend.orders.values()):
            if order.status == "waiting_payment":
                step = "paid"
            elif order.status == "processing" and order.fulfillment_status in ("waiting_to_ship",
                                                                               "partially_shipped"):
                step = "fully_shipped"
            else:
                continue
            if self._ripe(("kakaclo", str(order.id), step)) and _done(backend.advance_order, order.id, step):
                moves.append(f"KakaClo order {order.id} ({order.custom_order_id}) -> {step}")
        for refund in list(backend.refunds.values()):
            if refund.status == "pending_review" and self._ripe(("kakaclo-refund", str(refund.refund_no), "ok")):
                if _done(backend.resolve_refund, refund.refund_no, "refund_successfully"):
                    moves.append(f"KakaClo refund {refund.refund_no} -> refund_successfully")
        return moves

    def _birdsystem(self, backend: Any) -> list[str]:
        moves = []
        for consignment in backend.find_consignments(status="PENDING"):
            if self._ripe(("birdsystem", str(consignment.id), "FINISHED")):
                if _done(backend.advance_consignment, consignment.id, "FINISHED"):
                    moves.append(f"BirdSystem consignment {consignment.id} -> FINISHED")
        return moves


def _done(move: Callable[..., Any], *args: Any) -> bool:
    try:
        move(*args)
    except ControlError as exc:  # e.g. not enough balance to pay yet: try again next tick
        log.debug("sandbox autopilot: %s%s refused: %s", move.__name__, args, exc)
        return False
    return True
