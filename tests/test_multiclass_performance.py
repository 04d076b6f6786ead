"""Multiclass performance (algorithms.md §3.2, §4.3, §4.5, §6): every realized and estimated value of every
chunk equals an independent computation on the raw rows (support/multiclass_data.py), on every adapter.

Realized values are compared with scikit-learn under NannyML's PerformanceCalculator rules (within 1e-9).
Estimated values are recomputed in numpy from the fitted state: the isotonic knots read back from
driftline__cbpe_fit, applied with scipy's interp1d after clipping (IsotonicRegression.predict), rows
renormalised, then the one-vs-rest CBPE estimators with rows ordered by raw score descending and row position
descending on ties (the SQL's tie rule), within 1e-6. Sampling errors, thresholds, bands and alerts are
checked against the fitted components and the realized reference-chunk values.

One dbt build per adapter holds four monitors on the same reference:
  mc       the 6,000-row analysis with drift, every metric, counts and total business value
  mc_edge  awkward chunks (see multiclass_data.edge_frames), confusion matrix 'true', business value per_prediction
  mc_pred  confusion matrix 'pred', business value per_prediction
  mc_all   confusion matrix 'all', accuracy
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.interpolate import interp1d
from sklearn.metrics import (
    accuracy_score,
    auc,
    average_precision_score,
    confusion_matrix,
    f1_score,
    multilabel_confusion_matrix,
    precision_score,
    recall_score,
    roc_auc_score,
)

from conftest import make_warehouse
from support import multiclass_data as md
from support.dbt import DbtProject

CLASSES = md.SORTED_CLASSES
K = len(CLASSES)
COLUMNS = [md.PROBA[c] for c in CLASSES]
BV = np.array(md.BUSINESS_VALUE, dtype=float)
RATIO_METRICS = ["roc_auc", "f1", "precision", "recall", "specificity", "accuracy", "average_precision"]
REALIZED_TOL = 1e-9
ESTIMATED_TOL = 1e-6

MONITORS = {
    "mc": dict(relation="mc_analysis", chunk=md.CHUNK),
    "mc_edge": dict(relation="mc_edge_analysis", chunk=md.EDGE_CHUNK,
                    normalize_confusion_matrix="true", normalize_business_value="per_prediction"),
    "mc_pred": dict(relation="mc_analysis", chunk=md.CHUNK, metrics=["confusion_matrix", "business_value"],
                    normalize_confusion_matrix="pred", normalize_business_value="per_prediction"),
    "mc_all": dict(relation="mc_analysis", chunk=md.CHUNK, metrics=["confusion_matrix", "accuracy"],
                   normalize_confusion_matrix="all"),
}


class MulticlassBuild:
    def __init__(self, adapter, workdir):
        wh = make_warehouse(adapter, workdir)
        data_schema, self.schema = "dl_mc_data", "dl_mc"
        wh.reset_schema(data_schema)
        wh.execute(f'drop schema if exists "{self.schema}" cascade')
        self.frames = md.frames()
        self.frames["edge"] = md.edge_frames()
        wh.load(data_schema, "mc_reference", self.frames["reference"])
        wh.load(data_schema, "mc_analysis", self.frames["analysis"])
        wh.load(data_schema, "mc_edge_analysis", self.frames["edge"])
        self.specs = {}
        monitors = []
        for name, spec in MONITORS.items():
            spec = dict(spec)
            relation, chunk = spec.pop("relation"), spec.pop("chunk")
            m = md.monitor(data_schema, name, relation, "mc_reference", chunk=chunk, **spec)
            self.specs[name] = dict(m["performance"], chunk=chunk, analysis="edge" if name == "mc_edge" else "analysis")
            monitors.append(m)
        self.project = DbtProject(workdir, adapter, self.schema, wh.duckdb_path)
        self.project.build(monitors)
        self.performance = wh.table(self.schema, "driftline_performance")
        self.fit = wh.table(self.schema, "driftline__cbpe_fit")

    def chunks(self, monitor):
        """(period, chunk_index, rows) for every chunk of the monitor, rows in the monitor's order."""
        spec = self.specs[monitor]
        for period, frame in (("reference", self.frames["reference"]), ("analysis", self.frames[spec["analysis"]])):
            size = spec["chunk"]
            for index, start in enumerate(range(0, len(frame), size)):
                yield period, index, frame.iloc[start: start + size].reset_index(drop=True), start


_builds: dict[str, MulticlassBuild] = {}


def multiclass_build(adapter, workdir) -> MulticlassBuild:
    if adapter not in _builds:
        _builds[adapter] = MulticlassBuild(adapter, workdir)
    return _builds[adapter]


