"""Oracle for the parity tests: NannyML 0.13.1 on its two bundled car-loan example data sets, written to
tests/fixtures/parity/<dataset>/:

  reference.csv.gz, analysis.csv.gz   the inputs (analysis joined with its targets on `id`), gzip with mtime 0
  spec.json                           how NannyML was configured (the SPEC below)
  <result>.csv                        one NannyML result per file, flat `to_df(multilevel=False)` layout,
                                      reference chunks first, then analysis chunks (`chunk_period`)

Results: univariate_drift, dq_missing, dq_unseen, dq_range, stats_{avg,std,median,sum,count}, cbpe, realized,
data_reconstruction; for car_loan also chunker_<run>__univariate_drift and chunker_<run>__cbpe, the same data
chunked by period (M), by number (7) and by size (3333) with the method/metric subsets in CHUNKER_RUN_SETTINGS.

The average_precision sampling error comes from a bootstrap on the reference data that NannyML draws with
numpy's global random state; the script seeds it (np.random.seed(BOOTSTRAP_SEED) before every fit), so these
files are reproducible. Seed 0 is driftline's default bootstrap seed, whose draws are NannyML's after
np.random.seed(0): the tests compare that sampling error like every other one.

The univariate drift calculator keeps `treat_as_categorical` as a Python set, so NannyML orders the categorical
column blocks by string hash (it changes with PYTHONHASHSEED); the script writes them in the spec's order.

Run it in an environment that has NannyML (never driftline's own):
  /work/oracle-venv/bin/python tests/oracle/parity.py
The committed files are what the tests read, so CI needs no NannyML.
"""
import copy
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("NML_DISABLE_USAGE_LOGGING", "1")
pd.set_option("future.infer_string", False)
import nannyml as nml  # noqa: E402

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "fixtures" / "parity"
BOOTSTRAP_SEED = 0
CHUNK_COLUMNS = {"chunk_key": "chunk_key", "chunk_chunk_index": "chunk_index", "chunk_index": "chunk_index",
                 "chunk_start_index": "chunk_start_index", "chunk_end_index": "chunk_end_index",
                 "chunk_start_date": "chunk_start_date", "chunk_end_date": "chunk_end_date", "chunk_period": "chunk_period",
                 "chunk_targets_missing_rate": "chunk_targets_missing_rate"}

FEATURES = ["car_value", "salary_range", "debt_to_income_ratio", "loan_length", "repaid_loan_on_prev_car",
            "size_of_downpayment", "driver_tenure"]
CATEGORICAL = ["salary_range", "repaid_loan_on_prev_car", "size_of_downpayment"]
BASE_SPEC = {
    "problem": "classification_binary",
    "features": FEATURES,
    "categorical": CATEGORICAL,
    "y_true": "repaid",
    "y_pred": "y_pred",
    "y_pred_proba": "y_pred_proba",
    "reference_version": "NannyML 0.13.1",
    "timestamp": "timestamp",
    "id": "id",
    "chunking": {"size": 5000},
    "univariate_methods": {"continuous": ["kolmogorov_smirnov", "jensen_shannon", "wasserstein", "hellinger"],
                           "categorical": ["chi2", "jensen_shannon", "l_infinity", "hellinger"]},
    "cbpe_metrics": ["roc_auc", "f1", "precision", "recall", "specificity", "accuracy", "confusion_matrix",
                     "business_value", "average_precision"],
    "business_value_matrix": [[0, -200], [-100, 1000]],
    "normalize_confusion_matrix": None,
    "data_quality": {"missing": "all features", "unseen": "categorical features", "range": "continuous features"},
    "summary_stats": {"avg/std/median/sum": "continuous features", "count": "rows"},
    "data_reconstruction": {"features": "all features", "defaults": True},
    "extra_chunker_runs": {},
}
CHUNKER_RUNS = {"chunker_period_M": {"period": "M"}, "chunker_number_7": {"number": 7}, "chunker_size_3333": {"size": 3333}}
CHUNKER_RUN_SETTINGS = {  # what the extra chunker runs compute (not part of spec.json; read from the result headers)
    "continuous_methods": ["kolmogorov_smirnov", "jensen_shannon"],
    "categorical_methods": ["chi2", "l_infinity"],
    "cbpe_metrics": ["roc_auc", "f1"],
}
DATASETS = {
    "car_loan": (nml.load_synthetic_car_loan_dataset, CHUNKER_RUNS),
    "car_loan_dq": (nml.load_synthetic_car_loan_data_quality_dataset, {}),
}


def spec_for(name: str, runs: dict) -> dict:
    spec = {"name": name, **copy.deepcopy(BASE_SPEC)}
    spec["extra_chunker_runs"] = copy.deepcopy(runs)
    return spec


def chunking_arguments(chunking: dict) -> dict:
    """spec.json chunking -> NannyML's chunk_size / chunk_number / chunk_period keyword."""
    (kind, amount), = chunking.items()
    return {{"size": "chunk_size", "number": "chunk_number", "period": "chunk_period"}[kind]: amount}


def flat(result) -> pd.DataFrame:
    frame = result.to_df(multilevel=False)
    return frame.rename(columns={c: CHUNK_COLUMNS.get(c, c) for c in frame.columns})


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False)  # floats as repr: the shortest text that reads back bit for bit


def inputs(loader) -> tuple[pd.DataFrame, pd.DataFrame]:
    reference, analysis, targets = loader()
    analysis = analysis.merge(targets, on="id", how="left", validate="one_to_one")
    return reference, analysis


