"""Reference-side sampling-error components of the CBPE metrics, NannyML 0.13.1 semantics.

Formulas: shared/algorithms.md §3.1 (binary) and §3.2 (multiclass). Every metric's standard error for a chunk
of ``n`` rows (after the chunk's own NaN-drop) is expressed uniformly as::

    SE(n) = se_scale * n ** se_power

so that SQL only needs the chunk size. ``se_power`` is -0.5 for every ratio metric and +0.5 for the
un-normalized counts (confusion-matrix cells with ``normalize=None``, business value with ``normalize=None``).

Reference rows are NaN-dropped per metric like NannyML: on [y_true, y_pred] for the label metrics and on
[y_true, probabilities] for roc_auc / average_precision. A component that cannot be computed (empty subset,
single-class reference) is NaN, never an exception: e.g. recall on a reference without positives.

Differences from NannyML, on purpose:

* average_precision is a bootstrap. NannyML draws from numpy's *global* RNG without a seed, so its value
  changes between runs. Here the draws come from an explicit ``seed`` (int -> ``np.random.RandomState(seed)``,
  or a RandomState / Generator). With an int seed the draws are the ones NannyML makes after
  ``np.random.seed(seed)`` when average_precision is the only metric using the RNG.
* binary roc_auc: NannyML computes its component on the reference *before* its NaN-drop; here it is after.
  (CBPE rejects NaN in y_true or probabilities anyway, so the results only differ for inputs NannyML refuses.)
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score
from sklearn.preprocessing import LabelBinarizer

BINARY = "classification_binary"
MULTICLASS = "classification_multiclass"

METRICS = (
    "roc_auc", "f1", "precision", "recall", "specificity", "accuracy",
    "average_precision", "confusion_matrix", "business_value",
)
CONFUSION_NORMALIZATIONS = (None, "all", "true", "pred")
BUSINESS_VALUE_NORMALIZATIONS = (None, "per_prediction")
BINARY_CELLS = ("true_positive", "true_negative", "false_positive", "false_negative")

AP_EXPERIMENTS = 50        # bootstrap draws
AP_MAX_SAMPLE = 50_000     # m = min(N // 2, 50_000)
MULTICLASS_AUROC_FACTOR = 1.2

ROOT = 0.5
INVERSE_ROOT = -0.5


# ----------------------------------------------------------------------------------------------------------------
# small numeric helpers


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def std0(values) -> float:
    """Population standard deviation (ddof=0); NaN for an empty input."""
    values = np.asarray(values, dtype=float)
    return float(_quiet(np.std, values)) if values.size else math.nan


def var0(values) -> float:
    """Population variance (ddof=0); NaN for an empty input."""
    values = np.asarray(values, dtype=float)
    return float(_quiet(np.var, values)) if values.size else math.nan


def _div(a: float, b: float) -> float:
    """a / b, NaN instead of an error or inf when b is 0 or either side is NaN."""
    if b == 0 or np.isnan(a) or np.isnan(b):
        return math.nan
    return a / b


def _ratio_scale(sigma: float, fraction: float) -> float:
    """SE = sigma / sqrt(n * f)  ->  se_scale = sigma / sqrt(f) (power -1/2)."""
    return _div(sigma, math.sqrt(fraction)) if fraction >= 0 else math.nan


def _rng(seed):
    if isinstance(seed, (np.random.RandomState, np.random.Generator)):
        return seed
    return np.random.RandomState(seed)


def _row(metric: str, scale: float, power: float) -> dict:
    return {"metric": metric, "se_scale": float(scale), "se_power": float(power)}


# ----------------------------------------------------------------------------------------------------------------
# components shared by binary and multiclass


def auroc_components(y, p) -> tuple[float, float]:
    """(sigma, f) of the Mann-Whitney based AUROC sampling error, with NannyML's rank quirk (§3.1).

    If mean(y) > 0.5 the labels are swapped (y := 1-y, p := 1-p). Rows are sorted by p with numpy's default
    (unstable) argsort and ranked r = 0..N-1; the distinct values of y*r without the first one (always 0) give
    r_(0) < r_(1) < ...; s_k = r_(k) - k; sigma = std0(s / N_neg); f = N_pos / N. The positive ranked 0, if any,
    is lost. SE = sigma / sqrt(n f).
    """
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    if y.size == 0:
        return math.nan, 0.0
    if np.mean(y) > 0.5:
        y = np.abs(y - 1)
        p = 1 - p
    order = np.argsort(p)  # default kind on purpose: tie order is part of the parity
    y = y[order]
    positive_ranks = np.unique(y * np.arange(len(y)))[1:]
    s = positive_ranks - np.arange(len(positive_ranks))
    n_pos = float(np.sum(y))
    n_neg = len(y) - n_pos
    sigma = std0(_quiet(np.true_divide, s, n_neg)) if len(s) else math.nan
    return sigma, n_pos / len(y)


def ap_bootstrap_std(y, p, rng) -> tuple[float, int]:
    """(sigma, m): std0 of sklearn average_precision over 50 bootstrap draws of m = min(N//2, 50000) rows."""
    y = np.asarray(y)
    p = np.asarray(p, dtype=float)
    m = int(min(len(y) // 2, AP_MAX_SAMPLE))
    results = []
    for _ in range(AP_EXPERIMENTS):
        idx = rng.choice(len(y), m, replace=True)
        results.append(_quiet(average_precision_score, y[idx], p[idx]))
    return std0(results), m


def _indicator_components(y, yhat) -> dict[str, tuple[np.ndarray, float]]:
    """Per metric, the 0/1 observation values and the relevant fraction f of §3.1 (one-vs-rest for multiclass)."""
    y = np.asarray(y, dtype=float)
    yhat = np.asarray(yhat, dtype=float)
    n = len(y)
    tp = (y == yhat) & (yhat == 1)
    fp = (y != yhat) & (yhat == 1)
    fn = (y != yhat) & (yhat == 0)
    tn = (y == yhat) & (yhat == 0)
    return {
        # precision: over predicted positives (TP -> 1, FP -> 0); f = sum(yhat) / N
        "precision": (np.concatenate([np.ones(tp.sum()), np.zeros(fp.sum())]), _div(float(np.sum(yhat)), n)),
        # recall: over actual positives (TP -> 1, FN -> 0); f = sum(y) / N
        "recall": (np.concatenate([np.ones(tp.sum()), np.zeros(fn.sum())]), _div(float(np.sum(y)), n)),
        # specificity: over actual negatives (TN -> 1, FP -> 0); f = (TN + FP) / N
        "specificity": (np.concatenate([np.ones(tn.sum()), np.zeros(fp.sum())]), _div(float(tn.sum() + fp.sum()), n)),
        # f1: over TP u FN u FP (TP -> 1, others 0); f = |S| / N
        "f1": (np.concatenate([np.ones(tp.sum()), np.zeros(fn.sum() + fp.sum())]),
               _div(float(tp.sum() + fn.sum() + fp.sum()), n)),
    }


def _notna(*columns) -> np.ndarray:
    """Rows where none of the columns is null (NannyML's common_nan_removal)."""
    mask = np.ones(len(columns[0]), dtype=bool)
    for column in columns:
        mask &= ~pd.isna(np.asarray(column, dtype=object))
    return mask


# ----------------------------------------------------------------------------------------------------------------
# binary (§3.1)


def _binary(y_true, y_pred, proba, metrics, bv_matrix, normalize_cm, normalize_bv, rng) -> list[dict]:
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float) if y_pred is not None else None
    proba = np.asarray(proba, dtype=float) if proba is not None else None
    for name, values in (("y_true", y_true), ("y_pred", y_pred)):
        if values is not None and not np.isin(values[~np.isnan(values)], (0.0, 1.0)).all():
            raise ValueError(f"binary {name} must contain only 0 and 1 (or null).")
    rows: list[dict] = []
    for metric in metrics:
        if metric in ("roc_auc", "average_precision"):
            if proba is None:
                raise ValueError(f"{metric} needs the predicted probabilities.")
            keep = _notna(y_true, proba)
            y, p = y_true[keep], proba[keep]
            if metric == "roc_auc":
                sigma, f = auroc_components(y, p)
                rows.append(_row(metric, _ratio_scale(sigma, f), INVERSE_ROOT))
            else:
                if not np.any(y == 1):  # NannyML: positive class absent -> no component
                    rows.append(_row(metric, math.nan, INVERSE_ROOT))
                    continue
                sigma, m = ap_bootstrap_std(y, p, rng)
                rows.append(_row(metric, sigma * math.sqrt(m), INVERSE_ROOT))
            continue

        if y_pred is None:
            raise ValueError(f"{metric} needs y_pred.")
        keep = _notna(y_true, y_pred)
        y, yhat = y_true[keep], y_pred[keep]
        n = len(y)
        if metric == "accuracy":
            rows.append(_row(metric, std0(y == yhat) if n else math.nan, INVERSE_ROOT))
        elif metric in ("precision", "recall", "specificity"):
            values, f = _indicator_components(y, yhat)[metric]
            rows.append(_row(metric, _ratio_scale(std0(values), f), INVERSE_ROOT))
        elif metric == "f1":
            values, f = _indicator_components(y, yhat)["f1"]
            if values.size == 0:
                rows.append(_row(metric, math.nan, INVERSE_ROOT))
                continue
            n_tp = float(values.sum())
            correction = values.size / (n_tp + 0.5 * (values.size - n_tp))  # c = |S| / (TP + (FN+FP)/2)
            rows.append(_row(metric, _ratio_scale(std0(values * correction), f), INVERSE_ROOT))
        elif metric == "confusion_matrix":
            rows.extend(_binary_confusion(y, yhat, normalize_cm))
        elif metric == "business_value":
            bv = _business_value_matrix(bv_matrix, 2)
            if n == 0:
                rows.append(_row(metric, math.nan, ROOT if normalize_bv is None else INVERSE_ROOT))
                continue
            values = bv[y.astype(int), yhat.astype(int)]  # BV[true, pred]
            rows.append(_row(metric, std0(values), ROOT if normalize_bv is None else INVERSE_ROOT))
        else:
            raise ValueError(f"unknown metric {metric!r}; expected one of {', '.join(METRICS)}.")
    return rows


def _binary_confusion(y, yhat, normalize) -> list[dict]:
    """Cells TP/TN/FP/FN: sigma = std0 of the cell indicator over all rows (None, 'all'), the actual-class
    subset ('true') or the predicted-class subset ('pred'); None -> sigma * sqrt(n), else sigma / sqrt(n f)."""
    n = len(y)
    cells = {
        "true_positive": ((y == 1) & (yhat == 1), y == 1, yhat == 1),
        "true_negative": ((y == 0) & (yhat == 0), y == 0, yhat == 0),
        "false_positive": ((y == 0) & (yhat == 1), y == 0, yhat == 1),
        "false_negative": ((y == 1) & (yhat == 0), y == 1, yhat == 0),
    }
    rows = []
    for name in BINARY_CELLS:
        cell, actual, predicted = cells[name]
        if n == 0:
            rows.append(_row(name, math.nan, ROOT if normalize is None else INVERSE_ROOT))
        elif normalize is None:
            rows.append(_row(name, std0(cell), ROOT))
        elif normalize == "all":
            rows.append(_row(name, std0(cell), INVERSE_ROOT))
        else:
            subset = actual if normalize == "true" else predicted
            rows.append(_row(name, _ratio_scale(std0(cell[subset]), subset.sum() / n), INVERSE_ROOT))
    return rows


def _business_value_matrix(matrix, k: int) -> np.ndarray:
    if matrix is None:
        raise ValueError("business_value needs business_value_matrix ([[tn_value, fp_value], [fn_value, tp_value]]).")
    bv = np.asarray(matrix, dtype=float)
    if bv.shape != (k, k):
        raise ValueError(f"business_value_matrix has shape {bv.shape} but there are {k} classes; it must be {k}x{k}.")
    return bv


# ----------------------------------------------------------------------------------------------------------------
# multiclass (§3.2)


def _multiclass(y_true, y_pred, proba: dict, classes: list, metrics, bv_matrix, normalize_cm, normalize_bv, rng):
    y_true = np.asarray(y_true, dtype=object)
    y_pred = np.asarray(y_pred, dtype=object) if y_pred is not None else None
    k = len(classes)
    rows: list[dict] = []
    for metric in metrics:
        if metric in ("roc_auc", "average_precision"):
            keep = _notna(y_true, *[proba[c] for c in classes])
            y = y_true[keep]
            per_class = [((y == c).astype(int), np.asarray(proba[c], dtype=float)[keep]) for c in classes]
            if metric == "roc_auc":
                # SE = 1.2 * sqrt(sum_c var_c / (n f_c)) / K
                terms = []
                for y_c, p_c in per_class:
                    sigma, f = auroc_components(y_c, p_c)
                    terms.append(_div(sigma ** 2, f))
                rows.append(_row(metric, MULTICLASS_AUROC_FACTOR * math.sqrt(np.sum(terms)) / k, INVERSE_ROOT))
            else:
                # SE = sqrt(mean_c(var_c * m_c / n)); classes drawn in sorted order from one RNG, like NannyML
                terms = []
                for y_c, p_c in per_class:
                    sigma, m = ap_bootstrap_std(y_c, p_c, rng) if len(y_c) else (math.nan, 0)
                    terms.append(sigma ** 2 * m)
                rows.append(_row(metric, math.sqrt(np.mean(terms)), INVERSE_ROOT))
            continue

        if y_pred is None:
            raise ValueError(f"{metric} needs y_pred.")
        keep = _notna(y_true, y_pred)
        y, yhat = y_true[keep], y_pred[keep]
        n = len(y)
        if metric in ("precision", "recall", "specificity", "f1", "accuracy"):
            if n == 0:
                rows.append(_row(metric, math.nan, INVERSE_ROOT))
                continue
            # NannyML binarizes with a LabelBinarizer fitted on the (NaN-dropped) reference y_true.
            binarizer = LabelBinarizer()
            y_bin = binarizer.fit_transform(y)
            yhat_bin = binarizer.transform(yhat)
            if metric == "accuracy":
                correct = (y_bin == yhat_bin).all(axis=1)
                rows.append(_row(metric, std0(correct), INVERSE_ROOT))
                continue
            # SE = sqrt(sum_c var_c / (n f_c)) / K  (no f1 correction factor here)
            terms = []
            for j in range(y_bin.shape[1]):
                values, f = _indicator_components(y_bin[:, j], yhat_bin[:, j])[metric]
                terms.append(_div(var0(values), f))
            rows.append(_row(metric, math.sqrt(np.sum(terms)) / len(terms), INVERSE_ROOT))
        elif metric == "confusion_matrix":
            rows.extend(_multiclass_confusion(y, yhat, classes, normalize_cm))
        elif metric == "business_value":
            bv = _business_value_matrix(bv_matrix, k)
            power = ROOT if normalize_bv is None else INVERSE_ROOT
            if n < 2:
                rows.append(_row(metric, math.nan, power))
                continue
            i, j = _class_index(y, classes), _class_index(yhat, classes)
            known = (i >= 0) & (j >= 0)
            values = np.where(known, bv[np.maximum(i, 0), np.maximum(j, 0)], 0.0)  # unknown labels count 0
            rows.append(_row(metric, float(np.std(values, ddof=1)), power))  # std1, as pandas .std()
        else:
            raise ValueError(f"unknown metric {metric!r}; expected one of {', '.join(METRICS)}.")
    return rows


def _class_index(values, classes) -> np.ndarray:
    """Position of each value among ``classes`` (-1 when it is not one of them)."""
    return pd.Index(list(classes), dtype=object).get_indexer(pd.Index(list(values), dtype=object))


def _multiclass_confusion(y, yhat, classes, normalize) -> list[dict]:
    """Cell (i, j): q = cm_ij / D, sigma = sqrt(q(1-q)); D = N (None, 'all'), row total ('true'), column total ('pred').
    None -> sigma sqrt(n); 'all' -> sigma / sqrt(n); 'true' -> sigma / sqrt(n rowtot_i/N); 'pred' -> column total."""
    k = len(classes)
    i, j = _class_index(y, classes), _class_index(yhat, classes)
    known = (i >= 0) & (j >= 0)
    cm = np.zeros((k, k))
    np.add.at(cm, (i[known], j[known]), 1)
    n = len(y)
    rows = []
    for i, a in enumerate(classes):
        for j, b in enumerate(classes):
            name = f"true_{a}_pred_{b}"
            if normalize in (None, "all"):
                denominator, fraction = n, 1.0
            elif normalize == "true":
                denominator = cm[i].sum()
                fraction = _div(denominator, n)
            else:
                denominator = cm[:, j].sum()
                fraction = _div(denominator, n)
            q = _div(cm[i, j], denominator)
            sigma = math.sqrt(q * (1 - q)) if np.isfinite(q) else math.nan
            if normalize is None:
                rows.append(_row(name, sigma, ROOT))
            else:
                rows.append(_row(name, _ratio_scale(sigma, fraction), INVERSE_ROOT))
    return rows


# ----------------------------------------------------------------------------------------------------------------
# entry point


def sampling_error_components(
    problem_type: str,
    y_true,
    y_pred,
    proba,
    metrics: Sequence[str],
    business_value_matrix=None,
    normalize_confusion_matrix: str | None = None,
    normalize_business_value: str | None = None,
    classes: Sequence | None = None,
    seed=0,
) -> list[dict]:
    """Sampling-error components of every requested metric: list of {metric, se_scale, se_power}.

    ``SE(n) = se_scale * n ** se_power`` for a chunk of n rows (§3.1, §3.2). ``confusion_matrix`` expands into
    one entry per cell (binary: true_positive, true_negative, false_positive, false_negative; multiclass:
    ``true_{a}_pred_{b}`` over the sorted classes). Binary: ``y_true``/``y_pred`` are 0/1, ``proba`` is the raw
    positive-class score; ``business_value_matrix`` is [[tn_value, fp_value], [fn_value, tp_value]] (BV[true][pred]).
    Multiclass: ``proba`` maps class -> raw scores (or is an (N, K) array with ``classes`` in column order);
    classes are sorted. ``seed`` drives the average_precision bootstrap (see the module docstring).
    """
    metrics = list(metrics)
    if normalize_confusion_matrix not in CONFUSION_NORMALIZATIONS:
        raise ValueError(f"normalize_confusion_matrix must be one of None, 'all', 'true', 'pred'; "
                         f"got {normalize_confusion_matrix!r}.")
    if normalize_business_value not in BUSINESS_VALUE_NORMALIZATIONS:
        raise ValueError(f"normalize_business_value must be None or 'per_prediction'; got {normalize_business_value!r}.")
    rng = _rng(seed)
    if problem_type == BINARY:
        if isinstance(proba, Mapping):
            proba = next(iter(proba.values())) if len(proba) == 1 else proba.get("1", proba.get(1))
        return _binary(y_true, y_pred, proba, metrics, business_value_matrix,
                       normalize_confusion_matrix, normalize_business_value, rng)
    if problem_type == MULTICLASS:
        if isinstance(proba, Mapping):
            ordered = sorted(proba) if classes is None else sorted(classes)
            proba_by_class = {c: np.asarray(proba[c], dtype=float) for c in ordered}
        else:
            if classes is None:
                raise ValueError("multiclass probabilities as an array need `classes` (the column order).")
            matrix = np.asarray(proba, dtype=float)
            proba_by_class = {c: matrix[:, i] for i, c in enumerate(classes)}
            ordered = sorted(classes)
        return _multiclass(y_true, y_pred, proba_by_class, ordered, metrics, business_value_matrix,
                           normalize_confusion_matrix, normalize_business_value, rng)
    raise ValueError(f"problem_type must be {BINARY!r} or {MULTICLASS!r}; got {problem_type!r}.")
