"""NannyML 0.13.1 parity data kept in the repository (tests/fixtures/parity, written by tests/oracle/parity.py).

Each dataset folder holds the inputs (reference.csv.gz, analysis.csv.gz), the spec.json NannyML was configured
with, and one flat NannyML result CSV per calculator. The inputs read back exactly as the CSVs of the former
../shared/parity copy did: same rows, values and pandas dtypes (text columns as pandas' default string dtype,
missing values as NaN), with `timestamp` parsed by pd.to_datetime.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "parity"
DATASETS = ["car_loan", "car_loan_dq"]
PERIODS = ("reference", "analysis")


def folder(name: str) -> Path:
    """The fixture folder of one dataset; its result files are named <stem>.csv."""
    path = FIXTURES / name
    if not path.is_dir():
        raise FileNotFoundError(f"no parity fixtures for {name!r} under {FIXTURES}; regenerate with tests/oracle/parity.py")
    return path


def read_dataset(name: str) -> dict[str, pd.DataFrame]:
    """{"reference": frame, "analysis": frame}; analysis already carries its targets (joined on id)."""
    frames = {}
    for period in PERIODS:
        frame = pd.read_csv(folder(name) / f"{period}.csv.gz")
        frame["timestamp"] = pd.to_datetime(frame["timestamp"])
        frames[period] = frame
    return frames


def spec(name: str) -> dict:
    """How NannyML was configured for this dataset (features, chunking, methods, metrics, extra chunker runs)."""
    return json.loads((folder(name) / "spec.json").read_text())


def result_path(name: str, stem: str) -> Path:
    """Path of one NannyML result file, e.g. result_path("car_loan", "chunker_period_M__cbpe")."""
    return folder(name) / f"{stem}.csv"


def read_result(name: str, stem: str) -> pd.DataFrame:
    """One NannyML result in its flat to_df(multilevel=False) layout."""
    return pd.read_csv(result_path(name, stem))
