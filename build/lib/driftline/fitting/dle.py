"""Fit DLE (direct loss estimation, NannyML 0.13.1) on a reference set: the nanny models as rows of tree nodes.

DLE estimates a regression model's error without targets (algorithms.md §5). For every metric a LightGBM
regressor (the "nanny" model) learns the per-row loss of the monitored model from its inputs and its
prediction; the estimate for a chunk is the mean of the nanny model's predictions on the chunk's rows,
clipped at 0 (the square root of that mean for rmse and rmsle).

NannyML's setup, reproduced exactly:

* X = the features in the monitor's order (continuous, then categorical), then y_pred;
* a categorical feature: missing -> the category ``'NML_missing_value'``; categories sorted (numerically when
  every category is a number, else as text) and coded 1..K over *all* reference rows; unseen -> 0; LightGBM
  is told these columns are categorical;
* trained on the reference rows with both y_true and y_pred, in the monitor's row order;
* ``LGBMRegressor()`` with the library defaults (and the user's ``hyperparameters``), single-threaded so the
  trees do not depend on the machine. LightGBM's own seeds are fixed constants, so no seed is passed: a
  ``random_state`` would move ``data_random_seed`` and change the bins of references above 200,000 rows;
* per-row losses: mae |y - ŷ|; mape |y - ŷ| / max(eps, |y|); mse and rmse (y - ŷ)²; msle and rmsle
  (log1p(y) - log1p(ŷ))². mse/rmse and msle/rmsle learn the same loss, so they share one model.

The state (columns :data:`STATE_COLUMNS`) is one long frame:

* ``item='node'``: one row per node of every tree of every model (``model``, ``tree_index``, ``node_index``
  in pre-order, so the root is 0). Split nodes: ``feature_index`` (position in X), ``decision_type`` ('<='
  numerical, '==' categorical), ``threshold`` (numerical) or ``categories`` (the codes that go left, e.g.
  '1,3,6'), ``default_left``, ``missing_type`` ('None', 'Zero', 'NaN'), ``left_child``, ``right_child``.
  Leaves: ``leaf_value``. The prediction of a row is the sum over the model's trees, in tree order, of the
  leaf it reaches (:func:`predict_from_nodes`, the Python twin of the SQL);
* ``item='category'``: ``column_name``, ``category`` (text), ``code``, ``feature_index`` - the category codes;
* ``item='sampling_error'``: per metric, its ``model`` and ``se_scale``, ``se_power``:
  SE = se_scale * n ** se_power, n = the chunk's rows with a prediction (algorithms.md §3.3).

Every fit checks that :func:`predict_from_nodes` reproduces ``Booster.predict`` on the reference rows, so a
LightGBM whose dumped trees the SQL would misread fails the fit instead of giving wrong numbers.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

METRICS = ("mae", "mape", "mse", "msle", "rmse", "rmsle")
MODEL_OF_METRIC = {
    "mae": "absolute_error", "mape": "absolute_percentage_error",
    "mse": "squared_error", "rmse": "squared_error",
    "msle": "squared_log_error", "rmsle": "squared_log_error",
}
LOG_METRICS = ("msle", "rmsle")
MISSING_CATEGORY = "NML_missing_value"
EPSILON = float(np.finfo(np.float64).eps)
# LightGBM's kZeroThreshold (the float 1e-35f): its predictor reads any |x| <= this as exactly 0.
ZERO_THRESHOLD = float(np.float32(1e-35))
INVERSE_ROOT = -0.5

# LightGBM settings a monitor may change (performance.hyperparameters), with the Python types accepted.
# Anything that changes how a prediction is formed from the trees (objective, boosting type, linear trees)
# or the thread count is left out on purpose.
HYPERPARAMETERS = {
    "n_estimators": int, "learning_rate": float, "num_leaves": int, "max_depth": int,
    "min_child_samples": int, "min_child_weight": float, "min_split_gain": float,
    "subsample": float, "subsample_freq": int, "colsample_bytree": float,
    "reg_alpha": float, "reg_lambda": float, "random_state": int, "subsample_for_bin": int,
    "max_bin": int, "min_data_per_group": int, "max_cat_threshold": int, "max_cat_to_onehot": int,
    "cat_smooth": float, "cat_l2": float, "zero_as_missing": bool, "use_missing": bool,
}

STATE_COLUMNS = [
    "item", "model", "metric", "tree_index", "node_index", "left_child", "right_child", "feature_index",
    "column_name", "threshold", "decision_type", "default_left", "missing_type", "categories", "leaf_value",
    "category", "code", "se_scale", "se_power",
]
INT_COLUMNS = ("tree_index", "node_index", "left_child", "right_child", "feature_index", "code")
FLOAT_COLUMNS = ("threshold", "leaf_value", "se_scale", "se_power")
TEXT_COLUMNS = ("item", "model", "metric", "column_name", "decision_type", "missing_type", "categories", "category")


# ----------------------------------------------------------------------------------------------------------------
# inputs


def _as_number(text: str) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def category_codes(values: Sequence) -> dict[str, int]:
    """Category -> code 1..K over the reference values (missing -> 'NML_missing_value'), in sorted order:
    numerically when every category is a number (an integer column read as text sorts as NannyML sorts its
    integers), else as text (Python's order, which is scikit-learn OrdinalEncoder's for strings; booleans
    read as 'false' < 'true', like False < True). The missing marker sorts last among numbers."""
    series = pd.Series(values, dtype=object)
    missing = series.isna()
    present = sorted({str(v) for v in pd.unique(series[~missing])})
    has_missing = bool(missing.any())
    if present and all(_as_number(v) is not None for v in present):
        ordered = sorted(present, key=lambda v: (_as_number(v), v)) + ([MISSING_CATEGORY] if has_missing else [])
    else:
        ordered = sorted(set(present) | ({MISSING_CATEGORY} if has_missing else set()))
    return {category: code for code, category in enumerate(ordered, start=1)}


def encode_codes(values: Sequence, codes: Mapping[str, int]) -> np.ndarray:
    """The codes of a categorical column as float64: missing -> the code of 'NML_missing_value', unseen -> 0."""
    series = pd.Series(values, dtype=object)
    text = series.map(lambda v: v if isinstance(v, str) else str(v)).where(series.notna(), MISSING_CATEGORY)
    return text.map(codes).fillna(0).to_numpy(dtype=float)


def design_matrix(frame: pd.DataFrame, continuous: Sequence[str], categorical: Sequence[str], y_pred: str,
                  codes: Mapping[str, Mapping[str, int]]) -> pd.DataFrame:
    """X of the nanny models: continuous features (missing -> NaN), categorical codes, then y_pred; float64."""
    columns = {}
    for c in continuous:
        columns[c] = _numbers(frame[c])
    for c in categorical:
        columns[c] = encode_codes(frame[c].astype(object).to_numpy(), codes[c])
    columns[y_pred] = _numbers(frame[y_pred])
    return pd.DataFrame(columns, index=frame.index)


def _numbers(series: pd.Series) -> np.ndarray:
    values = pd.to_numeric(series, errors="coerce").astype(float).to_numpy()
    return np.where(np.isfinite(values), values, np.nan)


def observation_losses(y_true: np.ndarray, y_pred: np.ndarray, model: str) -> np.ndarray:
    """The per-row loss a nanny model learns (NannyML's targets)."""
    if model == "absolute_error":
        return np.abs(y_true - y_pred)
    if model == "absolute_percentage_error":
        return np.abs(y_true - y_pred) / np.maximum(EPSILON, np.abs(y_true))
    if model == "squared_error":
        return np.square(y_true - y_pred)
    if model == "squared_log_error":
        return np.square(np.log1p(y_true) - np.log1p(y_pred))
    raise ValueError(f"unknown nanny model {model!r}")


def sampling_error_components(y_true: np.ndarray, y_pred: np.ndarray, metric: str) -> tuple[float, float]:
    """(se_scale, se_power) with SE(n) = se_scale * n ** se_power (algorithms.md §3.3), NannyML's formulas:
    the population std (NaN ignored, as pandas does) of the per-row quantity; mape divides by the signed y
    without eps; msle and rmsle use log(1 + y); rmse and rmsle by the delta method sqrt(σ² / (4 n μ)).
    NaN where the reference leaves it undefined (e.g. mape with y = 0 and an error, rmse with μ = 0)."""
    y, p = pd.Series(y_true, dtype=float), pd.Series(y_pred, dtype=float)
    with np.errstate(all="ignore"):
        if metric == "mae":
            values = (y - p).abs()
        elif metric == "mape":
            values = (y - p).abs() / y
        elif metric in ("mse", "rmse"):
            values = (y - p) ** 2
        elif metric in ("msle", "rmsle"):
            values = (np.log(1 + y) - np.log(1 + p)) ** 2
        else:
            raise ValueError(f"unknown regression metric {metric!r}")
        sigma = float(values.std(ddof=0)) if len(values) else math.nan
        if metric in ("rmse", "rmsle"):
            mu = float(values.mean()) if len(values) else math.nan
            scale = math.sqrt(sigma ** 2 / (4 * mu)) if mu > 0 and math.isfinite(sigma) else math.nan
        else:
            scale = sigma
    return (scale if math.isfinite(scale) else math.nan), INVERSE_ROOT


# ----------------------------------------------------------------------------------------------------------------
# the nanny models


def lightgbm_parameters(hyperparameters: Mapping | None) -> dict:
    """LGBMRegressor arguments: LightGBM's defaults, the allowed user settings, one thread, no log output."""
    params = {}
    for name, value in (hyperparameters or {}).items():
        if name not in HYPERPARAMETERS:
            raise ValueError(f"performance.hyperparameters: '{name}' cannot be set. Fix: use any of "
                             f"{', '.join(sorted(HYPERPARAMETERS))}, or leave it out.")
        wanted = HYPERPARAMETERS[name]
        ok = isinstance(value, bool) if wanted is bool else (isinstance(value, (int, float)) and not isinstance(value, bool)
                                                              and (wanted is float or float(value).is_integer()))
        if not ok:
            raise ValueError(f"performance.hyperparameters: '{name}' must be {'true or false' if wanted is bool else 'a number'}"
                             f"{' (an integer)' if wanted is int else ''}, got {value!r}. Fix: correct the value.")
        params[name] = int(value) if wanted is int else value
    params.update(n_jobs=1, verbose=-1)
    return params


def fit_nanny_model(X: pd.DataFrame, losses: np.ndarray, categorical: Sequence[str], hyperparameters: Mapping | None = None):
    """One LightGBM regressor of the per-row loss on X (NannyML's `LGBMRegressor().fit(X, y, categorical_feature=...)`)."""
    from lightgbm import LGBMRegressor

    model = LGBMRegressor(**lightgbm_parameters(hyperparameters))
    model.fit(X, losses, categorical_feature=list(categorical))
    return model.booster_


def tree_nodes(booster) -> list[dict]:
    """Every node of every tree of a fitted booster, in tree order and pre-order within a tree."""
    dump = booster.dump_model()
    if dump.get("average_output") or dump.get("num_tree_per_iteration", 1) != 1:
        raise ValueError("the nanny model averages its trees or has several trees per iteration; "
                         "driftline can only sum one tree per iteration.")
    rows = []
    for tree in dump["tree_info"]:
        counter = iter(range(10 ** 9))

        def visit(node: dict) -> int:
            index = next(counter)
            row = {"tree_index": int(tree["tree_index"]), "node_index": index}
            rows.append(row)
            if "split_index" not in node:
                row["leaf_value"] = float(node["leaf_value"])
                return index
            if node["decision_type"] not in ("<=", "=="):
                raise ValueError(f"unexpected LightGBM decision type {node['decision_type']!r}")
            row.update(feature_index=int(node["split_feature"]), decision_type=node["decision_type"],
                       default_left=bool(node["default_left"]), missing_type=str(node["missing_type"]))
            if node["decision_type"] == "==":
                row["categories"] = ",".join(str(int(c)) for c in str(node["threshold"]).split("||"))
            else:
                row["threshold"] = float(node["threshold"])
            row["left_child"] = visit(node["left_child"])
            row["right_child"] = visit(node["right_child"])
            return index

        visit(tree["tree_structure"])
    return rows


def lightgbm_inputs(X: np.ndarray) -> np.ndarray:
    """The values LightGBM's predictor works with: float64, NaN for missing, |x| <= 1e-35f read as 0."""
    X = np.asarray(X, dtype=float)
    return np.where(np.abs(X) <= ZERO_THRESHOLD, 0.0, X)


def _goes_left(node: dict, x: np.ndarray) -> np.ndarray:
    """LightGBM 4.5's decision for a split node (Tree::NumericalDecision / CategoricalDecision), on the
    values of :func:`lightgbm_inputs`: a categorical value goes left when it is a code of the split (NaN and
    negative values go right); a numerical value goes left when <= threshold, except that a missing value
    (missing_type 'NaN': NaN; 'Zero': NaN or 0) takes the split's default direction, and with missing_type
    'None' NaN counts as 0."""
    missing = np.isnan(x)
    if node["decision_type"] == "==":
        codes = {int(c) for c in node["categories"].split(",")}
        as_int = np.where(missing, -1, np.trunc(np.nan_to_num(x, nan=-1.0)))
        return ~missing & (as_int >= 0) & np.isin(as_int, list(codes))
    kind = node["missing_type"]
    if kind == "NaN":
        return np.where(missing, node["default_left"], x <= node["threshold"])
    values = np.where(missing, 0.0, x)  # NaN is 0 unless the split has its own direction for NaN
    if kind == "Zero":
        return np.where(values == 0.0, node["default_left"], values <= node["threshold"])
    return values <= node["threshold"]


def predict_from_nodes(nodes: Sequence[dict], X: np.ndarray) -> np.ndarray:
    """The raw prediction of each row of X: the sum, in tree order, of the leaf value each tree sends it to."""
    X = lightgbm_inputs(X)
    total = np.zeros(len(X))
    trees: dict[int, dict[int, dict]] = {}
    for node in nodes:
        trees.setdefault(int(node["tree_index"]), {})[int(node["node_index"])] = node
    for tree_index in sorted(trees):
        tree = trees[tree_index]
        contribution = np.zeros(len(X))

        def descend(index: int, rows: np.ndarray) -> None:
            node = tree[index]
            if rows.size == 0:
                return
            if node.get("leaf_value") is not None and not pd.isna(node.get("leaf_value")):
                contribution[rows] = node["leaf_value"]
                return
            left = _goes_left(node, X[rows, int(node["feature_index"])])
            descend(int(node["left_child"]), rows[left])
            descend(int(node["right_child"]), rows[~left])

        descend(0, np.arange(len(X)))
        total = total + contribution
    return total


def check_nodes_reproduce(booster, nodes: Sequence[dict], X: pd.DataFrame, model: str) -> None:
    """Raise if the tree rows do not reproduce LightGBM's own predictions on X."""
    import lightgbm

    expected = booster.predict(X)
    got = predict_from_nodes(nodes, X.to_numpy(dtype=float))
    worst = float(np.max(np.abs(got - expected) / (1 + np.abs(expected)))) if len(X) else 0.0
    if not worst <= 1e-12:
        raise ValueError(f"the {model} nanny model's trees, read back from LightGBM {lightgbm.__version__}, do not "
                         f"reproduce its predictions (relative difference {worst:.3g}). Fix: install lightgbm==4.5.0, "
                         "the version driftline's tree scoring follows.")


# ----------------------------------------------------------------------------------------------------------------
# the fit


def _require_non_negative(values: np.ndarray, column: str, role: str, metric: str) -> None:
    negative = values[values < 0]
    if negative.size:
        raise ValueError(
            f"metric '{metric}': reference column '{column}' ({role}) has {negative.size} negative value(s) "
            f"(e.g. {negative[0]:g}); the squared log error needs values >= 0 (NannyML fails too). "
            f"Fix: remove msle and rmsle from performance.metrics, or monitor a target that is never negative.")


def fit_dle(
    reference: pd.DataFrame,
    *,
    continuous: Sequence[str],
    categorical: Sequence[str],
    y_true: str,
    y_pred: str,
    metrics: Sequence[str] = METRICS,
    hyperparameters: Mapping | None = None,
    check_rows: int = 10_000,
) -> pd.DataFrame:
    """Fit DLE on ``reference`` (rows in the monitor's row order). Returns the state, columns :data:`STATE_COLUMNS`.
    ``check_rows``: how many reference rows the tree read-back is verified on."""
    metrics = list(metrics)
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise ValueError(f"unknown regression metric(s) {unknown}. Fix: use any of {', '.join(METRICS)}.")
    features = list(continuous) + list(categorical)
    for column in features + [y_true, y_pred]:
        if column not in reference.columns:
            raise ValueError(f"reference has no column '{column}'.")
    lightgbm_parameters(hyperparameters)  # validate before any work

    codes = {c: category_codes(reference[c].astype(object).to_numpy()) for c in categorical}
    truth, predicted = _numbers(reference[y_true]), _numbers(reference[y_pred])
    usable = ~np.isnan(truth) & ~np.isnan(predicted)
    if not usable.any():
        raise ValueError(f"no reference row has both y_true ('{y_true}') and y_pred ('{y_pred}'), so there is nothing to "
                         "learn the model's error from. Fix: give the reference period its targets (y_true or `targets`).")
    y, yhat = truth[usable], predicted[usable]
    if any(m in LOG_METRICS for m in metrics):
        metric = next(m for m in metrics if m in LOG_METRICS)
        _require_non_negative(y, y_true, "y_true", metric)
        _require_non_negative(yhat, y_pred, "y_pred", metric)

    X = design_matrix(reference, continuous, categorical, y_pred, codes)
    X_train = X[usable]
    rows: list[dict] = []
    for model in dict.fromkeys(MODEL_OF_METRIC[m] for m in metrics):
        booster = fit_nanny_model(X_train, observation_losses(y, yhat, model), categorical, hyperparameters)
        nodes = tree_nodes(booster)
        check_nodes_reproduce(booster, nodes, X.iloc[:check_rows], model)
        names = list(X.columns)
        for node in nodes:
            row = {"item": "node", "model": model, **node}
            if "feature_index" in node:
                row["column_name"] = names[node["feature_index"]]
            rows.append(row)
    for position, c in enumerate(categorical, start=len(continuous)):
        for category, code in codes[c].items():
            rows.append({"item": "category", "column_name": c, "category": category, "code": code, "feature_index": position})
    for metric in metrics:
        scale, power = sampling_error_components(y, yhat, metric)
        rows.append({"item": "sampling_error", "metric": metric, "model": MODEL_OF_METRIC[metric],
                     "se_scale": scale, "se_power": power})
    return state_frame(rows)


def state_frame(rows: list[dict]) -> pd.DataFrame:
    """Typed frame of state rows: nullable integers, floats, booleans and text (None for missing)."""
    frame = pd.DataFrame(rows, columns=STATE_COLUMNS)
    for c in INT_COLUMNS:
        frame[c] = pd.array(frame[c], dtype="Int64")
    for c in FLOAT_COLUMNS:
        frame[c] = frame[c].astype("float64")
    frame["default_left"] = pd.array(frame["default_left"], dtype="boolean")
    for c in TEXT_COLUMNS:
        frame[c] = frame[c].astype(object).where(frame[c].notna(), None)
    return frame


def nodes_of(state: pd.DataFrame, model: str) -> list[dict]:
    """The node rows of one model of a state frame, as dicts (for :func:`predict_from_nodes`)."""
    part = state[(state["item"] == "node") & (state["model"] == model)]
    out = []
    for r in part.to_dict("records"):
        out.append({k: (None if pd.isna(v) else v) for k, v in r.items()})
    return out