@pytest.fixture(scope="module")
def mc(adapter, workdir):
    return multiclass_build(adapter, workdir)


# -- independent computations ----------------------------------------------------------------------------------

def realized_values(rows: pd.DataFrame, spec: dict) -> dict[str, tuple[float, int]]:
    """metric -> (value, rows used) with scikit-learn and NannyML's PerformanceCalculator rules; a metric
    whose rows are all missing is absent."""
    out = {}
    metrics = spec["metrics"]
    scored = rows.dropna(subset=["y_true"] + COLUMNS)
    if len(scored) and ("roc_auc" in metrics or "average_precision" in metrics):
        y, scores = scored["y_true"].astype(str), scored[COLUMNS].to_numpy(float)
        if "roc_auc" in metrics:
            value = math.nan
            if set(y.unique()) == set(CLASSES):
                try:
                    value = roc_auc_score(y, scores, multi_class="ovr", average="macro", labels=CLASSES)
                except ValueError:  # probabilities that do not sum to 1
                    value = math.nan
            out["roc_auc"] = (value, len(scored))
        if "average_precision" in metrics:
            value = math.nan
            if y.nunique() > 1:
                try:
                    value = average_precision_score(y, scores, average="macro")
                except (ValueError, IndexError):
                    value = math.nan
            out["average_precision"] = (value, len(scored))
    labelled = rows.dropna(subset=["y_true", "y_pred"])
    if len(labelled) == 0:
        return out
    y, yhat = labelled["y_true"].astype(str), labelled["y_pred"].astype(str)
    n = len(labelled)
    single = y.nunique() <= 1 or yhat.nunique() <= 1
    scorers = {"f1": f1_score, "precision": precision_score, "recall": recall_score}
    for metric, scorer in scorers.items():
        if metric in metrics:
            out[metric] = (math.nan if single else scorer(y, yhat, average="macro", labels=CLASSES, zero_division=0), n)
    if "specificity" in metrics:
        value = math.nan
        if not single:
            mcm = multilabel_confusion_matrix(y, yhat, labels=CLASSES)
            with np.errstate(all="ignore"):
                value = float(np.mean(mcm[:, 0, 0] / (mcm[:, 0, 0] + mcm[:, 0, 1])))
        out["specificity"] = (value, n)
    if "accuracy" in metrics:
        out["accuracy"] = (accuracy_score(y, yhat), n)
    if "confusion_matrix" in metrics:
        cm = np.full((K, K), np.nan) if single else confusion_matrix(y, yhat, labels=CLASSES, normalize=spec.get("normalize_confusion_matrix"))
        for i, a in enumerate(CLASSES):
            for j, b in enumerate(CLASSES):
                out[f"true_{a}_pred_{b}"] = (float(cm[i, j]), n)
    if "business_value" in metrics:
        cm = confusion_matrix(y, yhat, labels=CLASSES).astype(float)
        out["business_value"] = (business_value(cm, spec.get("normalize_business_value")), n)
    return out


def business_value(cm: np.ndarray, normalize) -> float:
    if normalize == "per_prediction":
        with np.errstate(all="ignore"):
            cm = cm / cm.sum(axis=0, keepdims=True)
        cm = np.nan_to_num(cm)
    return float((BV * cm).sum())


def calibrated(fit: pd.DataFrame, monitor: str, raw: np.ndarray) -> np.ndarray:
    """The fitted isotonic maps (linear between knots, clipped outside them), then renormalised rows."""
    out = np.empty_like(raw)
    for i, label in enumerate(CLASSES):
        knots = fit[(fit.monitor == monitor) & (fit["item"] == "knot") & (fit.class_label == label)].sort_values("knot_index")
        x, y = knots["x"].to_numpy(float), knots["y"].to_numpy(float)
        if len(x) == 0:
            out[:, i] = raw[:, i]
        elif len(x) == 1:
            out[:, i] = y[0]
        else:
            out[:, i] = interp1d(x, y, kind="linear", assume_sorted=True)(np.clip(raw[:, i], x[0], x[-1]))
    total = out.sum(axis=1, keepdims=True)
    with np.errstate(all="ignore"):
        return np.where(total != 0, out / total, 1 / K)


