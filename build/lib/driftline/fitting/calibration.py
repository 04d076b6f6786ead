"""CBPE probability calibration, NannyML 0.13.1 semantics (shared/algorithms.md §4.2, §4.3).

* :func:`needs_calibration` decides, per class, whether isotonic calibration lowers the expected
  calibration error (ECE) in a fixed 10-split cross-validation over the reference rows *in the order given*.
* :func:`isotonic_knots` fits the calibrator on all reference rows and returns its knots; applying it is
  piecewise-linear interpolation between the knots, constant outside them (:func:`apply_knots`), which
  SQL can do with a join on the bracketing knots.
* :func:`fit_calibrators` runs both for a binary model (class ``'1'``) or for every class of a
  multiclass model (one-vs-rest indicator ``1[y_true == c]``).
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedShuffleSplit

ECE_BIN_COUNT = 10
SPLIT_COUNT = 10
TEST_SIZE = 0.1
SPLIT_RANDOM_STATE = 42
AUC_SKIP_CALIBRATION = 0.999


def _as_float_vector(values, what: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float).reshape(-1)
    if np.isnan(arr).any():
        raise ValueError(f"{what} contains NaN; calibration needs complete reference rows.")
    return arr


def _ece_bin_edges(m: int, bin_count: int = ECE_BIN_COUNT) -> list[tuple[int, int]]:
    """Equal-count bins by position (§4.2): width w = m // bins, edges 0, w, 2w, ... with the last edge forced to m.

    If m <= 2*bins the bin count becomes m // 2 (fewer than 2 bins is an error, as in NannyML).
    When m is not a multiple of w the last edge that fits is moved to m, so the remainder joins the last bin.
    """
    if m <= 2 * bin_count:
        bin_count = m // 2
        if bin_count < 2:
            raise ValueError(f"cannot split {m} calibration rows into at least 2 bins; the reference is too small.")
    width = m // bin_count
    edges = list(range(0, m + 1, width))
    edges[-1] = m
    return list(zip(edges[:-1], edges[1:]))


def expected_calibration_error(y: np.ndarray, p: np.ndarray, edges: list[tuple[int, int]]) -> float:
    """ECE = sum_b (|b|/M) * |mean(p_b) - mean(y_b)|, bins by position after numpy's default (unstable) argsort of p."""
    order = np.argsort(p)  # default kind (quicksort, not stable): tie order matters for parity
    p_sorted, y_sorted = p[order], y[order]
    m = len(p_sorted)
    terms = [
        (hi - lo) / m * abs(np.mean(p_sorted[lo:hi]) - np.mean(y_sorted[lo:hi]))
        for lo, hi in edges
    ]
    return float(np.sum(terms))


def needs_calibration(y_true, y_pred_proba) -> bool:
    """Whether isotonic calibration helps, exactly as NannyML 0.13.1 decides it (§4.2).

    ``y_true`` is binary (0/1), ``y_pred_proba`` the raw score, both in the reference row order.
    False for a single class or ``roc_auc > 0.999``. Otherwise StratifiedShuffleSplit(10, test_size=0.1,
    random_state=42): isotonic fitted on each train part calibrates its test part; over the concatenated
    test parts, calibration is needed iff ECE(raw) > ECE(calibrated) (strict). NaN input raises ValueError.
    """
    y = _as_float_vector(y_true, "y_true")
    p = _as_float_vector(y_pred_proba, "y_pred_proba")
    if len(y) != len(p):
        raise ValueError("y_true and y_pred_proba must have the same length.")
    if len(np.unique(y)) < 2:
        return False
    if roc_auc_score(y, p) > AUC_SKIP_CALIBRATION:
        return False

    splitter = StratifiedShuffleSplit(n_splits=SPLIT_COUNT, test_size=TEST_SIZE, random_state=SPLIT_RANDOM_STATE)
    ys, raws, calibrated = [], [], []
    for train, test in splitter.split(np.zeros((len(y), 1)), y):
        model = IsotonicRegression(increasing=True, out_of_bounds="clip").fit(p[train], y[train])
        ys.append(y[test])
        raws.append(p[test])
        calibrated.append(model.predict(p[test]))
    y_test = np.concatenate(ys)
    raw_test = np.concatenate(raws)
    calibrated_test = np.concatenate(calibrated)
    edges = _ece_bin_edges(len(raw_test))
    return bool(
        expected_calibration_error(y_test, raw_test, edges) > expected_calibration_error(y_test, calibrated_test, edges)
    )


def isotonic_knots(y_true, y_pred_proba) -> tuple[np.ndarray, np.ndarray]:
    """Fit IsotonicRegression(increasing=True, out_of_bounds='clip') on all rows; return (X_thresholds_, y_thresholds_).

    ``IsotonicRegression.predict(p)`` equals ``apply_knots(x, y, p)``: linear interpolation between knots,
    constant outside [x[0], x[-1]] (§4.3).
    """
    y = _as_float_vector(y_true, "y_true")
    p = _as_float_vector(y_pred_proba, "y_pred_proba")
    model = IsotonicRegression(increasing=True, out_of_bounds="clip").fit(p, y)
    return np.asarray(model.X_thresholds_, dtype=float), np.asarray(model.y_thresholds_, dtype=float)


def apply_knots(x, y, p) -> np.ndarray:
    """Piecewise-linear interpolation through the knots (x, y), clipped to [x[0], x[-1]] (np.interp semantics)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    p = np.clip(np.asarray(p, dtype=float), x[0], x[-1])
    return np.interp(p, x, y)


def fit_calibrators(y_true, proba, problem_type: str) -> list[dict]:
    """The per-class calibration state: list of {class_label, needs_calibration, knots_x, knots_y}.

    Binary (``problem_type='classification_binary'``): ``proba`` is the positive-class score (array, or a
    one-entry mapping); one entry with class_label ``'1'``. Multiclass: ``proba`` maps class label -> scores;
    per class c in sorted order, y_c = 1[y_true == c] gets its own decision (§4.3) and knots only when needed
    (otherwise knots_x/knots_y are None and the class's scores are used as they are, before renormalization).
    """
    if problem_type == "classification_binary":
        if isinstance(proba, Mapping):
            if len(proba) != 1:
                raise ValueError("binary calibration takes the positive-class probability only.")
            proba = next(iter(proba.values()))
        per_class = [("1", np.asarray(y_true, dtype=float), proba)]
    elif problem_type == "classification_multiclass":
        if not isinstance(proba, Mapping):
            raise ValueError("multiclass calibration needs a mapping class label -> probabilities.")
        y = np.asarray(y_true, dtype=object)
        per_class = [(str(c), (y == c).astype(float), proba[c]) for c in sorted(proba)]
    else:
        raise ValueError(f"problem_type must be 'classification_binary' or 'classification_multiclass', got {problem_type!r}.")

    fitted = []
    for label, y_c, p_c in per_class:
        needed = needs_calibration(y_c, p_c)
        knots_x = knots_y = None
        if needed:
            knots_x, knots_y = isotonic_knots(y_c, p_c)
        fitted.append({"class_label": label, "needs_calibration": needed, "knots_x": knots_x, "knots_y": knots_y})
    return fitted
