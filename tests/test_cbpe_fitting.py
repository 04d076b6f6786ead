"""CBPE fitting (driftline.fitting): calibration decision, isotonic knots and sampling-error components.

Checked against NannyML 0.13.1's own outputs in tests/fixtures/parity (no dbt, no NannyML import), and on a small
synthetic multiclass set against a plain numpy re-derivation of shared/algorithms.md §3.2.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.isotonic import IsotonicRegression

from support import parity_data

from driftline.fitting import (
    FIT_COLUMNS,
    apply_knots,
    fit_calibrators,
    fit_cbpe,
    isotonic_knots,
    needs_calibration,
    sampling_error_components,
)

DATASETS = parity_data.DATASETS
CHUNK_SIZE = 5000
METRICS = ["roc_auc", "f1", "precision", "recall", "specificity", "accuracy",
           "confusion_matrix", "business_value", "average_precision"]

# average_precision's SE is a bootstrap of 50 draws: its own relative spread is about 1/sqrt(2*49) = 10%, and
# NannyML draws it unseeded, so the parity value is one random draw. Allow three times that spread.
AP_RELATIVE_TOLERANCE = 0.30


def _read(name: str):
    return parity_data.read_dataset(name)["reference"], parity_data.read_result(name, "cbpe"), parity_data.spec(name)


@pytest.fixture(scope="module", params=DATASETS)
def parity_fit(request):
    reference, expected, spec = _read(request.param)
    fit = fit_cbpe(
        reference,
        problem_type=spec["problem"],
        y_true=spec["y_true"],
        y_pred=spec["y_pred"],
        y_pred_proba=spec["y_pred_proba"],
        metrics=spec["cbpe_metrics"],
        business_value_matrix=spec["business_value_matrix"],
        normalize_confusion_matrix=spec["normalize_confusion_matrix"],
        normalize_business_value=None,  # NannyML's default; spec.json does not set it
        seed=0,
    )
    return request.param, reference, expected, spec, fit


# ---------------------------------------------------------------------------------------------------------------
# parity with NannyML 0.13.1


def test_fit_frame_layout(parity_fit):
    _, _, _, _, fit = parity_fit
    assert list(fit.columns) == FIT_COLUMNS
    assert set(fit["item"]) == {"calibration", "knot", "sampling_error"}
    calibration = fit[fit["item"] == "calibration"]
    assert calibration["class_label"].tolist() == ["1"]
    assert calibration["needs_calibration"].tolist() == [True]
    knots = fit[fit["item"] == "knot"]
    assert (knots["class_label"] == "1").all()
    assert knots["knot_index"].tolist() == list(range(len(knots)))
    assert np.all(np.diff(knots["x"].to_numpy()) > 0) and np.all(np.diff(knots["y"].to_numpy()) >= 0)
    errors = fit[fit["item"] == "sampling_error"]
    assert errors["class_label"].isna().all() and errors["needs_calibration"].isna().all()
    assert errors["metric"].tolist() == [
        "roc_auc", "f1", "precision", "recall", "specificity", "accuracy",
        "true_positive", "true_negative", "false_positive", "false_negative",
        "business_value", "average_precision",
    ]


def test_sampling_errors_match_nannyml(parity_fit):
    name, _, expected, _, fit = parity_fit
    errors = fit[fit["item"] == "sampling_error"].set_index("metric")
    parity_metrics = {c[: -len("_sampling_error")] for c in expected.columns if c.endswith("_sampling_error")}
    assert set(errors.index) == parity_metrics
    sizes = expected["chunk_end_index"] - expected["chunk_start_index"] + 1
    assert (sizes == CHUNK_SIZE).all()
    for metric, row in errors.iterrows():
        ours = row["se_scale"] * CHUNK_SIZE ** row["se_power"]
        theirs = expected[f"{metric}_sampling_error"].to_numpy()
        if metric == "average_precision":
            np.testing.assert_allclose(ours, theirs, rtol=AP_RELATIVE_TOLERANCE, err_msg=f"{name} {metric}")
        else:
            np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6, err_msg=f"{name} {metric}")
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, err_msg=f"{name} {metric}")


def test_average_precision_bootstrap_is_nannyml_seeded():
    """With an int seed the draws are NannyML's after np.random.seed(seed) (value measured with NannyML 0.13.1)."""
    reference, _, spec = _read("car_loan")
    (row,) = sampling_error_components("classification_binary", reference[spec["y_true"]], reference[spec["y_pred"]],
                                       reference[spec["y_pred_proba"]], ["average_precision"], seed=0)
    nannyml_std_after_seed_0, nannyml_sample_size = 0.002210618625621641, 25000
    assert row["se_power"] == -0.5
    assert row["se_scale"] == pytest.approx(nannyml_std_after_seed_0 * math.sqrt(nannyml_sample_size), rel=1e-12)
    again = sampling_error_components("classification_binary", reference[spec["y_true"]], reference[spec["y_pred"]],
                                      reference[spec["y_pred_proba"]], ["average_precision"], seed=0)
    assert again[0]["se_scale"] == row["se_scale"]


