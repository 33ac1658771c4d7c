"""Databases through ``apache-airflow-providers-common-sql``, with an embedded SQLite file as default."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from airflow.providers.common.sql.hooks.sql import DbApiHook


class EmbeddedSqliteHook(DbApiHook):
    """A common-sql hook on a local SQLite file, for when no database connection is configured.

    :param path: the database file (created with its folder when missing).
    """

    conn_name_attr = "embedded_sqlite_path"
    default_conn_name = "embedded_sqlite"
    conn_type = "sqlite"
    hook_name = "Embedded SQLite"

    def __init__(self, path: str | os.PathLike, **kwargs: Any) -> None:
        from airflow.sdk import Connection

        kwargs.setdefault("log_sql", False)
        super().__init__(**kwargs)
        self.path = Path(path)
        self._placeholder = "?"
        # No Airflow connection behind this hook: answer common-sql's questions about it locally.
        self._connection = Connection(conn_id=self.default_conn_name, conn_type="sqlite", host=str(self.path))

    @property
    def placeholder(self) -> str:
        return "?"

    def get_conn(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return sqlite3.connect(self.path, timeout=30)

    def get_uri(self) -> str:
        return f"sqlite:///{self.path}"

    # OpenLineage names (used by ``airflow_provider_kakaclo.lineage.table_dataset``). Neither common-sql
    # nor the SQLite provider names SQLite databases, so this is ours, kept stable: the namespace is
    # ``sqlite://`` + the file's absolute path (one database per file), the name ``main.<table>``
    # (``main``: SQLite's name for the file's own schema).
    def get_openlineage_database_info(self, connection: Any) -> Any:
        from airflow.providers.openlineage.sqlparser import DatabaseInfo

        return DatabaseInfo(scheme="sqlite", authority=str(self.path.resolve()), database=None)

    def get_openlineage_database_dialect(self, connection: Any) -> str:
        return "sqlite"

    def get_openlineage_default_schema(self) -> str:
        return "main"


def default_sqlite_path(name: str) -> Path:
    """``$AIRFLOW_HOME/kakaclo/<name>.db``: where embedded databases live by default."""
    home = os.environ.get("AIRFLOW_HOME") or os.path.expanduser("~/airflow")
    return Path(home) / "kakaclo" / f"{name}.db"


def sql_hook(conn_id: str | None, default_name: str) -> DbApiHook:
    """The common-sql hook of ``conn_id``, or an embedded SQLite file when it is ``None`` or empty."""
    if conn_id:
        from airflow.sdk import BaseHook

        hook = BaseHook.get_connection(conn_id).get_hook()
        if not isinstance(hook, DbApiHook):
            raise TypeError(f"connection {conn_id!r} is not a database connection ({type(hook).__name__})")
        return hook
    return EmbeddedSqliteHook(default_sqlite_path(default_name))
