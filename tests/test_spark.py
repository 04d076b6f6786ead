"""The Spark lane (dbt-spark, `method: session`, local pyspark): the parity build on Spark matches NannyML
0.13.1 like the other engines, and its outputs agree with DuckDB's within 1e-9, table by table.

The lane needs Java and pyspark (the `dev` extras install pyspark). Outside CI it is skipped with the reason
when either is missing; with CI=true it is mandatory (tests/conftest.py). One parity build on Spark (both
parity datasets, every chunking, CBPE and PCA reconstruction fitted by `driftline fit`) serves every test here.
"""
import pytest

import test_adapters_agree as agree
import test_parity as parity_tests
import test_performance_parity as performance_tests
from conftest import parity_build

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark_parity(workdir):
    return parity_build("spark", workdir)


@pytest.mark.parametrize("dataset,monitor,stem,table", parity_tests.CASES, ids=[f"{c[1]}-{c[2]}" for c in parity_tests.CASES])
def test_spark_matches_nannyml(spark_parity, dataset, monitor, stem, table):
    parity_tests.test_matches_nannyml(spark_parity, dataset, monitor, stem, table)


def test_spark_chunk_catalogue_matches_nannyml(spark_parity):
    parity_tests.test_chunk_catalogue_matches_nannyml(spark_parity)


def test_spark_chi2_p_values_drive_alerts(spark_parity):
    parity_tests.test_chi2_p_values_drive_alerts(spark_parity)


@pytest.mark.parametrize("dataset,monitor,stem", performance_tests.CASES, ids=[f"{c[1]}-{c[2]}" for c in performance_tests.CASES])
def test_spark_performance_matches_nannyml(spark_parity, tmp_path, dataset, monitor, stem):
    performance_tests.test_performance_matches_nannyml(spark_parity, tmp_path, dataset, monitor, stem)


@pytest.mark.parametrize("table", sorted(agree.OUTPUTS))
def test_spark_agrees_with_duckdb(spark_parity, workdir, table):
    agree.test_outputs_agree(("parity", parity_build("duckdb", workdir), spark_parity), table)
