"""The PCA reconstruction fit (driftline.fitting.reconstruction) on its own: NannyML's numbers on the parity
data, and the documented behaviour on degenerate references."""
import math

import numpy as np
import pandas as pd
import pytest

from driftline.fitting.reconstruction import encode, fit_reconstruction, reconstruction_errors
from support import parity

CONTINUOUS = ["car_value", "debt_to_income_ratio", "loan_length", "driver_tenure"]
CATEGORICAL = ["salary_range", "repaid_loan_on_prev_car", "size_of_downpayment"]


@pytest.mark.parametrize("dataset", parity.DATASETS)
def test_chunk_errors_match_nannyml(dataset):
    frames = parity.read_dataset(dataset)
    state = fit_reconstruction(frames["reference"], CONTINUOUS, CATEGORICAL)
    assert state["n_components"] == 4  # algorithms.md: cumulative ratio 0.632 -> 0.774
    expected = pd.read_csv(parity.PARITY / dataset / "data_reconstruction.csv")
    for row in expected.itertuples():
        rows = frames[row.chunk_period].iloc[row.chunk_start_index: row.chunk_end_index + 1]
        errors = reconstruction_errors(encode(rows, CONTINUOUS, CATEGORICAL, state), state)
        assert math.isclose(errors.mean(), row.reconstruction_error_value, abs_tol=1e-9)
        assert math.isclose(errors.std(ddof=1) / math.sqrt(len(errors)), row.reconstruction_error_sampling_error, abs_tol=1e-9)


def _frame(n=200, seed=3):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"a": rng.normal(0, 1, n), "b": rng.normal(5, 2, n), "c": rng.choice(["x", "y", "z"], n).astype(object)})


def test_all_null_feature_is_an_error_naming_it():
    frame = _frame()
    frame["a"] = np.nan
    with pytest.raises(ValueError, match=r"feature 'a' has no values in the reference.*Fix:"):
        fit_reconstruction(frame, ["a", "b"], ["c"])


def test_single_category_and_zero_variance_keep_scale_one():
    frame = _frame()
    frame["c"] = "only"
    frame["b"] = 7.0
    state = fit_reconstruction(frame, ["a", "b"], ["c"])
    assert list(state["scale"][1:]) == [1.0, 1.0]          # zero variance: scale 1, as StandardScaler
    z = encode(frame, ["a", "b"], ["c"], state)
    assert np.allclose(z[:, 1:], 0.0)
    unseen = frame.head(5).assign(c="new")                 # an unseen category encodes as frequency 0
    assert np.allclose(encode(unseen, ["a", "b"], ["c"], state)[:, 2], (0.0 - 1.0) / 1.0)


def test_more_features_than_reference_rows():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(4, 6)), columns=list("abcdef"))
    state = fit_reconstruction(frame, list("abcdef"), [])
    assert state["components"].shape[1] == 6 and state["n_components"] <= 4
    errors = reconstruction_errors(encode(frame, list("abcdef"), [], state), state)
    assert np.isfinite(errors).all()


def test_ties_in_the_most_frequent_category_go_to_the_smallest():
    """Missing categories are imputed with the mode; a tie (a: 2, b: 2) goes to the smallest value."""
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, 5.0], "c": [None, "b", "a", "b", "a"]})
    state = fit_reconstruction(frame, ["a"], ["c"])
    assert state["impute"]["c"] == "a"
    assert state["frequencies"]["c"] == {"a": 0.6, "b": 0.4}
