"""`driftline report`: one self-contained HTML file of the monitoring tables (inline SVG and CSS, no script, no
network), per monitor: alerts, performance, multivariate drift, univariate drift with the distributions behind it,
data quality, summary statistics and the feature rankings.

Every plot is one of three SVG helpers:

* ``series_svg``: values over chunks (reference and analysis periods shaded), a confidence band where the table has
  one, thresholds as red dashed lines, alerts as red dots; several series share the axes (estimated and realized).
* ``joyplot_svg``: a continuous feature's histogram per chunk over the reference Doane bins (filled), with the whole
  reference's histogram outlined beside it (driftline__distribution_pairs, edges from driftline__reference_profile).
* ``stacked_svg``: a categorical feature's category shares per chunk as stacked bars.

The family tables are read through their long contract (panel = column_name × method/metric/check/statistic), so
new metrics and methods appear without a change here.
"""
from __future__ import annotations

import html
import math
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, TextIO

import numpy as np
import pandas as pd

from .target import as_relations

__all__ = ["write_report", "render_report", "series_svg", "joyplot_svg", "stacked_svg", "Progress"]

W, H = 400, 172  # one panel
LEFT, RIGHT, TOP, BOTTOM = 52, 10, 24, 34
SERIES_COLORS = {"estimated": "#1f6fb4", "realized": "#2a9d3a"}
DEFAULT_COLOR = "#1f6fb4"
ALERT = "#d62728"
CATEGORY_COLORS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
                   "#9c755f", "#bab0ac"]


@dataclass(frozen=True)
class Family:
    name: str  # as in driftline_alerts.family
    title: str
    panel: tuple[str, ...]  # columns that make one panel
    series: str | None = None  # column that splits a panel into series (performance: kind)
    rate: bool = False  # values are shares: axis in percent

    @property
    def table(self) -> str:
        return f"driftline_{self.name}"


FAMILIES = [
    Family("performance", "Performance", ("method", "metric"), series="kind"),
    Family("multivariate_drift", "Multivariate drift", ("method",)),
    Family("univariate_drift", "Univariate drift", ("column_name", "method")),
    Family("data_quality", "Data quality", ("column_name", "check_name"), rate=True),
    Family("summary_stats", "Summary statistics", ("column_name", "statistic")),
]
# every table the report reads
READ = ["driftline_chunks", "driftline_alerts", *(f.table for f in FAMILIES), "driftline__distribution_pairs",
        "driftline__reference_profile", "driftline_feature_ranking"]
VALUE_COLUMNS = ["value", "lower_confidence", "upper_confidence", "lower_threshold", "upper_threshold", "alert"]


# -- small formatting helpers -------------------------------------------------------------------------------------

def _e(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _finite(value: Any) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _true(value: Any) -> bool:
    return value is not None and value is not pd.NA and not (isinstance(value, float) and math.isnan(value)) and bool(value)


def fmt(value: Any, rate: bool = False) -> str:
    v = _finite(value)
    if v is None:
        return "–"
    if rate:
        return f"{v:.2%}" if abs(v) < 0.1 else f"{v:.1%}"
    if abs(v) >= 10_000:
        return f"{v:,.0f}"
    return f"{v:.4g}"


def _ticks(lo: float, hi: float, n: int = 4) -> tuple[list[float], float]:
    """Round tick values covering [lo, hi] (1-2-5 steps), and the step."""
    raw = (hi - lo) / max(n, 1)
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)], step


def _tick_label(value: float, step: float, rate: bool) -> str:
    """A tick as precise as the step needs: 0.015, 2.5%, 150,000."""
    if rate:
        value, step = value * 100, step * 100
    power = math.floor(math.log10(step) + 1e-9)
    decimals = max(0, -power + (1 if round(step / 10 ** power, 6) == 2.5 else 0))
    text = f"{value:,.{decimals}f}" if abs(value) >= 10_000 or decimals == 0 else f"{value:.{decimals}f}"
    return text + ("%" if rate else "")


# -- the chunk axis -----------------------------------------------------------------------------------------------

