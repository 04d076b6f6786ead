"""CBPE fitted state (calibration maps and sampling-error components), learned from the reference.

A thin wrapper: the math lives in the driftline Python package (driftline.fitting), which the
`driftline fit` command also runs for engines without dbt Python models (PostgreSQL). A monitor whose
configuration and reference are unchanged keeps the state of the previous run, so the fit runs once per
reference change, not on every scheduled build.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from driftline.fitting.state import fit_all, previous_state

    specs = dbt.ref("driftline__performance_specs").df()
    rows = dbt.ref("driftline__performance_reference").df()
    return fit_all(specs, rows, previous=previous_state(session, dbt.this)).state
