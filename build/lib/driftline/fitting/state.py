"""Fitted state for CBPE, for every monitor at once: the one entry point shared by the dbt Python model
(DuckDB) and the `driftline fit` command (PostgreSQL and other engines without dbt Python models).

Inputs are the two tables dbt builds: driftline__performance_specs (one row per monitor: spec_json,
fit_fingerprint) and driftline__performance_reference (reference rows in the monitor's order, one row per
class). Output: one long frame, the fitted-state table driftline__cbpe_fit.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class FitOutcome:
    """A fitted-state table and what made it: the monitors fitted in this run and those that kept the rows of the
    previous run (configuration and reference unchanged)."""
    state: pd.DataFrame
    fitted: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def _kept_rows(previous: pd.DataFrame | None, spec_row, columns: list[str]) -> pd.DataFrame | None:
    """The previous run's rows of this monitor when they were fitted for its current fit_fingerprint, else None."""
    if previous is None or not len(previous):
        return None
    kept = previous[(previous.monitor == spec_row.monitor) & (previous.fit_fingerprint == spec_row.fit_fingerprint)]
    return kept[columns] if len(kept) else None

STATE_COLUMNS = ["monitor", "fit_fingerprint", "item", "class_label", "needs_calibration", "knot_index", "x", "y",
                 "metric", "se_scale", "se_power"]


def empty_state() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="object") for c in STATE_COLUMNS})
    for c in ("x", "y", "se_scale", "se_power"):
        frame[c] = frame[c].astype("float64")
    frame["knot_index"] = frame["knot_index"].astype("Int64")
    frame["needs_calibration"] = frame["needs_calibration"].astype("boolean")
    return frame


def reference_frame(rows: pd.DataFrame, spec: dict) -> tuple[pd.DataFrame, object]:
    """Wide reference frame (row order kept) and the y_pred_proba argument fit_cbpe expects."""
    rows = rows.sort_values(["row_pos", "class_label"])
    wide = rows.pivot(index="row_pos", columns="class_label", values="proba").sort_index()
    first = rows.drop_duplicates("row_pos").set_index("row_pos").sort_index()
    frame = pd.DataFrame(index=wide.index)
    if spec["problem_type"] == "classification_binary":
        frame["y_true"] = pd.to_numeric(first["y_true"], errors="coerce")
        frame["y_pred"] = pd.to_numeric(first["y_pred"], errors="coerce")
        frame["proba_1"] = wide["1"].astype(float)
        proba = "proba_1"
    else:
        frame["y_true"] = first["y_true"].astype(object)
        frame["y_pred"] = first["y_pred"].astype(object)
        proba = {}
        for label in spec["classes"]:
            frame[f"proba_{label}"] = wide[label].astype(float)
            proba[label] = f"proba_{label}"
    return frame.reset_index(drop=True), proba


