"""driftline_chi2_p_values (macros/statistics/driftline_chi2_p_values.sql) against scipy.stats.chi2.sf.

A throwaway dbt project in a temporary directory installs driftline from this repository, builds one model
that runs the macro over a grid of (statistic, dof) cases, and the table is read back and compared with scipy.
DuckDB always runs; PostgreSQL (127.0.0.1:5432, user postgres, database test) is skipped when unreachable,
unless CI=true.
"""

import itertools
import math
import os
import textwrap
from pathlib import Path

import pytest
from scipy.stats import chi2

from conftest import ADAPTERS
from support.warehouse import PG, postgres_available

REPO_ROOT = Path(__file__).resolve().parents[1]
MAX_DOF = 5000
PG_SCHEMA = "dl_chi2_test"

ABS_TOL = 2e-7
REL_TOL = 1e-6

STATISTICS = [0.0, 1e-6, 0.01, 0.5, 1.0, 3.84, 4.001, 10.0, 50.0, 200.0, 1000.0, 5000.0]
DOFS = [0, 1, 2, 3, 4, 5, 10, 11, 50, 51, 500, 501]
EXTRA_CASES = [
    # NULLs
    (None, 3), (2.0, None), (None, None), (None, 0), (0.0, None),
    # around the supported bound and above it
    (5000.0, 5000), (4900.0, 4999), (5100.0, 4998), (1e-6, 5000), (4000.0, 5000), (6000.0, 4999),
    (1.0, 5001), (6000.0, 6000), (0.0, 6000), (3.0, 0),
    # deep tails (p from ~1e-20 down to ~1e-300) and region boundaries of the erfc approximation
    (100.0, 1), (100.0, 2), (1300.0, 1), (1300.0, 2), (1370.0, 3), (1400.0, 50), (2000.0, 501),
    (700.0, 500), (1500.0, 1000), (0.878906, 1), (0.87890625, 1), (32.0, 1), (32.0, 3),
    (1457.0, 1), (1458.0, 1), (1e-12, 1), (1e-12, 2), (1e-300, 1), (1e-300, 3), (0.3, 999), (2.5, 7),
]
CASES = [(s, d) for s, d in itertools.product(STATISTICS, DOFS)] + EXTRA_CASES


def _expected(statistic, dof):
    if statistic is None or dof is None:
        return None
    if dof == 0 or statistic == 0:
        return 1.0
    if dof > MAX_DOF:
        return None
    return float(chi2.sf(statistic, dof))


def _sql_number(value, sql_type):
    return f"cast({'null' if value is None else repr(value)} as {sql_type})"


def _model_sql():
    rows = ",\n".join(
        f"    ({case_id}, {_sql_number(s, 'double precision')}, {_sql_number(d, 'integer')}, 'case {case_id}')"
        for case_id, (s, d) in enumerate(CASES)
    )
    return (
        "{{ config(materialized='table') }}\n"
        "{% set cases %}\n"
        f"select * from (values\n{rows}\n) as t(case_id, statistic, dof, label)\n"
        "{% endset %}\n"
        "{{ driftline.driftline_chi2_p_values(cases) }}\n"
    )


def _profiles(adapter, project_dir):
    if adapter == "duckdb":
        output = f"type: duckdb\n      path: '{project_dir / 'chi2.duckdb'}'\n      threads: 1"
    else:
        output = (
            f"type: postgres\n      host: {PG['host']}\n      port: {PG['port']}\n      user: {PG['user']}\n"
            f"      pass: ''\n      dbname: {PG['dbname']}\n      schema: {PG_SCHEMA}\n      threads: 1"
        )
    return f"chi2_check:\n  target: {adapter}\n  outputs:\n    {adapter}:\n      {output}\n"


def _postgres_or_skip():
    message = postgres_available()
    if message:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


def _dbt(project_dir, *args):
    from driftline.dbt_runner import invoke

    done = invoke(list(args), project_dir, project_dir, echo=False)
    assert done.success, f"dbt {' '.join(args)} failed:\n{done.output[-3000:]}"


