"""`driftline status`: the latest analysis chunk of every monitor, alerts first, in a few terminal lines.

Reads driftline_chunks, driftline_alerts and the family tables (`driftline_<family>`, whatever rows they hold), so
a new metric or method shows up without a change here.

    loan_default  latest chunk 2023-12 (16,986 rows): 35 alerts
      performance (realized)  roc_auc 0.711 < 0.920, accuracy 0.656 < 0.838, ...
      univariate_drift  car_value  jensen_shannon 0.355 > 0.0193, ...
      likely causes of realized roc_auc: car_value (r=1.00); salary_range (r=1.00)
      checked in this chunk: performance 11 of 36 alert, univariate_drift 13 of 28, ...
      alerts per analysis chunk: 2023-07 4, 2023-08 6, ..., 2023-12 35
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd

from .target import Relations, as_relations

__all__ = ["FAMILIES", "status_lines", "open_alert_count", "number", "bound_text"]

CHUNKS = "driftline_chunks"
ALERTS = "driftline_alerts"
FAMILIES = ["performance", "multivariate_drift", "univariate_drift", "data_quality", "summary_stats"]
ITEMS_PER_LINE = 6


def _text(value: Any) -> str | None:
    """A text cell, or None for NULL / NaN / empty."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    text = str(value)
    return text or None


def _true(value: Any) -> bool:
    return value is not None and value is not pd.NA and not (isinstance(value, float) and value != value) and bool(value)


def number(value: Any, rate: bool = False) -> str:
    """Four significant digits, thousands grouped from 10,000 (17,847); a rate as a percentage (15.6%, 0.01%)."""
    if _text(value) is None:
        return "-"
    v = float(value)
    if rate:
        return f"{v:.1%}" if v == 0 or abs(v) >= 0.001 else f"{v * 100:.1g}%"
    if abs(v) >= 10_000:
        return f"{v:,.0f}"
    return f"{v:.4g}"


def bound_text(row: Any, rate: bool) -> str:
    """Which threshold the value crossed: ' < 0.92', or ' <= 21' for a value on its bound (the families whose alert
    rule is 'not strictly inside')."""
    value = float(row.value) if _text(row.value) is not None else None
    if value is None:
        return " (no value)"
    for column, strict, loose, crossed in (("lower_threshold", "<", "<=", lambda v, b: v <= b),
                                           ("upper_threshold", ">", ">=", lambda v, b: v >= b)):
        bound = getattr(row, column)
        if _text(bound) is not None and crossed(value, float(bound)):
            return f" {strict if value != float(bound) else loose} {number(bound, rate)}"
    return ""  # an alert without a crossed bound: chi2's p < 0.05


def _alert_groups(alerts: pd.DataFrame) -> list[tuple[tuple[str, str], list[str]]]:
    """((family, column), items) per family × kind × column, in alert_rank order."""
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in alerts.sort_values("alert_rank").itertuples():
        kind, column = _text(row.kind), _text(row.column_name)
        heading = (row.family + (f" ({kind})" if kind else ""), column or "")
        rate = row.family == "data_quality"  # its value is a share of the rows
        item = f"{row.method} {number(row.value, rate)}{bound_text(row, rate)}"
        if _true(row.allow_listed):
            item += f" [allowed: {_text(row.allow_reason) or 'allow-listed'}]"
        groups[heading].append(item)
    return list(groups.items())


def _wrap(heading: tuple[str, str], items: list[str], widths: tuple[int, int]) -> list[str]:
    lines = []
    for start in range(0, len(items), ITEMS_PER_LINE):
        family, column = heading if start == 0 else ("", "")
        lines.append(f"    {family:<{widths[0]}}  {column:<{widths[1]}}  {', '.join(items[start:start + ITEMS_PER_LINE])}")
    return lines


def open_alert_count(alerts: pd.DataFrame) -> int:
    """Alerts of the latest chunks that the allow-list does not cover (what the checkpoint and dbt test fail on)."""
    if alerts.empty:
        return 0
    latest = alerts.is_latest_chunk.map(_true)
    allowed = alerts.allow_listed.map(_true)
    return int((latest & ~allowed).sum())