def fit_all(specs: pd.DataFrame, rows: pd.DataFrame, seed: int = 0, previous: pd.DataFrame | None = None) -> FitOutcome:
    """Fit every classification monitor of specs. A monitor whose fit_fingerprint is already in `previous` (the
    fitted state of an earlier run) keeps its rows: the fit runs once per configuration or reference change."""
    from .cbpe import fit_cbpe

    parts = [empty_state()]
    outcome = FitOutcome(pd.DataFrame())
    for spec_row in specs.itertuples():
        if spec_row.problem_type == "regression":  # DLE's (fit_all_dle)
            continue
        kept = _kept_rows(previous, spec_row, STATE_COLUMNS)
        if kept is not None:
            parts.append(kept)
            outcome.kept.append(spec_row.monitor)
            continue
        outcome.fitted.append(spec_row.monitor)
        spec = json.loads(spec_row.spec_json)
        frame, proba = reference_frame(rows[rows.monitor == spec_row.monitor], spec)
        try:
            state = fit_cbpe(frame, problem_type=spec["problem_type"], y_true="y_true", y_pred="y_pred", y_pred_proba=proba,
                             metrics=spec["metrics"], business_value_matrix=spec.get("business_value_matrix"),
                             normalize_confusion_matrix=spec.get("normalize_confusion_matrix"),
                             normalize_business_value=spec.get("normalize_business_value"), seed=seed)
        except ValueError as exc:
            raise ValueError(f"driftline: monitor '{spec_row.monitor}': {exc}") from exc
        state.insert(0, "fit_fingerprint", spec_row.fit_fingerprint)
        state.insert(0, "monitor", spec_row.monitor)
        parts.append(state[STATE_COLUMNS])
    out = pd.concat(parts, ignore_index=True)
    out["knot_index"] = pd.array(out["knot_index"], dtype="Int64")
    for c in ("x", "y", "se_scale", "se_power"):
        out[c] = out[c].astype("float64")
    for c in ("monitor", "fit_fingerprint", "item", "class_label", "metric"):
        out[c] = out[c].astype(object).where(out[c].notna(), None)
    outcome.state = out
    return outcome


RECONSTRUCTION_COLUMNS = ["monitor", "fit_fingerprint", "item", "column_name", "category", "component", "value"]


def fit_all_reconstruction(specs: pd.DataFrame, rows: pd.DataFrame, previous: pd.DataFrame | None = None) -> FitOutcome:
    """PCA reconstruction state of every monitor in specs (driftline__multivariate_specs), from the wide
    reference rows (driftline__multivariate_reference). Unchanged monitors keep their previous rows."""
    from .reconstruction import fit_reconstruction, state_frame

    parts = [pd.DataFrame({c: pd.Series(dtype="float64" if c == "value" else "object") for c in RECONSTRUCTION_COLUMNS})]
    outcome = FitOutcome(pd.DataFrame())
    for spec_row in specs.itertuples():
        kept = _kept_rows(previous, spec_row, RECONSTRUCTION_COLUMNS)
        if kept is not None:
            parts.append(kept)
            outcome.kept.append(spec_row.monitor)
            continue
        outcome.fitted.append(spec_row.monitor)
        spec = json.loads(spec_row.spec_json)
        mine = rows[rows.monitor == spec_row.monitor].sort_values("row_pos")
        frame = pd.DataFrame(index=range(len(mine)))
        for i, c in enumerate(spec["continuous"]):          # wide input: c<i>, k<j> in the spec's order
            frame[c] = mine[f"c{i}"].astype(float).to_numpy()
        for j, c in enumerate(spec["categorical"]):
            values = mine[f"k{j}"].astype(object)
            frame[c] = values.where(values.notna(), None).to_numpy()
        try:
            state = fit_reconstruction(frame.reset_index(drop=True), spec["continuous"], spec["categorical"],
                                       spec["variance_threshold"])
        except ValueError as exc:
            raise ValueError(f"driftline: monitor '{spec_row.monitor}': {exc}") from exc
        out = state_frame(state, spec["continuous"], spec["categorical"])
        out.insert(0, "fit_fingerprint", spec_row.fit_fingerprint)
        out.insert(0, "monitor", spec_row.monitor)
        parts.append(out[RECONSTRUCTION_COLUMNS])
    result = pd.concat(parts, ignore_index=True)
    result["component"] = pd.array(result["component"], dtype="Int64")
    result["value"] = result["value"].astype("float64")
    for c in ("monitor", "fit_fingerprint", "item", "column_name", "category"):
        result[c] = result[c].astype(object).where(result[c].notna(), None)
    outcome.state = result
    return outcome


def previous_state(session, relation) -> pd.DataFrame | None:
    """The fitted-state table of an earlier run, read inside a dbt Python model; None on the first run."""
    try:
        return session.sql(f"select * from {relation}").df()
    except Exception:  # noqa: BLE001 - the table does not exist yet
        return None


