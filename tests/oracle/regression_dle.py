"""Oracle for tests/test_regression_performance.py: NannyML 0.13.1's DLE and PerformanceCalculator (regression)
on the seeded data set of tests/support/regression_data.py, written to tests/fixtures/regression_dle/:

  dle.csv        DLE estimates (value, sampling_error, realized, bands, thresholds, alert per metric and chunk)
  realized.csv   PerformanceCalculator (value, sampling_error, thresholds, alert per metric and chunk)
  meta.json      versions, the settings used, a fingerprint of the generated rows, and how far NannyML's
                 default (multi-threaded) LightGBM run lies from the single-threaded one

Both files are NannyML's flat `to_df(multilevel=False)` layout, as in shared/parity, so the shared comparator
reads them. The nanny models run single-threaded (hyperparameters={'n_jobs': 1}; NannyML passes a non-empty
hyperparameters dict straight to LGBMRegressor, and n_jobs only sets LightGBM's thread count), which is what
driftline does, so the trees do not depend on the machine.

Run it in an environment that has NannyML (never driftline's own): /work/oracle-venv/bin/python tests/oracle/regression_dle.py
The committed files are what the test reads, so CI needs no NannyML.
"""
import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("NML_DISABLE_USAGE_LOGGING", "1")
pd.set_option("future.infer_string", False)
import lightgbm  # noqa: E402
import nannyml as nml  # noqa: E402
import sklearn  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from support import regression_data as rd  # noqa: E402

OUT = HERE.parent / "fixtures" / "regression_dle"
METRICS = ["mae", "mape", "mse", "msle", "rmse", "rmsle"]
CHUNK_COLUMNS = {"chunk_key": "chunk_key", "chunk_chunk_index": "chunk_index", "chunk_index": "chunk_index",
                 "chunk_start_index": "chunk_start_index", "chunk_end_index": "chunk_end_index",
                 "chunk_start_date": "chunk_start_date", "chunk_end_date": "chunk_end_date", "chunk_period": "chunk_period",
                 "chunk_targets_missing_rate": "chunk_targets_missing_rate"}


def as_nannyml_input(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical text columns as object dtype with NaN for missing (what pandas reads from a CSV)."""
    out = frame.copy()
    for column in ("fuel", "region"):
        out[column] = out[column].astype(object).where(out[column].notna(), np.nan)
    return out


def flat(result) -> pd.DataFrame:
    frame = result.to_df(multilevel=False)
    return frame.rename(columns={c: CHUNK_COLUMNS.get(c, c) for c in frame.columns})


def dle(reference, analysis, hyperparameters):
    estimator = nml.DLE(feature_column_names=rd.FEATURES, y_pred="y_pred", y_true="y_true", timestamp_column_name="ts",
                        chunk_size=rd.CHUNK, metrics=METRICS, hyperparameters=hyperparameters)
    return flat(estimator.fit(reference).estimate(analysis))


def main() -> None:
    frames = rd.frames()
    reference, analysis = as_nannyml_input(frames["reference"]), as_nannyml_input(frames["analysis"])
    OUT.mkdir(parents=True, exist_ok=True)

    single = dle(reference, analysis, {"n_jobs": 1})
    single.to_csv(OUT / "dle.csv", index=False, float_format="%.17g")
    default = dle(reference, analysis, None)  # NannyML's own default: LightGBM with all cores
    value_columns = [f"{m}_value" for m in METRICS]
    threads_difference = float(np.nanmax(np.abs(single[value_columns].to_numpy(float) - default[value_columns].to_numpy(float))))

    calculator = nml.PerformanceCalculator(y_true="y_true", y_pred="y_pred", problem_type="regression", metrics=METRICS,
                                           timestamp_column_name="ts", chunk_size=rd.CHUNK)
    realized = flat(calculator.fit(reference).calculate(analysis))
    realized.to_csv(OUT / "realized.csv", index=False, float_format="%.17g")

    meta = {
        "versions": {"nannyml": nml.__version__, "lightgbm": lightgbm.__version__, "scikit-learn": sklearn.__version__,
                     "pandas": pd.__version__, "numpy": np.__version__},
        "dle": {"feature_column_names": rd.FEATURES, "chunk_size": rd.CHUNK, "metrics": METRICS, "hyperparameters": {"n_jobs": 1}},
        "fingerprints": {name: rd.fingerprint(frame) for name, frame in frames.items()},
        "max_abs_difference_of_default_threads_estimates": threads_difference,
        "cpu_count": os.cpu_count(),
    }
    (OUT / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(single.filter(regex="chunk_key|chunk_period|mae_value|mae_realized|rmse_value|mae_alert").to_string())
    print(json.dumps(meta, indent=2))


if __name__ == "__main__":
    main()