def status_lines(warehouse: Any, relations: "Relations | str", monitors: list[str] | None = None,
                 where: str = "") -> tuple[list[str], pd.DataFrame]:
    """The status as lines, and the latest-chunk alerts it shows (for --fail-on-alerts). relations: where the
    driftline tables are (driftline.target.Relations, or one schema's name)."""
    relations = as_relations(relations)
    table = lambda name: warehouse.qualified(relations[name])  # noqa: E731
    literal = warehouse.literal
    families = {family: f"driftline_{family}" for family in FAMILIES}
    present = warehouse.existing(relations, [CHUNKS, ALERTS, *families.values()])
    out = [f"driftline status: reading driftline tables from {relations.where([CHUNKS, ALERTS])}"
           f"{' ' + where if where else ''}"]
    for needed in (CHUNKS, ALERTS):
        if needed not in present:
            raise ValueError(f"{relations[needed]} does not exist: run `dbt build` first, or pass --schema of the "
                             "driftline tables")
    chunks = warehouse.query(
        f"select monitor, chunk_index, chunk_key, chunk_start_date, chunk_end_date, n_rows from {table(CHUNKS)} "
        "where period = 'analysis' order by monitor, chunk_index")
    declared = sorted(set(warehouse.query(f"select distinct monitor from {table(CHUNKS)}").monitor))
    if monitors:
        unknown = sorted(set(monitors) - set(declared))
        if unknown:
            raise ValueError(f"monitor {', '.join(unknown)} is not in {relations[CHUNKS]} (monitors: {', '.join(declared) or 'none'}). "
                             "Fix: pass --monitor with one of those names")
    shown = monitors or declared
    if not shown:
        out.append("  no monitors: declare them in vars: {driftline: {monitors: [...]}} and run `dbt build`")
        return out, pd.DataFrame()
    names = ", ".join(literal(m) for m in shown)
    alerts = warehouse.query(f"select * from {table(ALERTS)} where monitor in ({names})")
    counts = {}
    for family, name in families.items():
        if name in present:
            counts[family] = warehouse.query(
                f"select t.monitor, count(*) as n, sum(case when t.alert then 1 else 0 end) as n_alert "
                f"from {table(name)} as t inner join (select monitor, max(chunk_index) as chunk_index "
                f"from {table(CHUNKS)} where period = 'analysis' group by monitor) as l "
                f"on l.monitor = t.monitor and l.chunk_index = t.chunk_index "
                f"where t.period = 'analysis' and t.monitor in ({names}) group by t.monitor")

    latest_alerts = alerts[alerts.is_latest_chunk.map(_true)] if not alerts.empty else alerts
    for monitor in shown:
        mine = chunks[chunks.monitor == monitor]
        out.append("")
        if mine.empty:
            out.append(f"{monitor}  no analysis chunks yet")
            continue
        last = mine.iloc[-1]
        now = latest_alerts[latest_alerts.monitor == monitor]
        n_open = open_alert_count(now)
        n_allowed = len(now) - n_open
        verdict = f"{n_open} alerts" if n_open else "no open alerts"
        if n_allowed:
            verdict += f" (+{n_allowed} allow-listed)"
        out.append(f"{monitor}  latest chunk {last.chunk_key} ({int(last.n_rows):,} rows): {verdict}")
        groups = _alert_groups(now)
        widths = (max((len(h[0]) for h, _ in groups), default=0), max((len(h[1]) for h, _ in groups), default=0))
        for heading, items in groups:
            out.extend(_wrap(heading, items, widths))
        causes = now[(now.family == "performance") & now.likely_causes.map(lambda v: _text(v) is not None)]
        if len(causes):
            top = causes.sort_values("alert_rank").iloc[0]
            out.append(f"    likely causes of {top.kind} {top.method}: {top.likely_causes}")
        checked = []
        for family, frame in counts.items():
            row = frame[frame.monitor == monitor]
            if len(row):
                checked.append(f"{family} {int(row.n_alert.iloc[0] or 0)} of {int(row.n.iloc[0])}")
        if checked:
            out.append("    alerting checks in this chunk: " + ", ".join(checked))
        per_chunk = alerts[alerts.monitor == monitor].groupby("chunk_index").size() if not alerts.empty else pd.Series(dtype=int)
        trend = [f"{key} {int(per_chunk.get(index, 0))}" for index, key in zip(mine.chunk_index, mine.chunk_key)]
        out.append("    alerts per analysis chunk: " + ", ".join(trend))
    return out, latest_alerts
