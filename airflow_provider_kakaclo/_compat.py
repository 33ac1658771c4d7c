"""Names that moved between the Airflow versions we support (3.1 floor to 3.3)."""

from __future__ import annotations

try:  # Airflow >= 3.2
    from airflow.sdk.exceptions import AirflowFailException
except ImportError:  # Airflow 3.1
    from airflow.exceptions import AirflowFailException  # type: ignore[no-redef]

__all__ = ["AirflowFailException"]
