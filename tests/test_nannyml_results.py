"""The NannyML result comparator (support/nannyml_results.py), without any dbt build.

NannyML's own result files in tests/fixtures/parity are reshaped into driftline's long output tables (the
contract of shared/design.md): compared with themselves they must match everywhere, and every perturbation
(a value off, an alert flipped, a row or column gone, a wrong chunk key) must be counted exactly. When the
shared comparator (../shared/tools/parity_check.py) is present, both must report the same counts.
"""
from __future__ import annotations

import contextlib
import importlib.util
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from support import nannyml_results as nr
from support import parity_data

SHARED_TOOL = Path(__file__).resolve().parents[2] / "shared" / "tools" / "parity_check.py"
SHARED_PARITY = Path(__file__).resolve().parents[2] / "shared" / "parity"

# NannyML field suffix -> driftline column (shared/design.md), written out here independently of the comparator.
FIELD_COLUMNS = {"value": "value", "sampling_error": "sampling_error", "realized": "realized_value",
                 "upper_confidence_boundary": "upper_confidence", "lower_confidence_boundary": "lower_confidence",
                 "upper_threshold": "upper_threshold", "lower_threshold": "lower_threshold", "alert": "alert"}
METHODS = ["kolmogorov_smirnov", "jensen_shannon", "wasserstein", "hellinger", "chi2", "l_infinity"]
METRICS = ["roc_auc", "f1", "precision", "recall", "specificity", "accuracy", "true_positive", "true_negative",
           "false_positive", "false_negative", "business_value", "average_precision"]
# family -> driftline table and the columns that place a row of that family in it
FAMILY_ROWS = {
    "univariate_drift": ("driftline_univariate_drift", {}),
    **{f"dq_{c}": ("driftline_data_quality", {"check_name": c}) for c in ("missing", "unseen", "range")},
    **{f"stats_{s}": ("driftline_summary_stats", {"statistic": s}) for s in ("avg", "std", "median", "sum", "count")},
    "cbpe": ("driftline_performance", {"kind": "estimated"}),
    "realized": ("driftline_performance", {"kind": "realized"}),
    "data_reconstruction": ("driftline_multivariate_drift", {"method": "pca_reconstruction"}),
}
STEMS = [(name, path.stem) for name in parity_data.DATASETS for path in sorted(parity_data.folder(name).glob("*.csv"))]
PERTURBED = [("car_loan", "univariate_drift"), ("car_loan_dq", "dq_missing"), ("car_loan", "stats_count"),
             ("car_loan", "stats_sum"), ("car_loan", "cbpe"), ("car_loan_dq", "realized"),
             ("car_loan", "data_reconstruction"), ("car_loan", "chunker_period_M__univariate_drift"),
             ("car_loan", "chunker_size_3333__cbpe")]


def row_names(spec: dict, family: str) -> list[tuple[str, dict]]:
    """(NannyML column prefix, driftline naming columns) for every row name a family can have."""
    features = spec["features"]
    if family == "univariate_drift":
        return [(f"{f}_{m}", {"column_name": f, "method": m,
                              "column_type": "categorical" if f in spec["categorical"] else "continuous"})
                for f in features for m in METHODS]
    if family == "stats_count":
        return [("rows_count", {"column_name": None})]
    if family.startswith(("dq_", "stats_")):
        return [(f, {"column_name": f}) for f in features]
    if family in ("cbpe", "realized"):
        return [(m, {"metric": m}) for m in METRICS]
    if family == "data_reconstruction":
        return [("reconstruction_error", {})]
    raise AssertionError(family)


def fields_of(columns, prefix: str) -> dict[str, str]:
    """NannyML columns of one row name -> the driftline column each lands in."""
    return {f"{prefix}_{s}": c for s, c in FIELD_COLUMNS.items() if f"{prefix}_{s}" in columns}


def reshape(name: str, stem: str, monitor: str) -> pd.DataFrame:
    """A NannyML flat result file as the driftline rows that would reproduce it."""
    flat = parity_data.read_result(name, stem)
    family = stem.split("__")[-1]
    _, placement = FAMILY_ROWS[family]
    rows, used = [], set()
    for chunk in flat.to_dict("records"):
        base = {"monitor": monitor, "period": chunk["chunk_period"], "chunk_index": chunk["chunk_index"],
                "chunk_key": chunk["chunk_key"], "chunk_start_index": chunk["chunk_start_index"],
                "chunk_end_index": chunk["chunk_end_index"], "chunk_start_date": chunk["chunk_start_date"],
                "chunk_end_date": chunk["chunk_end_date"],
                "n_rows": chunk["chunk_end_index"] - chunk["chunk_start_index"] + 1, **placement}
        for prefix, naming in row_names(parity_data.spec(name), family):
            fields = fields_of(flat.columns, prefix)
            if fields:
                used.update(fields)
                rows.append({**base, **naming, **{target: chunk[source] for source, target in fields.items()}})
    assert used == {c for c in flat.columns if not c.startswith("chunk_")}, "reshape left NannyML columns out"
    return pd.DataFrame(rows)


