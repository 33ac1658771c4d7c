"""Wait for an order to reach a normalized status, deferrable so days of waiting hold no worker."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, NoReturn

from airflow.providers.common.compat.sdk import conf
from airflow.sdk import BaseSensorOperator, PokeReturnValue

from airflow_provider_kakaclo.lifecycle import ABNORMAL
from airflow_provider_kakaclo.links import VendorOrderLink
from airflow_provider_kakaclo.retry_policy import VendorRetryPolicyMixin

#: What a sensor does with an ``abnormal`` order: keep waiting (with a warning) or fail.
ABNORMAL_CHOICES = ("wait", "fail")

if TYPE_CHECKING:
    from airflow.sdk import Context


class OrderStatusSensor(VendorRetryPolicyMixin, BaseSensorOperator):
    """Wait until the order ``order_id`` reaches ``target_status``, with any vendor's connection.

    Fails at once (no retry) when the order reaches a state from which the target can no longer
    be reached (cancelled, refunded, or shipped while waiting for a refund). An ``abnormal`` order
    (KakaClo ``abnormal_order``, BirdSystem ``PROBLEM``) may recover (the docs do not say it is
    final, KakaClo spec §15 S3): by default the sensor keeps waiting and warns; ``on_abnormal="fail"``
    fails at once instead.

    :param conn_id: the vendor connection (its type picks the vendor). (templated)
    :param order_id: the vendor's order id, e.g. ``{{ ti.xcom_pull('place')['order_id'] }}``. (templated)
    :param target_status: ``paid``, ``partially_shipped``, ``shipped`` (every package),
        ``delivered``, ``refunded`` or ``cancelled``. (templated)
    :param deferrable: wait in the triggerer instead of a worker slot; defaults to
        ``[operators] default_deferrable``.
    :param on_abnormal: ``wait`` (default: keep waiting, with a warning) or ``fail``.
    :param on_attention_states: an order the vendor holds for a person to resolve (BirdSystem
        ``WAITING_CLIENT_RESPOND``, ``PROBLEM``: ``vendor_status.needs_attention``): ``wait`` (default;
        logged) or ``fail`` (at the first look-up that sees it, in the worker or the triggerer).
    :return: the order's status: ``status``, ``carriers``, ``tracking_codes``, ``tracking_urls``, ...
    """

    template_fields: Sequence[str] = ("conn_id", "order_id", "target_status")
    operator_extra_links = (VendorOrderLink(),)
    ui_color = "#f6e7c1"

    def __init__(
        self,
        *,
        conn_id: str,
        order_id: str,
        target_status: str = "shipped",
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        on_abnormal: str = "wait",
        on_attention_states: str = "wait",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.conn_id = conn_id
        self.order_id = order_id
        self.target_status = target_status
        self.deferrable = deferrable
        self.on_abnormal = on_abnormal
        self.on_attention_states = on_attention_states

    def execute(self, context: Context) -> Any:
        from airflow_provider_kakaclo.lifecycle import check_target
        from airflow_provider_kakaclo.links import push_order_url, reserve_order_url

        reserve_order_url(context)
        check_target(self.target_status)
        if self.on_abnormal not in ABNORMAL_CHOICES:
            raise ValueError(f"on_abnormal must be one of {', '.join(ABNORMAL_CHOICES)}, got {self.on_abnormal!r}")
        if self.on_attention_states not in ("wait", "fail"):
            raise ValueError(f"on_attention_states must be 'wait' or 'fail', got {self.on_attention_states!r}")
        self.order_id = str(self.order_id).strip()
        push_order_url(context, self._tracker().order_url(self.order_id))
        if not self.deferrable:
            return super().execute(context)
        done = self.poke(context)  # check once before deferring: no trigger for a finished order
        if isinstance(done, PokeReturnValue) and done:
            return done.xcom_value
        from airflow_provider_kakaclo.triggers.orders import OrderStatusTrigger

        self.defer(
            trigger=OrderStatusTrigger(self.conn_id, self.order_id, self.target_status, self.poke_interval,
                                       on_abnormal=self.on_abnormal,
                                       on_attention_states=self.on_attention_states),
            method_name="execute_complete",
            timeout=timedelta(seconds=self.timeout),
        )

    def poke(self, context: Context) -> PokeReturnValue | bool:
        from airflow_provider_kakaclo.lifecycle import reached, unreachable_reason

        status = self._tracker().get_order_statuses([self.order_id]).get(self.order_id)
        if status is None:
            self._fail(f"order {self.order_id} was not found at {self.conn_id}")
        self.log.info("order %s is %s (target %s)", self.order_id, status.status, self.target_status)
        if reached(status.status, self.target_status):
            return PokeReturnValue(is_done=True, xcom_value=status.to_dict())
        if status.status == ABNORMAL and self.on_abnormal == "wait":
            self.log.warning("order %s is abnormal (vendor status %s); it may recover, so waiting on "
                             "(on_abnormal='fail' stops here instead)", self.order_id, status.vendor_status)
            return False
        if reason := unreachable_reason(status.status, self.target_status):
            self._fail(f"order {self.order_id}: {reason} (vendor status {status.vendor_status})")
        if status.vendor_status.get("needs_attention"):
            if self.on_attention_states == "fail":
                self._fail(f"order {self.order_id} needs a person (vendor status {status.vendor_status}) and "
                           "on_attention_states='fail'")
            self.log.warning("order %s needs a person to resolve it at the vendor (%s); still waiting "
                             "(on_attention_states='wait')", self.order_id, status.vendor_status)
        return False

    def execute_complete(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        """Resume after the trigger: return the order's status or fail with the trigger's reason."""
        if event.get("status") == "success":
            order = event["order"]
            self.log.info("order %s is %s; tracking %s", order["order_id"], order["status"], order["tracking_codes"])
            return order
        self._fail(f"order {self.order_id}: {event.get('message')}")

    def _tracker(self):
        from airflow_provider_kakaclo.capabilities import OrderTracker, capability, hook_for

        if "_tracker_hook" not in self.__dict__:
            self._tracker_hook = capability(hook_for(self.conn_id), OrderTracker, "track orders")
        return self._tracker_hook

    @staticmethod
    def _fail(message: str) -> NoReturn:
        from airflow_provider_kakaclo._compat import AirflowFailException

        raise AirflowFailException(message)