def ranking_estimates(raw: np.ndarray, pc: np.ndarray, position: np.ndarray) -> tuple[float, float]:
    """CBPE's estimate_roc_auc and estimate_ap for one class; ties in the raw score: later rows first."""
    order = np.lexsort((-position, -raw))
    p = pc[order]
    n = len(p)
    tps = np.round(np.r_[0, np.cumsum(p)], 5)
    fps = np.round(np.r_[0, np.arange(1, n + 1) - np.cumsum(p)], 5)
    roc = auc(fps / fps[-1], tps / tps[-1]) if tps[-1] > 0 and fps[-1] > 0 else math.nan
    ap = math.nan
    if tps[-1] > 0:
        recall = tps / tps[-1]
        ap = float(np.sum(np.diff(recall) * tps[1:] / np.arange(1, n + 1)))
    return roc, ap


def estimated_values(rows: pd.DataFrame, start: int, fit: pd.DataFrame, monitor: str, spec: dict) -> dict[str, tuple[float, int]]:
    out = {}
    metrics = spec["metrics"]
    rows = rows.assign(position=start + np.arange(len(rows)))
    scored = rows.dropna(subset=COLUMNS)
    if len(scored) == 0:
        return out
    pc = calibrated(fit, monitor, scored[COLUMNS].to_numpy(float))
    if "roc_auc" in metrics or "average_precision" in metrics:
        per_class = [ranking_estimates(scored[COLUMNS[i]].to_numpy(float), pc[:, i], scored["position"].to_numpy()) for i in range(K)]
        if "roc_auc" in metrics:
            out["roc_auc"] = (float(np.mean([r for r, _ in per_class])), len(scored))
        if "average_precision" in metrics:
            out["average_precision"] = (float(np.mean([a for _, a in per_class])), len(scored))
    keep = scored["y_pred"].notna().to_numpy()
    pc, yhat = pc[keep], scored["y_pred"].to_numpy(object)[keep]
    n = len(yhat)
    if n == 0:
        return out
    predicted = np.column_stack([yhat == c for c in CLASSES])  # label_binarize: an unknown label is all zeros
    binary = {"precision": [], "recall": [], "specificity": [], "f1": []}
    for i in range(K):
        tp = np.sum(np.where(predicted[:, i], pc[:, i], 0))
        fp = np.sum(np.where(predicted[:, i], 1 - pc[:, i], 0))
        fn = np.sum(np.where(~predicted[:, i], pc[:, i], 0))
        tn = np.sum(np.where(~predicted[:, i], 1 - pc[:, i], 0))
        for metric, (num, den) in {"precision": (tp, tp + fp), "recall": (tp, tp + fn), "specificity": (tn, tn + fp),
                                   "f1": (tp, tp + 0.5 * (fp + fn))}.items():
            binary[metric].append(num / den if den != 0 else 0.0)
    for metric, values in binary.items():
        if metric in metrics:
            out[metric] = (float(np.mean(values)), n)
    if "accuracy" in metrics:
        out["accuracy"] = (float(np.mean(np.max(predicted * pc, axis=1))), n)
    expected = np.array([[np.sum(np.where(predicted[:, j], pc[:, i], 0)) for j in range(K)] for i in range(K)])
    if "confusion_matrix" in metrics:
        norm = spec.get("normalize_confusion_matrix")
        with np.errstate(all="ignore"):
            cm = {None: expected, "true": expected / expected.sum(axis=1, keepdims=True),
                  "pred": expected / expected.sum(axis=0, keepdims=True), "all": expected / expected.sum()}[norm]
        for i, a in enumerate(CLASSES):
            for j, b in enumerate(CLASSES):
                out[f"true_{a}_pred_{b}"] = (float(cm[i, j]), n)
    if "business_value" in metrics:
        out["business_value"] = (business_value(expected, spec.get("normalize_business_value")), n)
    return out


def limits(metric: str, spec: dict) -> tuple[float | None, float | None]:
    if metric in RATIO_METRICS:
        return 0.0, 1.0
    if metric == "business_value":
        return None, None
    return 0.0, (1.0 if spec.get("normalize_confusion_matrix") else None)


def same(actual, expected, tol) -> bool:
    actual = math.nan if actual is None or pd.isna(actual) else float(actual)
    if math.isnan(expected) or math.isnan(actual):
        return math.isnan(expected) and math.isnan(actual)
    return abs(actual - expected) <= tol


def expectations(mc: MulticlassBuild, monitor: str):
    """{(period, chunk_index, kind, metric): (value, n)} for every value the monitor must output (n None: no rows)."""
    spec = mc.specs[monitor]
    out = {}
    for period, index, rows, start in mc.chunks(monitor):
        for metric, value in realized_values(rows, spec).items():
            out[(period, index, "realized", metric)] = value
        for metric, value in estimated_values(rows, start, mc.fit, monitor, spec).items():
            out[(period, index, "estimated", metric)] = value
    # a metric estimated for a chunk also has a realized row there, NULL (with no n) until targets arrive
    for period, index, kind, metric in list(out):
        out.setdefault((period, index, "realized", metric), (math.nan, None))
    return out


