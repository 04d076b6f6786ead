"""A seeded regression data set for DLE and realized regression performance (tests and tests/oracle).

A used-car price model: continuous features (age, km, engine_power, discount with many exact zeros and
negative values), categorical features (fuel with NULLs, region, automatic as a boolean), the true price
y_true and the model's prediction y_pred (both positive). The reference is well-behaved; in the analysis half
cars get older and more electric, an unseen fuel ('hydrogen') and region ('r9') appear, and the model is worse
on electric cars. A few rows lack y_pred (both periods) or y_true (reference); the analysis targets exist for
its first ANALYSIS_TARGET_ROWS rows only (the later ones have not arrived).

Used by tests/oracle/regression_dle.py (NannyML's DLE and PerformanceCalculator, run in the oracle
environment) and by tests/test_regression_performance.py, so numpy's default_rng stream is the contract;
fingerprint() lets the test check it regenerated the same rows the oracle saw.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

SEED = 20240611
N_REFERENCE = 3000
N_ANALYSIS = 3200
ANALYSIS_TARGET_ROWS = 2500
CHUNK = 500
CONTINUOUS = ["age", "km", "engine_power", "discount"]
CATEGORICAL = ["fuel", "region", "automatic"]
FEATURES = CONTINUOUS + CATEGORICAL
FUELS = ["diesel", "petrol", "electric", "hybrid", "lpg"]
REGIONS = [f"r{i}" for i in range(1, 9)]


def _period(rng: np.random.Generator, n: int, drift: bool, start: pd.Timestamp, first_id: int) -> pd.DataFrame:
    age = rng.normal(9.0 if drift else 6.0, 3.0, n).clip(0, None)
    km = rng.lognormal(11.0, 0.6, n)
    km[rng.random(n) < 0.08] = np.nan
    engine_power = rng.normal(110, 30, n).round(0)
    discount = np.where(rng.random(n) < 0.35, 0.0, rng.normal(0, 400, n).round(0))
    fuel_p = [0.2, 0.25, 0.3, 0.15, 0.1] if drift else [0.35, 0.35, 0.1, 0.12, 0.08]
    fuel = rng.choice(FUELS, n, p=fuel_p).astype(object)
    fuel[rng.random(n) < 0.06] = None
    if drift:
        fuel[rng.random(n) < 0.04] = "hydrogen"
    region = rng.choice(REGIONS, n).astype(object)
    if drift:
        region[rng.random(n) < 0.05] = "r9"
    automatic = rng.random(n) < (0.6 if drift else 0.4)
    base = 30000 * np.exp(-0.09 * age) * (1 + (engine_power - 110) / 300)
    fuel_effect = pd.Series(fuel).map({"electric": 1.25, "hybrid": 1.1, "diesel": 1.0, "petrol": 0.95, "lpg": 0.85}).fillna(1.0).to_numpy()
    km_effect = np.where(np.isnan(km), 1.0, np.exp(-np.nan_to_num(km) / 400000))
    y_true = (base * fuel_effect * km_effect + 1500 * automatic - discount + rng.normal(0, 1500, n)).clip(500, None)
    noise_scale = np.where((fuel == "electric") & drift, 4000, 1800)
    y_pred = (base * km_effect * (1 + 0.05 * automatic) + rng.normal(0, 1, n) * noise_scale).clip(300, None)
    frame = pd.DataFrame({
        "id": np.arange(first_id, first_id + n),
        "ts": start + pd.to_timedelta(np.arange(n), unit="h"),
        "age": age, "km": km, "engine_power": engine_power, "discount": discount,
        "fuel": fuel, "region": region, "automatic": automatic,
        "y_true": y_true, "y_pred": y_pred,
    })
    missing_pred = rng.random(n) < 0.01
    frame.loc[missing_pred, "y_pred"] = np.nan
    return frame


def frames() -> dict[str, pd.DataFrame]:
    """reference and analysis (with the targets that have arrived), plus analysis_all_targets."""
    rng = np.random.default_rng(SEED)
    reference = _period(rng, N_REFERENCE, False, pd.Timestamp("2024-01-01"), 0)
    reference.loc[rng.random(N_REFERENCE) < 0.01, "y_true"] = np.nan
    analysis_all = _period(rng, N_ANALYSIS, True, reference.ts.iloc[-1] + pd.Timedelta(hours=1), N_REFERENCE)
    analysis = analysis_all.copy()
    analysis.loc[ANALYSIS_TARGET_ROWS:, "y_true"] = np.nan
    return {"reference": reference, "analysis": analysis, "analysis_all_targets": analysis_all}


def fingerprint(frame: pd.DataFrame) -> str:
    """A short summary of a frame's numbers, to check two environments generated the same rows."""
    from collections import Counter

    numbers = frame[["age", "km", "engine_power", "discount", "y_true", "y_pred"]]
    parts = [f"{c}={numbers[c].sum(skipna=True):.6f}/{int(numbers[c].isna().sum())}" for c in numbers.columns]
    for c in ["fuel", "region", "automatic"]:
        counts = Counter("NULL" if pd.isna(v) else str(v) for v in frame[c].astype(object))
        parts.append(f"{c}=" + ",".join(f"{k}:{counts[k]}" for k in sorted(counts)))
    return ";".join(parts)


def monitor(data_schema: str, name: str, analysis: str = "reg_analysis", reference: str = "reg_reference", **extra) -> dict:
    m = {
        "name": name, "relation": f"{data_schema}.{analysis}", "reference": {"relation": f"{data_schema}.{reference}"},
        "timestamp": "ts", "id": "id", "features": {"continuous": CONTINUOUS, "categorical": CATEGORICAL},
        "chunking": {"size": CHUNK}, "problem_type": "regression", "y_pred": "y_pred", "y_true": "y_true",
        "performance": {"metrics": ["mae", "mape", "mse", "msle", "rmse", "rmsle"]},
    }
    m.update(extra)
    return m
