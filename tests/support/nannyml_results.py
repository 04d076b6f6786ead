"""Compare a driftline output table with a NannyML 0.13.1 result file (the flat `to_df(multilevel=False)` CSVs
under tests/fixtures/parity/<dataset>/).

`actual` is a driftline results table in the long output contract (shared/design.md), as a pandas DataFrame
already filtered to one monitor. The file stem names the family; a chunker prefix is ignored
(`chunker_period_M__cbpe` compares as `cbpe`):

  family                          driftline rows                                   row name from
  univariate_drift                all rows                                         column_name (+ method)
  dq_missing, dq_unseen, dq_range check_name = missing / unseen / range           column_name
  stats_avg/std/median/sum        statistic = avg / std / median / sum            column_name
  stats_count                     statistic = count                               (none)
  cbpe, dle                       kind = estimated                                metric
  realized                        kind = realized                                 metric
  data_reconstruction             method = pca_reconstruction                     (none)

Every NannyML cell `<name>[_<method>]_<field>` becomes one expectation, keyed by (period, chunk_index, name,
method) and checked against the driftline row with that key: the row's chunk_key, chunk_start_index and
chunk_end_index must equal NannyML's; alerts must be equal as booleans; numbers must lie within
atol + rtol * |expected|; a missing value (NaN/None) matches only a missing value. Each expectation found is
one comparison; a missing row, a missing column, a chunk-column difference and a wrong value are each one
mismatch. These are the rules of shared/tools/parity_check.py, so both give the same counts. One deliberate
extension: pd.NA and NaT count as missing too (parity_check stops on a numeric pd.NA and reads an alert pd.NA
as False).

`compare` returns a Result: `.compared`, `.mismatches` (the lines), `.ok`, `.message()`; it unpacks as
`compared, n_mismatches = compare(...)`, the shape parity_check.compare returns.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import pandas as pd

# NannyML field suffix -> driftline column, in the order the suffixes are tried.
FIELDS = {
    "value": "value",
    "sampling_error": "sampling_error",
    "realized": "realized_value",
    "upper_confidence_boundary": "upper_confidence",
    "lower_confidence_boundary": "lower_confidence",
    "upper_threshold": "upper_threshold",
    "lower_threshold": "lower_threshold",
    "alert": "alert",
}
UNIVARIATE_METHODS = ("kolmogorov_smirnov", "jensen_shannon", "wasserstein", "hellinger", "chi2", "l_infinity")
CHUNK_CHECKS = ("chunk_key", "chunk_start_index", "chunk_end_index")


@dataclass(frozen=True)
class Family:
    """Which driftline rows a NannyML result family is compared with, and how a row is named."""
    selector: tuple[str, str] | None  # (driftline column, required value), or None for all rows
    name_column: str | None           # driftline column that holds NannyML's <name>; None: unnamed rows
    has_method: bool = False          # NannyML's <name> ends with a univariate method


FAMILIES = {
    "univariate_drift": Family(None, "column_name", has_method=True),
    **{f"dq_{check}": Family(("check_name", check), "column_name") for check in ("missing", "unseen", "range")},
    **{f"stats_{stat}": Family(("statistic", stat), "column_name") for stat in ("avg", "std", "median", "sum")},
    "stats_count": Family(("statistic", "count"), None),
    "cbpe": Family(("kind", "estimated"), "metric"),
    "dle": Family(("kind", "estimated"), "metric"),
    "realized": Family(("kind", "realized"), "metric"),
    "data_reconstruction": Family(("method", "pca_reconstruction"), None),
}


@dataclass
class Result:
    """Outcome of one comparison. Unpacks as (compared, number of mismatches)."""
    compared: int = 0
    mismatches: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[int]:
        return iter((self.compared, len(self.mismatches)))

    @property
    def ok(self) -> bool:
        """Something was compared and nothing differed."""
        return self.compared > 0 and not self.mismatches

    def message(self, limit: int = 20) -> str:
        """The first `limit` mismatch lines and the totals, for an assertion message."""
        lines = self.mismatches[:limit]
        if len(self.mismatches) > limit:
            lines.append(f"... {len(self.mismatches) - limit} more")
        lines.append(f"compared={self.compared} mismatches={len(self.mismatches)}")
        return "\n".join(lines)


def family_of(stem: str) -> str:
    """`chunker_size_3333__cbpe` -> `cbpe`."""
    family = stem.split("__")[-1]
    if family not in FAMILIES:
        raise ValueError(f"unknown NannyML result family {family!r} (from {stem!r}); known: {sorted(FAMILIES)}")
    return family


def is_missing(value) -> bool:
    """NaN, None, pd.NA and NaT are all 'no value'."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and other non-scalars
        return False


