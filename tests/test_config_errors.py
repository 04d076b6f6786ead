"""A monitor with a mistake fails before any scan, with a message naming the monitor, the key or column, and
the fix. One test per mistake, each a separate (fast, failing) dbt invocation in the test process.

Most mistakes are in the configuration alone: dbt raises them while it parses the project, whatever the
engine, so `dbt parse` on DuckDB checks them. The ones that need the warehouse's catalogue (a column that does
not exist, a column of the wrong type) are raised when the chunk catalogue compiles, before any model has read
a row, and the catalogue differs per engine: they run as `dbt compile --select driftline_chunks` on every
engine."""
import copy

import pytest

from support import edge_data
from support.dbt import DbtProject

DATA = "dl_errors_data"


def errors_project(adapter, workdir) -> DbtProject:
    from conftest import make_warehouse

    if adapter not in _projects:
        wh = make_warehouse(adapter, workdir)
        wh.reset_schema(DATA)
        for period, frame in edge_data.frames().items():
            wh.load(DATA, f"edge_{period}", frame)
        _projects[adapter] = DbtProject(workdir, adapter, "dl_errors", wh.duckdb_path)
    return _projects[adapter]


_projects: dict[str, DbtProject] = {}


@pytest.fixture(scope="module")
def project(adapter, workdir):
    return errors_project(adapter, workdir)


@pytest.fixture(scope="module")
def duckdb_project(workdir):
    return errors_project("duckdb", workdir)


def good():
    return edge_data.monitor(DATA, "orders_model")


def failure(project, monitors, catalogue: bool) -> str:
    if catalogue:
        done = project.run("compile", "--select", "driftline_chunks", monitors=monitors, expect_fail=True)
    else:
        done = project.run("parse", monitors=monitors, expect_fail=True)
    return done.output


def with_changes(**changes):
    m = copy.deepcopy(good())
    m.update(changes)
    return m


def regression(**changes):
    """A regression monitor on the edge data (y_pred x_gap, y_true select) with the given changes."""
    m = with_changes(problem_type="regression", y_pred="x_gap", y_true="select",
                     features={"continuous": ["Car Value"], "categorical": ["cat_str"]}, performance={"metrics": ["mae"]})
    for key, value in changes.items():
        if value is None:
            m.pop(key, None)
        else:
            m[key] = value
    return m