def test_car_loan_needs_calibration():
    reference, _, spec = _read("car_loan")
    assert needs_calibration(reference[spec["y_true"]], reference[spec["y_pred_proba"]]) is True


# ---------------------------------------------------------------------------------------------------------------
# calibration


def test_apply_knots_equals_isotonic_predict():
    rng = np.random.default_rng(3)
    p = np.round(rng.beta(2, 2, 4000), 3)
    y = (rng.random(4000) < p ** 1.5).astype(float)
    x_knots, y_knots = isotonic_knots(y, p)
    model = IsotonicRegression(increasing=True, out_of_bounds="clip").fit(p, y)
    probe = np.concatenate([rng.random(5000), [0.0, 1.0, x_knots[0], x_knots[-1], -0.5, 1.5], x_knots])
    np.testing.assert_allclose(apply_knots(x_knots, y_knots, probe), model.predict(probe), rtol=0, atol=1e-12)


def test_apply_knots_on_parity_reference():
    reference, _, spec = _read("car_loan")
    p, y = reference[spec["y_pred_proba"]].to_numpy(), reference[spec["y_true"]].to_numpy()
    x_knots, y_knots = isotonic_knots(y, p)
    model = IsotonicRegression(increasing=True, out_of_bounds="clip").fit(p, y)
    probe = np.linspace(-0.1, 1.1, 2401)
    np.testing.assert_allclose(apply_knots(x_knots, y_knots, probe), model.predict(probe), rtol=0, atol=1e-12)
    np.testing.assert_allclose(apply_knots(x_knots, y_knots, p), model.predict(p), rtol=0, atol=1e-12)


def test_needs_calibration_shortcuts():
    p = np.linspace(0.01, 0.99, 200)
    assert needs_calibration(np.zeros(200), p) is False            # single class
    assert needs_calibration((p > 0.5).astype(float), p) is False  # roc_auc > 0.999
    with pytest.raises(ValueError, match="NaN"):
        needs_calibration(np.r_[np.nan, np.ones(199)], p)


def test_needs_calibration_is_strict_and_deterministic():
    rng = np.random.default_rng(0)
    p = rng.random(3000)
    y = (rng.random(3000) < p).astype(float)  # perfectly calibrated: isotonic cannot beat it
    first = needs_calibration(y, p)
    assert first == needs_calibration(y, p)
    y_bad = (rng.random(3000) < p ** 3).astype(float)  # badly calibrated
    assert needs_calibration(y_bad, p) is True


def test_fit_calibrators_multiclass_keys_and_knots():
    data = _multiclass_data()
    fitted = fit_calibrators(data["y"], {c: data["P"][:, i] for i, c in enumerate(CLASSES)}, "classification_multiclass")
    assert [f["class_label"] for f in fitted] == sorted(CLASSES)
    for f in fitted:
        assert (f["knots_x"] is not None) == f["needs_calibration"]
        if f["needs_calibration"]:
            i = CLASSES.index(f["class_label"])
            x_knots, y_knots = isotonic_knots((data["y"] == f["class_label"]).astype(float), data["P"][:, i])
            np.testing.assert_array_equal(f["knots_x"], x_knots)
            np.testing.assert_array_equal(f["knots_y"], y_knots)


# ---------------------------------------------------------------------------------------------------------------
# multiclass components against a plain re-derivation of §3.2

CLASSES = ["gold", "basic", "silver"]  # deliberately unsorted