def univariate(spec, reference, analysis, chunking, continuous_methods, categorical_methods) -> pd.DataFrame:
    calculator = nml.UnivariateDriftCalculator(
        column_names=spec["features"], treat_as_categorical=spec["categorical"], timestamp_column_name=spec["timestamp"],
        continuous_methods=continuous_methods, categorical_methods=categorical_methods, **chunking_arguments(chunking))
    frame = flat(calculator.fit(reference).calculate(analysis))
    # NannyML orders the categorical blocks by set iteration (string hash); write them in the spec's order.
    order = [c for c in frame.columns if c.startswith("chunk_")]
    for column, methods in ([(c, continuous_methods) for c in calculator.continuous_column_names]
                            + [(c, categorical_methods) for c in spec["categorical"]]):
        order += [f"{column}_{method}_{field}" for method in methods
                  for field in ("value", "upper_threshold", "lower_threshold", "alert")]
    assert sorted(order) == sorted(frame.columns), set(order) ^ set(frame.columns)
    return frame[order]


def cbpe(spec, reference, analysis, chunking, metrics) -> pd.DataFrame:
    estimator = nml.CBPE(
        y_pred_proba=spec["y_pred_proba"], y_pred=spec["y_pred"], y_true=spec["y_true"],
        timestamp_column_name=spec["timestamp"], problem_type=spec["problem"], metrics=metrics,
        business_value_matrix=np.array(spec["business_value_matrix"]),
        normalize_confusion_matrix=spec["normalize_confusion_matrix"], **chunking_arguments(chunking))
    np.random.seed(BOOTSTRAP_SEED)
    return flat(estimator.fit(reference).estimate(analysis))


def realized(spec, reference, analysis) -> pd.DataFrame:
    calculator = nml.PerformanceCalculator(
        y_pred_proba=spec["y_pred_proba"], y_pred=spec["y_pred"], y_true=spec["y_true"],
        timestamp_column_name=spec["timestamp"], problem_type=spec["problem"], metrics=spec["cbpe_metrics"],
        business_value_matrix=np.array(spec["business_value_matrix"]),
        normalize_confusion_matrix=spec["normalize_confusion_matrix"], **chunking_arguments(spec["chunking"]))
    np.random.seed(BOOTSTRAP_SEED)
    return flat(calculator.fit(reference).calculate(analysis))


def results(spec, reference, analysis) -> dict[str, pd.DataFrame]:
    """Every NannyML result of one data set, by file stem."""
    categorical = spec["categorical"]
    continuous = [c for c in spec["features"] if c not in categorical]
    common = {"timestamp_column_name": spec["timestamp"], **chunking_arguments(spec["chunking"])}

    def run(calculator):
        return flat(calculator.fit(reference).calculate(analysis))

    out = {
        "univariate_drift": univariate(spec, reference, analysis, spec["chunking"],
                                       spec["univariate_methods"]["continuous"], spec["univariate_methods"]["categorical"]),
        "dq_missing": run(nml.MissingValuesCalculator(column_names=spec["features"], **common)),
        "dq_unseen": run(nml.UnseenValuesCalculator(column_names=categorical, **common)),
        "dq_range": run(nml.NumericalRangeCalculator(column_names=continuous, **common)),
        "stats_avg": run(nml.SummaryStatsAvgCalculator(column_names=continuous, **common)),
        "stats_std": run(nml.SummaryStatsStdCalculator(column_names=continuous, **common)),
        "stats_median": run(nml.SummaryStatsMedianCalculator(column_names=continuous, **common)),
        "stats_sum": run(nml.SummaryStatsSumCalculator(column_names=continuous, **common)),
        "stats_count": run(nml.SummaryStatsRowCountCalculator(**common)),
        "cbpe": cbpe(spec, reference, analysis, spec["chunking"], spec["cbpe_metrics"]),
        "realized": realized(spec, reference, analysis),
        "data_reconstruction": run(nml.DataReconstructionDriftCalculator(column_names=spec["features"], **common)),
    }
    for run_name, chunking in spec["extra_chunker_runs"].items():
        out[f"{run_name}__univariate_drift"] = univariate(
            spec, reference, analysis, chunking,
            CHUNKER_RUN_SETTINGS["continuous_methods"], CHUNKER_RUN_SETTINGS["categorical_methods"])
        out[f"{run_name}__cbpe"] = cbpe(spec, reference, analysis, chunking, CHUNKER_RUN_SETTINGS["cbpe_metrics"])
    return out


def main() -> None:
    for name, (loader, runs) in DATASETS.items():
        folder = OUT / name
        folder.mkdir(parents=True, exist_ok=True)
        spec = spec_for(name, runs)
        reference, analysis = inputs(loader)
        for period, frame in (("reference", reference), ("analysis", analysis)):
            frame.to_csv(folder / f"{period}.csv.gz", index=False, compression={"method": "gzip", "mtime": 0})
        (folder / "spec.json").write_text(json.dumps(spec, indent=1, ensure_ascii=False) + "\n")
        # Compute from the files as written, so the fixtures are consistent with each other by construction.
        reference = pd.read_csv(folder / "reference.csv.gz")
        analysis = pd.read_csv(folder / "analysis.csv.gz")
        for stem, frame in results(spec, reference, analysis).items():
            write_csv(frame, folder / f"{stem}.csv")
            print(f"{name}/{stem}.csv  {frame.shape[0]} rows x {frame.shape[1]} columns")
    versions = {package: __import__(module).__version__ for package, module in
                (("nannyml", "nannyml"), ("pandas", "pandas"), ("numpy", "numpy"), ("scipy", "scipy"),
                 ("scikit-learn", "sklearn"), ("lightgbm", "lightgbm"), ("statsmodels", "statsmodels"))}
    print(json.dumps(versions))


if __name__ == "__main__":
    main()
