"""NannyML 0.13.1 parity data from ../shared/parity: load it and declare driftline monitors from its spec.json."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

from .dbt import REPO

PARITY = Path(REPO).parent / "shared" / "parity"
TOOLS = Path(REPO).parent / "shared" / "tools"
DATASETS = ["car_loan", "car_loan_dq"]


def comparator():
    """The shared comparator (shared/tools/parity_check.py), imported from where CI puts it."""
    if str(TOOLS) not in sys.path:
        sys.path.insert(0, str(TOOLS))
    import parity_check  # noqa: PLC0415 - lives outside the repository by design
    return parity_check


def read_dataset(name: str) -> dict[str, pd.DataFrame]:
    frames = {}
    for period in ("reference", "analysis"):
        frame = pd.read_csv(PARITY / name / f"{period}.csv")
        frame["timestamp"] = pd.to_datetime(frame["timestamp"])
        frames[period] = frame
    return frames


def spec(name: str) -> dict:
    return json.loads((PARITY / name / "spec.json").read_text())


def monitors_for(name: str, data_schema: str) -> list[dict]:
    """One monitor per chunking NannyML was run with on this dataset; names: <dataset>, <dataset>__<run>."""
    s = spec(name)
    categorical = list(s["categorical"])
    base = {
        "relation": f"{data_schema}.{name}_analysis",
        "reference": {"relation": f"{data_schema}.{name}_reference"},
        "timestamp": s["timestamp"],
        "id": s["id"],
        "problem_type": s["problem"],
        "features": {"continuous": [f for f in s["features"] if f not in categorical], "categorical": categorical},
        "chunking": s["chunking"],
        "univariate": {"continuous_methods": s["univariate_methods"]["continuous"],
                       "categorical_methods": s["univariate_methods"]["categorical"]},
    }
    if s.get("cbpe_metrics"):
        base.update(y_pred_proba=s["y_pred_proba"], y_pred=s["y_pred"], y_true=s["y_true"],
                    performance={"metrics": s["cbpe_metrics"], "business_value_matrix": s.get("business_value_matrix"),
                                 "normalize_confusion_matrix": s.get("normalize_confusion_matrix")})
    if s.get("data_reconstruction"):
        base["multivariate"] = {"methods": ["pca_reconstruction"]}
    monitors = [dict(base, name=name)]
    for run, chunking in s.get("extra_chunker_runs", {}).items():
        header = pd.read_csv(PARITY / name / f"{run}__univariate_drift.csv", nrows=0).columns
        methods = {kind: [m for m in s["univariate_methods"][kind] if any(c.endswith(f"_{m}_value") for c in header)]
                   for kind in ("continuous", "categorical")}
        chunking = {"period": chunking["period"]} if "period" in chunking else chunking
        extra = dict(base, name=f"{name}__{run}", chunking=chunking,
                     univariate={"continuous_methods": methods["continuous"], "categorical_methods": methods["categorical"]})
        cbpe_file = PARITY / name / f"{run}__cbpe.csv"
        if "performance" in base and cbpe_file.exists():
            header = pd.read_csv(cbpe_file, nrows=0).columns
            metrics = [m for m in s["cbpe_metrics"] if any(c.startswith(m + "_") for c in header)
                       or (m == "confusion_matrix" and any(c.startswith("true_positive_") for c in header))]
            extra["performance"] = dict(base["performance"], metrics=metrics)
        monitors.append(extra)
    return monitors


def parity_cases() -> list[tuple[str, str, str, str]]:
    """(dataset, monitor, NannyML result file stem, driftline table) for every file this issue must match."""
    cases = []
    tables = {"univariate_drift": "driftline_univariate_drift", "data_reconstruction": "driftline_multivariate_drift",
              "dq_missing": "driftline_data_quality",
              "dq_unseen": "driftline_data_quality", "dq_range": "driftline_data_quality"}
    for stat in ("avg", "std", "median", "sum", "count"):
        tables[f"stats_{stat}"] = "driftline_summary_stats"
    for name in DATASETS:
        for stem, table in tables.items():
            if (PARITY / name / f"{stem}.csv").exists():
                cases.append((name, name, stem, table))
        for run in spec(name).get("extra_chunker_runs", {}):
            cases.append((name, f"{name}__{run}", f"{run}__univariate_drift", "driftline_univariate_drift"))
    return cases


def performance_cases() -> list[tuple[str, str, str]]:
    """(dataset, monitor, NannyML file stem) for the CBPE and realized-performance files."""
    cases = []
    for name in DATASETS:
        for stem in ("cbpe", "realized"):
            if (PARITY / name / f"{stem}.csv").exists():
                cases.append((name, name, stem))
        for run in spec(name).get("extra_chunker_runs", {}):
            if (PARITY / name / f"{run}__cbpe.csv").exists():
                cases.append((name, f"{name}__{run}", f"{run}__cbpe"))
    return cases


def oracle_subset(dataset: str, stem: str, keep, folder: Path) -> str:
    """A copy of a NannyML result file with only the metric columns keep(column) accepts, for comparisons
    that need a different tolerance per metric (the bootstrap sampling error of average_precision)."""
    flat = pd.read_csv(PARITY / dataset / f"{stem}.csv")
    columns = [c for c in flat.columns if c.startswith("chunk_") or keep(c)]
    folder.mkdir(parents=True, exist_ok=True)
    flat[columns].to_csv(folder / f"{stem}.csv", index=False)
    return str(folder)
