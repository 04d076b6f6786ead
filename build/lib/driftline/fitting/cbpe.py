"""Fit CBPE (confidence-based performance estimation, NannyML 0.13.1) on a reference set: one long frame of state.

The frame (columns :data:`FIT_COLUMNS`) holds everything the SQL side needs to estimate performance:

* ``item='calibration'``: one row per class (binary: class_label ``'1'``) with ``needs_calibration`` (§4.2);
* ``item='knot'``: the isotonic knots (``knot_index``, ``x``, ``y``) of every class that needs calibration;
  calibrated p = linear interpolation through the knots, clipped to the end knots (§4.3);
* ``item='sampling_error'``: one row per metric (per cell for confusion_matrix) with ``se_scale`` and
  ``se_power``: SE of a chunk of n rows = se_scale * n ** se_power (§3.1, §3.2).

Input rules (ValueError otherwise, naming the column): y_true and probabilities without nulls (NannyML fails too),
probabilities within [0, 1], binary y_true / y_pred in {0, 1}, multiclass y_true / y_pred among the classes
(the keys of ``y_pred_proba``), every class present in the reference y_true, at least 3 classes for multiclass
(NannyML's own check for roc_auc; a 2-class model is binary). y_pred may have nulls: those rows are dropped per
metric, as NannyML does.

A binary reference with a single class is accepted: like NannyML, calibration is then not needed, and every
sampling error that is undefined on such a reference (roc_auc, and recall or specificity depending on the class)
is NaN rather than an error, so the monitor still runs and shows no band for those metrics.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .calibration import fit_calibrators
from .sampling_error import (
    BINARY,
    BUSINESS_VALUE_NORMALIZATIONS,
    CONFUSION_NORMALIZATIONS,
    METRICS,
    MULTICLASS,
    sampling_error_components,
)

FIT_COLUMNS = ["item", "class_label", "needs_calibration", "knot_index", "x", "y", "metric", "se_scale", "se_power"]


def _require_columns(reference: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in reference.columns]
    if missing:
        raise ValueError(f"reference has no column(s) {', '.join(map(repr, missing))}; "
                         f"check the monitor's y_true / y_pred / y_pred_proba names.")


def _no_nulls(reference: pd.DataFrame, column: str, role: str) -> None:
    nulls = int(reference[column].isna().sum())
    if nulls:
        raise ValueError(
            f"reference column {column!r} ({role}) has {nulls} null value(s). CBPE needs complete {role} on every "
            f"reference row (NannyML fails on them too): drop or fill those rows in the reference relation."
        )


def _probabilities(reference: pd.DataFrame, column: str) -> np.ndarray:
    _no_nulls(reference, column, "y_pred_proba")
    try:
        values = reference[column].to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"reference column {column!r} (y_pred_proba) must be numeric probabilities.") from exc
    outside = int(((values < 0) | (values > 1)).sum())
    if outside:
        raise ValueError(
            f"reference column {column!r} (y_pred_proba) has {outside} value(s) outside [0, 1]. CBPE needs "
            f"probabilities: pass the model's predicted probability (e.g. predict_proba), not a raw score or logit."
        )
    return values


def _binary_labels(reference: pd.DataFrame, column: str, role: str) -> np.ndarray:
    raw = reference[column]
    try:
        values = raw.astype(float).to_numpy() if raw.dtype != bool else raw.to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"reference column {column!r} ({role}) must hold 0/1 for a binary model.") from exc
    bad = sorted(set(values[~np.isnan(values)]) - {0.0, 1.0})
    if bad:
        raise ValueError(
            f"reference column {column!r} ({role}) must hold only 0 and 1 for a binary model; found {bad[:5]}. "
            f"Map the labels to 0/1 (1 = the class whose probability is in y_pred_proba)."
        )
    return values


def _multiclass_labels(reference: pd.DataFrame, column: str, role: str, classes: list) -> np.ndarray:
    values = reference[column].to_numpy(dtype=object)
    present = values[~pd.isna(values)]
    known = set(classes)
    unknown = sorted({str(v) for v in present if v not in known})
    if unknown:
        raise ValueError(
            f"reference column {column!r} ({role}) has value(s) {unknown[:5]} that are not classes of y_pred_proba "
            f"({[str(c) for c in classes]}): add a probability column for them, or fix the labels (types must match)."
        )
    return values


def fit_cbpe(
    reference: pd.DataFrame,
    *,
    problem_type: str,
    y_true: str,
    y_pred: str | None,
    y_pred_proba: str | Mapping,
    metrics: Sequence[str],
    business_value_matrix=None,
    normalize_confusion_matrix: str | None = None,
    normalize_business_value: str | None = None,
    seed=0,
) -> pd.DataFrame:
    """Fit CBPE on ``reference`` (rows in the monitor's row order: calibration splits depend on it).

    ``y_pred_proba`` is a column name (binary, the positive-class probability) or a mapping class label ->
    column (multiclass). ``business_value_matrix`` is indexed [true][pred] ([[tn, fp], [fn, tp]] for binary).
    ``seed`` seeds the average_precision bootstrap. Returns one long frame with columns :data:`FIT_COLUMNS`.
    """
    metrics = list(metrics)
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise ValueError(f"unknown CBPE metric(s) {unknown}; expected some of {list(METRICS)}.")
    if normalize_confusion_matrix not in CONFUSION_NORMALIZATIONS:
        raise ValueError(f"normalize_confusion_matrix must be one of None, 'all', 'true', 'pred'; "
                         f"got {normalize_confusion_matrix!r}.")
    if normalize_business_value not in BUSINESS_VALUE_NORMALIZATIONS:
        raise ValueError(f"normalize_business_value must be None or 'per_prediction'; got {normalize_business_value!r}.")
    if "business_value" in metrics and business_value_matrix is None:
        raise ValueError("metric 'business_value' needs business_value_matrix (indexed [true][pred]).")
    if len(reference) == 0:
        raise ValueError("the reference has no rows; CBPE needs a labelled reference set.")
    if y_pred is None and any(m not in ("roc_auc", "average_precision") for m in metrics):
        raise ValueError("y_pred is needed for every CBPE metric except roc_auc and average_precision.")

    if problem_type == BINARY:
        if not isinstance(y_pred_proba, str):
            raise ValueError("a binary model's y_pred_proba is one column name (the probability of class 1).")
        _require_columns(reference, [y_true, y_pred_proba] + ([y_pred] if y_pred else []))
        _no_nulls(reference, y_true, "y_true")
        truth = _binary_labels(reference, y_true, "y_true")
        proba = _probabilities(reference, y_pred_proba)
        predicted = _binary_labels(reference, y_pred, "y_pred") if y_pred else None
        calibrators = fit_calibrators(truth, proba, BINARY)
        components = sampling_error_components(
            BINARY, truth, predicted, proba, metrics,
            business_value_matrix=business_value_matrix,
            normalize_confusion_matrix=normalize_confusion_matrix,
            normalize_business_value=normalize_business_value,
            seed=seed,
        )
    elif problem_type == MULTICLASS:
        if not isinstance(y_pred_proba, Mapping) or not y_pred_proba:
            raise ValueError("a multiclass model's y_pred_proba maps each class label to its probability column.")
        classes = sorted(y_pred_proba)
        if len(classes) < 3:
            raise ValueError(f"multiclass needs at least 3 classes in y_pred_proba, got {len(classes)}; "
                             f"declare a 2-class model as classification_binary.")
        columns = [y_pred_proba[c] for c in classes]
        _require_columns(reference, [y_true] + columns + ([y_pred] if y_pred else []))
        _no_nulls(reference, y_true, "y_true")
        truth = _multiclass_labels(reference, y_true, "y_true", classes)
        absent = [str(c) for c in classes if not np.any(truth == c)]
        if absent:
            raise ValueError(
                f"reference column {y_true!r} (y_true) never has class(es) {absent}; every class of y_pred_proba must "
                f"occur in the reference (NannyML refuses this too): use a reference that covers all classes."
            )
        proba = {c: _probabilities(reference, y_pred_proba[c]) for c in classes}
        predicted = _multiclass_labels(reference, y_pred, "y_pred", classes) if y_pred else None
        calibrators = fit_calibrators(truth, proba, MULTICLASS)
        components = sampling_error_components(
            MULTICLASS, truth, predicted, proba, metrics,
            business_value_matrix=business_value_matrix,
            normalize_confusion_matrix=normalize_confusion_matrix,
            normalize_business_value=normalize_business_value,
            classes=classes,
            seed=seed,
        )
    else:
        raise ValueError(f"CBPE needs problem_type {BINARY!r} or {MULTICLASS!r}; got {problem_type!r}.")

    return _frame(calibrators, components)


def _frame(calibrators: list[dict], components: list[dict]) -> pd.DataFrame:
    empty = dict.fromkeys(FIT_COLUMNS)
    records = []
    for cal in calibrators:
        records.append(dict(empty, item="calibration", class_label=cal["class_label"],
                            needs_calibration=bool(cal["needs_calibration"])))
        if cal["needs_calibration"]:
            for i, (x, y) in enumerate(zip(cal["knots_x"], cal["knots_y"])):
                records.append(dict(empty, item="knot", class_label=cal["class_label"], knot_index=i,
                                    x=float(x), y=float(y)))
    for comp in components:
        records.append(dict(empty, item="sampling_error", metric=comp["metric"],
                            se_scale=float(comp["se_scale"]), se_power=float(comp["se_power"])))
    frame = pd.DataFrame.from_records(records, columns=FIT_COLUMNS)
    for column in ("item", "class_label", "needs_calibration", "metric"):
        frame[column] = pd.Series([r[column] for r in records], dtype=object, index=frame.index)
    frame["knot_index"] = frame["knot_index"].astype("Int64")
    for column in ("x", "y", "se_scale", "se_power"):
        frame[column] = frame[column].astype(float)
    return frame