def tables(name: str) -> dict[str, pd.DataFrame]:
    """Every driftline table of one dataset, all its monitors (<dataset>, <dataset>__<run>) in one frame each."""
    parts: dict[str, list[pd.DataFrame]] = {}
    for dataset, stem in STEMS:
        if dataset == name:
            run, _, family = stem.rpartition("__")
            monitor = f"{name}__{run}" if run else name
            parts.setdefault(FAMILY_ROWS[family][0], []).append(reshape(name, stem, monitor))
    return {table: pd.concat(frames, ignore_index=True) for table, frames in parts.items()}


_TABLES: dict[str, dict[str, pd.DataFrame]] = {}


def actual(name: str, stem: str) -> pd.DataFrame:
    """The driftline table a stem is checked against, filtered to its monitor (a fresh copy)."""
    if name not in _TABLES:
        _TABLES[name] = tables(name)
    run, _, family = stem.rpartition("__")
    table = _TABLES[name][FAMILY_ROWS[family][0]]
    return table[table.monitor == (f"{name}__{run}" if run else name)].reset_index(drop=True).copy()


def family_rows(frame: pd.DataFrame, stem: str) -> pd.Index:
    """Index of the rows of this stem's family, analysis period first."""
    placement = FAMILY_ROWS[stem.split("__")[-1]][1]
    mask = pd.Series(True, index=frame.index)
    for column, value in placement.items():
        mask &= frame[column] == value
    rows = frame[mask]
    return pd.Index(list(rows.index[rows.period == "analysis"]) + list(rows.index[rows.period == "reference"]))


def nannyml_cells(name: str, stem: str) -> int:
    flat = parity_data.read_result(name, stem)
    return len(flat) * sum(not c.startswith("chunk_") for c in flat.columns)


def field_count(name: str, stem: str, row: pd.Series) -> int:
    """How many NannyML values the driftline row stands for."""
    flat = parity_data.read_result(name, stem)
    family = stem.split("__")[-1]
    for prefix, naming in row_names(parity_data.spec(name), family):
        if all(row.get(k) == v or (v is None and pd.isna(row.get(k))) for k, v in naming.items() if k != "column_type"):
            return len(fields_of(flat.columns, prefix))
    raise AssertionError(row.to_dict())


def perturbations(name: str, stem: str) -> list[tuple[str, pd.DataFrame, int, int]]:
    """(what, perturbed table, expected compared, expected mismatches)."""
    base = actual(name, stem)
    rows = family_rows(base, stem)
    cells = nannyml_cells(name, stem)
    valued = [i for i in rows if pd.notna(base.at[i, "value"])]
    cases = []

    off = base.copy()
    off["value"] = off["value"].astype(float)
    off.loc[valued[0], "value"] += 1e-3
    off.loc[valued[1], "value"] -= 1e-3 * max(1.0, abs(base.at[valued[1], "value"]))
    cases.append(("two values off", off, cells, 2))

    near = base.copy()
    near["value"] = near["value"].astype(float)
    near.loc[valued[0], "value"] += 5e-7
    cases.append(("within atol", near, cells, 0))

    flipped = base.copy()
    flipped["alert"] = flipped["alert"].astype(object)
    flipped.loc[rows[0], "alert"] = not bool(base.at[rows[0], "alert"])
    flipped.loc[rows[2], "alert"] = None
    cases.append(("alert flipped, alert null", flipped, cells, 2))

    as_ints = base.copy()
    as_ints["alert"] = as_ints["alert"].astype(int)
    as_ints["chunk_start_index"] = as_ints["chunk_start_index"].astype(float)
    cases.append(("alerts as 0/1, indices as floats", as_ints, cells, 0))

    nulled = base.copy()
    nulled["value"] = nulled["value"].astype(float)
    nulled.loc[valued[2], "value"] = np.nan
    cases.append(("value null", nulled, cells, 1))

    dropped_row = base.loc[rows[3]]
    n_fields = field_count(name, stem, dropped_row)
    cases.append(("row missing", base.drop(index=rows[3]), cells - n_fields, n_fields))

    rekeyed = base.copy()
    rekeyed["chunk_key"] = rekeyed["chunk_key"].astype(object)
    rekeyed.loc[rows[4], "chunk_key"] = "[0:1]"
    n_fields = field_count(name, stem, base.loc[rows[4]])
    cases.append(("wrong chunk_key (counted once per value of the row)", rekeyed, cells, n_fields))

    flat = parity_data.read_result(name, stem)
    n_upper = len(flat) * sum(c.endswith("_upper_threshold") for c in flat.columns)
    cases.append(("column upper_threshold missing", base.drop(columns="upper_threshold"), cells - n_upper, n_upper))
    return cases


