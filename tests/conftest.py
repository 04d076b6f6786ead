"""Session fixtures: each dataset is loaded and built once per adapter, and many tests assert on the outputs.

The PostgreSQL lane runs whenever the server is reachable. With CI=true it is mandatory: an unreachable
server fails the suite instead of skipping it.
"""
from __future__ import annotations

import os

import pytest

from support import parity
from support.dbt import DbtProject
from support.spark import spark_available
from support.warehouse import Warehouse, postgres_available

# pyspark.sql.connect.utils.check_dependencies() calls sys.exit(0) when __main__ has neither __spec__ nor __file__
# (it takes that for a doctest run without grpc). An xdist worker's __main__ is such a module, and Great
# Expectations imports pyspark.sql.connect, so `driftline checkpoint` silently "passed" with no checks in a worker.
# A console script always has __main__.__file__; give the worker's one too.
import sys as _sys
if getattr(_sys.modules["__main__"], "__spec__", None) is None and not hasattr(_sys.modules["__main__"], "__file__"):
    _sys.modules["__main__"].__file__ = "pytest-xdist-worker"

# The engines the adapter-parametrised tests run on; `make test-fast` sets DRIFTLINE_ENGINES=duckdb.
ADAPTERS = [a for a in os.environ.get("DRIFTLINE_ENGINES", "duckdb,postgres").split(",") if a]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


# -- running in parallel (pytest-xdist, `make test`) -----------------------------------------------------------------
# `make test` runs `-n 3 --dist loadgroup`: each group below runs in one worker process, which makes each build the
# group reads once and shares it between the group's tests (tests run in file order within their group, as in a
# plain run). Groups are handed out in GROUP_ORDER, longest first (measured): the Spark lane (a JVM of its own,
# minutes of Spark SQL) takes one worker, PostgreSQL and DuckDB one each, and whichever is free first takes the next.
# Each worker has its own temporary directory (its own DuckDB file and Spark warehouse) and its own PostgreSQL
# database (support/warehouse.py). Tests without a warehouse belong to no group and go wherever there is room.
GROUP_ORDER = ["spark", "postgres", "duckdb", "domain_classifier", "spark_cli", "install"]


def xdist_group(item) -> str | None:
    if item.get_closest_marker("spark"):
        # the CLI's Spark test builds a project and a Spark warehouse of its own: beside the Spark lane, not after it
        return "spark_cli" if item.module.__name__ == "test_cli_targets" else "spark"
    if item.get_closest_marker("install"):
        return "install"
    if item.module.__name__ == "test_domain_classifier":  # its own builds on both engines (LightGBM: minutes)
        return "domain_classifier"
    params = item.callspec.params if hasattr(item, "callspec") else {}
    for value in params.values():  # the engine a test is parametrised with (adapter, compiled, project, ...)
        if isinstance(value, str) and value in ("duckdb", "postgres"):
            return value
    if "duckdb_project" in item.fixturenames:
        return "duckdb"
    if "workdir" in item.fixturenames:  # compares engines: with the PostgreSQL builds, which cost the most
        return "postgres"
    return None


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(GROUP_ORDER)}
    groups = {id(item): xdist_group(item) for item in items}
    items.sort(key=lambda item: rank.get(groups[id(item)], len(GROUP_ORDER)))  # stable: file order within a group
    for item in items:
        if groups[id(item)]:
            item.add_marker(pytest.mark.xdist_group(groups[id(item)]))


class _GroupsReachXdist:
    """Fails the run when `--dist loadgroup` would not keep the groups together: pytest-xdist schedules by the
    "@group" suffix it adds to each node id, and a pytest it does not support (9.x) silently drops that suffix."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config, items):
        grouped = [item for item in items if item.get_closest_marker("xdist_group")]
        if config.getvalue("loadgroup") and grouped and "@" not in grouped[0].nodeid:
            raise pytest.UsageError("pytest-xdist's --dist loadgroup has no effect with this pytest "
                                    f"({pytest.__version__}); install the pinned one: pip install -e '.[dev]'")


def pytest_configure(config):
    if hasattr(config, "workerinput"):
        config.pluginmanager.register(_GroupsReachXdist())


def pytest_sessionfinish(session):
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: hand the parity totals to the controller
        workeroutput["parity_compared"] = {f"{e}|{d}": n for (e, d), n in parity.COMPARED.items()}


def pytest_testnodedown(node, error):
    for key, n in getattr(node, "workeroutput", {}).get("parity_compared", {}).items():
        engine, dataset = key.split("|")
        parity.COMPARED[(engine, dataset)] = parity.COMPARED.get((engine, dataset), 0) + n


def pytest_terminal_summary(terminalreporter):
    for line in parity.totals_lines():
        terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("driftline")


LANE_CHECKS = {"postgres": ("PostgreSQL", postgres_available), "spark": ("Spark", spark_available)}


def _require(adapter: str) -> None:
    """Skip (or, with CI=true, fail) when the adapter's lane cannot run; DuckDB always can."""
    if adapter not in LANE_CHECKS:
        return
    label, check = LANE_CHECKS[adapter]
    reason = check()
    if reason:
        if IN_CI:
            pytest.fail(f"{label} lane is mandatory in CI: {reason}")
        pytest.skip(f"{label} lane skipped: {reason}")