def _multiclass_data(n: int = 3000, seed: int = 7) -> dict:
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n, 3)) + np.array([0.6, 0.0, -0.4])
    P = np.exp(logits)
    P /= P.sum(axis=1, keepdims=True)
    P = np.array([rng.multinomial(20, row) for row in P]) / 20.0  # coarse probabilities: many ties
    y = np.array([CLASSES[i] for i in (logits + rng.normal(scale=1.3, size=(n, 3))).argmax(axis=1)], dtype=object)
    yhat = np.array([CLASSES[i] for i in P.argmax(axis=1)], dtype=object)
    return {"y": y, "yhat": yhat, "P": P}


def _auroc_var(y_c: np.ndarray, p_c: np.ndarray) -> tuple[float, float]:
    """§3.1 AUROC component written from the text: positions of positives after the sort, rank 0 dropped."""
    y_c, p_c = y_c.astype(float), p_c.astype(float)
    if y_c.mean() > 0.5:
        y_c, p_c = 1 - y_c, 1 - p_c
    y_sorted = y_c[np.argsort(p_c)]
    positions = np.flatnonzero(y_sorted == 1)
    positions = positions[positions > 0]
    s = positions - np.arange(len(positions))
    n_pos = y_c.sum()
    return np.var(s / (len(y_c) - n_pos)), n_pos / len(y_c)