CASES = {
    "missing column": (with_changes(features={"continuous": ["Car Value", "car_valu"], "categorical": ["cat_str"]}),
                       ["orders_model", "car_valu", "does not exist", "Fix:"]),
    "text column declared continuous": (with_changes(features={"continuous": ["cat_str"], "categorical": []}),
                                        ["orders_model", "cat_str", "not numeric", "Fix:", "features.categorical"]),
    "missing timestamp column": (with_changes(timestamp="event_time"), ["orders_model", "event_time", "timestamp", "Fix:"]),
    "two chunkings": (with_changes(chunking={"size": 100, "number": 4}), ["orders_model", "chunking", "exactly one", "Fix:"]),
    "bad chunk size": (with_changes(chunking={"size": 0}), ["orders_model", "chunking", "Fix:"]),
    "unknown period": (with_changes(chunking={"period": "fortnight"}), ["orders_model", "chunking.period", "fortnight", "Fix:"]),
    "period without timestamp": (with_changes(timestamp=None, chunking={"period": "month"}), ["orders_model", "chunking.period", "timestamp", "Fix:"]),
    "unknown method": (with_changes(univariate={"continuous_methods": ["chi2"]}), ["orders_model", "univariate.continuous_methods", "chi2", "Fix:"]),
    "unknown key": (with_changes(chunk_size=100), ["orders_model", "chunk_size", "unknown key", "Fix:"]),
    "no reference": (with_changes(reference=None), ["orders_model", "reference", "Fix:"]),
    "enabled not a boolean": (with_changes(enabled="no"), ["orders_model", "'enabled'", "true or false", "enabled: false", "Fix:"]),
    "duplicate monitor": (None, ["orders_model", "declared twice", "Fix:"]),
    "missing probability column": (with_changes(y_pred_proba="score", y_pred="cat_int", y_true="cat_int",
                                                performance={"metrics": ["roc_auc"]}), ["orders_model", "y_pred_proba", "score", "does not exist", "Fix:"]),
    "unknown metric": (with_changes(y_pred_proba="x_gap", y_pred="cat_int", y_true="cat_int",
                                    performance={"metrics": ["roc_auc", "auroc"]}), ["orders_model", "performance.metrics", "auroc", "Fix:"]),
    "business value without matrix": (with_changes(y_pred_proba="x_gap", y_pred="cat_int", y_true="cat_int",
                                                   performance={"metrics": ["business_value"]}), ["orders_model", "business_value_matrix", "Fix:"]),
    "bad threshold": (with_changes(thresholds={"jensen_shannon": {"type": "percentile"}}), ["orders_model", "thresholds.jensen_shannon", "Fix:"]),
    "unknown multivariate method": (with_changes(multivariate={"methods": ["pca_reconstruction", "isolation_forest"]}),
                                    ["orders_model", "multivariate.methods", "isolation_forest", "domain_classifier", "Fix:"]),
    "multivariate methods not a list": (with_changes(multivariate={"methods": "domain_classifier"}),
                                        ["orders_model", "multivariate.methods", "list", "Fix:"]),
    "unknown multivariate key": (with_changes(multivariate={"methods": ["domain_classifier"], "folds": 3}),
                                 ["orders_model", "multivariate.folds", "unknown key", "Fix:"]),
    # regression performance (DLE)
    "regression unknown metric": (regression(performance={"metrics": ["mae", "r2"]}), ["orders_model", "performance.metrics", "'r2' is not a regression metric", "Fix:"]),
    "regression with a classification metric": (regression(performance={"metrics": ["roc_auc"]}), ["orders_model", "performance.metrics", "roc_auc", "Fix:"]),
    "regression without y_pred": (regression(y_pred=None), ["orders_model", "y_pred", "Fix:"]),
    "regression without targets": (regression(y_true=None), ["orders_model", "y_true", "Fix:"]),
    "regression with probabilities": (regression(y_pred_proba="x_gap"), ["orders_model", "y_pred_proba", "no probabilities", "Fix:"]),
    "regression prediction also a feature": (regression(features={"continuous": ["Car Value", "x_gap"], "categorical": []}),
                                             ["orders_model", "features", "x_gap", "y_pred", "Fix:"]),
    "regression unknown performance key": (regression(performance={"metrics": ["mae"], "business_value_matrix": [[0, 1], [1, 0]]}),
                                           ["orders_model", "performance.business_value_matrix", "unknown key", "Fix:"]),
    "regression unknown hyperparameter": (regression(performance={"hyperparameters": {"objective": "poisson"}}),
                                          ["orders_model", "performance.hyperparameters.objective", "cannot be set", "Fix:"]),
    "regression hyperparameter type": (regression(performance={"hyperparameters": {"n_estimators": 2.5}}),
                                       ["orders_model", "performance.hyperparameters.n_estimators", "an integer", "Fix:"]),
    "regression text prediction": (regression(y_pred="MixedCat"), ["orders_model", "y_pred", "MixedCat", "not numeric", "Fix:"]),
}


# Mistakes only the warehouse's catalogue reveals (the rest are raised while dbt parses).
CATALOGUE_CASES = {"missing column", "text column declared continuous", "missing timestamp column",
                   "missing probability column", "regression text prediction"}


@pytest.mark.parametrize("case", sorted(CATALOGUE_CASES))
def test_catalogue_mistake_fails_with_a_named_fix(project, case):
    check(project, case, catalogue=True)


@pytest.mark.parametrize("case", sorted(set(CASES) - CATALOGUE_CASES))
def test_configuration_mistake_fails_while_dbt_parses(duckdb_project, case):
    check(duckdb_project, case, catalogue=False)


def check(project, case: str, catalogue: bool) -> None:
    monitor, expected = CASES[case]
    monitors = [good(), good()] if monitor is None else [monitor]
    message = failure(project, monitors, catalogue)
    for fragment in expected:
        assert fragment in message, f"{fragment!r} not in:\n{message[-2000:]}"
    for fragment in ("Traceback", "Database Error"):  # the driftline message, not a raw engine error
        assert fragment not in message, f"{fragment!r} in:\n{message[-2000:]}"
