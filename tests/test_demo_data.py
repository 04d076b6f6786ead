"""Fast checks of the synthetic car-loan generator (driftline/demo.py)."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # driftline is not necessarily pip-installed in the dev venv
    sys.path.insert(0, str(REPO_ROOT))

from driftline.demo import generate_car_loan, split  # noqa: E402

N = 20_000


@pytest.fixture(scope="module")
def df():
    return generate_car_loan(N, seed=42)


def test_deterministic_for_a_seed(df):
    pd.testing.assert_frame_equal(df, generate_car_loan(N, seed=42))
    assert not df["y_pred_proba"].equals(generate_car_loan(N, seed=43)["y_pred_proba"])


def test_columns_and_dtypes(df):
    assert list(df.columns) == [
        "id", "timestamp", "car_value", "salary_range", "debt_to_income_ratio", "loan_length",
        "repaid_loan_on_prev_car", "size_of_downpayment", "driver_tenure", "repaid", "y_pred_proba", "y_pred",
    ]
    assert df["id"].dtype == np.int64 and (df["id"].to_numpy() == np.arange(N)).all()
    assert pd.api.types.is_datetime64_dtype(df["timestamp"]) and df["timestamp"].diff().iloc[1:].gt(pd.Timedelta(0)).all()
    for col in ["car_value", "debt_to_income_ratio", "loan_length", "driver_tenure", "repaid", "y_pred_proba"]:
        assert df[col].dtype == np.float64, col
    assert df["repaid_loan_on_prev_car"].dtype == bool
    assert df["y_pred"].dtype == np.int64
    for col in ["salary_range", "size_of_downpayment"]:
        assert pd.api.types.is_string_dtype(df[col]), col
    assert set(df["salary_range"]) == {"0 - 20K €", "20K - 40K €", "40K - 60K €", "60K+ €"}
    assert df["debt_to_income_ratio"].between(0, 1, inclusive="neither").all()
    assert df["loan_length"].between(6, 36).all() and (df["loan_length"] % 1 == 0).all()
    assert (df["car_value"] % 1 == 0).all()
    assert df["y_pred_proba"].between(0, 1).all()
    assert set(df["repaid"].unique()) == {0.0, 1.0}
    assert (df["y_pred"] == (df["y_pred_proba"] >= 0.5).astype(np.int64)).all()


def test_reference_share_and_split_sizes(df):
    reference, analysis = split(df)
    assert (len(reference), len(analysis)) == (N // 2, N // 2)
    assert reference["timestamp"].max() < analysis["timestamp"].min()
    span = df["timestamp"].iloc[-1] - df["timestamp"].iloc[0]
    assert pd.Timedelta(days=350) < span < pd.Timedelta(days=370)

    ref, ana = split(generate_car_loan(1000, seed=1, analysis_fraction=0.3))
    assert (len(ref), len(ana)) == (700, 300)


def test_drifted_half_and_unseen_category(df):
    reference, analysis = split(df)
    drifted = analysis.iloc[len(analysis) // 2:]
    assert drifted["car_value"].mean() > 1.2 * reference["car_value"].mean()
    assert "60%" not in set(reference["size_of_downpayment"])
    assert "60%" in set(drifted["size_of_downpayment"])
    assert reference["driver_tenure"].notna().all() and drifted["driver_tenure"].isna().any()


def test_realized_performance_drops(df):
    reference, analysis = split(df)
    last_quarter = analysis.iloc[3 * len(analysis) // 4:]
    auc_reference = roc_auc_score(reference["repaid"], reference["y_pred_proba"])
    auc_last = roc_auc_score(last_quarter["repaid"], last_quarter["y_pred_proba"])
    assert 0.88 < auc_reference < 0.97
    assert auc_reference - auc_last > 0.05


def test_no_drift_leaves_undrifted_rows_identical(df):
    calm = generate_car_loan(N, seed=42, drift=False)
    first_three_quarters = slice(0, 3 * N // 4)
    pd.testing.assert_frame_equal(df.iloc[first_three_quarters], calm.iloc[first_three_quarters])
    assert "60%" not in set(calm["size_of_downpayment"])
