"""The Spark lane (dbt-spark, `method: session`, local pyspark): the parity build on Spark matches NannyML
0.13.1 like the other engines, and its outputs agree with DuckDB's within 1e-9, table by table.

The lane needs Java and pyspark (the `dev` extras install pyspark). Outside CI it is skipped with the reason
when either is missing; with CI=true it is mandatory (tests/conftest.py). One build on Spark serves every test
here: both parity datasets with every chunking, CBPE and PCA reconstruction fitted by `driftline fit`, plus a
multiclass CBPE monitor and three calendar-period monitors (a Spark build costs minutes, so there is one). The
tests read it through Built.subset: the parity monitors, or the multiclass ones.
"""
import pytest

import test_adapters_agree as agree
import test_parity as parity_tests
import test_performance_parity as performance_tests
from conftest import parity_build
from support import multiclass_data as md
from support import parity as support_parity
from support import parity_data

pytestmark = pytest.mark.spark


PARITY_MONITORS = [m["name"] for name in parity_data.DATASETS for m in support_parity.monitors_for(name, "unused")]
MULTICLASS_MONITORS = ["mc", "mc_hour", "mc_day", "mc_week"]


@pytest.fixture(scope="module")
def spark_parity(workdir):
    """The parity monitors of the Spark build (which also holds the multiclass monitors below)."""
    return parity_build("spark", workdir).subset(PARITY_MONITORS)


@pytest.mark.parametrize("dataset,monitor,stem,table", parity_tests.CASES, ids=[f"{c[1]}-{c[2]}" for c in parity_tests.CASES])
def test_spark_matches_nannyml(spark_parity, dataset, monitor, stem, table):
    parity_tests.test_matches_nannyml(spark_parity, dataset, monitor, stem, table)


def test_spark_chunk_catalogue_matches_nannyml(spark_parity):
    parity_tests.test_chunk_catalogue_matches_nannyml(spark_parity)


def test_spark_chi2_p_values_drive_alerts(spark_parity):
    parity_tests.test_chi2_p_values_drive_alerts(spark_parity)


@pytest.mark.parametrize("dataset,monitor,stem", performance_tests.CASES, ids=[f"{c[1]}-{c[2]}" for c in performance_tests.CASES])
def test_spark_performance_matches_nannyml(spark_parity, dataset, monitor, stem):
    performance_tests.test_performance_matches_nannyml(spark_parity, dataset, monitor, stem)


@pytest.mark.parametrize("table", sorted(agree.OUTPUTS))
def test_spark_agrees_with_duckdb(spark_parity, workdir, table):
    agree.test_outputs_agree(("parity", parity_build("duckdb", workdir).subset(PARITY_MONITORS), spark_parity), table)


# -- multiclass CBPE on Spark ------------------------------------------------------------------------------------
# One monitor of tests/support/multiclass_data.py (6,000 reference and 6,000 analysis rows, 3 classes, chunks of
# 1,000, late targets in chunk 4): built on Spark and on DuckDB, its performance rows must agree within 1e-9.
# (test_multiclass_performance.py checks DuckDB's against an independent computation.)

def load_multiclass_monitors(wh, data_schema: str) -> list[dict]:
    """Load the multiclass data into data_schema and return its monitors (one multiclass CBPE monitor and three
    calendar-period monitors): the Spark parity build carries them, DuckDB builds them on their own."""
    frames = md.frames()
    wh.load(data_schema, "mc_reference", frames["reference"])
    wh.load(data_schema, "mc_analysis", frames["analysis"])
    wh.load(data_schema, "mc_reference_2days", frames["reference"].iloc[-288:])
    wh.load(data_schema, "mc_analysis_2days", frames["analysis"].iloc[:288])
    return [md.monitor(data_schema, "mc", "mc_analysis", "mc_reference"),
            *[period_monitor(data_schema, unit) for unit in ("hour", "day", "week")]]


_duckdb_multiclass = {}


def multiclass_build(adapter, workdir):
    """Spark: the multiclass monitors of the Spark parity build; DuckDB: the same monitors built on their own."""
    from conftest import Built, make_warehouse
    from support.dbt import DbtProject

    if adapter == "spark":
        return parity_build("spark", workdir).subset(MULTICLASS_MONITORS)
    if adapter not in _duckdb_multiclass:
        wh = make_warehouse(adapter, workdir)
        data_schema, out_schema = "dl_mc1_data", "dl_mc1"
        wh.reset_schema(data_schema)
        wh.drop_schema(out_schema)
        monitors = load_multiclass_monitors(wh, data_schema)
        project = DbtProject(workdir, adapter, out_schema, wh.duckdb_path)
        project.build(monitors)
        _duckdb_multiclass[adapter] = Built(wh, out_schema, project, monitors)
    return _duckdb_multiclass[adapter]


def period_monitor(schema: str, unit: str) -> dict:
    """Drift only, chunked by calendar period: the period keys (2024-01-01, 2024-01-01/2024-01-07, 2024-01-01 05:00)
    come from each engine's dispatched date formatting, so Spark's must equal DuckDB's. The hour monitor's
    monitor sees two days of each period (288 rows, 48 chunks each) to keep the lane small."""
    suffix = "_2days" if unit == "hour" else ""
    m = {key: value for key, value in md.monitor(schema, f"mc_{unit}", f"mc_analysis{suffix}", f"mc_reference{suffix}").items()
         if key not in ("problem_type", "y_pred_proba", "y_pred", "y_true", "performance")}
    return dict(m, chunking={"period": unit}, univariate={"continuous_methods": ["jensen_shannon"]})


@pytest.mark.parametrize("table", ["driftline_performance", "driftline_chunks", "driftline_alerts", "driftline_univariate_drift"])
def test_spark_multiclass_agrees_with_duckdb(workdir, table):
    spark, duck = multiclass_build("spark", workdir), multiclass_build("duckdb", workdir)
    if table == "driftline_performance":
        frame = spark.table(table)
        assert len(frame) > 0 and set(frame.kind) == {"estimated", "realized"}
    agree.test_outputs_agree(("multiclass", duck, spark), table)


def test_spark_period_keys_are_calendar_dates(workdir):
    """The first analysis chunk of each calendar-period monitor, worked out by hand: the analysis starts on
    Sunday 2024-02-11 at 16:00, whose week (Monday to Sunday, as pandas' W-SUN periods) began on 2024-02-05."""
    chunks = multiclass_build("spark", workdir).table("driftline_chunks")
    analysis = chunks[chunks["period"] == "analysis"].sort_values("chunk_index")
    first = analysis.groupby("monitor")["chunk_key"].first()
    assert first["mc_hour"] == "2024-02-11 16:00"
    assert first["mc_day"] == "2024-02-11"
    assert first["mc_week"] == "2024-02-05/2024-02-11"
    assert (analysis["monitor"] == "mc_hour").sum() == 48
