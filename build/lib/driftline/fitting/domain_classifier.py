"""Multivariate drift by domain classifier — NannyML 0.13.1 semantics (algorithms.md §8.2).

A classifier learns to tell a chunk's rows from the reference rows; the better it can, the more the chunk
differs. Per chunk:
  * analysis chunk: X = the whole reference (label 0) followed by the chunk's rows (label 1);
  * reference chunk: X = the whole reference, the rows at the chunk's positions labelled 1, the others 0;
  * every categorical feature is ordinal-encoded on that X (sorted categories -> 0, 1, 2, ...; missing stays
    missing), columns ordered: categorical features by name (numeric columns declared categorical after
    them, in declaration order, as NannyML's `treat_as_categorical`), then continuous features by name;
  * 5-fold StratifiedKFold without shuffling; in each fold a LightGBM classifier with NannyML's parameters
    (random_state 13, single-threaded here for determinism) is trained and predicts the held-out rows;
  * value = ROC AUC of the pooled out-of-fold predictions.

Documented edge results (NannyML fails or returns NaN there; see the README):
  * X with a single class (a reference chunk that is the whole reference): None. NannyML 0.13.1 with
    scikit-learn 1.9 reports NaN (older scikit-learn made it 0.5).
  * neither class has `folds` rows, so StratifiedKFold cannot split: None (NannyML raises).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

FOLDS = 5

# NannyML 0.13.1's default LightGBM parameters for the domain classifier, except n_jobs: NannyML uses all
# cores (-1), which makes the result depend on the machine; one thread is deterministic.
LGBM_PARAMS = {
    "boosting_type": "gbdt", "class_weight": None, "colsample_bytree": 1.0, "importance_type": "split",
    "learning_rate": 0.1, "max_depth": -1, "min_child_samples": 20, "min_child_weight": 0.001,
    "min_split_gain": 0.0, "n_estimators": 100, "n_jobs": 1, "num_leaves": 31, "objective": None,
    "random_state": 13, "reg_alpha": 0.0, "reg_lambda": 0.0, "subsample": 1.0, "subsample_for_bin": 200000,
    "subsample_freq": 0, "verbose": -1,
}


@dataclass(frozen=True)
class Layout:
    """Which features the classifier sees, and in which column order."""

    continuous: list[str]
    categorical: list[str]
    numeric_categorical: list[str] = field(default_factory=list)

    @property
    def categorical_order(self) -> list[str]:
        named = sorted(c for c in self.categorical if c not in self.numeric_categorical)
        return named + [c for c in self.categorical if c in self.numeric_categorical]

    @property
    def continuous_order(self) -> list[str]:
        return sorted(self.continuous)


def _ordinal_codes(values: pd.Series, numeric: bool) -> np.ndarray:
    """Sorted distinct non-missing values -> 0, 1, 2, ...; missing -> NaN (fitted on these values only)."""
    if numeric:
        values = pd.to_numeric(values, errors="coerce").astype(float)
        missing = values.isna().to_numpy()
    else:
        values = values.astype(object)
        missing = values.isna().to_numpy()
    present = values[~missing]
    categories = sorted(set(present.tolist()))
    lookup = {v: float(i) for i, v in enumerate(categories)}
    codes = np.full(len(values), np.nan)
    codes[~missing] = [lookup[v] for v in present.tolist()]
    return codes


def encode(X: pd.DataFrame, layout: Layout) -> pd.DataFrame:
    """The classifier's input: ordinal-encoded categorical columns, then the continuous ones, as floats."""
    columns = {}
    for c in layout.categorical_order:
        columns[c] = _ordinal_codes(X[c], c in layout.numeric_categorical)
    for c in layout.continuous_order:
        columns[c] = pd.to_numeric(X[c], errors="coerce").astype(float).to_numpy()
    return pd.DataFrame(columns, index=range(len(X)))


def cross_validated_auroc(encoded: pd.DataFrame, y: np.ndarray, categorical: list[str], folds: int = FOLDS) -> float | None:
    """ROC AUC of out-of-fold LightGBM predictions (StratifiedKFold, no shuffle), or None when undefined."""
    from lightgbm import LGBMClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    counts = np.bincount(y.astype(int), minlength=2)
    if (counts > 0).sum() < 2 or counts.max() < folds:
        return None
    predictions, targets = [], []
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The least populated class in y has only")
        warnings.filterwarnings("ignore", message="Using categorical_feature in Dataset.")
        for train, test in StratifiedKFold(n_splits=folds).split(encoded, y):
            model = LGBMClassifier(**LGBM_PARAMS)
            model.fit(encoded.iloc[train], y[train], categorical_feature=categorical)
            predictions.append(model.predict_proba(encoded.iloc[test])[:, 1])
            targets.append(y[test])
    return float(roc_auc_score(np.concatenate(targets), np.concatenate(predictions)))


def reference_chunk_auroc(reference: pd.DataFrame, start: int, end: int, layout: Layout) -> float | None:
    """A reference chunk: the whole reference, positions start..end (inclusive, 0-based) labelled 1."""
    y = np.zeros(len(reference), dtype=int)
    y[start:end + 1] = 1
    return cross_validated_auroc(encode(reference, layout), y, layout.categorical_order)


def analysis_chunk_auroc(reference: pd.DataFrame, chunk: pd.DataFrame, layout: Layout) -> float | None:
    """An analysis chunk: the reference rows (label 0) followed by the chunk's rows (label 1)."""
    X = pd.concat([reference[layout.categorical + layout.continuous], chunk[layout.categorical + layout.continuous]],
                  ignore_index=True)
    y = np.concatenate([np.zeros(len(reference), dtype=int), np.ones(len(chunk), dtype=int)])
    return cross_validated_auroc(encode(X, layout), y, layout.categorical_order)