@pytest.fixture(scope="module", params=[a if a != "postgres" else pytest.param(a, marks=pytest.mark.postgres) for a in ADAPTERS])
def built(request, tmp_path_factory):
    """(adapter, column names, rows ordered by case_id) of the built chi2_check table."""
    adapter = request.param
    if adapter == "postgres":
        _postgres_or_skip()
    project_dir = tmp_path_factory.mktemp(f"chi2_{adapter}")
    (project_dir / "models").mkdir()
    (project_dir / "dbt_project.yml").write_text(textwrap.dedent("""\
        name: chi2_check_project
        version: "1.0.0"
        config-version: 2
        profile: chi2_check
        model-paths: ["models"]
    """))
    (project_dir / "packages.yml").write_text(f"packages:\n  - local: {REPO_ROOT}\n")
    (project_dir / "profiles.yml").write_text(_profiles(adapter, project_dir))
    (project_dir / "models" / "chi2_check.sql").write_text(_model_sql())

    _dbt(project_dir, "deps")
    _dbt(project_dir, "build", "--select", "chi2_check")

    query = "select * from {}chi2_check order by case_id"
    if adapter == "duckdb":
        import duckdb

        with duckdb.connect(str(project_dir / "chi2.duckdb"), read_only=True) as con:
            cursor = con.execute(query.format(""))
            columns = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
        yield adapter, columns, rows
    else:
        import psycopg2

        con = psycopg2.connect(**PG)
        con.autocommit = True
        try:
            with con.cursor() as cursor:
                cursor.execute(query.format(f"{PG_SCHEMA}."))
                columns = [d[0] for d in cursor.description]
                rows = cursor.fetchall()
            yield adapter, columns, rows
            with con.cursor() as cursor:
                cursor.execute(f"drop schema if exists {PG_SCHEMA} cascade")
        finally:
            con.close()


def test_input_columns_are_kept_and_p_value_added(built):
    _, columns, rows = built
    assert columns == ["case_id", "statistic", "dof", "label", "p_value"]
    assert [r[0] for r in rows] == list(range(len(CASES)))
    for case_id, statistic, dof, label, _ in rows:
        assert (statistic, dof, label) == (*CASES[case_id], f"case {case_id}")


def test_null_zero_and_bound_rules_are_exact(built):
    _, _, rows = built
    checked = 0
    for case_id, statistic, dof, _, p_value in rows:
        if statistic is None or dof is None or (dof > MAX_DOF and statistic != 0):
            assert p_value is None, (statistic, dof, p_value)
            checked += 1
        elif dof == 0 or statistic == 0:
            assert p_value == 1.0, (statistic, dof, p_value)
            checked += 1
        else:
            assert p_value is not None and 0.0 <= p_value <= 1.0, (statistic, dof, p_value)
    assert checked >= len(STATISTICS) + len(DOFS) + 5


def test_p_values_match_scipy(built):
    adapter, _, rows = built
    failures, max_abs, max_rel = [], 0.0, 0.0
    for case_id, statistic, dof, _, p_value in rows:
        expected = _expected(statistic, dof)
        if expected is None or p_value is None:
            assert p_value == expected, (statistic, dof, p_value, expected)
            continue
        abs_err = abs(p_value - expected)
        rel_err = abs_err / expected if expected > 1e-300 else 0.0
        max_abs, max_rel = max(max_abs, abs_err), max(max_rel, rel_err)
        if abs_err > ABS_TOL or rel_err > REL_TOL:
            failures.append(f"chi2.sf({statistic!r}, {dof}) = {expected!r}, {adapter} gave {p_value!r}")
    print(f"\n{adapter}: {len(rows)} cases, max abs error {max_abs:.3g}, max rel error (p > 1e-300) {max_rel:.3g}")
    assert not failures, "\n".join(failures)
    assert not math.isnan(max_abs)
