"""A small data set that holds the awkward inputs driftline must handle (issue: bad input), built by code.

reference: 3,000 rows, analysis: 3,000 rows, chunks of 500 (6 + 6). Columns and what is odd about them:
  "Car Value"      float, space and capitals in the name; analysis chunk 0 holds NaN, +inf, -inf and NULLs
  x_const          constant 5.0 in the reference; analysis chunk 1 varies around it
  x_gap            analysis chunk 2 is entirely NULL
  "select"         integer values, a reserved word as name
  cat_str          A/B/C with NULLs in the reference; unseen 'D' (and 'E') in analysis chunk 3
  cat_bool         boolean declared categorical
  cat_int          integer declared categorical; unseen 4 in analysis chunk 4
  "MixedCat"       mixed-case categorical
"""
from __future__ import annotations

import numpy as np
import pandas as pd

N_REF = N_ANALYSIS = 3000
CHUNK = 500


def frames(seed: int = 7) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n = N_REF + N_ANALYSIS
    frame = pd.DataFrame({
        "id": np.arange(n, dtype="int64"),
        "ts": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n) * 7, unit="min"),
        "Car Value": np.round(rng.lognormal(10, 0.4, n), 0),
        "x_const": np.full(n, 5.0),
        "x_gap": rng.normal(0, 1, n),
        "select": rng.integers(0, 20, n).astype("int64"),
        "cat_str": rng.choice(["A", "B", "C"], n, p=[0.5, 0.3, 0.2]).astype(object),
        "cat_bool": rng.random(n) < 0.3,
        "cat_int": rng.integers(1, 4, n).astype("int64"),
        "MixedCat": rng.choice(["low", "mid", "high"], n).astype(object),
    })
    a = N_REF  # first analysis row
    # drift in the analysis half so alerts happen
    frame.loc[a + 2000:, "Car Value"] *= 1.4
    frame.loc[a + 500: a + 999, "x_const"] = np.round(rng.normal(5, 0.5, 500), 2)
    frame.loc[a + 1000: a + 1499, "x_gap"] = np.nan
    car = frame["Car Value"].to_numpy(copy=True)
    car[[a + 3, a + 4, a + 5]] = [np.nan, np.inf, -np.inf]
    car[a + 10: a + 20] = np.nan
    frame["Car Value"] = car
    cat = frame["cat_str"].to_numpy(copy=True)
    cat[rng.choice(N_REF, 150, replace=False)] = None
    cat[a + 1500: a + 1560] = "D"
    cat[a + 1560: a + 1563] = "E"
    cat[a + 1600: a + 1640] = None
    frame["cat_str"] = cat
    frame.loc[a + 2000: a + 2049, "cat_int"] = 4
    return {"reference": frame.iloc[:N_REF].reset_index(drop=True), "analysis": frame.iloc[N_REF:].reset_index(drop=True)}


CONTINUOUS = ["Car Value", "x_const", "x_gap", "select"]
CATEGORICAL = ["cat_str", "cat_bool", "cat_int", "MixedCat"]


def monitor(schema: str, name: str = "edge", **overrides) -> dict:
    m = {
        "name": name,
        "relation": f"{schema}.edge_analysis",
        "reference": {"relation": f"{schema}.edge_reference"},
        "timestamp": "ts",
        "id": "id",
        "features": {"continuous": CONTINUOUS, "categorical": CATEGORICAL},
        "chunking": {"size": CHUNK},
        "univariate": {"continuous_methods": ["kolmogorov_smirnov", "jensen_shannon", "wasserstein", "hellinger"],
                       "categorical_methods": ["chi2", "jensen_shannon", "l_infinity", "hellinger"]},
    }
    m.update(overrides)
    return m
