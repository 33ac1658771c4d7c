"""``[core] hostname_callable`` of the scale stack: every process names itself (KAKACLO_SCALE_HOST), so that
three Celery workers on one machine show as three hosts in Airflow's task instances, as they would on three."""

import os
import socket


def hostname() -> str:
    return os.environ.get("KAKACLO_SCALE_HOST") or socket.getfqdn()