def text_or_none(value) -> str | None:
    return None if is_missing(value) else str(value)


def as_bool(value) -> bool | None:
    """An alert as True/False/None, whether stored as bool, 0/1 or text."""
    if is_missing(value):
        return None
    return str(value).strip().lower() in ("true", "t", "1", "1.0")


def split_column(column: str, family: str) -> tuple[str | None, str | None, str] | None:
    """A NannyML result column -> (name, method, driftline field), or None if it is not a result field."""
    suffix = next((s for s in FIELDS if column.endswith("_" + s)), None)
    if suffix is None:
        return None
    name, method = column[: -len(suffix) - 1], None
    if FAMILIES[family].has_method:
        method = next((m for m in UNIVARIATE_METHODS if name.endswith("_" + m)), None)
        if method is None:
            raise ValueError(f"{column!r}: no univariate method in the column name")
        name = name[: -len(method) - 1]
    if FAMILIES[family].name_column is None:
        name = None
    return name, method, FIELDS[suffix]


def expectations(path: Path, family: str) -> list[dict]:
    """NannyML's flat CSV as one record per (chunk, name, method, field) with the expected value."""
    flat = pd.read_csv(path)
    out = []
    for column in flat.columns:
        if column.startswith("chunk_"):
            continue
        parts = split_column(column, family)
        if parts is None:
            continue
        name, method, target = parts
        for chunk, expected in zip(flat[["chunk_period", "chunk_index", *CHUNK_CHECKS]].to_dict("records"), flat[column]):
            out.append({**chunk, "name": name, "method": method, "field": target, "expected": expected})
    return out


def key(period, chunk_index, name, method) -> tuple:
    return str(period), int(chunk_index), text_or_none(name), text_or_none(method)


def driftline_rows(actual: pd.DataFrame, family: str) -> dict[tuple, dict]:
    """The driftline rows of this family, by (period, chunk_index, name, method)."""
    spec = FAMILIES[family]
    frame = actual.rename(columns=str.lower)
    if spec.selector is not None:
        column, wanted = spec.selector
        frame = frame[frame[column] == wanted]
    rows = {}
    for row in frame.to_dict("records"):
        name = row[spec.name_column] if spec.name_column else None
        method = row["method"] if spec.has_method else None
        rows[key(row["period"], row["chunk_index"], name, method)] = row
    return rows


def same_chunk_field(column: str, got, expected) -> bool:
    if str(got) == str(expected):
        return True
    if column == "chunk_key":
        return False
    try:
        return float(got) == float(expected)
    except (TypeError, ValueError):
        return False


def same_value(got, expected, atol: float, rtol: float) -> bool:
    if is_missing(got) or is_missing(expected):
        return is_missing(got) and is_missing(expected)
    return abs(float(got) - float(expected)) <= atol + rtol * abs(float(expected))


def compare(folder, stem: str, actual: pd.DataFrame, atol: float = 1e-6, rtol: float = 0.0,
            fields: Iterable[str] | None = None) -> Result:
    """Compare `actual` (one monitor's driftline table) with NannyML's `<folder>/<stem>.csv`.

    `fields` limits the check to these driftline columns (value, upper_threshold, alert, ...)."""
    family = family_of(stem)
    wanted = set(fields) if fields else None
    rows = driftline_rows(actual, family)
    result = Result()
    for exp in expectations(Path(folder) / f"{stem}.csv", family):
        if wanted is not None and exp["field"] not in wanted:
            continue
        k = key(exp["chunk_period"], exp["chunk_index"], exp["name"], exp["method"])
        got = rows.get(k)
        if got is None:
            result.mismatches.append(f"missing row {k}")
            continue
        for column in CHUNK_CHECKS:
            if column in got and not same_chunk_field(column, got[column], exp[column]):
                result.mismatches.append(f"{k} {column}: expected {exp[column]!r}, got {got[column]!r}")
        target = exp["field"]
        if target not in got:
            result.mismatches.append(f"{k} column {target} missing")
            continue
        result.compared += 1
        if target == "alert":
            ok = as_bool(got[target]) == as_bool(exp["expected"])
        else:
            ok = same_value(got[target], exp["expected"], atol, rtol)
        if not ok:
            result.mismatches.append(f"{k} {target}: expected {exp['expected']!r}, got {got[target]!r}")
    return result
