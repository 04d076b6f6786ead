"""A Great Expectations checkpoint over driftline's monitoring tables, for warehouse CI.

`driftline checkpoint` connects where the dbt target points (DuckDB or PostgreSQL), builds one expectation suite
per monitoring table through GE's SQL data sources, runs them in one checkpoint and fails when:

* a monitor's latest analysis chunk has an alert that the driftline_alert_exceptions seed does not allow-list
  (the `allow_listed` column of driftline_alerts: the same rule as the dbt test expect_no_alerts_in_latest_chunk),
  one expectation per monitor so the result names it;
* the tables break their contract: no chunks, NULL keys, a period other than reference/analysis, or two rows
  for the same monitor × period × chunk × column × method (a mixed-up history).

DuckDB note: duckdb-engine hands out the connection itself as the DB-API cursor, so the ROLLBACK that SQLAlchemy
issues when GE closes a connection discards a result GE has not fetched yet (GE reads after closing; GE issue
#11579: every metric comes back empty). The engine here gives every cursor its own DuckDB cursor, which a rollback
of the parent connection does not touch; the file is opened read-only, so there are no transactions to lose.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .target import as_relations
from .warehouse import Warehouse, duckdb_file, postgres_params

__all__ = ["FAMILY_TABLES", "CheckpointOutcome", "run_checkpoint", "format_outcome"]

CHUNKS = "driftline_chunks"
ALERTS = "driftline_alerts"
CHUNK_KEY = ["monitor", "period", "chunk_index"]
# table -> the columns that, after the chunk key, identify one row (the long contract of models/outputs/_outputs.yml)
FAMILY_TABLES = {
    "driftline_performance": ["kind", "metric", "method"],
    "driftline_multivariate_drift": ["method"],
    "driftline_univariate_drift": ["column_name", "method"],
    "driftline_data_quality": ["column_name", "check_name"],
    "driftline_summary_stats": ["column_name", "statistic"],
}
ALERT_FAMILIES = ["performance", "multivariate_drift", "univariate_drift", "data_quality", "summary_stats"]
ALERT_COLUMNS = ["monitor", "chunk_key", "family", "kind", "column_name", "method", "value", "lower_threshold",
                 "upper_threshold", "likely_causes"]
SHOWN_ROWS = 20  # failing alert rows printed per monitor


@dataclass
class Check:
    table: str
    description: str
    success: bool
    observed: str = ""
    rows: list[dict] = field(default_factory=list)  # the unexpected rows of an alerts check
    error: str = ""
    gates_alerts: bool = False  # an alert check (always printed), not a contract check


@dataclass
class CheckpointOutcome:
    success: bool
    checks: list[Check]
    where: str
    ge_result: Any = None  # GE's CheckpointResult


# -- connection ---------------------------------------------------------------------------------------------------

class _DuckdbConnections:
    """SQLAlchemy's `creator` for DuckDB: read-only connections whose cursors survive a rollback (see the module
    docstring), all closed by close_all() so the file is free again for the next `dbt build` (GE builds engines
    of its own from the data source's settings, so disposing one engine is not enough)."""

    def __init__(self, path: Path, schema: str):
        self.path, self.schema, self.opened = path, schema, []

    def __call__(self) -> Any:
        import duckdb
        from duckdb_engine import ConnectionWrapper, CursorWrapper

        use_schema = f"set schema = '{self.schema}'"  # GE leaves some table references unqualified

        class CursorPerQuery(ConnectionWrapper):
            def cursor(self) -> CursorWrapper:
                cursor = conn.cursor()  # a connection of its own: settings are not inherited
                cursor.execute(use_schema)
                return CursorWrapper(cursor, self)

        conn = duckdb.connect(str(self.path), read_only=True)
        conn.execute(use_schema)
        self.opened.append(conn)
        return CursorPerQuery(conn)

    def close_all(self) -> None:
        for conn in self.opened:
            conn.close()  # closes its cursors too
        self.opened.clear()


def _postgres_url(output: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """SQLAlchemy URL and the remaining psycopg2 connect_args of a dbt-postgres target."""
    from sqlalchemy.engine import URL

    params = postgres_params(output)
    url = URL.create("postgresql+psycopg2", username=params.pop("user"), password=params.pop("password", None),
                     host=params.pop("host"), port=params.pop("port"), database=params.pop("dbname"))
    return url.render_as_string(hide_password=False), params


def _add_datasource(context: Any, output: dict[str, Any], project_dir: Path, schema: str,
                    connections: list) -> tuple[Any, str]:
    """GE's SQL data source for the target, with the driftline schema as its default schema."""
    kind = output.get("type")
    if kind == "duckdb":
        path = duckdb_file(output, project_dir)
        creator = _DuckdbConnections(path, schema.replace("'", "''"))
        connections.append(creator)
        source = context.data_sources.add_sql(name="driftline", connection_string="duckdb:///:memory:",
                                              kwargs={"creator": creator})
        return source, f"duckdb {path}"
    if kind == "postgres":
        search_path = '"' + schema.replace('"', '""') + '"'
        url, connect_args = _postgres_url(output)
        options = " ".join(o for o in (connect_args.pop("options", ""), f"-csearch_path={search_path}") if o)
        source = context.data_sources.add_postgres(name="driftline", connection_string=url,
                                                   kwargs={"connect_args": {**connect_args, "options": options}})
        return source, f"postgres {output.get('host', 'localhost')}:{output.get('port', 5432)}/{output.get('database') or output.get('dbname')}"
    raise ValueError(_UNSUPPORTED.format(kind=kind))


def _context() -> Any:
    """An in-memory GE context: no great_expectations/ folder, no analytics calls, no progress bars."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import (DataContextConfig, InMemoryStoreBackendDefaults,
                                                            ProgressBarsConfig)

    config = DataContextConfig(store_backend_defaults=InMemoryStoreBackendDefaults(), analytics_enabled=False,
                               progress_bars=ProgressBarsConfig(globally=False))
    return gx.get_context(mode="ephemeral", project_config=config)


# -- expectations -------------------------------------------------------------------------------------------------

def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _query_literal(text: str) -> str:
    """A SQL string literal inside an unexpected_rows_query, which GE formats with {batch}: braces doubled."""
    return _literal(text).replace("{", "{{").replace("}", "}}")


def _structure(table: str, key: list[str], gxe: Any, must_have_rows: bool, not_null: tuple[str, ...] = ()) -> list[Any]:
    """Contract checks of one long table: keys (and ``not_null``) not NULL, a known period, one row per key."""
    expectations = []
    if must_have_rows:
        expectations.append(gxe.ExpectTableRowCountToBeBetween(
            min_value=1, description=f"{table} has rows (monitors are declared and `dbt build` ran)"))
    for column in [*key, *not_null]:
        expectations.append(gxe.ExpectColumnValuesToNotBeNull(column=column, description=f"{table}.{column} is never NULL"))
    expectations.append(gxe.ExpectColumnValuesToBeInSet(
        column="period", value_set=["reference", "analysis"], description=f"{table}.period is reference or analysis"))
    expectations.append(gxe.ExpectCompoundColumnsToBeUnique(
        column_list=key, ignore_row_if="never", description=f"{table} has one row per {' x '.join(key)}"))
    return expectations


def _alert_expectations(monitors: Iterable[str], families: list[str] | None, gxe: Any) -> list[Any]:
    family_filter = ""
    if families:
        family_filter = " and family in (" + ", ".join(_query_literal(f) for f in families) + ")"
    columns = ", ".join(ALERT_COLUMNS)
    out = []
    for monitor in monitors:
        query = (f"select {columns} from {{batch}} where is_latest_chunk and not allow_listed "
                 f"and monitor = {_query_literal(monitor)}{family_filter} order by alert_rank")
        scope = f" ({', '.join(families)})" if families else ""
        out.append(gxe.UnexpectedRowsExpectation(
            unexpected_rows_query=query,
            description=f"monitor {monitor}: no alert{scope} in the latest chunk that the allow-list does not cover"))
    return out


# -- run ----------------------------------------------------------------------------------------------------------

_UNSUPPORTED = ("driftline checkpoint runs on duckdb and postgres targets, not '{kind}': Great Expectations' SQL data "
                "source cannot reach it. Fix: gate with the dbt test (`dbt test -s driftline_alerts --vars "
                "'{{driftline_alert_severity: error}}'`) or `driftline status --fail-on-alerts`")


def run_checkpoint(output: dict[str, Any], project_dir: Path, relations: Any = None,
                   monitors: list[str] | None = None, families: list[str] | None = None) -> CheckpointOutcome:
    """Build the suites over the driftline tables, run the checkpoint, return its outcome.

    ``relations``: where the tables are (driftline.target.Relations, a schema's name, or None for the target's
    schema); the tables checked must share one schema. ``monitors`` limits every check to those monitors;
    ``families`` limits the alert checks to those families. Raises ValueError for a target, schema or filter that
    cannot be checked.
    """
    if output.get("type") not in ("duckdb", "postgres"):
        raise ValueError(_UNSUPPORTED.format(kind=output.get("type")))
    unknown = sorted(set(families or []) - set(ALERT_FAMILIES))
    if unknown:
        raise ValueError(f"unknown alert family {', '.join(unknown)}; choose from {', '.join(ALERT_FAMILIES)}")
    if relations is None:
        relations = output.get("schema") or ("main" if output.get("type") == "duckdb" else "public")
    relations = as_relations(relations)
    schema = _one_schema(relations)
    present = _tables(output, project_dir, relations)
    if CHUNKS not in present:
        raise ValueError(f"no {CHUNKS} in schema {schema}: run `dbt build` first, or pass --schema")
    if ALERTS not in present:
        raise ValueError(f"no {ALERTS} in schema {schema}: this driftline version builds it; run `dbt build`")
    context = _context()
    connections: list = []
    source, where = _add_datasource(context, output, project_dir, schema, connections)
    engine = source.get_engine()
    try:
        return _run(context, source, engine, where, relations, present, monitors, families)
    finally:
        engine.dispose()
        for opened in connections:
            opened.close_all()


CHECKED = [CHUNKS, ALERTS, *FAMILY_TABLES]


def _one_schema(relations: Any) -> str:
    """The schema of the checked tables; a ValueError naming them when they are spread over several."""
    schemas = {name: relations.schema(name) for name in CHECKED}
    if len(set(schemas.values())) > 1:
        spread = ", ".join(f"{name} in {schema}" for name, schema in schemas.items())
        raise ValueError(f"the checkpoint reads driftline's output tables from one schema, but dbt put them in several "
                         f"({spread}). Fix: give driftline's models one +schema in dbt_project.yml, or pass --schema")
    return next(iter(schemas.values()))


def _tables(output: dict[str, Any], project_dir: Path, relations: Any) -> set[str]:
    """The checked tables that exist, found before GE connects (a missing file or schema is the user's error, not
    GE's)."""
    warehouse = Warehouse(output, project_dir, read_only=True)
    try:
        return warehouse.existing(relations, CHECKED)
    finally:
        warehouse.close()


def _run(context: Any, source: Any, engine: Any, where: str, relations: Any, present: set[str],
         monitors: list[str] | None, families: list[str] | None) -> CheckpointOutcome:
    import great_expectations as gx
    import great_expectations.expectations as gxe
    import sqlalchemy as sa

    schema = relations.schema(CHUNKS)
    quoted = lambda name: f'"{schema}"."{relations[name].identifier}"'  # noqa: E731
    with engine.connect() as conn:
        declared = [r[0] for r in conn.execute(sa.text(
            f'select distinct monitor from {quoted(CHUNKS)} order by monitor')).fetchall()]
    if monitors:
        missing = sorted(set(monitors) - set(declared))
        if missing:
            raise ValueError(f"monitor {', '.join(missing)} has no chunks in {schema}.{CHUNKS} "
                             f"(monitors there: {', '.join(declared) or 'none'})")
    checked = monitors or declared

    tables: list[tuple[str, list[Any]]] = [(CHUNKS, _structure(CHUNKS, CHUNK_KEY, gxe, must_have_rows=True,
                                                                  not_null=("chunk_key", "n_rows")))]
    for table, key in FAMILY_TABLES.items():
        if table in present:
            tables.append((table, _structure(table, CHUNK_KEY + key, gxe, must_have_rows=table == "driftline_univariate_drift")))
    tables.append((ALERTS, [gxe.ExpectColumnValuesToNotBeNull(column=c, description=f"{ALERTS}.{c} is never NULL")
                            for c in ("monitor", "family", "method", "is_latest_chunk", "allow_listed")]
                   + _alert_expectations(checked, families, gxe)))

    definitions = []
    for table, expectations in tables:
        if monitors:
            names = ", ".join(_literal(m) for m in monitors)
            asset = source.add_query_asset(name=table, query=f'select * from {quoted(table)} where monitor in ({names})')
        else:  # in the data source's default schema
            asset = source.add_table_asset(name=table, table_name=relations[table].identifier)
        suite = context.suites.add(gx.ExpectationSuite(name=f"driftline.{table}"))
        for expectation in expectations:
            suite.add_expectation(expectation)
        batch = asset.add_batch_definition_whole_table(name="whole table")
        definitions.append(context.validation_definitions.add(gx.ValidationDefinition(name=table, data=batch, suite=suite)))
    checkpoint = context.checkpoints.add(gx.Checkpoint(name="driftline", validation_definitions=definitions,
                                                       result_format={"result_format": "COMPLETE"}))
    result = checkpoint.run()
    by_suite = {v.suite_name: v for v in result.run_results.values()}
    checks = [_check(table, r) for table, _ in tables for r in by_suite[f"driftline.{table}"].results]
    return CheckpointOutcome(success=bool(result.success), checks=checks, where=f"reading driftline tables from {relations.where([CHUNKS])} on {where}",
                             ge_result=result)


def _check(table: str, r: Any) -> Check:
    config = r.expectation_config
    description = config.description or config.type
    info = r.exception_info or {}
    errors = [v.get("exception_message") for v in info.values() if isinstance(v, dict) and v.get("raised_exception")]
    if info.get("raised_exception"):
        errors.append(info.get("exception_message"))
    result = r.result or {}
    rows: list[dict] = []
    if config.type == "unexpected_rows_expectation":
        observed = f"{result.get('observed_value', '?')} open alerts"
        rows = list((result.get("details") or {}).get("unexpected_rows") or [])
    elif "observed_value" in result:
        observed = f"observed {result['observed_value']}"
    elif result.get("element_count") == 0:
        observed = "no rows"
    elif "unexpected_count" in result:
        observed = f"{result['unexpected_count']} of {result.get('element_count', '?')} rows unexpected"
        sample = result.get("partial_unexpected_list") or []
        if sample and not r.success:
            observed += f", e.g. {sample[:3]}"
    else:
        observed = ""
    return Check(table, description, bool(r.success), observed, rows, "; ".join(str(e) for e in errors if e),
                 gates_alerts=config.type == "unexpected_rows_expectation")


# -- output -------------------------------------------------------------------------------------------------------

def _number(value: Any) -> str:
    from .status import number

    return number(value)


def _alert_line(row: dict) -> str:
    what = " ".join(str(row[c]) for c in ("family", "kind", "column_name", "method") if row.get(c) not in (None, ""))
    lower, upper = row.get("lower_threshold"), row.get("upper_threshold")
    line = f"      {row.get('chunk_key')}  {what}  value {_number(row.get('value'))}"
    if lower is not None or upper is not None:
        line += f" outside [{_number(lower)}, {_number(upper)}]"
    if row.get("likely_causes"):
        line += f"  likely causes: {row['likely_causes']}"
    return line


def format_outcome(outcome: CheckpointOutcome, verbose: bool = False) -> list[str]:
    """The checkpoint result as lines: per table the count of met expectations, then every failing one (every one
    with ``verbose``) and every alert check, with the open alerts listed under their monitor."""
    out = [f"driftline checkpoint (Great Expectations): {outcome.where}"]
    tables = list(dict.fromkeys(c.table for c in outcome.checks))
    for table in tables:
        checks = [c for c in outcome.checks if c.table == table]
        met = sum(c.success for c in checks)
        out.append(f"  {table}: {met} of {len(checks)} expectations met")
        for check in checks:
            if verbose or not check.success or check.gates_alerts:
                out.extend(_check_lines(check))
    failed = [c for c in outcome.checks if not c.success]
    out.append("")
    if outcome.success:
        out.append(f"checkpoint passed: {len(outcome.checks)} expectations met")
    else:
        out.append(f"checkpoint FAILED: {len(failed)} of {len(outcome.checks)} expectations not met. Known, accepted "
                   "alerts go in the driftline_alert_exceptions seed (README, Warehouse CI).")
    return out


def _check_lines(check: Check) -> list[str]:
    mark = "PASS" if check.success else "FAIL"
    detail = check.error or check.observed
    out = [f"    {mark}  {check.description}" + (f" ({detail})" if detail else "")]
    out += [_alert_line(row) for row in check.rows[:SHOWN_ROWS]]
    if len(check.rows) > SHOWN_ROWS:
        out.append(f"      ... and {len(check.rows) - SHOWN_ROWS} more (query {ALERTS} where is_latest_chunk and not allow_listed)")
    return out
