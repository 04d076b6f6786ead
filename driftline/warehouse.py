"""Connections for the driftline commands that work outside `dbt build`: open the warehouse a dbt target
points at, read a table into pandas, and write a (small) pandas frame as a table."""
from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import pandas as pd

_PG_TYPES = {"bool": "boolean", "int": "bigint", "float": "double precision", "text": "text", "timestamp": "timestamp"}


class WarehouseError(RuntimeError):
    pass


class Warehouse:
    def __init__(self, output: dict[str, Any], project_dir: Path, read_only: bool = False):
        self.kind = output.get("type")
        if self.kind == "duckdb":
            import duckdb

            raw = str(output.get("path") or "")
            path = Path(raw).expanduser()
            if not path.is_absolute():
                path = path if path.exists() else project_dir / path
            self.conn = duckdb.connect(str(path), read_only=read_only)
        elif self.kind == "postgres":
            try:
                import psycopg2
            except ImportError as exc:
                raise WarehouseError("psycopg2 is not installed (pip install 'driftline[postgres]')") from exc
            params = {"host": output.get("host", "localhost"), "port": int(output.get("port", 5432)),
                      "user": output.get("user"), "dbname": output.get("dbname") or output.get("database")}
            password = output.get("password", output.get("pass"))
            if password:
                params["password"] = str(password)
            self.conn = psycopg2.connect(**params)
            self.conn.autocommit = True
        else:
            raise WarehouseError(f"driftline commands support duckdb and postgres targets, not '{self.kind}'")

    def close(self) -> None:
        self.conn.close()

    @staticmethod
    def ident(name: str) -> str:
        return '"' + str(name).replace('"', '""') + '"'

    @staticmethod
    def literal(text: str) -> str:
        return "'" + str(text).replace("'", "''") + "'"

    def read(self, schema: str, table: str, where: dict[str, Any] | None = None) -> pd.DataFrame:
        """The table, or only its rows whose columns equal the values in `where`."""
        sql = f"select * from {self.ident(schema)}.{self.ident(table)}"
        params = list((where or {}).values())
        if where:
            sql += " where " + " and ".join(f"{self.ident(c)} = " + ("?" if self.kind == "duckdb" else "%s") for c in where)
        return self.query(sql, params)

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """The result of a read-only query as a frame."""
        if self.kind == "duckdb":
            return self.conn.execute(sql, params or []).df()
        with self.conn.cursor() as cur:
            cur.execute(sql, params or None)  # None: a '%' in the SQL is not a placeholder
            return pd.DataFrame(cur.fetchall(), columns=[d[0] for d in cur.description])

    def tables(self, schema: str) -> set[str]:
        """Names of the tables and views in schema."""
        found = self.query(f"select table_name from information_schema.tables where table_schema = {self.literal(schema)}")
        return set(found["table_name"])

    def exists(self, schema: str, table: str) -> bool:
        return table in self.tables(schema)

    def write(self, schema: str, table: str, frame: pd.DataFrame, types: dict[str, str]) -> None:
        """Replace schema.table with frame; types maps each column to bool/int/float/text."""
        target = f"{self.ident(schema)}.{self.ident(table)}"
        columns = ", ".join(f"{self.ident(c)} {_PG_TYPES[types[c]]}" for c in frame.columns)
        if self.kind == "duckdb":
            self.conn.execute(f"create schema if not exists {self.ident(schema)}")
            self.conn.execute(f"create or replace table {target} ({columns})")
            if len(frame):
                self.conn.register("driftline_incoming", frame)
                self.conn.execute(f"insert into {target} select * from driftline_incoming")
                self.conn.unregister("driftline_incoming")
            return
        buffer = io.StringIO()
        for row in frame.itertuples(index=False):
            buffer.write(",".join(_csv_value(v) for v in row) + "\n")
        buffer.seek(0)
        with self.conn.cursor() as cur:
            cur.execute(f"create schema if not exists {self.ident(schema)}")
            cur.execute("begin")  # one transaction: a failed load keeps the previous table
            try:
                cur.execute(f"drop table if exists {target}")
                cur.execute(f"create table {target} ({columns})")
                cur.copy_expert(f"copy {target} from stdin with (format csv)", buffer)
            except Exception:
                cur.execute("rollback")
                raise
            cur.execute("commit")


def _csv_value(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    if any(ch in text for ch in ',"\n'):
        return '"' + text.replace('"', '""') + '"'
    return text
