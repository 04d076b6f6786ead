"""DLE fitted state (the nanny models' trees, category codes and sampling-error components), learned from the
reference of every regression monitor. A thin wrapper around driftline.fitting; `driftline fit` runs the same
code for engines without dbt Python models. Unchanged monitors keep their previous state, so the LightGBM
models are trained once per configuration or reference change.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from driftline.fitting.state import fit_all_dle, previous_state

    specs = dbt.ref("driftline__performance_specs").df()
    rows = dbt.ref("driftline__dle_reference").df()
    return fit_all_dle(specs, rows, previous=previous_state(session, dbt.this)).state
