"""The two warehouses the suite runs on: load pandas frames into them and read tables back.

DuckDB is an embedded file per test session; PostgreSQL is the server at 127.0.0.1:5432 (trust auth).
"""
from __future__ import annotations

import io
import os

import numpy as np
import pandas as pd

PG = dict(host=os.environ.get("DRIFTLINE_PG_HOST", "127.0.0.1"), port=int(os.environ.get("DRIFTLINE_PG_PORT", "5432")),
          user=os.environ.get("DRIFTLINE_PG_USER", "postgres"), dbname=os.environ.get("DRIFTLINE_PG_DB", "test"))


def postgres_available() -> str | None:
    """None when the PostgreSQL lane can run, else the reason it cannot."""
    try:
        import psycopg2
    except ImportError:
        return "psycopg2 is not installed (pip install -e '.[dev]')"
    try:
        psycopg2.connect(connect_timeout=3, **PG).close()
    except Exception as exc:  # noqa: BLE001 - any connection failure means the lane cannot run
        return f"PostgreSQL is not reachable at {PG['host']}:{PG['port']} ({str(exc).strip().splitlines()[0]})"
    return None


class Warehouse:
    """One adapter's connection details, with helpers to load frames and query tables."""

    def __init__(self, adapter: str, duckdb_path: str | None = None):
        self.adapter = adapter
        self.duckdb_path = duckdb_path

    # -- connections ---------------------------------------------------------------------------
    def _connect(self):
        if self.adapter == "duckdb":
            import duckdb
            return duckdb.connect(self.duckdb_path)
        import psycopg2
        conn = psycopg2.connect(**PG)
        conn.autocommit = True
        return conn

    def execute(self, sql: str) -> None:
        conn = self._connect()
        try:
            if self.adapter == "duckdb":
                conn.execute(sql)
            else:
                with conn.cursor() as cur:
                    cur.execute(sql)
        finally:
            conn.close()

    def query(self, sql: str) -> pd.DataFrame:
        conn = self._connect()
        try:
            if self.adapter == "duckdb":
                return conn.sql(sql).df()
            with conn.cursor() as cur:
                cur.execute(sql)
                cols = [d[0] for d in cur.description]
                return pd.DataFrame(cur.fetchall(), columns=cols)
        finally:
            conn.close()

    def table(self, schema: str, name: str, monitor: str | None = None) -> pd.DataFrame:
        where = f" where monitor = '{monitor}'" if monitor else ""
        frame = self.query(f'select * from "{schema}"."{name}"{where}')
        for col in frame.columns:  # PostgreSQL returns numeric/Decimal-free floats, DuckDB numpy; align both
            first = frame[col].dropna().iloc[0] if frame[col].dtype == object and frame[col].notna().any() else None
            if isinstance(first, (float, int)) and not isinstance(first, bool):  # a nullable boolean stays boolean
                frame[col] = pd.to_numeric(frame[col])
        return frame

    # -- loading -------------------------------------------------------------------------------
    def reset_schema(self, schema: str) -> None:
        self.execute(f'drop schema if exists "{schema}" cascade')
        self.execute(f'create schema "{schema}"')

    def load(self, schema: str, name: str, frame: pd.DataFrame) -> None:
        """Create schema.name from frame (replacing it). Column names are kept exactly, quoted."""
        if self.adapter == "duckdb":
            conn = self._connect()
            try:
                conn.execute(f'create schema if not exists "{schema}"')
                conn.register("incoming_frame", frame)
                conn.execute(f'create or replace table "{schema}"."{name}" as select * from incoming_frame')
                conn.unregister("incoming_frame")
            finally:
                conn.close()
            return
        columns = ", ".join(f'"{c}" {_pg_type(frame[c])}' for c in frame.columns)
        self.execute(f'create schema if not exists "{schema}"')
        self.execute(f'drop table if exists "{schema}"."{name}"')
        self.execute(f'create table "{schema}"."{name}" ({columns})')
        buffer = io.StringIO()
        out = frame.copy()
        for c in out.columns:
            if pd.api.types.is_float_dtype(out[c]):
                # NaN and +-inf stay what they are; PostgreSQL stores them as float8 values
                out[c] = [_pg_float_text(v) for v in out[c]]
        out.to_csv(buffer, index=False, header=False, na_rep="")
        buffer.seek(0)
        conn = self._connect()
        try:
            with conn.cursor() as cur:
                cur.copy_expert(f'copy "{schema}"."{name}" from stdin with (format csv)', buffer)
        finally:
            conn.close()


def _pg_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "bigint"
    if pd.api.types.is_float_dtype(series):
        return "double precision"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "timestamp"
    return "text"


def _pg_float_text(value) -> str:
    value = float(value)
    if np.isnan(value):
        return "NaN"
    if np.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)