@pytest.mark.parametrize("name,stem", STEMS, ids=[f"{n}-{s}" for n, s in STEMS])
def test_nannyml_results_match_themselves(name, stem):
    result = nr.compare(parity_data.folder(name), stem, actual(name, stem))
    assert not result.mismatches, result.message()
    assert result.compared == nannyml_cells(name, stem)
    assert result.ok
    compared, n_bad = result
    assert (compared, n_bad) == (nannyml_cells(name, stem), 0)


@pytest.mark.parametrize("name,stem", PERTURBED, ids=[f"{n}-{s}" for n, s in PERTURBED])
def test_perturbations_are_counted(name, stem):
    for what, table, compared, n_bad in perturbations(name, stem):
        result = nr.compare(parity_data.folder(name), stem, table)
        assert (result.compared, len(result.mismatches)) == (compared, n_bad), f"{what}:\n{result.message()}"


def test_tolerances_and_fields_filter():
    folder, stem = parity_data.folder("car_loan"), "stats_sum"
    table = actual("car_loan", stem)
    rows = family_rows(table, stem)
    table.loc[rows[0], "value"] *= 1 + 1e-10
    table.loc[rows[1], "upper_threshold"] *= 1 + 1e-6
    assert len(nr.compare(folder, stem, table, atol=0.0).mismatches) == 2
    assert len(nr.compare(folder, stem, table, atol=0.0, rtol=1e-9).mismatches) == 1
    only_values = nr.compare(folder, stem, table, atol=0.0, rtol=1e-9, fields=["value", "alert"])
    flat = parity_data.read_result("car_loan", stem)
    assert only_values.compared == len(flat) * sum(c.endswith(("_value", "_alert")) for c in flat.columns)
    assert not only_values.mismatches


def test_column_names_are_case_insensitive_and_unknown_families_fail():
    table = actual("car_loan", "dq_unseen")
    table.columns = [c.upper() for c in table.columns]
    assert nr.compare(parity_data.folder("car_loan"), "dq_unseen", table).ok
    with pytest.raises(ValueError, match="unknown NannyML result family"):
        nr.compare(parity_data.folder("car_loan"), "chunker_number_7__drift", table)


def test_message_lists_mismatches():
    table = actual("car_loan", "cbpe")
    table = table.drop(index=family_rows(table, "cbpe")[:30])
    result = nr.compare(parity_data.folder("car_loan"), "cbpe", table)
    lines = result.message(limit=5).splitlines()
    assert lines[0].startswith("missing row ('analysis',")
    assert lines[5].startswith("... ")
    assert lines[-1] == f"compared={result.compared} mismatches={len(result.mismatches)}"


def shared_comparator():
    if not SHARED_TOOL.exists():
        pytest.skip(f"cross-check with the shared comparator skipped: {SHARED_TOOL} is absent "
                    "(a plain clone has no ../shared)")
    spec = importlib.util.spec_from_file_location("shared_parity_check", SHARED_TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shared_counts(tool, folder, stem, table, **options) -> tuple[int, int]:
    with contextlib.redirect_stdout(io.StringIO()):
        return tool.compare(str(folder), stem, table, **options)


@pytest.mark.parametrize("name,stem", PERTURBED, ids=[f"{n}-{s}" for n, s in PERTURBED])
def test_agrees_with_shared_comparator(name, stem):
    """Same (compared, mismatches) as shared/tools/parity_check.py, unchanged and under every perturbation."""
    tool = shared_comparator()
    folder = parity_data.folder(name)
    cases = [("unchanged", actual(name, stem))] + [(what, table) for what, table, _, _ in perturbations(name, stem)]
    for what, table in cases:
        assert tuple(nr.compare(folder, stem, table)) == shared_counts(tool, folder, stem, table), what
    options = dict(atol=0.0, rtol=1e-12, fields=["value", "upper_threshold"])
    table = actual(name, stem)
    assert tuple(nr.compare(folder, stem, table, **options)) == shared_counts(tool, folder, stem, table, **options)


@pytest.mark.parametrize("name,stem", [("car_loan", "cbpe"), ("car_loan_dq", "realized")])
def test_agrees_with_shared_comparator_on_the_shared_files(name, stem):
    """The repository's tables against the former shared copy: only the unseeded average_precision bootstrap differs,
    and both comparators count those differences alike."""
    tool = shared_comparator()
    folder = SHARED_PARITY / name
    if not (folder / f"{stem}.csv").exists():
        pytest.skip(f"{folder / stem}.csv is not here")
    table = actual(name, stem)
    ours = nr.compare(folder, stem, table)
    assert tuple(ours) == shared_counts(tool, folder, stem, table)
    assert ours.mismatches and all("'average_precision'" in line for line in ours.mismatches)
