"""An independent computation of the univariate statistics with numpy/scipy, following NannyML 0.13.1's
definitions (shared/algorithms.md §7, §9), for data sets small enough to compute row by row in a test."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial.distance import jensenshannon
from scipy.stats import chi2_contingency, ks_2samp, wasserstein_distance


def clean(values: pd.Series) -> np.ndarray:
    """Non-missing values: driftline treats NULL, NaN and +-inf as missing."""
    x = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
    return x[np.isfinite(x)]


def _shares_with_leftover(ref_counts, chunk_counts, n_ref, n_chunk):
    p = ref_counts / n_ref
    q = chunk_counts / n_chunk
    leftover = 1 - q.sum()
    if leftover > 0:
        p, q = np.append(p, 0), np.append(q, leftover)
    return p, q


def doane_shares(ref: np.ndarray, chunk: np.ndarray):
    edges = np.histogram_bin_edges(ref, bins="doane")
    ref_counts = np.histogram(ref, edges)[0]
    chunk_counts = np.histogram(chunk, edges)[0]
    return _shares_with_leftover(ref_counts, chunk_counts, len(ref), len(chunk))


def category_shares(ref: pd.Series, chunk: pd.Series):
    ref, chunk = ref.dropna().astype(str), chunk.dropna().astype(str)
    cats = sorted(ref.unique())
    ref_counts = ref.value_counts().reindex(cats).to_numpy(float)
    chunk_counts = chunk.value_counts().reindex(cats).fillna(0).to_numpy(float)
    return _shares_with_leftover(ref_counts, chunk_counts, len(ref), len(chunk))


def jensen_shannon(p, q) -> float:
    return float(jensenshannon(p, q, base=2))


def hellinger(p, q) -> float:
    return float(np.sqrt(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)) / np.sqrt(2))


def l_infinity(ref: pd.Series, chunk: pd.Series) -> float:
    r = ref.dropna().astype(str).value_counts(normalize=True)
    c = chunk.dropna().astype(str).value_counts(normalize=True)
    both = pd.concat([r, c], axis=1).fillna(0)
    return float((both.iloc[:, 0] - both.iloc[:, 1]).abs().max())


def chi2(ref: pd.Series, chunk: pd.Series) -> tuple[float, float]:
    table = pd.concat([ref.dropna().astype(str).value_counts(), chunk.dropna().astype(str).value_counts()], axis=1).fillna(0)
    statistic, p_value, _, _ = chi2_contingency(table.T.to_numpy())
    return float(statistic), float(p_value)


def kolmogorov_smirnov(ref: np.ndarray, chunk: np.ndarray) -> float:
    return float(ks_2samp(ref, chunk).statistic)


def wasserstein(ref: np.ndarray, chunk: np.ndarray) -> float:
    return float(wasserstein_distance(ref, chunk))


def size_chunks(n: int, size: int) -> list[tuple[int, int]]:
    return [(start, min(start + size, n) - 1) for start in range(0, n, size)]
