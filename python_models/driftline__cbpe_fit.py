"""CBPE fitted state (calibration maps and sampling-error components), learned from the reference.

A thin wrapper: the math lives in the driftline Python package (driftline.fitting), which the
`driftline fit` command also runs for engines without dbt Python models (PostgreSQL).
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from driftline.fitting.state import fit_all

    specs = dbt.ref("driftline__performance_specs").df()
    rows = dbt.ref("driftline__performance_reference").df()
    return fit_all(specs, rows)