DOMAIN_CLASSIFIER_COLUMNS = ["monitor", "period", "chunk_index", "n_rows", "n_reference", "value", "fit_fingerprint",
                             "dc_signature", "computed_at", "compute_seconds"]


def wide_features(rows: pd.DataFrame, spec: dict) -> pd.DataFrame:
    """Wide rows (c<i>, k<j> in the spec's order, as driftline__multivariate_reference and
    driftline__domain_classifier_rows hold them) as a frame with the feature names, in row_pos order.
    Continuous values as floats (NULL -> NaN), categories as objects (NULL -> NaN)."""
    rows = rows.sort_values("row_pos")
    frame = pd.DataFrame(index=range(len(rows)))
    for i, c in enumerate(spec["continuous"]):
        frame[c] = pd.to_numeric(rows[f"c{i}"], errors="coerce").astype(float).to_numpy()
    for j, c in enumerate(spec["categorical"]):
        values = rows[f"k{j}"].astype(object)
        frame[c] = values.where(values.notna(), np.nan).to_numpy()
    return frame


def domain_classifier_values(specs: pd.DataFrame, chunks: pd.DataFrame, reference_rows, chunk_rows,
                             previous: pd.DataFrame | None = None, log=None) -> pd.DataFrame:
    """Per-chunk domain-classifier values (the table driftline__chunk_domain_classifier) for every monitor in
    specs (driftline__domain_classifier_specs) and every chunk in chunks (driftline__domain_classifier_chunks).

    A chunk that is not pending keeps its row of `previous` (the table of the earlier run); the pending ones
    are computed. reference_rows(monitor) returns the monitor's wide reference rows, chunk_rows(monitor,
    chunk_index) the wide rows of one analysis chunk: only one chunk is in memory at a time."""
    import time

    from .domain_classifier import Layout, analysis_chunk_auroc, reference_chunk_auroc

    empty = pd.DataFrame({c: pd.Series(dtype="object") for c in DOMAIN_CLASSIFIER_COLUMNS})
    parts = [empty]
    kept_signatures = set()
    if previous is not None and len(previous):
        current = chunks[~chunks["is_pending"].astype(bool)]
        kept = previous.merge(current[["monitor", "dc_signature"]], on=["monitor", "dc_signature"])
        kept = kept.drop_duplicates(["monitor", "dc_signature"])
        kept_signatures = set(zip(kept["monitor"], kept["dc_signature"]))
        parts.append(kept[DOMAIN_CLASSIFIER_COLUMNS])
    todo = chunks[[(m, s) not in kept_signatures for m, s in zip(chunks["monitor"], chunks["dc_signature"])]]
    for spec_row in specs.itertuples():
        mine = todo[todo["monitor"] == spec_row.monitor].sort_values(["period", "chunk_index"], ascending=[False, True])
        if mine.empty:
            continue
        spec = json.loads(spec_row.spec_json)
        layout = Layout(spec["continuous"], spec["categorical"], spec.get("numeric_categorical", []))
        reference = wide_features(reference_rows(spec_row.monitor), spec)
        if log:
            log(f"driftline: monitor '{spec_row.monitor}': domain classifier for {len(mine)} chunk(s), "
                f"{len(reference)} reference rows")
        rows = []
        for chunk in mine.itertuples():
            started = time.perf_counter()
            if chunk.period == "reference":
                value = reference_chunk_auroc(reference, int(chunk.chunk_start_index), int(chunk.chunk_end_index), layout)
            else:
                data = wide_features(chunk_rows(spec_row.monitor, int(chunk.chunk_index)), spec)
                if len(data) != int(chunk.n_rows):
                    raise ValueError(f"driftline: monitor '{spec_row.monitor}': analysis chunk {chunk.chunk_index} has "
                                     f"{len(data)} rows to classify, expected {chunk.n_rows}. Fix: run the build again "
                                     "(rows changed while it ran), or with --full-refresh.")
                value = analysis_chunk_auroc(reference, data, layout)
            rows.append({"monitor": spec_row.monitor, "period": chunk.period, "chunk_index": int(chunk.chunk_index),
                         "n_rows": int(chunk.n_rows), "n_reference": len(reference), "value": value,
                         "fit_fingerprint": chunk.fit_fingerprint, "dc_signature": chunk.dc_signature,
                         "computed_at": pd.Timestamp.now(tz="UTC").tz_localize(None),
                         "compute_seconds": time.perf_counter() - started})
        parts.append(pd.DataFrame(rows, columns=DOMAIN_CLASSIFIER_COLUMNS))
    out = pd.concat(parts, ignore_index=True)
    out["chunk_index"] = out["chunk_index"].astype("int32")
    for c in ("n_rows", "n_reference"):
        out[c] = out[c].astype("int64")
    for c in ("value", "compute_seconds"):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype("float64")
    out["computed_at"] = pd.to_datetime(out["computed_at"])
    for c in ("monitor", "period", "fit_fingerprint", "dc_signature"):
        out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out