def make_warehouse(adapter: str, workdir) -> Warehouse:
    _require(adapter)
    return Warehouse(adapter, duckdb_path=str(workdir / "driftline_tests.duckdb") if adapter == "duckdb" else None,
                     spark_root=workdir / "spark" if adapter == "spark" else None)


@pytest.fixture(scope="session", params=ADAPTERS)
def adapter(request):
    _require(request.param)
    return request.param


class Built:
    """A finished dbt build: the warehouse, the schema the outputs landed in, and table accessors."""

    def __init__(self, warehouse: Warehouse, schema: str, project: DbtProject, monitors: list, invocation=None):
        self.warehouse, self.schema, self.project, self.monitors = warehouse, schema, project, monitors
        self.invocation = invocation  # the build's driftline.dbt_runner.Invocation (node statuses from run_results.json)

    def table(self, name: str, monitor: str | None = None):
        frame = self.warehouse.table(self.schema, name, monitor)
        if self.only is not None and "monitor" in frame.columns:
            frame = frame[frame["monitor"].isin(self.only)].reset_index(drop=True)
        return frame

    only = None  # monitor names this view of the build is restricted to (subset)

    def subset(self, names) -> "Built":
        """The same build, its tables restricted to the monitors named (a build shared by two groups of tests)."""
        view = Built(self.warehouse, self.schema, self.project, [m for m in self.monitors if m["name"] in set(names)],
                     self.invocation)
        view.only = set(names)
        return view


_parity_builds: dict[str, Built] = {}


def parity_build(adapter: str, workdir) -> Built:
    """Both parity datasets, every chunking NannyML was run with, built in one `dbt build`."""
    if adapter not in _parity_builds:
        wh = make_warehouse(adapter, workdir)
        data_schema, out_schema = "dl_parity_data", "dl_parity"
        wh.reset_schema(data_schema)
        wh.drop_schema(out_schema)
        monitors = []
        for name in parity.DATASETS:
            for period, frame in parity.read_dataset(name).items():
                wh.load(data_schema, f"{name}_{period}", frame)
            monitors += parity.monitors_for(name, data_schema)
        if adapter == "spark":  # Spark's multiclass and calendar-period monitors share this one (slow) build
            from test_spark import load_multiclass_monitors
            monitors += load_multiclass_monitors(wh, data_schema)
        wh.flush()
        project = DbtProject(workdir, adapter, out_schema, wh.duckdb_path, spark_root=wh.spark_root)
        invocation = project.build(monitors, tests=True)  # the package's data tests run here (test_package_tests.py)
        _parity_builds[adapter] = Built(wh, out_schema, project, monitors, invocation)
    return _parity_builds[adapter]


@pytest.fixture(scope="session")
def parity_outputs(adapter, workdir) -> Built:
    return parity_build(adapter, workdir)


_edge_builds: dict[str, Built] = {}


