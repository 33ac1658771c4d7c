"""Names that moved between the Airflow versions we support (3.1 floor to 3.3), through
``apache-airflow-providers-common-compat`` (Airflow's own shim for providers) rather than by hand."""

from __future__ import annotations

from airflow.providers.common.compat.sdk import AirflowFailException

__all__ = ["AirflowFailException"]
