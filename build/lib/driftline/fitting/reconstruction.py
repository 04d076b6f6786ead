"""Data-reconstruction drift (PCA), fitted on the reference — NannyML 0.13.1 semantics (algorithms.md §8.1).

Preprocessing, all learned from the reference:
  * categorical features: missing -> the most frequent value (ties -> the smallest), then each category ->
    its relative frequency in the imputed reference (unseen categories -> 0);
  * continuous features: missing -> the reference mean;
  * standard scaling z = (v - mean) / std0 (a zero-variance column keeps scale 1);
  * PCA on z keeping the fewest components whose cumulative explained-variance ratio exceeds
    `variance_threshold` (0.65).
A row's reconstruction error is ||z - z_hat||_2 with z_hat = mu + (z - mu) W^T W (W: k x d components,
mu: the PCA mean of z). Scoring happens in SQL from the state returned here.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA

STATE_COLUMNS = ["item", "column_name", "category", "component", "value"]


def _most_frequent(values: pd.Series):
    counts = values.dropna().value_counts()
    if counts.empty:
        return None
    top = counts[counts == counts.max()].index
    return sorted(top)[0]


def encode(frame: pd.DataFrame, continuous: list[str], categorical: list[str], state: dict) -> np.ndarray:
    """The standardized matrix z of frame under a fitted state (used by fit and by the tests)."""
    columns = []
    for c in continuous:
        columns.append(pd.to_numeric(frame[c], errors="coerce").astype(float).fillna(state["impute"][c]).to_numpy())
    for c in categorical:
        filled = frame[c].astype(object).where(frame[c].notna(), state["impute"][c])
        freq = state["frequencies"][c]
        columns.append(np.array([freq.get(v, 0.0) for v in filled], dtype=float))
    raw = np.column_stack(columns)
    return (raw - state["mean"]) / state["scale"]


def reconstruction_errors(z: np.ndarray, state: dict) -> np.ndarray:
    w, mu = state["components"], state["pca_mean"]
    z_hat = (z - mu) @ w.T @ w + mu
    return np.sqrt(((z - z_hat) ** 2).sum(axis=1))


def fit_reconstruction(reference: pd.DataFrame, continuous: list[str], categorical: list[str],
                       variance_threshold: float = 0.65) -> dict:
    """Fit on the reference; raises ValueError naming the column for an unusable feature."""
    if len(continuous) + len(categorical) == 0:
        raise ValueError("no features to reconstruct")
    impute, frequencies = {}, {}
    for c in continuous:
        values = pd.to_numeric(reference[c], errors="coerce").astype(float)
        values = values[np.isfinite(values)]
        if values.empty:
            raise ValueError(f"feature '{c}' has no values in the reference, so it cannot be imputed. "
                             "Fix: remove it from the monitor's features for multivariate drift.")
        impute[c] = float(values.mean())
    for c in categorical:
        mode = _most_frequent(reference[c].astype(object))
        if mode is None:
            raise ValueError(f"feature '{c}' has no values in the reference, so it cannot be imputed. "
                             "Fix: remove it from the monitor's features for multivariate drift.")
        impute[c] = mode
        filled = reference[c].astype(object).where(reference[c].notna(), mode)
        frequencies[c] = {k: float(v) for k, v in filled.value_counts(normalize=True).items()}
    state = {"impute": impute, "frequencies": frequencies}
    columns = []
    for c in continuous:
        columns.append(pd.to_numeric(reference[c], errors="coerce").astype(float).fillna(impute[c]).to_numpy())
    for c in categorical:
        filled = reference[c].astype(object).where(reference[c].notna(), impute[c])
        columns.append(np.array([frequencies[c].get(v, 0.0) for v in filled], dtype=float))
    raw = np.column_stack(columns)
    mean = raw.mean(axis=0)
    scale = raw.std(axis=0)
    scale[scale == 0] = 1.0
    state.update(mean=mean, scale=scale)
    z = (raw - mean) / scale
    if z.shape[0] < 2:
        raise ValueError("the reference needs at least 2 rows for PCA. Fix: use a longer reference period.")
    full = PCA(random_state=16).fit(z)
    cumulative = np.cumsum(full.explained_variance_ratio_)
    k = int(np.searchsorted(cumulative, variance_threshold, side="right") + 1)
    k = min(k, z.shape[1])
    pca = PCA(n_components=variance_threshold, random_state=16, svd_solver="full").fit(z)
    state.update(components=pca.components_, pca_mean=pca.mean_, n_components=pca.n_components_)
    assert pca.n_components_ == k
    return state


def state_frame(state: dict, continuous: list[str], categorical: list[str]) -> pd.DataFrame:
    """The fitted state as long rows (item, column_name, category, component, value)."""
    rows = []
    features = list(continuous) + list(categorical)
    for j, c in enumerate(features):
        rows.append(("mean", c, None, None, float(state["mean"][j])))
        rows.append(("scale", c, None, None, float(state["scale"][j])))
        rows.append(("pca_mean", c, None, None, float(state["pca_mean"][j])))
        if c in continuous:
            rows.append(("impute", c, None, None, float(state["impute"][c])))
        else:
            rows.append(("impute_category", c, str(state["impute"][c]), None, None))
            for category, freq in state["frequencies"][c].items():
                rows.append(("frequency", c, str(category), None, float(freq)))
        for i in range(state["components"].shape[0]):
            rows.append(("component", c, None, i, float(state["components"][i, j])))
    return pd.DataFrame(rows, columns=STATE_COLUMNS)
