"""Oracle for the domain-classifier tests: NannyML 0.13.1's DomainClassifierCalculator, single-threaded.

Writes
  tests/fixtures/car_loan_domain_classifier.csv   car_loan and car_loan_dq parity data, chunks of 5000 rows
  tests/fixtures/domain_classifier_edge_{reference,analysis,expected}.csv
      a small awkward data set (an all-NaN feature, a constant one, a single-category one, a numeric column
      treated as categorical, NaN and an unseen category) and NannyML's results on it, per `case`:
        edge             400 reference rows, 403 analysis rows, chunks of 100 (a 3-row last chunk)
        whole_reference  chunks of 1000: the reference is one chunk, all rows labelled 1 (a single class)
        few_rows         the first 12 reference rows and 13 analysis rows, chunks of 6: more features than
                         rows in a chunk, and a 1-row last chunk

Single thread: NannyML's default hyperparameters use n_jobs=-1 (all cores), which makes LightGBM's result
depend on the machine. The calculator takes the hyperparameters as an argument, so the oracle passes
NannyML's own defaults with n_jobs=1 (no patching). verbose=-1 only silences LightGBM's log.

Run it in an environment that has NannyML (never driftline's own):
    /work/oracle-venv/bin/python tests/oracle/domain_classifier.py [edge] [car_loan]   (both by default)
The committed CSVs are what the tests read, so CI needs no NannyML.
"""
import os
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("NML_DISABLE_USAGE_LOGGING", "1")
pd.set_option("future.infer_string", False)
import nannyml as nml  # noqa: E402
from nannyml.drift.multivariate.domain_classifier.calculator import DEFAULT_LGBM_HYPERPARAMS  # noqa: E402

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "fixtures"
PARITY = HERE.parents[2] / "shared" / "parity"
SINGLE_THREAD = {**DEFAULT_LGBM_HYPERPARAMS, "n_jobs": 1, "verbose": -1}
VALUE = "domain_classifier_auroc"


def run(reference, analysis, features, categorical, timestamp, chunk_size) -> pd.DataFrame:
    calc = nml.DomainClassifierCalculator(feature_column_names=features, treat_as_categorical=categorical,
                                          timestamp_column_name=timestamp, chunk_size=chunk_size,
                                          hyperparameters=SINGLE_THREAD)
    flat = calc.fit(reference).calculate(analysis).to_df(multilevel=False)
    keep = ["chunk_key", "chunk_index", "chunk_start_index", "chunk_end_index", "chunk_period",
            f"{VALUE}_value", f"{VALUE}_upper_threshold", f"{VALUE}_lower_threshold", f"{VALUE}_alert"]
    return flat[keep]


def car_loan() -> None:
    parts = []
    for dataset in ("car_loan", "car_loan_dq"):
        spec = pd.read_json(PARITY / dataset / "spec.json", typ="series")
        reference = pd.read_csv(PARITY / dataset / "reference.csv")   # timestamps as strings, as for the parity files
        analysis = pd.read_csv(PARITY / dataset / "analysis.csv")
        result = run(reference, analysis, list(spec["features"]), list(spec["categorical"]), "timestamp", 5000)
        result.insert(0, "dataset", dataset)
        parts.append(result)
        print(result.to_string(), flush=True)
    pd.concat(parts).to_csv(FIXTURES / "car_loan_domain_classifier.csv", index=False, float_format="%.17g")


def edge_frame(n: int, drift: bool, start: str, rng) -> pd.DataFrame:
    frame = pd.DataFrame({
        "ts": pd.date_range(start, periods=n, freq="h").strftime("%Y-%m-%d %H:%M:%S"),
        "x": rng.normal(0.7 if drift else 0.0, 1.0, n),
        "all_missing": np.nan,
        "constant": 3.0,
        "code": rng.integers(0, 12, n),                      # a number declared categorical: codes sort 0, 1, ..., 11
        "colour": rng.choice(["red", "green", "blue"] + (["violet"] if drift else []), n).astype(object),
        "single": "only",
        "flag": rng.choice([True, False], n),
    })
    frame.loc[frame.index % 7 == 3, "colour"] = np.nan
    return frame


def edge() -> None:
    rng = np.random.default_rng(7)
    reference = edge_frame(400, False, "2024-01-01", rng)
    analysis = edge_frame(403, True, "2024-03-01", rng)
    reference.to_csv(FIXTURES / "domain_classifier_edge_reference.csv", index=False, float_format="%.17g")
    analysis.to_csv(FIXTURES / "domain_classifier_edge_analysis.csv", index=False, float_format="%.17g")
    features = ["x", "all_missing", "constant", "code", "colour", "single", "flag"]
    parts = []
    for case, n_reference, n_analysis, chunk_size in EDGE_CASES:
        result = run(reference.head(n_reference), analysis.head(n_analysis), features,
                     ["code", "colour", "single", "flag"], "ts", chunk_size)
        result.insert(0, "case", case)
        parts.append(result)
        print(result.to_string(), flush=True)
    pd.concat(parts).to_csv(FIXTURES / "domain_classifier_edge_expected.csv", index=False, float_format="%.17g")


EDGE_CASES = [("edge", 400, 403, 100), ("whole_reference", 400, 403, 1000), ("few_rows", 12, 13, 6)]

if __name__ == "__main__":
    import sys

    parts = sys.argv[1:] or ["edge", "car_loan"]
    if "edge" in parts:
        edge()
    if "car_loan" in parts:
        car_loan()
