"""Exit 0 when the latest run of the DAG given as argv[1] succeeded (read from the metadata DB)."""

import sys

from airflow.models import DagRun
from airflow.utils.session import create_session

with create_session() as session:
    run = (
        session.query(DagRun)
        .filter(DagRun.dag_id == sys.argv[1])
        .order_by(DagRun.id.desc())
        .first()
    )
state = getattr(run, "state", None)
print(f"latest run of {sys.argv[1]}: {state}")
sys.exit(0 if str(state) in ("success", "DagRunState.SUCCESS") else 1)
