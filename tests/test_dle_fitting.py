"""The DLE fit (driftline.fitting.dle) on its own: the tree rows reproduce LightGBM's predictions bit for bit on
awkward inputs, the fit reproduces NannyML 0.13.1's estimates and sampling errors on the oracle data set
(tests/fixtures/regression_dle, written by tests/oracle/regression_dle.py), and degenerate references either
fail with a named fix or give the documented result."""
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from driftline.fitting import dle
from support import regression_data as rd

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "regression_dle"
METRICS = list(dle.METRICS)


def as_warehouse_reads(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as driftline's SQL hands it to the fit: categories as text (booleans 'true'/'false'), NULL as None."""
    out = frame.copy()
    out["automatic"] = out["automatic"].map({True: "true", False: "false"}).astype(object)
    for c in ("fuel", "region"):
        out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out


def fit(frame, **kwargs):
    return dle.fit_dle(frame, continuous=rd.CONTINUOUS, categorical=rd.CATEGORICAL, y_true="y_true", y_pred="y_pred", **kwargs)


@pytest.fixture(scope="module")
def oracle_fit():
    frames = rd.frames()
    meta = json.loads((FIXTURE / "meta.json").read_text())
    for name, frame in frames.items():
        assert rd.fingerprint(frame) == meta["fingerprints"][name], f"the generator no longer makes the {name} rows the oracle saw"
    reference = as_warehouse_reads(frames["reference"])
    state = fit(reference)
    codes = {c: {r.category: int(r.code) for r in state[(state.item == "category") & (state.column_name == c)].itertuples()}
             for c in rd.CATEGORICAL}
    return frames, reference, state, codes


# -- the trees read back -------------------------------------------------------------------------------------------

def _awkward_frame(n=3000, seed=1):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "z": np.where(rng.random(n) < 0.3, 0.0, rng.normal(size=n)),
                      "b": rng.integers(1, 9, size=n).astype(float), "yp": rng.normal(size=n)})
    X.loc[rng.random(n) < 0.1, "a"] = np.nan
    y = np.abs(X.a.fillna(0) * 2 + (X.b == 3) * 1.5 + 3 * (X.z == 0) + X.z + rng.normal(size=n) * 0.1).to_numpy()
    return X, y


@pytest.mark.parametrize("hyperparameters,missing_types", [
    ({}, {"None", "NaN"}), ({"zero_as_missing": True}, {"Zero", "None"}), ({"use_missing": False}, {"None"})])
def test_tree_rows_reproduce_booster_predict_exactly(hyperparameters, missing_types):
    """Every missing type LightGBM writes, NULL / zero / +-1e-35f / unseen / negative / fractional categories,
    and every threshold hit exactly and one ulp either side: the Python twin of the SQL gives the same bits."""
    X, y = _awkward_frame()
    booster = dle.fit_nanny_model(X, y, ["b"], hyperparameters)
    nodes = dle.tree_nodes(booster)
    assert {n["missing_type"] for n in nodes if "missing_type" in n} == missing_types
    assert any(n.get("decision_type") == "==" and "," in n["categories"] for n in nodes)  # a many-category split
    k = dle.ZERO_THRESHOLD
    special = pd.DataFrame({"a": [np.nan, 0, 1e-36, -1e-36, 2e-35, -2e-35, k, -k, -0.0],
                            "z": [1e-36, -1e-36, 0.0, np.nan, 2e-35, k, -k, -0.0, np.nextafter(k, 1)],
                            "b": [0, np.nan, -1, 3, 9, 2.5, 1, 1e9, 8],
                            "yp": [np.nan, 0, 1e-36, 5, -5, 1e-30, 0, -k, 1e300]})
    parts = [X, special]
    for node in nodes:
        if node.get("threshold") is not None:
            rows = X.iloc[:4].copy()
            t = node["threshold"]
            rows.iloc[:, node["feature_index"]] = [t, np.nextafter(t, np.inf), np.nextafter(t, -np.inf), np.nan]
            parts.append(rows)
    data = pd.concat(parts, ignore_index=True)
    assert np.array_equal(dle.predict_from_nodes(nodes, data.to_numpy()), booster.predict(data))


