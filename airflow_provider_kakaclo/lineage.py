"""OpenLineage facets, when the OpenLineage provider is installed; nothing otherwise.

Imported lazily by the operators' ``get_openlineage_facets_on_complete``: the provider works the same
without it.
"""

from __future__ import annotations

from typing import Any


def operator_lineage(inputs: list[tuple[str, str]], outputs: list[tuple[str, str] | None]) -> Any:
    """An ``OperatorLineage`` of ``(namespace, name)`` datasets, or ``None`` without OpenLineage.

    An output of ``None`` (:func:`table_dataset` without OpenLineage) only occurs when the import
    here fails too.
    """
    try:
        from airflow.providers.openlineage.extractors import OperatorLineage
        from openlineage.client.event_v2 import Dataset
    except ImportError:
        return None
    return OperatorLineage(
        inputs=[Dataset(namespace=ns, name=name) for ns, name in inputs],
        outputs=[Dataset(namespace=ns, name=name) for ns, name in filter(None, outputs)],
    )


def vendor_namespace(hook: Any) -> str:
    """``<vendor>://<host>``: where a vendor dataset lives (the account's base URL, without scheme)."""
    return f"{hook.vendor}://{hook.base_url.split('://', 1)[-1].rstrip('/')}"


def table_dataset(db: Any, table: str) -> tuple[str, str] | None:
    """``(namespace, name)`` of ``table`` in ``db``, exactly as common-sql's own SQL tasks name it.

    The hook's ``get_openlineage_database_info`` / ``_dialect`` / ``_default_schema`` and
    OpenLineage's ``SQLParser`` name the table a ``SELECT * FROM <table>`` on the same connection reads,
    so the stock table joins with the lineage of every other SQL task on it (PostgreSQL:
    ``postgres://host:5432`` + ``database.schema.table``; the embedded SQLite file:
    ``sqlite://<absolute path>`` + ``main.table``). A hook that gives no database information (common-sql
    then emits no dataset at all) is named from its connection the same way:
    ``<conn_type>://host[:port]`` + ``[database.]schema.table``.

    ``None`` without the OpenLineage provider (then :func:`operator_lineage` is ``None`` too).
    """
    try:
        from airflow.providers.openlineage.sqlparser import DatabaseInfo, SQLParser
    except ImportError:
        return None

    conn = db.connection
    info = db.get_openlineage_database_info(conn)
    if info is None:
        info = DatabaseInfo(scheme=conn.conn_type, authority=db.get_openlineage_authority_part(conn),
                            database=conn.schema or None)
    parser = SQLParser(dialect=db.get_openlineage_database_dialect(conn),
                       default_schema=db.get_openlineage_default_schema())
    lineage = parser.generate_openlineage_metadata_from_sql(
        sql=f"SELECT * FROM {table}", hook=db, database_info=info, use_connection=False)
    (dataset,) = lineage.inputs
    return dataset.namespace, dataset.name