DLE_COLUMNS = ["monitor", "fit_fingerprint"]  # + driftline.fitting.dle.STATE_COLUMNS


def fit_all_dle(specs: pd.DataFrame, rows: pd.DataFrame, previous: pd.DataFrame | None = None) -> FitOutcome:
    """DLE state of every regression monitor in specs (driftline__performance_specs), from the wide reference
    rows (driftline__dle_reference: y_true, y_pred, c<i>, k<j> in the spec's feature order). Unchanged
    monitors keep their previous rows; classification monitors are CBPE's (fit_all)."""
    from .dle import STATE_COLUMNS, fit_dle, state_frame

    columns = DLE_COLUMNS + STATE_COLUMNS
    parts = [state_frame([]).assign(monitor=None, fit_fingerprint=None)[columns]]
    outcome = FitOutcome(pd.DataFrame())
    for spec_row in specs.itertuples():
        if spec_row.problem_type != "regression":
            continue
        kept = _kept_rows(previous, spec_row, columns)
        if kept is not None:
            parts.append(kept)
            outcome.kept.append(spec_row.monitor)
            continue
        outcome.fitted.append(spec_row.monitor)
        spec = json.loads(spec_row.spec_json)
        mine = rows[rows.monitor == spec_row.monitor].sort_values("row_pos")
        frame = pd.DataFrame(index=range(len(mine)))
        for i, c in enumerate(spec["continuous"]):
            frame[c] = mine[f"c{i}"].astype(float).to_numpy()
        for j, c in enumerate(spec["categorical"]):
            values = mine[f"k{j}"].astype(object)
            frame[c] = values.where(values.notna(), None).to_numpy()
        frame[spec["y_true"]] = mine["y_true"].astype(float).to_numpy()
        frame[spec["y_pred"]] = mine["y_pred"].astype(float).to_numpy()
        try:
            state = fit_dle(frame, continuous=spec["continuous"], categorical=spec["categorical"], y_true=spec["y_true"],
                            y_pred=spec["y_pred"], metrics=spec["metrics"], hyperparameters=spec.get("hyperparameters"))
        except ValueError as exc:
            raise ValueError(f"driftline: monitor '{spec_row.monitor}': {exc}") from exc
        state.insert(0, "fit_fingerprint", spec_row.fit_fingerprint)
        state.insert(0, "monitor", spec_row.monitor)
        parts.append(state[columns])
    result = pd.concat(parts, ignore_index=True)
    typed = state_frame(result[STATE_COLUMNS].to_dict("records"))
    typed.insert(0, "fit_fingerprint", result["fit_fingerprint"].astype(object).where(result["fit_fingerprint"].notna(), None))
    typed.insert(0, "monitor", result["monitor"].astype(object).where(result["monitor"].notna(), None))
    outcome.state = typed
    return outcome