def test_lightgbm_reads_tiny_values_as_zero():
    """The reason x is mapped to 0 when |x| <= 1e-35f: a split at -kZeroThreshold sends -kZeroThreshold right."""
    X, y = _awkward_frame()
    booster = dle.fit_nanny_model(X, y, ["b"])
    row = X.iloc[[5, 5]].copy()
    row["z"] = [-dle.ZERO_THRESHOLD, 0.0]
    assert booster.predict(row)[0] == booster.predict(row)[1]


# -- category codes --------------------------------------------------------------------------------------------------

def test_category_codes_follow_scikit_learn_ordinal_encoder_plus_one():
    assert dle.category_codes(["petrol", None, "diesel", "petrol"]) == {"NML_missing_value": 1, "diesel": 2, "petrol": 3}
    assert dle.category_codes(["true", "false"]) == {"false": 1, "true": 2}               # False < True
    assert dle.category_codes(["10", "2", "1.5", None]) == {"1.5": 1, "2": 2, "10": 3, "NML_missing_value": 4}
    codes = dle.category_codes(["b", "a"])
    assert list(dle.encode_codes(["a", "c", None], codes)) == [1.0, 0.0, 0.0]            # unseen and (unseen) NULL -> 0


# -- NannyML's numbers ----------------------------------------------------------------------------------------------

def test_estimates_and_sampling_errors_match_nannyml(oracle_fit):
    """Chunk estimates from the tree rows (Python twin of the SQL) and SE = se_scale * n^-0.5 against NannyML."""
    frames, reference, state, codes = oracle_fit
    expected = pd.read_csv(FIXTURE / "dle.csv")
    se = {r.metric: (r.se_scale, r.se_power) for r in state[state.item == "sampling_error"].itertuples()}
    predictions = {}
    for period in ("reference", "analysis"):
        X = dle.design_matrix(as_warehouse_reads(frames[period]), rd.CONTINUOUS, rd.CATEGORICAL, "y_pred", codes).to_numpy()
        predictions[period] = {model: np.maximum(dle.predict_from_nodes(dle.nodes_of(state, model), X), 0)
                               for model in set(dle.MODEL_OF_METRIC.values())}
    for row in expected.itertuples():
        rows = slice(row.chunk_start_index, row.chunk_end_index + 1)
        n = int(frames[row.chunk_period].y_pred.iloc[rows].notna().sum())
        for metric in METRICS:
            mean = predictions[row.chunk_period][dle.MODEL_OF_METRIC[metric]][rows].mean()
            value = math.sqrt(mean) if metric.startswith("r") else mean
            assert math.isclose(value, getattr(row, f"{metric}_value"), rel_tol=1e-9), (row.chunk_key, metric)
            scale, power = se[metric]
            assert math.isclose(scale * n ** power, getattr(row, f"{metric}_sampling_error"), rel_tol=1e-9), (row.chunk_key, metric)


def test_rmse_and_mse_share_one_model(oracle_fit):
    state = oracle_fit[2]
    models = state[state.item == "node"].model.unique()
    assert sorted(models) == ["absolute_error", "absolute_percentage_error", "squared_error", "squared_log_error"]
    assert state[(state.item == "node")].groupby("model").tree_index.nunique().eq(100).all()  # LGBMRegressor's 100 trees


# -- degenerate references --------------------------------------------------------------------------------------------

def _small(n=400, seed=4):
    frame = rd.frames()["reference"].iloc[:n].copy()
    return as_warehouse_reads(frame)