# -- tests --------------------------------------------------------------------------------------------------------

def test_calibration_state(mc):
    """§4.2/§4.3: the fit decides per class; only the classes that need calibration have knots."""
    fit = mc.fit[mc.fit.monitor == "mc"]
    decisions = fit[fit["item"] == "calibration"].set_index("class_label")["needs_calibration"].astype(bool).to_dict()
    assert decisions == {"highstreet_card": False, "prepaid_card": True, "upmarket_card": True}
    knots = fit[fit["item"] == "knot"].groupby("class_label").size().to_dict()
    assert set(knots) == {"prepaid_card", "upmarket_card"} and min(knots.values()) > 2


@pytest.mark.parametrize("monitor", list(MONITORS))
def test_values_match_independent_computation(mc, monitor):
    expected = expectations(mc, monitor)
    table = mc.performance[mc.performance.monitor == monitor]
    actual = {(r.period, int(r.chunk_index), r.kind, r.metric): r for r in table.itertuples()}
    assert set(actual) == set(expected), sorted(set(actual) ^ set(expected))[:10]
    mismatches = []
    for key, (value, _) in expected.items():
        tol = REALIZED_TOL if key[2] == "realized" else ESTIMATED_TOL
        if not same(actual[key].value, value, tol):
            mismatches.append((key, actual[key].value, value))
        if key[2] == "estimated":
            realized = expected.get((key[0], key[1], "realized", key[3]), (math.nan, 0))[0]
            if not same(actual[key].realized_value, realized, REALIZED_TOL):
                mismatches.append((key, "realized_value", actual[key].realized_value, realized))
    assert not mismatches, mismatches[:10]
    # the data exercise what they should: drift lowers both accuracies in the second analysis half
    if monitor == "mc":
        acc = {k[:3]: v[0] for k, v in expected.items() if k[3] == "accuracy"}
        for kind in ("realized", "estimated"):
            assert max(acc[("analysis", i, kind)] for i in (3, 4, 5)) < min(acc[("analysis", i, kind)] for i in (0, 1, 2)) - 0.03


@pytest.mark.parametrize("monitor", list(MONITORS))
def test_sampling_error_thresholds_and_alerts(mc, monitor):
    """SE = se_scale * n ** se_power (n = rows the metric used); thresholds = mean +- 3 population std of the
    realized reference-chunk values, clamped to the metric's limits; bands and alerts follow."""
    spec = mc.specs[monitor]
    expected = expectations(mc, monitor)
    fit = mc.fit[(mc.fit.monitor == monitor) & (mc.fit["item"] == "sampling_error")].set_index("metric")
    table = mc.performance[mc.performance.monitor == monitor]
    metrics = sorted({k[3] for k in expected})
    assert set(fit.index) == set(metrics)
    thresholds = {}
    for metric in metrics:
        ref = np.array([v[0] for k, v in expected.items() if k[0] == "reference" and k[2] == "realized" and k[3] == metric])
        lo_limit, up_limit = limits(metric, spec)
        center, spread = np.nanmean(ref), np.nanstd(ref)
        lower, upper = center - 3 * spread, center + 3 * spread
        if lo_limit is not None and lower <= lo_limit:
            lower = lo_limit
        if up_limit is not None and upper >= up_limit:
            upper = up_limit
        thresholds[metric] = (lower, upper)
    checked = 0
    for row in table.itertuples():
        value, n = expected[(row.period, int(row.chunk_index), row.kind, row.metric)]
        se = math.nan if n is None else fit.loc[row.metric, "se_scale"] * n ** fit.loc[row.metric, "se_power"]
        assert same(row.sampling_error, se, 1e-9 * max(1.0, abs(se))), (row.period, row.chunk_index, row.kind, row.metric)
        lower, upper = thresholds[row.metric]
        assert same(row.lower_threshold, lower, 1e-9) and same(row.upper_threshold, upper, 1e-9), row.metric
        assert bool(row.alert) == bool(not math.isnan(value) and (value < lower or value > upper)), row
        if row.kind == "estimated" and not math.isnan(value):
            lo_limit, up_limit = limits(row.metric, spec)
            band_lo, band_up = value - 3 * se, value + 3 * se
            band_lo = band_lo if lo_limit is None else max(lo_limit, band_lo)
            band_up = band_up if up_limit is None else min(up_limit, band_up)
            assert same(row.lower_confidence, band_lo, 1e-6) and same(row.upper_confidence, band_up, 1e-6), row
        checked += 1
    assert checked == len(expected)
