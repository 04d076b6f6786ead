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


def duckdb_file(output: dict[str, Any], project_dir: Path, must_exist: bool = True) -> Path:
    """The database file of a dbt-duckdb target: its path as dbt-duckdb opens it (relative to the working
    directory), else relative to the project. must_exist: a WarehouseError when there is no such file yet."""
    raw = str(output.get("path") or "")
    if not raw or raw == ":memory:":
        raise WarehouseError("the duckdb target has no database file (path is empty or :memory:). Fix: set `path` "
                             "of the target in profiles.yml to the file dbt builds into")
    path = Path(raw).expanduser()
    if not path.is_absolute():
        path = path if path.exists() else Path(project_dir) / path
    if must_exist and not path.exists():
        raise WarehouseError(f"duckdb file {path} (path of the target) does not exist. Fix: run `dbt build` first")
    return path.resolve()


def postgres_params(output: dict[str, Any]) -> dict[str, Any]:
    """psycopg2.connect() arguments of a dbt-postgres target, as dbt-postgres passes them (its `role` is set after
    connecting, see Warehouse)."""
    params = {"host": output.get("host", "localhost"), "port": int(output.get("port", 5432)), "user": output.get("user"),
              "dbname": output.get("database") or output.get("dbname"), "application_name": "driftline"}
    password = output.get("password", output.get("pass"))
    if password:
        params["password"] = str(password)
    for key in ("connect_timeout", "sslmode", "sslcert", "sslkey", "sslrootcert"):
        if output.get(key) not in (None, ""):
            params[key] = output[key]
    if output.get("keepalives_idle"):
        params["keepalives_idle"] = output["keepalives_idle"]
    if output.get("search_path"):
        params["options"] = "-c search_path={}".format(str(output["search_path"]).replace(" ", "\\ "))
    return params


