"""OpenLineage facets, when the OpenLineage provider is installed; nothing otherwise.

Imported lazily by the operators' ``get_openlineage_facets_on_complete``: the provider works the same
without it.
"""

from __future__ import annotations

from typing import Any


def operator_lineage(inputs: list[tuple[str, str]], outputs: list[tuple[str, str]]) -> Any:
    """An ``OperatorLineage`` of ``(namespace, name)`` datasets, or ``None`` without OpenLineage."""
    try:
        from airflow.providers.openlineage.extractors import OperatorLineage
        from openlineage.client.event_v2 import Dataset
    except ImportError:
        return None
    return OperatorLineage(
        inputs=[Dataset(namespace=ns, name=name) for ns, name in inputs],
        outputs=[Dataset(namespace=ns, name=name) for ns, name in outputs],
    )


def vendor_namespace(hook: Any) -> str:
    """``<vendor>://<host>``: where a vendor dataset lives (the account's base URL, without scheme)."""
    return f"{hook.vendor}://{hook.base_url.split('://', 1)[-1].rstrip('/')}"


def database_namespace(db: Any) -> str:
    """The database of a common-sql hook, as OpenLineage names them (``postgres://host:port``...)."""
    path = getattr(db, "path", None)
    if path is not None:  # the embedded SQLite file
        return f"sqlite://{path}"
    conn = db.connection
    scheme = {"postgres": "postgres", "postgresql": "postgres"}.get(conn.conn_type, conn.conn_type)
    host = conn.host or "localhost"
    return f"{scheme}://{host}:{conn.port}" if conn.port else f"{scheme}://{host}"
