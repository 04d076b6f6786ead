"""A short, human summary of driftline's output tables: chunks, alerts by family, what drifted most.

Reads through a driftline.warehouse.Warehouse (DuckDB, PostgreSQL, a Spark session), the tables where
driftline.target.Relations places them; every query is read-only. Tables that are not built yet are skipped.

    from driftline.summary import print_summary
    from driftline.target import resolve
    from driftline.warehouse import Warehouse
    target, relations = resolve(project_dir=Path("demo"), profiles_dir=Path("demo"))
    print_summary(Warehouse(target.output, target.project_dir, read_only=True), relations, target)
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, Iterable, TextIO

from .target import as_relations

__all__ = ["TABLES", "FAMILIES", "Family", "summarize", "print_summary"]

CHUNKS = "driftline_chunks"


@dataclass(frozen=True)
class Family:
    label: str  # as printed
    table: str
    key: str  # the column naming the method / check / statistic
    description: str  # one line for "Query these tables"
    column: str = "column_name"  # the column naming the feature ("null" where the family has none)


FAMILIES = [
    Family("univariate drift", "driftline_univariate_drift", "method",
           "drift per chunk x feature x method, with thresholds and alert"),
    Family("data quality", "driftline_data_quality", "check_name",
           "missing / unseen / out-of-range rates per chunk x feature"),
    Family("summary stats", "driftline_summary_stats", "statistic",
           "avg, median, std, sum and row count per chunk x feature"),
    Family("multivariate", "driftline_multivariate_drift", "method",
           "PCA reconstruction error / domain classifier AUROC per chunk, with thresholds and alert", column="null"),
]
TABLES = [CHUNKS] + [f.table for f in FAMILIES] + ["driftline_performance"]
_CHUNKS_DESCRIPTION = "one row per chunk: period, chunk_index, chunk_key, dates, n_rows"

TOP_FEATURES = 5


class _Reader:
    """Runs read-only SQL through a Warehouse against the driftline tables where `relations` places them."""

    def __init__(self, warehouse: Any, relations: Any):
        self.wh, self.relations = warehouse, relations
        self.present = warehouse.existing(relations, TABLES)

    def rows(self, sql: str) -> list[tuple]:
        """The result as tuples, NULL as None."""
        frame = self.wh.query(sql)
        frame = frame.astype(object).where(frame.notna(), None)
        return list(frame.itertuples(index=False, name=None))

    def exists(self, table: str) -> bool:
        return table in self.present

    def qualified(self, table: str) -> str:
        return self.wh.qualified(self.relations[table])

    def literal(self, text: str) -> str:
        return self.wh.literal(text)

    def ident(self, name: str) -> str:
        return self.wh.ident(name)


def _count(n: int | None) -> str:
    return f"{int(n or 0):,}"


def _keys_span(chunks: list[tuple]) -> str:
    """'first .. last' chunk keys of (chunk_index, chunk_key, n_rows) rows sorted by index."""
    if not chunks:
        return ""
    first, last = chunks[0][1], chunks[-1][1]
    return str(first) if first == last else f"{first} .. {last}"


def _join_limited(items: Iterable[str], limit: int) -> str:
    items = list(items)
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f", +{len(items) - limit} more"


def _rate(value: float) -> str:
    """A share as a percentage that stays readable for tiny shares: 15.6%, 0.02%."""
    if value == 0 or abs(value) >= 0.001:
        return f"{value:.1%}"
    return f"{value * 100:.1g}%"


def _data_quality_item(check: str, value: Any, count: Any, unseen: Any) -> str:
    text = check if value is None else f"{check} {_rate(float(value))}"
    if unseen:  # the unseen values with their counts say it all
        text += f" [{unseen}]"
    elif count is not None:
        text += f" ({_count(count)} rows)"
    return text


def summarize(warehouse: Any, relations: Any, target: Any = None) -> list[str]:
    """The summary as a list of lines (see ``print_summary``). relations: driftline.target.Relations or a schema's
    name; target: the driftline.target.DbtTarget read (its connection is described, with a query to try)."""
    relations = as_relations(relations)
    db = _Reader(warehouse, relations)
    where = f" on {target.describe()}" if target is not None else ""
    out = [f"driftline summary: reading driftline tables from {relations.where([CHUNKS])}{where}"]

    if not db.exists(CHUNKS):
        out.append(f"  No driftline tables yet ({relations[CHUNKS]} does not exist): run `dbt build` first.")
        return out

    chunk_rows = db.rows(
        f"select monitor, period, chunk_index, chunk_key, n_rows from {db.qualified(CHUNKS)} "
        "order by monitor, period, chunk_index"
    )
    chunks: dict[str, dict[str, list[tuple]]] = defaultdict(lambda: defaultdict(list))
    for monitor, period, index, key, n_rows in chunk_rows:
        chunks[monitor][period].append((index, key, n_rows))
    if not chunks:
        out.append("  driftline_chunks is empty: no monitors are declared (vars: {driftline: {monitors: [...]}}).")

    # Per family: checks and alerts in the analysis period, per monitor.
    totals: dict[str, dict[str, tuple[int, int]]] = {}
    alerts: dict[str, dict[str, list[tuple]]] = {}
    for fam in FAMILIES:
        if not db.exists(fam.table):
            continue
        t = db.qualified(fam.table)
        totals[fam.table] = {
            m: (n, chunks_n) for m, n, chunks_n in db.rows(
                f"select monitor, count(*), count(distinct chunk_index) from {t} "
                "where period = 'analysis' group by monitor")
        }
        extra = (f", {db.ident('count')} as n_rows_hit, unseen_values" if fam.table == "driftline_data_quality"
                 else ", null as n_rows_hit, null as unseen_values")  # named: Spark keeps duplicate column names
        per_monitor: dict[str, list[tuple]] = defaultdict(list)
        for row in db.rows(
            f"select monitor, chunk_index, chunk_key, {fam.column} as feature, {db.ident(fam.key)}, value{extra} from {t} "
            f"where period = 'analysis' and alert order by monitor, chunk_index, "
            f"{'' if fam.column == 'null' else fam.column + ', '}{db.ident(fam.key)}"
        ):
            per_monitor[row[0]].append(row[1:])
        alerts[fam.table] = per_monitor

    for monitor in sorted(chunks):
        ref, ana = chunks[monitor].get("reference", []), chunks[monitor].get("analysis", [])
        out.append("")
        out.append(f"monitor {monitor}")
        out.append(
            f"  chunks: {len(ref)} reference ({_keys_span(ref)}, {_count(sum(c[2] or 0 for c in ref))} rows), "
            f"{len(ana)} analysis ({_keys_span(ana)}, {_count(sum(c[2] or 0 for c in ana))} rows)"
        )
        out.append("  alerts in the analysis period:")
        for fam in FAMILIES:
            if fam.table not in alerts:
                out.append(f"    {fam.label:<17} (table {fam.table} not built)")
                continue
            n_checks, _ = totals[fam.table].get(monitor, (0, 0))
            rows = alerts[fam.table].get(monitor, [])
            alert_chunks = sorted({r[0] for r in rows})
            out.append(
                f"    {fam.label:<17} {len(rows):>4} of {_count(n_checks)} checks alert, "
                f"in {len(alert_chunks)} of {len(ana)} chunks"
            )

        out.extend(_performance_lines(db, monitor))

        drift = alerts.get("driftline_univariate_drift", {}).get(monitor, [])
        if drift:
            out.append("  top drifted features (univariate alerts in the analysis period):")
            per_column = Counter(r[2] for r in drift)
            chunk_keys: dict[str, list[str]] = defaultdict(list)
            for index, key, column, *_ in drift:
                if key not in chunk_keys[column]:
                    chunk_keys[column].append(key)
            width = max(len(c) for c in per_column)
            for column, n in per_column.most_common(TOP_FEATURES):
                out.append(f"    {column:<{width}} {n:>4}  in {_join_limited(map(str, chunk_keys[column]), 6)}")
            if len(per_column) > TOP_FEATURES:
                out.append(f"    ... and {len(per_column) - TOP_FEATURES} more features with alerts")

        if ana:
            last_index, last_key, last_rows = ana[-1]
            latest = [(fam, [r for r in alerts[fam.table].get(monitor, []) if r[0] == last_index])
                      for fam in FAMILIES if fam.table in alerts]
            n_latest = sum(len(rows) for _, rows in latest)
            out.append(f"  latest chunk {last_key} ({_count(last_rows)} rows): "
                       + (f"{n_latest} alerts" if n_latest else "no alerts"))
            for fam, rows in latest:
                by_column: dict[str, list[str]] = defaultdict(list)
                for _, _, column, key, value, count, unseen in rows:
                    is_dq = fam.table == "driftline_data_quality"
                    by_column[column or ("(rows)" if fam.column == "column_name" else "(all features)")].append(_data_quality_item(key, value, count, unseen) if is_dq else key)
                for column, items in by_column.items():
                    out.append(f"    {fam.label:<17} {column}: {_join_limited(items, 5)}")

    out.append("")
    out.append("Query these tables:")
    described = [(CHUNKS, _CHUNKS_DESCRIPTION)] + [(f.table, f.description) for f in FAMILIES] + [
        (PERFORMANCE, "realized and estimated (CBPE, DLE) performance per chunk x metric, with bands and alert")]
    width = max(len(str(relations[t])) for t, _ in described)
    for table, description in described:
        note = description if db.exists(table) else "(not built yet)"
        out.append(f"  {str(relations[table]):<{width}}  {note}")
    example = (
        f"select chunk_key, column_name, method, round(value, 4) as value from {relations['driftline_univariate_drift']} "
        "where period = 'analysis' and alert order by chunk_index, column_name, method"
    )
    out.extend(_query_hint(target, example))
    return out


def _query_hint(target: Any, example: str) -> list[str]:
    """How to run the example query against the target: the duckdb CLI (or Python) or psql."""
    if target is None:
        return []
    if target.type == "duckdb":
        from .warehouse import duckdb_file

        path = duckdb_file(target.output, target.project_dir)
        return [f'e.g.  duckdb {path} "{example}"',
                f"  (no duckdb CLI? {sys.executable} -c \"import duckdb; duckdb.connect('{path}', "
                f"read_only=True).sql(\\\"{example}\\\").show()\")"]
    if target.type == "postgres":
        o = target.output
        return [f"e.g.  psql -h {o.get('host')} -p {o.get('port')} -U {o.get('user')} -d {o.get('database')} -c \"{example}\""]
    return [f"e.g.  {example}"]


def print_summary(warehouse: Any, relations: Any, target: Any = None, *, file: TextIO | None = None) -> None:
    """Print the summary of the driftline tables (see ``summarize``)."""
    print("\n".join(summarize(warehouse, relations, target)), file=file or sys.stdout)


PERFORMANCE = "driftline_performance"
REGRESSION_METRICS = {"mae", "mape", "mse", "msle", "rmse", "rmsle"}


def _performance_lines(db: "_Reader", monitor: str) -> list[str]:
    """Estimated vs realized for the monitor's headline metric (roc_auc if monitored), analysis chunks."""
    if not db.exists(PERFORMANCE):
        return []
    t = db.qualified(PERFORMANCE)
    metrics = [r[0] for r in db.rows(f"select distinct metric from {t} where monitor = {db.literal(monitor)} and kind = 'estimated'")]
    if not metrics:
        return []
    metric = next((m for m in ("roc_auc", "mae") if m in metrics), sorted(metrics)[0])
    method = "DLE" if metric in REGRESSION_METRICS else "CBPE"
    rows = db.rows(
        f"select chunk_key, value, realized_value, lower_threshold, upper_threshold, alert from {t} "
        f"where monitor = {db.literal(monitor)} and kind = 'estimated' and metric = {db.literal(metric)} and period = 'analysis' "
        "order by chunk_index")
    fmt = lambda v: "   -  " if v is None else f"{float(v):.3f}"
    lines = [f"  estimated {metric} ({method}) per analysis chunk, realized where targets exist:"]
    for key, value, realized, lower, upper, alert in rows:
        below = lower is not None and value is not None and float(value) < float(lower)
        flag = (f"  ALERT (below {fmt(lower)})" if below else f"  ALERT (above {fmt(upper)})") if alert else ""
        lines.append(f"    {str(key):<12} estimated {fmt(value)}  realized {fmt(realized)}{flag}")
    n_alerts = len(db.rows(f"select 1 from {t} where monitor = {db.literal(monitor)} and period = 'analysis' and alert"))
    lines.append(f"  performance alerts in the analysis period: {n_alerts} (all metrics, estimated and realized)")
    return lines
