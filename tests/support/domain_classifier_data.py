"""Data and monitors of the domain-classifier build (tests/conftest.py: domain_classifier_build).

Parity: car_loan and car_loan_dq (tests/fixtures/parity), chunks of 5000, compared with
tests/fixtures/car_loan_domain_classifier.csv. Edge cases: tests/fixtures/domain_classifier_edge_*.csv, the
data and NannyML's results written by tests/oracle/domain_classifier.py, one monitor per oracle case, plus a
4-row reference that NannyML cannot split at all.
"""
from __future__ import annotations

import pandas as pd

from . import parity
from .dbt import REPO

FIXTURES = REPO / "tests" / "fixtures"
CONTINUOUS = ["car_value", "debt_to_income_ratio", "loan_length", "driver_tenure"]
CATEGORICAL = ["salary_range", "repaid_loan_on_prev_car", "size_of_downpayment"]
EDGE_CONTINUOUS = ["x", "all_missing", "constant"]
EDGE_CATEGORICAL = ["code", "colour", "single", "flag"]
# oracle case -> (reference rows, analysis rows, chunk size), as in tests/oracle/domain_classifier.py
EDGE_CASES = {"edge": (400, 403, 100), "whole_reference": (400, 403, 1000), "few_rows": (12, 13, 6)}
TINY_REFERENCE = 4


def expected_parity() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "car_loan_domain_classifier.csv")


def expected_edge() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "domain_classifier_edge_expected.csv")


def edge_frames() -> dict[str, pd.DataFrame]:
    frames = {}
    for period in ("reference", "analysis"):
        frame = pd.read_csv(FIXTURES / f"domain_classifier_edge_{period}.csv")
        frame["ts"] = pd.to_datetime(frame["ts"])
        frame["colour"] = frame["colour"].astype(object)
        frame["single"] = frame["single"].astype(object)
        frames[period] = frame
    return frames


def load(wh, schema: str) -> list[dict]:
    """Load every table into schema and return the monitors."""
    monitors = []
    for name in parity.DATASETS:
        for period, frame in parity.read_dataset(name).items():
            wh.load(schema, f"{name}_{period}", frame)
        monitors.append({
            "name": f"dc_{name}", "relation": f"{schema}.{name}_analysis", "reference": {"relation": f"{schema}.{name}_reference"},
            "timestamp": "timestamp", "id": "id", "features": {"continuous": CONTINUOUS, "categorical": CATEGORICAL},
            "chunking": {"size": 5000},
            "multivariate": {"methods": ["pca_reconstruction", "domain_classifier"] if name == "car_loan" else ["domain_classifier"]},
        })
    frames = edge_frames()
    for case, (n_reference, n_analysis, size) in EDGE_CASES.items():
        wh.load(schema, f"{case}_reference", frames["reference"].head(n_reference))
        wh.load(schema, f"{case}_analysis", frames["analysis"].head(n_analysis))
        monitors.append(edge_monitor(schema, f"dc_{case}", case, size))
    wh.load(schema, "tiny_reference", frames["reference"].head(TINY_REFERENCE))
    monitors.append(dict(edge_monitor(schema, "dc_tiny_reference", "edge", 2), reference={"relation": f"{schema}.tiny_reference"}))
    return monitors


def edge_monitor(schema: str, name: str, tables: str, size: int, **changes) -> dict:
    monitor = {
        "name": name, "relation": f"{schema}.{tables}_analysis", "reference": {"relation": f"{schema}.{tables}_reference"},
        "timestamp": "ts", "features": {"continuous": EDGE_CONTINUOUS, "categorical": EDGE_CATEGORICAL},
        "chunking": {"size": size}, "multivariate": {"methods": ["domain_classifier"]},
    }
    monitor.update(changes)
    return monitor