def _expected_multiclass(data: dict, bv: np.ndarray, normalize_cm, normalize_bv, seed: int, n: int) -> dict:
    y, yhat, P = data["y"], data["yhat"], data["P"]
    N = len(y)
    classes = sorted(CLASSES)
    K = len(classes)
    col = {c: P[:, CLASSES.index(c)] for c in classes}
    out = {}
    for metric, subset_and_values in {
        "precision": lambda c: (yhat == c, y == c, np.mean(yhat == c)),
        "recall": lambda c: (y == c, yhat == c, np.mean(y == c)),
        "specificity": lambda c: (y != c, yhat != c, np.mean(y != c)),
        "f1": lambda c: ((y == c) | (yhat == c), (y == c) & (yhat == c), np.mean((y == c) | (yhat == c))),
    }.items():
        total = 0.0
        for c in classes:
            subset, values, f = subset_and_values(c)
            total += np.var(values[subset].astype(float)) / (n * f)
        out[metric] = math.sqrt(total) / K
    out["accuracy"] = np.std((y == yhat).astype(float)) / math.sqrt(n)
    total = 0.0
    for c in classes:
        var_c, f_c = _auroc_var((y == c).astype(float), col[c])
        total += var_c / (n * f_c)
    out["roc_auc"] = 1.2 * math.sqrt(total) / K
    rng = np.random.RandomState(seed)
    m = min(N // 2, 50_000)
    from sklearn.metrics import average_precision_score
    variances = []
    for c in classes:
        y_c = (y == c).astype(int)
        aps = []
        for _ in range(50):
            idx = rng.choice(N, m, replace=True)
            aps.append(average_precision_score(y_c[idx], col[c][idx]))
        variances.append(np.var(aps) * m / n)
    out["average_precision"] = math.sqrt(np.mean(variances))
    cm = np.array([[np.sum((y == a) & (yhat == b)) for b in classes] for a in classes], dtype=float)
    for i, a in enumerate(classes):
        for j, b in enumerate(classes):
            if normalize_cm in (None, "all"):
                q = cm[i, j] / N
                se = math.sqrt(q * (1 - q)) * (math.sqrt(n) if normalize_cm is None else 1 / math.sqrt(n))
            elif normalize_cm == "true":
                q = cm[i, j] / cm[i].sum()
                se = math.sqrt(q * (1 - q)) / math.sqrt(n * cm[i].sum() / N)
            else:
                q = cm[i, j] / cm[:, j].sum()
                se = math.sqrt(q * (1 - q)) / math.sqrt(n * cm[:, j].sum() / N)
            out[f"true_{a}_pred_{b}"] = se
    values = np.array([bv[classes.index(a), classes.index(b)] for a, b in zip(y, yhat)], dtype=float)
    sigma = np.std(values, ddof=1)
    out["business_value"] = sigma * math.sqrt(n) if normalize_bv is None else sigma / math.sqrt(n)
    return out


@pytest.mark.parametrize("normalize_cm,normalize_bv", [(None, None), ("all", "per_prediction"),
                                                       ("true", None), ("pred", "per_prediction")])
def test_multiclass_components_match_formulas(normalize_cm, normalize_bv):
    data = _multiclass_data()
    bv = np.array([[4.0, -1.0, -3.0], [-2.0, 6.0, 0.5], [1.0, -5.0, 9.0]])  # indexed by sorted classes
    rows = sampling_error_components(
        "classification_multiclass", data["y"], data["yhat"],
        {c: data["P"][:, i] for i, c in enumerate(CLASSES)}, METRICS,
        business_value_matrix=bv, normalize_confusion_matrix=normalize_cm, normalize_business_value=normalize_bv,
        seed=13,
    )
    got = {r["metric"]: r for r in rows}
    for n in (250, 1000, 4321):
        expected = _expected_multiclass(data, bv, normalize_cm, normalize_bv, seed=13, n=n)
        assert set(got) == set(expected)
        for metric, value in expected.items():
            ours = got[metric]["se_scale"] * n ** got[metric]["se_power"]
            assert ours == pytest.approx(value, rel=1e-9), (metric, n)


def test_multiclass_fit_frame():
    data = _multiclass_data(n=1200)
    frame = pd.DataFrame({"target": data["y"], "pred": data["yhat"],
                          **{f"p_{c}": data["P"][:, i] for i, c in enumerate(CLASSES)}})
    fit = fit_cbpe(frame, problem_type="classification_multiclass", y_true="target", y_pred="pred",
                   y_pred_proba={c: f"p_{c}" for c in CLASSES}, metrics=["accuracy", "confusion_matrix"])
    assert fit[fit["item"] == "calibration"]["class_label"].tolist() == sorted(CLASSES)
    cells = fit[fit["item"] == "sampling_error"]["metric"].tolist()
    assert cells == ["accuracy"] + [f"true_{a}_pred_{b}" for a in sorted(CLASSES) for b in sorted(CLASSES)]
    for label, needed in fit[fit["item"] == "calibration"][["class_label", "needs_calibration"]].itertuples(index=False):
        has_knots = ((fit["item"] == "knot") & (fit["class_label"] == label)).any()
        assert has_knots == needed


# ---------------------------------------------------------------------------------------------------------------
# binary details: normalizations, NaN y_pred, single class


def _binary_frame(n: int = 2000, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    p = np.round(rng.random(n), 2)
    return pd.DataFrame({"y": (rng.random(n) < p).astype(float), "yhat": (p > 0.45).astype(int), "p": p})


def _binary_fit(frame, **kwargs):
    args = dict(problem_type="classification_binary", y_true="y", y_pred="yhat", y_pred_proba="p", metrics=METRICS,
                business_value_matrix=[[1, -2], [-3, 5]])
    args.update(kwargs)
    return fit_cbpe(frame, **args)


def test_binary_normalizations():
    frame = _binary_frame()
    y, yhat = frame["y"].to_numpy(), frame["yhat"].to_numpy()
    N = len(frame)
    tp = (y == 1) & (yhat == 1)
    for normalize, subset, power in [(None, np.ones(N, bool), 0.5), ("all", np.ones(N, bool), -0.5),
                                     ("true", y == 1, -0.5), ("pred", yhat == 1, -0.5)]:
        fit = _binary_fit(frame, normalize_confusion_matrix=normalize).set_index("metric")
        sigma = np.std(tp[subset].astype(float))
        f = subset.mean() if normalize in ("true", "pred") else 1.0
        assert fit.loc["true_positive", "se_power"] == power
        assert fit.loc["true_positive", "se_scale"] == pytest.approx(sigma / math.sqrt(f), rel=1e-12)
    values = np.array([[1, -2], [-3, 5]], dtype=float)[y.astype(int), yhat]
    for normalize, power in [(None, 0.5), ("per_prediction", -0.5)]:
        fit = _binary_fit(frame, normalize_business_value=normalize).set_index("metric")
        assert fit.loc["business_value", "se_power"] == power
        assert fit.loc["business_value", "se_scale"] == pytest.approx(np.std(values), rel=1e-12)


def test_binary_null_predictions_are_dropped_per_metric():
    frame = _binary_frame()
    frame["yhat"] = frame["yhat"].astype(float)
    frame.loc[::7, "yhat"] = np.nan
    fit = _binary_fit(frame).set_index("metric")
    kept = frame.dropna()
    assert fit.loc["accuracy", "se_scale"] == pytest.approx(np.std(kept["y"] == kept["yhat"]), rel=1e-12)
    full = _binary_fit(frame.assign(yhat=frame["yhat"].fillna(0))).set_index("metric")
    assert fit.loc["roc_auc", "se_scale"] == full.loc["roc_auc", "se_scale"]  # roc_auc ignores y_pred


def test_single_class_reference_fits_with_nan_errors():
    frame = _binary_frame().assign(y=0.0)
    fit = _binary_fit(frame)
    assert fit[fit["item"] == "calibration"]["needs_calibration"].tolist() == [False]
    assert not (fit["item"] == "knot").any()
    errors = fit[fit["item"] == "sampling_error"].set_index("metric")["se_scale"]
    assert errors[["roc_auc", "recall", "average_precision"]].isna().all()
    assert errors[["accuracy", "precision", "specificity", "true_negative", "business_value"]].notna().all()


# ---------------------------------------------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize("mutate,match", [
    (lambda f: f.assign(y=f["y"].where(f.index != 3)), r"'y' \(y_true\) has 1 null"),
    (lambda f: f.assign(p=f["p"].where(f.index != 5)), r"'p' \(y_pred_proba\) has 1 null"),
    (lambda f: f.assign(p=f["p"] * 1.5), r"'p' \(y_pred_proba\) has \d+ value\(s\) outside \[0, 1\]"),
    (lambda f: f.assign(p=f["p"] - 0.5), r"outside \[0, 1\]"),
    (lambda f: f.assign(yhat=f["yhat"].where(f.index != 2, 2)), r"'yhat' \(y_pred\) must hold only 0 and 1"),
    (lambda f: f.assign(y=f["y"] * 2), r"'y' \(y_true\) must hold only 0 and 1"),
    (lambda f: f.drop(columns=["p"]), r"no column\(s\) 'p'"),
    (lambda f: f.iloc[:0], "no rows"),
])
def test_binary_bad_input(mutate, match):
    with pytest.raises(ValueError, match=match):
        _binary_fit(mutate(_binary_frame()))