def edge_build(adapter: str, workdir) -> Built:
    """The awkward-input data set (support/edge_data.py) under several monitors, built in one `dbt build`."""
    from support import edge_data

    if adapter not in _edge_builds:
        wh = make_warehouse(adapter, workdir)
        data_schema, out_schema = "dl_edge_data", "dl_edge"
        wh.reset_schema(data_schema)
        wh.execute(f'drop schema if exists "{out_schema}" cascade')
        frames = edge_data.frames()
        for period, frame in frames.items():
            wh.load(data_schema, f"edge_{period}", frame)
        import pandas as pd
        combined = pd.concat([frames["reference"], frames["analysis"]], ignore_index=True)
        wh.load(data_schema, "edge_all", combined)
        wh.load(data_schema, "edge_reference_small", frames["reference"].iloc[:1200])
        with_gaps = frames["analysis"].copy()
        with_gaps.loc[with_gaps.index % 81 == 5, "ts"] = pd.NaT
        wh.load(data_schema, "edge_analysis_ts_nulls", with_gaps)
        wh.execute(f'create table "{data_schema}"."edge_analysis_empty" as select * from "{data_schema}"."edge_analysis" where 1 = 0')
        boundary = str(frames["analysis"]["ts"].iloc[0])
        monitors = [
            edge_data.monitor(data_schema, multivariate={"methods": ["pca_reconstruction"]}),
            edge_data.monitor(data_schema, "edge_small_reference", reference={"relation": f"{data_schema}.edge_reference_small"}),
            edge_data.monitor(data_schema, "edge_empty_analysis", relation=f"{data_schema}.edge_analysis_empty"),
            edge_data.monitor(data_schema, "edge_timestamp_nulls", relation=f"{data_schema}.edge_analysis_ts_nulls"),
            edge_data.monitor(data_schema, "edge_window", relation=f"{data_schema}.edge_all",
                              reference={"start": "2023-01-01", "end": boundary}),
            edge_data.monitor(data_schema, "edge_where", relation=f"{data_schema}.edge_all",
                              reference={"where": f"ts < cast('{boundary}' as timestamp)"}),
            edge_data.monitor(data_schema, "edge_continuous_append", chunking={"number": 7, "incomplete": "append"},
                              features={"continuous": edge_data.CONTINUOUS, "categorical": []},
                              univariate={"continuous_methods": ["jensen_shannon", "kolmogorov_smirnov"]}),
            edge_data.monitor(data_schema, "edge_thresholds",
                              thresholds={"jensen_shannon": {"type": "constant", "lower": 0.01, "upper": 0.2},
                                          "missing": {"type": "standard_deviation", "std_lower_multiplier": None, "std_upper_multiplier": 1},
                                          "avg": {"type": "constant", "upper": 30000}}),
            *[edge_data.monitor(data_schema, f"edge_period_{unit}", chunking={"period": unit},
                                features={"continuous": ["x_gap"], "categorical": []}, univariate={"continuous_methods": ["jensen_shannon"]})
              for unit in ("hour", "day", "week", "month", "quarter", "year")],
            edge_data.monitor(data_schema, "edge_categorical_drop", chunking={"size": 700, "incomplete": "drop"},
                              features={"continuous": [], "categorical": edge_data.CATEGORICAL},
                              univariate={"categorical_methods": ["jensen_shannon", "chi2"]}),
            # the domain classifier's SQL on awkward columns (the portability check reads this build's compiled SQL)
            edge_data.monitor(data_schema, "edge_domain_classifier", chunking={"size": 1000},
                              univariate={"continuous_methods": ["jensen_shannon"], "categorical_methods": ["jensen_shannon"]},
                              multivariate={"methods": ["domain_classifier"]}),
            # paused: its relation does not exist and its method is unknown, which `enabled: false` must not check
            dict(edge_data.monitor(data_schema, "edge_paused", relation=f"{data_schema}.no_such_table",
                                   univariate={"continuous_methods": ["no_such_method"]}), enabled=False),
        ]
        project = DbtProject(workdir, adapter, out_schema, wh.duckdb_path)
        built = Built(wh, out_schema, project, monitors, project.build(monitors, tests=True))
        built.frames = frames
        _edge_builds[adapter] = built
    return _edge_builds[adapter]


@pytest.fixture(scope="session")
def edge_outputs(adapter, workdir) -> Built:
    return edge_build(adapter, workdir)


_demo_builds: dict[str, Built] = {}
DEMO_ROWS = 40_000


def demo_monitors(data_schema: str) -> list[dict]:
    """The demo project's monitor (demo/dbt_project.yml), pointed at the test copy of its data."""
    import yaml
    from support.dbt import REPO

    monitors = yaml.safe_load((REPO / "demo" / "dbt_project.yml").read_text())["vars"]["driftline"]["monitors"]
    return [dict(m, relation=f"{data_schema}.loan_predictions") for m in monitors]


def demo_build(adapter: str, workdir) -> Built:
    """The demo (synthetic car loans, drift in the last quarter, month chunks), 40,000 rows, built once."""
    if adapter not in _demo_builds:
        from driftline.demo import generate_car_loan

        wh = make_warehouse(adapter, workdir)
        data_schema, out_schema = "dl_demo_data", "dl_demo"
        wh.reset_schema(data_schema)
        wh.execute(f'drop schema if exists "{out_schema}" cascade')
        wh.load(data_schema, "loan_predictions", generate_car_loan(DEMO_ROWS, seed=42, drift=True))
        monitors = demo_monitors(data_schema)
        project = DbtProject(workdir, adapter, out_schema, wh.duckdb_path)
        project.build(monitors)
        _demo_builds[adapter] = Built(wh, out_schema, project, monitors)
    return _demo_builds[adapter]


@pytest.fixture(scope="session")
def demo_outputs(adapter, workdir) -> Built:
    return demo_build(adapter, workdir)


_domain_classifier_builds: dict[str, Built] = {}


def domain_classifier_build(adapter: str, workdir) -> Built:
    """The domain classifier (5 LightGBM fits per chunk) on its own build, to keep the other builds fast:
    both parity datasets (chunks of 5000; car_loan also with PCA reconstruction) and the NannyML oracle's
    small edge cases (tests/fixtures/domain_classifier_edge_*.csv)."""
    from support import domain_classifier_data as dc

    if adapter not in _domain_classifier_builds:
        wh = make_warehouse(adapter, workdir)
        data_schema, out_schema = "dl_dc_data", "dl_dc"
        wh.reset_schema(data_schema)
        wh.execute(f'drop schema if exists "{out_schema}" cascade')
        monitors = dc.load(wh, data_schema)
        project = DbtProject(workdir, adapter, out_schema, wh.duckdb_path)
        built = Built(wh, out_schema, project, monitors, project.build(monitors))
        _domain_classifier_builds[adapter] = built
    return _domain_classifier_builds[adapter]


@pytest.fixture(scope="session")
def domain_classifier_outputs(adapter, workdir) -> Built:
    return domain_classifier_build(adapter, workdir)