class ChunkAxis:
    """Reference chunks, then analysis chunks, one slot each; maps (period, chunk_index) to a slot."""

    def __init__(self, chunks: pd.DataFrame):
        ordered = chunks.assign(_p=chunks.period.map({"reference": 0, "analysis": 1})).sort_values(["_p", "chunk_index"])
        self.keys = [str(k) for k in ordered.chunk_key]
        self.periods = list(ordered.period)
        self.slot = {(p, int(i)): n for n, (p, i) in enumerate(zip(ordered.period, ordered.chunk_index))}
        self.n = len(self.keys)
        self.n_reference = self.periods.count("reference")

    def x(self, slot: float) -> float:
        return LEFT + (slot + 0.5) * (W - LEFT - RIGHT) / max(self.n, 1)

    @property
    def width(self) -> float:
        return (W - LEFT - RIGHT) / max(self.n, 1)

    def slots(self, frame: pd.DataFrame) -> list[int | None]:
        return [self.slot.get((p, int(i))) for p, i in zip(frame.period, frame.chunk_index)]


def _frame_svg(axis: ChunkAxis, title: str, lo: float, hi: float, rate: bool, y_labels: bool = True) -> list[str]:
    """Background: period shading, y ticks and grid, chunk labels, title."""
    parts = [f'<text x="{LEFT}" y="14" class="t">{_e(title)}</text>']
    plot_bottom = H - BOTTOM
    if axis.n_reference:
        x1 = LEFT + axis.n_reference * axis.width
        parts.append(f'<rect class="ref" x="{LEFT}" y="{TOP}" width="{x1 - LEFT:.1f}" height="{plot_bottom - TOP}"/>')
        parts.append(f'<text x="{LEFT + 3}" y="{TOP + 10}" class="p">reference</text>')
        parts.append(f'<text x="{x1 + 3:.1f}" y="{TOP + 10}" class="p">analysis</text>')
    if y_labels:
        ticks, step = _ticks(lo, hi)
        for t in ticks:
            y = _y(t, lo, hi)
            parts.append(f'<line class="g" x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
            parts.append(f'<text x="{LEFT - 4}" y="{y + 3:.1f}" class="yl">{_e(_tick_label(t, step, rate))}</text>')
    every = max(1, math.ceil(axis.n / 6))
    for slot, key in enumerate(axis.keys):
        if slot % every == 0:
            parts.append(f'<text x="{axis.x(slot):.1f}" y="{plot_bottom + 12}" class="xl">{_e(key)}</text>')
    parts.append(f'<line class="ax" x1="{LEFT}" x2="{W - RIGHT}" y1="{plot_bottom}" y2="{plot_bottom}"/>')
    return parts


def _y(value: float, lo: float, hi: float) -> float:
    return TOP + (hi - value) / (hi - lo) * (H - BOTTOM - TOP)


def _runs(points: list[tuple[float, float | None]]) -> list[list[tuple[float, float]]]:
    """Split (x, y) points into runs without missing y."""
    runs, run = [], []
    for x, y in points:
        if y is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append((x, y))
    if run:
        runs.append(run)
    return runs


def _path(run: list[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in run)


def _svg(parts: list[str], label: str, height: int = H) -> str:
    return (f'<svg class="plot" viewBox="0 0 {W} {height}" width="{W}" height="{height}" role="img" '
            f'aria-label="{_e(label)}">' + "".join(parts) + "</svg>")


# -- plot 1: values over chunks -----------------------------------------------------------------------------------

def series_svg(axis: ChunkAxis, title: str, series: list[tuple[str, pd.DataFrame]], rate: bool = False) -> str:
    """Values over chunks. Each series frame has period, chunk_index, chunk_key and the VALUE_COLUMNS it has."""
    values: list[float] = []
    for _, frame in series:
        for column in ("value", "lower_confidence", "upper_confidence", "lower_threshold", "upper_threshold"):
            if column in frame:
                values += [v for v in map(_finite, frame[column]) if v is not None]
    if not values:
        return _svg(_frame_svg(axis, title, 0, 1, rate, y_labels=False)
                    + [f'<text x="{W / 2}" y="{H / 2}" class="p" text-anchor="middle">no values</text>'], title)
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.08 or (abs(hi) * 0.1 or (0.01 if rate else 0.5))
    lo, hi = (max(lo - pad, 0.0) if lo >= 0 else lo - pad), hi + pad  # values that cannot be negative stay >= 0
    parts = _frame_svg(axis, title, lo, hi, rate)
    y = lambda v: _y(v, lo, hi)  # noqa: E731
    legend = []
    for n, (name, frame) in enumerate(series):
        color = SERIES_COLORS.get(name, DEFAULT_COLOR)
        frame = frame.assign(_slot=axis.slots(frame)).dropna(subset=["_slot"]).sort_values("_slot")
        xs = [axis.x(s) for s in frame._slot]
        if "lower_confidence" in frame and frame.lower_confidence.map(_finite).notna().any():
            upper = [(x, _finite(v)) for x, v in zip(xs, frame.upper_confidence)]
            lower = [(x, _finite(v)) for x, v in zip(xs, frame.lower_confidence)]
            for up, low in zip(_runs([(x, None if v is None else y(v)) for x, v in upper]),
                               _runs([(x, None if v is None else y(v)) for x, v in lower])):
                parts.append(f'<polygon class="band" fill="{color}" points="{_path(up + low[::-1])}"/>')
        for column in ("lower_threshold", "upper_threshold"):
            if column in frame and n == 0:  # thresholds are shared by the series of a panel
                pts = [(x, None if _finite(v) is None else y(_finite(v))) for x, v in zip(xs, frame[column])]
                for run in _runs(pts):
                    if len(run) == 1:
                        run = [(run[0][0] - axis.width / 2, run[0][1]), (run[0][0] + axis.width / 2, run[0][1])]
                    parts.append(f'<polyline class="thr" points="{_path(run)}"/>')
        pts = [(x, None if _finite(v) is None else y(_finite(v))) for x, v in zip(xs, frame.value)]
        dash = ' stroke-dasharray="5 3"' if n else ""
        for run in _runs(pts):
            parts.append(f'<polyline class="line" stroke="{color}"{dash} points="{_path(run)}"/>')
        for (x, py), row in zip(pts, frame.itertuples()):
            if py is None:
                continue
            alert = _true(getattr(row, "alert", False))
            tip = f"{row.chunk_key} {name}: {fmt(row.value, rate)}"
            if alert:
                tip += " ALERT"
            cls, r = ("alert", 3.6) if alert else ("pt", 2.2)
            parts.append(f'<circle class="{cls}" cx="{x:.1f}" cy="{py:.1f}" r="{r}" fill="{ALERT if alert else color}">'
                         f"<title>{_e(tip)}</title></circle>")
        if len(series) > 1:
            legend.append((name, color, bool(n)))
    for k, (name, color, dashed) in enumerate(legend):  # bottom row, under the chunk labels
        x0, y0 = LEFT + k * 90, H - 5
        dash = ' stroke-dasharray="5 3"' if dashed else ""
        parts.append(f'<line x1="{x0}" x2="{x0 + 16}" y1="{y0 - 3}" y2="{y0 - 3}" stroke="{color}" stroke-width="2"{dash}/>'
                     f'<text x="{x0 + 20}" y="{y0}" class="p">{_e(name)}</text>')
    x0, y0 = W - RIGHT - 112, H - 5
    parts.append(f'<line class="thr" x1="{x0}" x2="{x0 + 14}" y1="{y0 - 3}" y2="{y0 - 3}"/><text x="{x0 + 17}" y="{y0}" '
                 f'class="p">threshold</text><circle cx="{x0 + 70}" cy="{y0 - 3}" r="3" fill="{ALERT}"/>'
                 f'<text x="{x0 + 76}" y="{y0}" class="p">alert</text>')
    return _svg(parts, title)


# -- plot 2 and 3: distributions ----------------------------------------------------------------------------------

def joyplot_svg(axis: ChunkAxis, title: str, pairs: pd.DataFrame, edges: np.ndarray, alerts: set[int]) -> str:
    """Per chunk, the share of its values in each reference bin (filled, red when the chunk alerts) with the whole
    reference's shares outlined; the y axis is the feature's value. ``pairs``: one feature's distribution pairs."""
    lo, hi = float(edges[0]), float(edges[-1])
    if hi <= lo:
        hi = lo + 1
    parts = _frame_svg(axis, title, lo, hi, rate=False)
    inside = pairs[~pairs.is_outside.map(_true)]
    shares = (inside.chunk_n / inside.chunk_total.where(inside.chunk_total > 0)).fillna(0)
    ref_shares = (inside.ref_n / inside.ref_total.where(inside.ref_total > 0)).fillna(0)
    top = max(float(shares.max() if len(shares) else 0), float(ref_shares.max() if len(ref_shares) else 0)) or 1
    scale = axis.width * 0.85 / top
    bins = inside.assign(_b=pd.to_numeric(inside.bin_key, errors="coerce"), _s=shares, _r=ref_shares,
                         _slot=axis.slots(inside)).dropna(subset=["_b", "_slot"])
    reference = bins.groupby("_b")._r.first()
    for slot, chunk in bins.groupby("_slot"):
        slot = int(slot)
        x0 = LEFT + slot * axis.width + axis.width * 0.08
        chunk_shares = chunk.set_index("_b")._s
        fill, ref_line = [], []
        for b in range(len(edges) - 1):
            y_top, y_bottom = _y(edges[b + 1], lo, hi), _y(edges[b], lo, hi)
            w = float(chunk_shares.get(b, 0.0)) * scale
            r = float(reference.get(b, 0.0)) * scale
            fill += [(x0 + w, y_bottom), (x0 + w, y_top)]
            ref_line += [(x0 + r, y_bottom), (x0 + r, y_top)]
        base = [(x0, _y(edges[-1], lo, hi)), (x0, _y(edges[0], lo, hi))]
        period = axis.periods[slot]
        cls = "alertfill" if slot in alerts else ("reffill" if period == "reference" else "anafill")
        out_rows = pairs[(pairs.period == period) & (pairs.chunk_index == chunk.chunk_index.iloc[0]) & pairs.is_outside.map(_true)]
        out_share = float(out_rows.chunk_n.sum() / out_rows.chunk_total.iloc[0]) if len(out_rows) and out_rows.chunk_total.iloc[0] else 0.0
        tip = f"{axis.keys[slot]}: {int(chunk.chunk_total.iloc[0]):,} values" + (
            f", {out_share:.1%} outside the reference range" if out_share else "") + (" - ALERT" if slot in alerts else "")
        parts.append(f'<polygon class="{cls}" points="{_path([base[1]] + fill + [base[0]])}"><title>{_e(tip)}</title></polygon>')
        if period == "analysis":
            parts.append(f'<polyline class="refline" points="{_path(ref_line)}"/>')
    return _svg(parts, title)


def stacked_svg(axis: ChunkAxis, title: str, pairs: pd.DataFrame, alerts: set[int]) -> str:
    """Per chunk, a bar of its category shares, categories ordered (and coloured) by their reference share;
    categories the reference lacks are hatched. A red dot above the bar marks an alerting chunk."""
    parts = _frame_svg(axis, title, 0, 1, rate=True)
    order = (pairs.groupby("bin_key").ref_n.max().sort_values(ascending=False))
    known = [k for k in order.index if order[k] > 0]
    colors = {k: CATEGORY_COLORS[i % len(CATEGORY_COLORS)] for i, k in enumerate(known)}
    frame = pairs.assign(_slot=axis.slots(pairs)).dropna(subset=["_slot"])
    for slot, chunk in frame.groupby("_slot"):
        slot = int(slot)
        total = float(chunk.chunk_total.iloc[0]) or 1.0
        x0 = LEFT + slot * axis.width + axis.width * 0.15
        width = axis.width * 0.7
        level = 0.0
        ranked = chunk.assign(_o=chunk.bin_key.map({k: i for i, k in enumerate(known)}).fillna(len(known)))
        for row in ranked.sort_values(["_o", "bin_key"]).itertuples():
            share = float(row.chunk_n) / total
            if share <= 0:
                continue
            y1, y0 = _y(level + share, 0, 1), _y(level, 0, 1)
            unseen = row.bin_key not in colors
            fill = "url(#unseen)" if unseen else colors[row.bin_key]
            tip = f"{axis.keys[slot]} {row.bin_key}: {share:.1%}" + (" (not in the reference)" if unseen else
                                                                   f" (reference {row.ref_n / row.ref_total:.1%})")
            parts.append(f'<rect x="{x0:.1f}" y="{y1:.1f}" width="{width:.1f}" height="{max(y0 - y1, 0.3):.1f}" '
                         f'fill="{fill}" class="seg"><title>{_e(tip)}</title></rect>')
            level += share
        if slot in alerts:
            parts.append(f'<circle class="alert" cx="{axis.x(slot):.1f}" cy="{TOP - 4}" r="3.2" fill="{ALERT}">'
                         f"<title>{_e(axis.keys[slot])}: ALERT</title></circle>")
    legend = [f'<span class="sw" style="background:{c}"></span>{_e(k)}' for k, c in colors.items()]
    unseen = sorted(set(pairs.bin_key) - set(colors))
    if unseen:
        legend.append(f'<span class="sw unseen"></span>not in the reference: {_e(", ".join(map(str, unseen)))}')
    pattern = ('<defs><pattern id="unseen" width="4" height="4" patternUnits="userSpaceOnUse" '
               'patternTransform="rotate(45)"><rect width="4" height="4" fill="#bbb"/>'
               '<line x1="0" y1="0" x2="0" y2="4" stroke="#333" stroke-width="2"/></pattern></defs>')
    return _svg([pattern] + parts, title) + f'<div class="legend">{" ".join(legend)}</div>'


# -- progress -----------------------------------------------------------------------------------------------------

class Progress:
    """One self-overwriting status line while the report builds, only when the stream is a terminal."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stdout
        self.active = bool(getattr(self.stream, "isatty", lambda: False)())

    def step(self, text: str) -> None:
        if self.active:
            self.stream.write("\r\x1b[K" + text)
            self.stream.flush()

    def done(self) -> None:
        if self.active:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


# -- reading the tables -------------------------------------------------------------------------------------------

class _Tables:
    """The driftline tables a report reads, where `relations` (driftline.target.Relations) places them."""

    def __init__(self, warehouse: Any, relations: Any):
        self.wh, self.relations = warehouse, relations
        self.present = warehouse.existing(relations, READ)
        self._columns: dict[str, list[str]] = {}

    def columns(self, table: str) -> list[str]:
        if table not in self._columns:
            relation = self.relations[table]
            self._columns[table] = self.wh.columns(relation.schema, relation.identifier)
        return self._columns[table]

    def rows(self, table: str, monitor: str, wanted: Iterable[str] | None = None, where: str = "") -> pd.DataFrame:
        """The monitor's rows of table (only the wanted columns the table has); empty when the table is missing."""
        if table not in self.present:
            return pd.DataFrame()
        have = self.columns(table)
        cols = [c for c in (wanted or have) if c in have]
        select = ", ".join(self.wh.ident(c) for c in cols)
        sql = (f"select {select} from {self.wh.qualified(self.relations[table])} "
               f"where monitor = {self.wh.literal(monitor)}{' and ' + where if where else ''}")
        return self.wh.query(sql)


# -- sections -----------------------------------------------------------------------------------------------------

def _panel_title(family: Family, key: tuple) -> str:
    parts = [str(k) for k in key if k is not None and not (isinstance(k, float) and math.isnan(k)) and str(k) != ""]
    if family.name == "performance" and len(parts) == 2 and parts[0] == parts[1]:
        parts = parts[1:]  # method = metric except confusion-matrix cells
    return " · ".join(parts) or family.name


def _caption(n_alerts: int) -> str:
    if n_alerts:
        return f'<figcaption><span class="badge">{n_alerts} alerts</span> in the analysis period</figcaption>'
    return '<figcaption class="quiet">no alerts in the analysis period</figcaption>'


def _family_section(axis: ChunkAxis, family: Family, rows: pd.DataFrame, monitor: str) -> tuple[str, int]:
    """The panels of one family (HTML) and the number of plots."""
    if rows.empty:
        return f'<p class="none">No {family.title.lower()} rows for {_e(monitor)} (not configured).</p>', 0
    panels = []
    keys = [k for k in family.panel if k in rows]
    for key, frame in rows.groupby(keys, sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        title = _panel_title(family, key)
        if family.series and family.series in frame:
            series = [(str(s), f) for s, f in sorted(frame.groupby(family.series), key=lambda p: str(p[0]))]
        else:
            series = [(title, frame)]
        n_alerts = int(frame.alert.map(_true)[frame.period == "analysis"].sum()) if "alert" in frame else 0
        panels.append(f'<figure class="panel{" alerting" if n_alerts else ""}">{series_svg(axis, title, series, family.rate)}'
                      f"{_caption(n_alerts)}</figure>")
    return '<div class="grid">' + "".join(panels) + "</div>", len(panels)


def _univariate_section(axis: ChunkAxis, rows: pd.DataFrame, pairs: pd.DataFrame, profile: pd.DataFrame,
                        monitor: str) -> tuple[str, int]:
    """Per feature: its distribution over chunks, then one panel per method."""
    if rows.empty:
        return f'<p class="none">No univariate drift rows for {_e(monitor)}.</p>', 0
    out, n_plots = [], 0
    for column, frame in rows.groupby("column_name", sort=False):
        alert_slots = {s for s, a in zip(axis.slots(frame), frame.alert.map(_true)) if a and s is not None}
        mine = pairs[pairs.column_name == column] if not pairs.empty else pairs
        kind = str(frame.column_type.iloc[0]) if "column_type" in frame else ""
        dist = note = ""
        if not mine.empty:
            prof = profile[profile.column_name == column] if not profile.empty else profile
            if kind == "continuous" and len(prof) and _finite(prof.doane_bins.iloc[0]):
                edges = np.linspace(float(prof.bin_low.iloc[0]), float(prof.bin_high.iloc[0]), int(prof.doane_bins.iloc[0]) + 1)
                dist = joyplot_svg(axis, f"{column}: distribution per chunk", mine, edges, alert_slots)
                note = ("share of each chunk's values per reference bin; outline: the whole reference; "
                        "red: a drift method alerts")
            elif kind == "categorical":
                dist = stacked_svg(axis, f"{column}: category shares per chunk", mine, alert_slots)
                note = "categories by reference share; red dot: a drift method alerts"
        panels = [f'<figure class="panel dist">{dist}<figcaption class="quiet">{_e(note)}</figcaption></figure>'] if dist else []
        n_plots += bool(dist)
        for method, mframe in frame.groupby("method", sort=True):
            n_alerts = int(mframe.alert.map(_true)[mframe.period == "analysis"].sum())
            panels.append(f'<figure class="panel{" alerting" if n_alerts else ""}">'
                          f'{series_svg(axis, f"{column} · {method}", [(str(method), mframe)])}{_caption(n_alerts)}</figure>')
            n_plots += 1
        out.append(f'<h4 id="{_e(monitor)}-{_e(column)}">{_e(column)} <small>{_e(kind)}</small></h4>'
                   f'<div class="grid">{"".join(panels)}</div>')
    return "".join(out), n_plots


def _table(header: list[str], rows: list[list[Any]], classes: list[str] | None = None) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(f'<tr class="{classes[i] if classes else ""}">' + "".join(f"<td>{_e(c)}</td>" for c in r) + "</tr>"
                   for i, r in enumerate(rows))
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _alerts_section(alerts: pd.DataFrame) -> str:
    if alerts.empty:
        return '<p class="none">No alerts in the analysis period.</p>'
    alerts = alerts.sort_values(["chunk_index", "alert_rank"], ascending=[False, True])
    header = ["chunk", "family", "kind", "column", "method", "value", "lower", "upper", "likely causes", "allow-listed"]

    def row(r: Any) -> list[Any]:
        rate = r.family == "data_quality"
        allowed = (r.allow_reason or "yes") if _true(r.allow_listed) else ""
        return [r.chunk_key, r.family, r.kind or "", r.column_name or "", r.method, fmt(r.value, rate),
                fmt(r.lower_threshold, rate), fmt(r.upper_threshold, rate), r.likely_causes or "", allowed]

    clean = alerts.astype(object).where(alerts.notna(), None)
    latest = clean[clean.is_latest_chunk.map(_true)]
    earlier = clean[~clean.is_latest_chunk.map(_true)]
    html_ = ""
    if len(latest):
        key = latest.chunk_key.iloc[0]
        html_ += (f"<p>Latest chunk <b>{_e(key)}</b>: {len(latest)} alerts.</p>"
                  + _table(header, [row(r) for r in latest.itertuples()],
                           ["allowed" if _true(r.allow_listed) else "" for r in latest.itertuples()]))
    else:
        html_ += "<p>No alerts in the latest chunk.</p>"
    if len(earlier):
        html_ += (f"<details><summary>{len(earlier)} alerts in earlier analysis chunks</summary>"
                  + _table(header, [row(r) for r in earlier.itertuples()]) + "</details>")
    return html_


def _ranking_section(ranking: pd.DataFrame, alerts: pd.DataFrame) -> str:
    if ranking.empty:
        return '<p class="none">No rankings.</p>'
    clean = ranking.astype(object).where(ranking.notna(), None)
    out = []
    counts = clean[clean.ranker == "alert_count"]
    if len(counts):
        rows = []
        for (family, method), group in counts.groupby(["family", "method"], sort=True):
            group = group.assign(n=group.number_of_alerts.map(lambda v: int(_finite(v) or 0))).sort_values("rank")
            hit = group[group.n > 0]
            rows.append([family, method, "; ".join(f"{c} ({n})" for c, n in zip(hit.column_name, hit.n)) or "–"])
        out.append("<h4>Alert count ranker <small>(features by their alerts in the analysis period)</small></h4>"
                   + _table(["family", "method", "features (alerts)"], rows))
    corr = clean[clean.ranker == "correlation"]
    if len(corr):
        alerting = set()
        if not alerts.empty:
            perf = alerts[alerts.family == "performance"]
            alerting = set(zip(perf.method.astype(str), perf.kind.astype(str)))
        rows, classes = [], []
        for (metric, kind), group in corr.groupby(["performance_metric", "performance_kind"], sort=True):
            best = group.assign(r=group.correlation.map(_finite)).dropna(subset=["r"]).sort_values("r", ascending=False)
            best = best.drop_duplicates("column_name").head(3)
            top = "; ".join(f"{c} (r={r:.2f}, {m})" for c, r, m in zip(best.column_name, best.r, best.method))
            rows.append([metric, kind, top or "–"])
            classes.append("alerting" if (metric, kind) in alerting else "")
        order = sorted(range(len(rows)), key=lambda i: (classes[i] != "alerting", rows[i][0], rows[i][1]))
        out.append("<h4>Correlation ranker <small>(features whose drift follows the performance change; rows of "
                   "alerting metrics first)</small></h4>"
                   + _table(["performance metric", "kind", "top features (Pearson r, drift method)"],
                            [rows[i] for i in order], [classes[i] for i in order]))
    return "".join(out)


# -- the page -----------------------------------------------------------------------------------------------------

CSS = """
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#23395d;color:#fff;padding:14px 24px}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;opacity:.85}
nav{padding:8px 24px;background:#fff;border-bottom:1px solid #ddd}nav a{margin-right:14px}
main{padding:0 24px 40px}section.monitor{margin-top:18px}h2{border-bottom:2px solid #23395d;padding-bottom:4px}
section.family{background:#fff;border:1px solid #e2e2e2;border-radius:6px;padding:6px 14px;margin:12px 0}
section.family h3{margin:6px 0}h4{margin:12px 0 4px}small{color:#777;font-weight:normal}
.grid{display:flex;flex-wrap:wrap;gap:10px}figure.panel{margin:0;background:#fff;border:1px solid #eee;border-radius:4px;padding:2px}
figure.alerting{border-color:#e8a1a1}figcaption{font-size:12px;color:#555;padding:0 6px 4px;max-width:392px}figcaption.quiet{color:#aaa}.scroll{overflow-x:auto}
.badge{background:#d62728;color:#fff;border-radius:8px;padding:0 6px;font-size:11px}
svg.plot text{font-size:10px;fill:#444}svg.plot .t{font-size:11px;font-weight:600;fill:#222}
svg.plot .xl{text-anchor:middle;font-size:9px}svg.plot .yl{text-anchor:end;font-size:9px}svg.plot .p{font-size:9px;fill:#888}
.ref{fill:#eef0f3}.g{stroke:#e4e4e4}.ax{stroke:#999}.line{fill:none;stroke-width:1.8}.band{opacity:.16}
.thr{fill:none;stroke:#d62728;stroke-width:1.2;stroke-dasharray:4 3}
.reffill{fill:#9aa7b8;opacity:.8}.anafill{fill:#1f6fb4;opacity:.75}.alertfill{fill:#d62728;opacity:.75}
.refline{fill:none;stroke:#333;stroke-width:.8}.seg{stroke:#fff;stroke-width:.4}
.legend{font-size:11px;color:#555;max-width:400px;padding:0 6px 4px}.sw{display:inline-block;width:10px;height:10px;margin:0 3px 0 8px;vertical-align:-1px}
.sw.unseen{background:repeating-linear-gradient(45deg,#bbb,#bbb 2px,#333 2px,#333 3px)}
table{border-collapse:collapse;font-size:12px;margin:6px 0}th,td{border:1px solid #e2e2e2;padding:2px 6px;text-align:left}td:first-child{white-space:nowrap}
th{background:#f1f3f6}tr.allowed td{color:#999}tr.alerting td{background:#fdeeee}.none{color:#777}
.summary{display:flex;gap:18px;flex-wrap:wrap}.summary div{background:#fff;border:1px solid #e2e2e2;border-radius:6px;padding:6px 12px}
.summary b{font-size:18px}.bad b{color:#d62728}
"""


def render_report(warehouse: Any, relations: Any, monitors: list[str] | None = None, where: str = "",
                  progress: Progress | None = None) -> tuple[str, dict[str, int]]:
    """The report's HTML and the number of plots per monitor. relations: where the driftline tables are
    (driftline.target.Relations, or one schema's name)."""
    relations = as_relations(relations)
    progress = progress or Progress(open_null())
    t = _Tables(warehouse, relations)
    chunks_relation = relations["driftline_chunks"]
    if "driftline_chunks" not in t.present:
        raise ValueError(f"{chunks_relation} does not exist: run `dbt build` first, or pass --schema of the driftline tables")
    chunks_all = warehouse.query(f"select * from {warehouse.qualified(chunks_relation)}")
    declared = sorted(set(chunks_all.monitor))
    if monitors:
        unknown = sorted(set(monitors) - set(declared))
        if unknown:
            raise ValueError(f"monitor {', '.join(unknown)} is not in {chunks_relation} (monitors: {', '.join(declared) or 'none'}). "
                             "Fix: pass --monitor with one of those names")
    shown = monitors or declared
    if not shown:
        raise ValueError(f"{chunks_relation} is empty: no monitors are declared (vars: {{driftline: {{monitors: [...]}}}})")

    sections, plots = [], {}
    steps = ["alerts"] + [f.title.lower() for f in FAMILIES] + ["rankings"]
    for m_index, monitor in enumerate(shown, 1):
        def step(what: str) -> None:
            progress.step(f"driftline report: monitor {m_index}/{len(shown)} {monitor}: {what} "
                          f"({steps.index(what) + 1}/{len(steps)})")
        chunks = chunks_all[chunks_all.monitor == monitor]
        axis = ChunkAxis(chunks)
        step("alerts")
        alerts = t.rows("driftline_alerts", monitor)
        parts, n_plots = [], 0
        for family in FAMILIES:
            step(family.title.lower())
            wanted = ["period", "chunk_index", "chunk_key", *family.panel, *([family.series] if family.series else []),
                      "column_type", *VALUE_COLUMNS]
            rows = t.rows(family.table, monitor, wanted)
            if family.name == "univariate_drift":
                pairs = t.rows("driftline__distribution_pairs", monitor)
                profile = t.rows("driftline__reference_profile", monitor)
                body, n = _univariate_section(axis, rows, pairs, profile, monitor)
            else:
                body, n = _family_section(axis, family, rows, monitor)
            n_plots += n
            parts.append(f'<section class="family" data-section="{family.name}"><h3>{_e(family.title)}</h3>{body}</section>')
        step("rankings")
        ranking = t.rows("driftline_feature_ranking", monitor)
        analysis = chunks[chunks.period == "analysis"].sort_values("chunk_index")
        latest = alerts[alerts.is_latest_chunk.map(_true)] if not alerts.empty else alerts
        n_open = int((~latest.allow_listed.map(_true)).sum()) if len(latest) else 0
        facts = (f'<div class="summary"><div>reference<br><b>{(chunks.period == "reference").sum()}</b> chunks, '
                 f'{int(chunks[chunks.period == "reference"].n_rows.sum()):,} rows</div>'
                 f'<div>analysis<br><b>{len(analysis)}</b> chunks, {int(analysis.n_rows.sum()):,} rows</div>'
                 f'<div class="{"bad" if n_open else ""}">latest chunk {_e(analysis.chunk_key.iloc[-1] if len(analysis) else "–")}'
                 f'<br><b>{n_open}</b> open alerts</div>'
                 f'<div>analysis period<br><b>{len(alerts)}</b> alerts</div></div>')
        alert_html = f'<section class="family" data-section="alerts"><h3>Alerts</h3>{_alerts_section(alerts)}</section>'
        rank_html = (f'<section class="family" data-section="feature_ranking"><h3>Feature ranking</h3>'
                     f"{_ranking_section(ranking, alerts)}</section>")
        sections.append(f'<section class="monitor" id="monitor-{_e(monitor)}" data-monitor="{_e(monitor)}">'
                        f"<h2>{_e(monitor)}</h2>{facts}{alert_html}{''.join(parts)}{rank_html}</section>")
        plots[monitor] = n_plots
    progress.done()
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    nav = "".join(f'<a href="#monitor-{_e(m)}">{_e(m)}</a>' for m in shown)
    page = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>driftline report</title>'
            f'<link rel="icon" href="data:,"><meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<style>{CSS}</style></head><body><header><h1>driftline report</h1>"
            f"<p>driftline tables in {_e(relations.where(['driftline_chunks', 'driftline_alerts']))} {_e(where)} · generated {generated} · {len(shown)} monitor(s)</p></header>"
            f"<nav>{nav}</nav><main>{''.join(sections)}</main></body></html>")
    return page, plots


def open_null() -> TextIO:
    import io

    return io.StringIO()


def write_report(warehouse: Any, relations: Any, path: Path, monitors: list[str] | None = None, where: str = "",
                 stream: TextIO | None = None) -> str:
    """Write the report to path; returns the line to print."""
    page, plots = render_report(warehouse, relations, monitors, where, Progress(stream or sys.stdout))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return (f"driftline report: wrote {path} ({len(page.encode()) / 1024:,.0f} KiB, "
            f"{sum(plots.values())} plots, {len(plots)} monitor(s))")
