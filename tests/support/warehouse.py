"""The warehouses the suite runs on: load pandas frames into them and read tables back.

DuckDB is an embedded file per test session; PostgreSQL is the server at 127.0.0.1:5432 (trust auth); Spark
is a local session-mode Spark over a warehouse directory in the test session's workdir (support/spark.py),
reached through batches of work for a worker process, never while dbt runs.
"""
from __future__ import annotations

import atexit
import io
import os

import numpy as np
import pandas as pd

SERVER = dict(host=os.environ.get("DRIFTLINE_PG_HOST", "127.0.0.1"), port=int(os.environ.get("DRIFTLINE_PG_PORT", "5432")),
              user=os.environ.get("DRIFTLINE_PG_USER", "postgres"))
# Every test process works in a database of its own (created on first use, dropped when the process exits), so
# two runs on one server, or two pytest-xdist workers, never build into each other's schemas.
PG = dict(SERVER, dbname=os.environ.get("DRIFTLINE_PG_DB") or f"driftline_tests_{os.getpid()}")
_database_ready: list[bool] = []


def postgres_available() -> str | None:
    """None when the PostgreSQL lane can run (its database is created if need be), else the reason it cannot."""
    try:
        import psycopg2
    except ImportError:
        return "psycopg2 is not installed (pip install -e '.[dev]')"
    try:
        _ensure_database(psycopg2)
    except Exception as exc:  # noqa: BLE001 - any connection failure means the lane cannot run
        return f"PostgreSQL is not reachable at {PG['host']}:{PG['port']} ({str(exc).strip().splitlines()[0]})"
    return None


def _ensure_database(psycopg2) -> None:
    if _database_ready:
        return
    conn = psycopg2.connect(connect_timeout=3, dbname="postgres", **SERVER)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("select 1 from pg_database where datname = %s", (PG["dbname"],))
            if cur.fetchone() is None:
                cur.execute(f'create database "{PG["dbname"]}"')
                if not os.environ.get("DRIFTLINE_PG_DB"):
                    atexit.register(_drop_database)
    finally:
        conn.close()
    _database_ready.append(True)


def _drop_database() -> None:
    import psycopg2

    try:
        conn = psycopg2.connect(connect_timeout=3, dbname="postgres", **SERVER)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'drop database if exists "{PG["dbname"]}" with (force)')
        conn.close()
    except Exception:  # noqa: BLE001 - best effort at exit; a leftover database is named after its process
        pass


class Warehouse:
    """One adapter's connection details, with helpers to load frames and query tables."""

    def __init__(self, adapter: str, duckdb_path: str | None = None, spark_root=None):
        self.adapter = adapter
        self.duckdb_path = duckdb_path
        self.spark_root = spark_root
        if adapter == "spark":
            from .spark import SparkJobs
            self.jobs, self._read = SparkJobs(spark_root), {}

    def quote(self, name: str) -> str:
        return f"`{name}`" if self.adapter == "spark" else f'"{name}"'

    def flush(self) -> None:
        """Spark: do the queued statements and loads now (before dbt runs); elsewhere they are done already."""
        if self.adapter == "spark":
            self.jobs.run()
            self._read = {}

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
        if self.adapter == "spark":
            self.jobs.execute(sql)
            return
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
        if self.adapter == "spark":
            out = self.spark_root / "query.parquet"
            self.jobs.query(sql, out)
            self.flush()
            return _no_decimals(pd.read_parquet(out))
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
        if self.adapter == "spark":
            frame = self._spark_table(schema, name)
            frame = frame[frame["monitor"] == monitor].reset_index(drop=True) if monitor else frame
        else:
            where = f" where monitor = '{monitor}'" if monitor else ""
            frame = self.query(f'select * from "{schema}"."{name}"{where}')
        for col in frame.columns:  # PostgreSQL returns numeric/Decimal-free floats, DuckDB numpy; align both
            first = frame[col].dropna().iloc[0] if frame[col].dtype == object and frame[col].notna().any() else None
            if isinstance(first, (float, int)) and not isinstance(first, bool):  # a nullable boolean stays boolean
                frame[col] = pd.to_numeric(frame[col])
        return frame

    def _spark_table(self, schema: str, name: str) -> pd.DataFrame:
        """Spark: every table of the schema is read back in one worker run, then served from that copy."""
        if schema not in self._read:
            self.jobs.dump(schema)
            self.flush()
            folder = self.spark_root / "dump" / schema
            self._read[schema] = {p.stem: _no_decimals(pd.read_parquet(p)) for p in folder.glob("*.parquet")}
        return self._read[schema][name].copy()

    # -- loading -------------------------------------------------------------------------------
    def drop_schema(self, schema: str) -> None:
        self.execute(f"drop schema if exists {self.quote(schema)} cascade")

    def reset_schema(self, schema: str) -> None:
        self.drop_schema(schema)
        self.execute(f"create schema {self.quote(schema)}")

    def load(self, schema: str, name: str, frame: pd.DataFrame) -> None:
        """Create schema.name from frame (replacing it). Column names are kept exactly, quoted."""
        if self.adapter == "spark":
            self.jobs.load(schema, name, frame)
            return
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


def _no_decimals(frame: pd.DataFrame) -> pd.DataFrame:
    """Spark types unsuffixed literals such as 0.5 as decimals; read them as floats, like the other engines."""
    from decimal import Decimal

    for col in frame.columns:
        values = frame[col].dropna()
        if frame[col].dtype == object and len(values) and isinstance(values.iloc[0], Decimal):
            frame[col] = frame[col].astype(float)
    return frame


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