def test_bad_options():
    frame = _binary_frame()
    with pytest.raises(ValueError, match="unknown CBPE metric"):
        _binary_fit(frame, metrics=["rocauc"])
    with pytest.raises(ValueError, match="normalize_confusion_matrix"):
        _binary_fit(frame, normalize_confusion_matrix="predicted")
    with pytest.raises(ValueError, match="normalize_business_value"):
        _binary_fit(frame, normalize_business_value="per_row")
    with pytest.raises(ValueError, match="business_value_matrix"):
        _binary_fit(frame, business_value_matrix=None)
    with pytest.raises(ValueError, match="shape"):
        _binary_fit(frame, business_value_matrix=[[1, 2, 3], [4, 5, 6], [7, 8, 9]])


def test_multiclass_bad_input():
    data = _multiclass_data(n=600)
    frame = pd.DataFrame({"target": data["y"], "pred": data["yhat"],
                          **{f"p_{c}": data["P"][:, i] for i, c in enumerate(CLASSES)}})
    proba = {c: f"p_{c}" for c in CLASSES}

    def fit(f, **kw):
        return fit_cbpe(f, problem_type="classification_multiclass", y_true="target", y_pred="pred",
                        y_pred_proba=kw.pop("proba", proba), metrics=["accuracy"], **kw)

    bad_pred = frame.assign(pred=frame["pred"].where(frame.index != 4, "platinum"))
    with pytest.raises(ValueError, match=r"'pred' \(y_pred\) has value\(s\) \['platinum'\]"):
        fit(bad_pred)
    bad_true = frame.assign(target=frame["target"].where(frame.index != 4, "platinum"))
    with pytest.raises(ValueError, match=r"'target' \(y_true\) has value\(s\) \['platinum'\]"):
        fit(bad_true)
    with pytest.raises(ValueError, match=r"'target' \(y_true\) has 1 null"):
        fit(frame.assign(target=frame["target"].where(frame.index != 4, None)))
    with pytest.raises(ValueError, match=r"'p_gold' \(y_pred_proba\) has 1 null"):
        fit(frame.assign(p_gold=frame["p_gold"].where(frame.index != 4)))
    with pytest.raises(ValueError, match="never has class"):
        fit(frame.assign(target=frame["target"].replace("silver", "gold")))
    with pytest.raises(ValueError, match="at least 3 classes"):
        fit(frame, proba={"gold": "p_gold", "basic": "p_basic"})
    with pytest.raises(ValueError, match="maps each class label"):
        fit(frame, proba="p_gold")