def test_uninformative_features_are_ignored():
    """An all-NULL feature, a single-category feature and a constant one cannot be split on: the models and their
    predictions are those of the monitor without them (LightGBM drops such features)."""
    base = _small()
    with_extra = base.assign(blank=np.nan, one=lambda f: "x", flat=7.0)
    plain = fit(base, metrics=["mae"])
    extra = dle.fit_dle(with_extra, continuous=rd.CONTINUOUS + ["blank", "flat"], categorical=rd.CATEGORICAL + ["one"],
                        y_true="y_true", y_pred="y_pred", metrics=["mae"])
    split_on = set(extra[(extra.item == "node") & extra.column_name.notna()].column_name)
    assert not split_on & {"blank", "flat", "one"}
    analysis = as_warehouse_reads(rd.frames()["analysis"]).assign(blank=1.0, one="unseen", flat=-3.0)
    def predict(state, continuous, categorical):
        codes = {c: {r.category: int(r.code) for r in state[(state.item == "category") & (state.column_name == c)].itertuples()} for c in categorical}
        X = dle.design_matrix(analysis, continuous, categorical, "y_pred", codes).to_numpy()
        return dle.predict_from_nodes(dle.nodes_of(state, "absolute_error"), X)
    assert np.allclose(predict(plain, rd.CONTINUOUS, rd.CATEGORICAL),
                       predict(extra, rd.CONTINUOUS + ["blank", "flat"], rd.CATEGORICAL + ["one"]), rtol=1e-12, atol=0)


def test_more_features_than_reference_rows_predicts_the_mean_loss():
    """5 usable rows and 7 features: LightGBM cannot split (20 rows per leaf), so every row gets the mean loss
    (of the losses as float32: LightGBM keeps its labels in single precision, NannyML's models too)."""
    tiny = _small(6)
    tiny.loc[tiny.index[0], "y_true"] = np.nan
    state = fit(tiny)
    usable = tiny.dropna(subset=["y_true", "y_pred"])
    analysis = as_warehouse_reads(rd.frames()["analysis"].iloc[:50])
    codes = {c: {r.category: int(r.code) for r in state[(state.item == "category") & (state.column_name == c)].itertuples()} for c in rd.CATEGORICAL}
    X = dle.design_matrix(analysis, rd.CONTINUOUS, rd.CATEGORICAL, "y_pred", codes).to_numpy()
    for model in ("absolute_error", "squared_error"):
        loss = dle.observation_losses(usable.y_true.to_numpy(), usable.y_pred.to_numpy(), model)
        assert np.allclose(dle.predict_from_nodes(dle.nodes_of(state, model), X), loss.astype(np.float32).astype(float).mean(), rtol=1e-12)


def test_negative_values_fail_the_log_metrics_with_a_fix():
    frame = _small()
    frame.loc[frame.index[3], "y_true"] = -5.0
    with pytest.raises(ValueError, match=r"metric 'msle': reference column 'y_true' \(y_true\) has 1 negative value.*Fix: remove msle and rmsle"):
        fit(frame)
    assert len(fit(frame, metrics=["mae", "rmse"]))  # the other metrics do not need non-negative values


def test_reference_without_targets_fails_with_a_fix():
    frame = _small().assign(y_true=np.nan)
    with pytest.raises(ValueError, match=r"no reference row has both y_true .* Fix:"):
        fit(frame)


def test_unknown_hyperparameter_fails_with_a_fix():
    with pytest.raises(ValueError, match=r"'objective' cannot be set. Fix: use any of"):
        fit(_small(), hyperparameters={"objective": "poisson"})
    with pytest.raises(ValueError, match=r"'n_estimators' must be a number \(an integer\)"):
        fit(_small(), hyperparameters={"n_estimators": 2.5})


def test_sampling_error_components():
    y, p = np.array([1.0, 2.0, 4.0, 0.0]), np.array([1.5, 2.0, 3.0, 0.0])
    assert dle.sampling_error_components(y, p, "mae") == (pytest.approx(np.std(np.abs(y - p))), -0.5)
    mu, sigma = np.mean((y - p) ** 2), np.std((y - p) ** 2)
    assert dle.sampling_error_components(y, p, "rmse")[0] == pytest.approx(math.sqrt(sigma ** 2 / (4 * mu)))
    # mape divides by the signed y without eps (NannyML): 0/0 is skipped, so y = 0 with no error is fine ...
    assert dle.sampling_error_components(y, p, "mape")[0] == pytest.approx(np.std([0.5, 0.0, 0.25]))
    # ... but an error where y = 0 leaves it undefined (NaN: no band)
    assert math.isnan(dle.sampling_error_components(np.array([0.0, 1.0]), np.array([1.0, 1.0]), "mape")[0])
    # perfect predictions: rmse's delta method divides by a zero mean
    assert math.isnan(dle.sampling_error_components(y, y, "rmse")[0])