class Warehouse:
    def __init__(self, output: dict[str, Any], project_dir: Path, read_only: bool = False):
        self.kind = output.get("type")
        if self.kind == "duckdb":
            try:
                import duckdb
            except ImportError as exc:
                raise WarehouseError("duckdb is not installed (pip install 'driftline[duckdb]')") from exc
            self.conn = duckdb.connect(str(duckdb_file(output, project_dir, must_exist=read_only)), read_only=read_only)
        elif self.kind == "postgres":
            try:
                import psycopg2
            except ImportError as exc:
                raise WarehouseError("psycopg2 is not installed (pip install 'driftline[postgres]')") from exc
            self.conn = psycopg2.connect(**postgres_params(output))
            self.conn.autocommit = True
            if output.get("role"):
                with self.conn.cursor() as cur:
                    cur.execute(f"set role {output['role']}")
        elif self.kind == "spark":
            self.conn = _spark_session(output)
        else:
            raise WarehouseError(f"driftline commands support duckdb, postgres and spark (session) targets, not '{self.kind}'")

    def close(self) -> None:
        if self.kind == "spark":
            self.conn.stop()
        else:
            self.conn.close()

    def ident(self, name: str) -> str:
        if self.kind == "spark":
            return "`" + str(name).replace("`", "``") + "`"
        return '"' + str(name).replace('"', '""') + '"'

    def literal(self, text: str) -> str:
        if self.kind == "spark":  # Spark SQL escapes with a backslash
            return _spark_literal(str(text))
        return "'" + str(text).replace("'", "''") + "'"

    def qualified(self, relation: Any) -> str:
        """schema.identifier of a driftline.target.Relation, quoted (the connection is to its database already)."""
        return f"{self.ident(relation.schema)}.{self.ident(relation.identifier)}"

    def read(self, schema: str, table: str, where: dict[str, Any] | None = None) -> pd.DataFrame:
        """The table, or only its rows whose columns equal the values in `where`."""
        sql = f"select * from {self.ident(schema)}.{self.ident(table)}"
        if self.kind == "spark":  # Spark SQL takes no bound parameters here: the values become literals
            if where:
                sql += " where " + " and ".join(f"{self.ident(c)} = {_spark_literal(v)}" for c, v in where.items())
            return self.query(sql)
        params = list((where or {}).values())
        if where:
            sql += " where " + " and ".join(f"{self.ident(c)} = " + ("?" if self.kind == "duckdb" else "%s") for c in where)
        return self.query(sql, params)

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """The result of a read-only query as a frame."""
        if self.kind == "duckdb":
            return self.conn.execute(sql, params or []).df()
        if self.kind == "spark":
            if params:
                raise WarehouseError("Spark queries take no parameters")
            return _spark_frame(self.conn.sql(sql))
        with self.conn.cursor() as cur:
            cur.execute(sql, params or None)  # None: a '%' in the SQL is not a placeholder
            return pd.DataFrame(cur.fetchall(), columns=[d[0] for d in cur.description])

    def tables(self, schema: str) -> set[str]:
        """Names of the tables and views in schema."""
        if self.kind == "spark":
            if not self.conn.catalog.databaseExists(schema):
                return set()
            return {t.name for t in self.conn.catalog.listTables(schema)}
        found = self.query(f"select table_name from information_schema.tables where table_schema = {self.literal(schema)}")
        return set(found["table_name"])

    def exists(self, schema: str, table: str) -> bool:
        return table in self.tables(schema)

    def existing(self, relations: Any, names: list[str]) -> set[str]:
        """Which of these driftline models exist where `relations` (driftline.target.Relations) places them."""
        listed: dict[str, set[str]] = {}
        found = set()
        for name in names:
            relation = relations[name]
            if relation.schema not in listed:
                listed[relation.schema] = self.tables(relation.schema)
            if relation.identifier in listed[relation.schema]:
                found.add(name)
        return found

    def columns(self, schema: str, table: str) -> list[str]:
        """Column names of schema.table, in order."""
        if self.kind == "spark":
            return [c.name for c in self.conn.catalog.listColumns(f"{self.ident(schema)}.{self.ident(table)}")]
        found = self.query("select column_name from information_schema.columns where table_schema = "
                           f"{self.literal(schema)} and table_name = {self.literal(table)} order by ordinal_position")
        return list(found["column_name"])

    def write(self, schema: str, table: str, frame: pd.DataFrame, types: dict[str, str]) -> None:
        """Replace schema.table with frame; types maps each column to bool/int/float/text."""
        target = f"{self.ident(schema)}.{self.ident(table)}"
        if self.kind == "spark":
            self._spark_write(schema, table, frame, types)
            return
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


    def _spark_write(self, schema: str, table: str, frame: pd.DataFrame, types: dict[str, str]) -> None:
        """A parquet table written in one overwrite (the previous table stays if the write fails)."""
        ddl = ", ".join(f"{self.ident(c)} {_SPARK_TYPES[types[c]]}" for c in frame.columns)
        convert = {c: _SPARK_PYTHON[types[c]] for c in frame.columns}
        rows = [tuple(None if _missing(v) else convert[c](v) for c, v in zip(frame.columns, row))
                for row in frame.itertuples(index=False, name=None)]
        self.conn.sql(f"create schema if not exists {self.ident(schema)}")
        self.conn.createDataFrame(rows, schema=ddl).write.mode("overwrite").format("parquet") \
            .saveAsTable(f"{self.ident(schema)}.{self.ident(table)}")


_SPARK_TYPES = {"bool": "boolean", "int": "bigint", "float": "double", "text": "string", "timestamp": "timestamp"}
_SPARK_PYTHON = {"bool": bool, "int": int, "float": float, "text": str,
                 "timestamp": lambda v: pd.Timestamp(v).to_pydatetime()}


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def _spark_session(output: dict[str, Any]):
    """The Spark session of a dbt-spark `method: session` target, with its server_side_parameters. Other
    methods (thrift, http, odbc) reach a cluster driftline cannot open a session on: run the driftline
    command on the cluster (e.g. a Databricks job or spark-submit) with a session target instead."""
    method = output.get("method")
    if method != "session":
        raise WarehouseError(f"driftline commands reach Spark only through a dbt-spark `method: session` target, not "
                             f"'{method}'. Fix: run `driftline fit` where the Spark session lives (a Databricks job, "
                             f"spark-submit on the cluster) with a profile target of `method: session`.")
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise WarehouseError("pyspark is not installed (pip install 'driftline[spark]')") from exc
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in (output.get("server_side_parameters") or {}).items():
        builder = builder.config(key, str(value))
    return builder.getOrCreate()


def _spark_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)) or hasattr(value, "item"):
        return repr(value.item() if hasattr(value, "item") else value)
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _spark_frame(df) -> pd.DataFrame:
    """A Spark result as pandas; decimals (Spark's type of literals like 0.5) become floats."""
    from decimal import Decimal

    frame = df.toPandas()
    for position in range(frame.shape[1]):  # by position: a result may repeat a column name
        column = frame.iloc[:, position]
        values = column.dropna()
        if column.dtype == object and len(values) and isinstance(values.iloc[0], Decimal):
            frame.isetitem(position, column.astype(float))
    return frame


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
