"""Benchmark driftline end to end on DuckDB or Spark (a benchmark script, not a test).

    python bench/run.py --rows N [--target duckdb|spark] [--reference R.parquet --analysis A.parquet] [--domain-classifier] [--keep]

Generates N synthetic car-loan rows (half reference, half analysis, drift on) -- or loads the two parquet
files -- into a fresh DuckDB file under bench/out/, writes a throwaway dbt project under bench/out/project
that installs this repository as a local package with two monitors over the data (a classifier with drift,
multivariate drift and CBPE; a regression monitor with DLE, unless --no-regression), runs `dbt deps` and
`dbt build`, and prints

    stage=<generate|load|deps|build> seconds=<s>
    model=<model name> seconds=<execution_time from run_results.json>
    domain_classifier period=<p> chunks=<k> ... seconds_per_chunk=<s>   <- with --domain-classifier
    rows=N total_seconds=T peak_rss_mb=M      <- always the last line

total_seconds = load + build (data ingestion into the warehouse plus the dbt build; generation and
`dbt deps` are excluded). On --target spark (dbt-spark `method: session`: a local Spark with its warehouse
directory and Derby metastore under bench/out/spark, driver memory $BENCH_SPARK_DRIVER_MEMORY, default 4g) the
load is a Spark job reading the generated rows from parquet, and the build is `driftline fit` (the fitted
state, as on every engine without dbt Python models) followed by `dbt build`; `stage=fit` prints the fit alone.
peak_rss_mb = max(peak RSS of this process, of the largest child, and of the dbt process tree sampled from
/proc, which includes Spark's JVM).
Exits non-zero, printing the tail of dbt's output, when dbt fails. bench/out/ is removed afterwards unless
--keep is given or a stage failed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = REPO_ROOT / "bench" / "out"
PROJECT_DIR = OUT_DIR / "project"
DB_PATH = OUT_DIR / "bench.duckdb"
SPARK_ROOT = OUT_DIR / "spark"

sys.path.insert(0, str(REPO_ROOT))

REQUIRED_COLUMNS = [
    "id", "timestamp", "car_value", "salary_range", "debt_to_income_ratio", "loan_length",
    "repaid_loan_on_prev_car", "size_of_downpayment", "driver_tenure", "y_pred_proba", "y_pred", "repaid",
]
CONTINUOUS = ["car_value", "debt_to_income_ratio", "loan_length", "driver_tenure"]
CATEGORICAL = ["salary_range", "repaid_loan_on_prev_car", "size_of_downpayment"]
OUTPUT_TAIL_LINES = 60


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, help="rows to generate (half reference, half analysis)")
    p.add_argument("--target", choices=["duckdb", "spark"], default="duckdb",
                   help="warehouse: an embedded DuckDB file, or a local Spark session (dbt-spark session mode)")
    p.add_argument("--reference", type=Path, help="parquet file with the reference rows (instead of --rows)")
    p.add_argument("--analysis", type=Path, help="parquet file with the analysis rows (instead of --rows)")
    p.add_argument("--seed", type=int, default=42, help="generator seed (default 42)")
    p.add_argument("--keep", action="store_true", help="keep bench/out/ (database and dbt project) afterwards")
    p.add_argument("--domain-classifier", action="store_true",
                   help="add the domain classifier to the monitor's multivariate methods (5 LightGBM fits per chunk) "
                        "and print its cost per chunk")
    p.add_argument("--empty-monitors", action="store_true",
                   help="harness smoke test: declare no monitors, so dbt builds nothing driftline-specific")
    p.add_argument("--no-regression", action="store_true",
                   help="leave out the regression monitor (DLE: LightGBM nanny models scored in SQL)")
    args = p.parse_args(argv)
    if (args.reference is None) != (args.analysis is None):
        p.error("--reference and --analysis go together")
    if args.reference is None and (args.rows is None or args.rows < 2):
        p.error("give --rows N (N >= 2), or --reference and --analysis parquet files")
    if args.reference is not None and args.rows is not None:
        p.error("--rows and --reference/--analysis are alternatives")
    if args.target == "spark" and args.domain_classifier:
        p.error("--domain-classifier reports its per-chunk cost from DuckDB only; leave it out with --target spark")
    return args


def spark_parameters() -> dict:
    """The local Spark session of --target spark (dbt-spark `server_side_parameters`)."""
    return {
        "spark.master": "local[2]",
        "spark.driver.memory": os.environ.get("BENCH_SPARK_DRIVER_MEMORY", "4g"),
        "spark.sql.shuffle.partitions": "4",
        "spark.ui.enabled": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.warehouse.dir": str(SPARK_ROOT / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={SPARK_ROOT / 'metastore_db'};create=true",
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={SPARK_ROOT} -Xss16m",
    }


def spark_load_worker(job: str) -> None:
    """In a child process (its JVM exits before dbt opens the same Derby metastore): parquet files to tables."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.enableHiveSupport()
    for key, value in spark_parameters().items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sql("create schema if not exists main")
    for table, path in json.loads(job).items():
        spark.read.parquet(path).write.mode("overwrite").format("parquet").saveAsTable(f"main.{table}")
    spark.stop()


def load_spark(reference, analysis) -> float:
    """Write the two frames as parquet and load them into Spark tables; returns seconds (the load stage)."""
    t0 = time.perf_counter()
    SPARK_ROOT.mkdir(parents=True, exist_ok=True)
    files = {}
    for table, frame in (("bench_reference", reference), ("bench_analysis", analysis)):
        files[table] = str(SPARK_ROOT / f"{table}.parquet")
        frame.to_parquet(files[table], index=False)
    done = subprocess.run([sys.executable, __file__, "--spark-load-worker", json.dumps(files)], capture_output=True, text=True)
    if done.returncode != 0:
        print("\n".join((done.stdout + done.stderr).splitlines()[-OUTPUT_TAIL_LINES:]), file=sys.stderr)
        sys.exit("bench: loading the rows into Spark failed")
    return time.perf_counter() - t0


class TreeRss:
    """Peak resident memory of a process tree, sampled from /proc every 0.2 s (Linux). On Spark the JVM is a
    grandchild that nobody waits for, so RUSAGE_CHILDREN misses it; the tree's sum (dbt's Python + the JVM)
    is the memory the build needs."""

    def __init__(self):
        self.peak_kb = 0

    @staticmethod
    def _tree_kb(root: int) -> int:
        parents, rss = {}, {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/status") as fh:
                    fields = dict(line.split(":", 1) for line in fh if ":" in line)
            except OSError:
                continue
            parents[int(entry)] = int(fields.get("PPid", "0").strip() or 0)
            rss[int(entry)] = int(fields.get("VmRSS", "0 kB").split()[0]) if "VmRSS" in fields else 0
        children: dict[int, list[int]] = {}
        for child, parent in parents.items():
            children.setdefault(parent, []).append(child)
        members, frontier = {root}, [root]
        while frontier:
            for child in children.get(frontier.pop(), []):
                if child not in members:
                    members.add(child)
                    frontier.append(child)
        return sum(rss.get(pid, 0) for pid in members)

    def watch(self, proc: subprocess.Popen) -> int:
        while proc.poll() is None:
            self.peak_kb = max(self.peak_kb, self._tree_kb(proc.pid))
            time.sleep(0.2)
        return proc.returncode


TREE_RSS = TreeRss()


def peak_rss_mb() -> float:
    # Linux reports ru_maxrss in kB; RUSAGE_CHILDREN is the largest terminated (waited-for) child.
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(self_kb, children_kb, TREE_RSS.peak_kb) / 1024


def fresh_out_dir() -> None:
    if OUT_DIR.exists():
        shutil.rmtree(OUT_DIR)
    PROJECT_DIR.mkdir(parents=True)


def load_generated(con, rows: int, seed: int) -> tuple[int, int, float, float]:
    """Generate and load; returns (reference rows, analysis rows, generate seconds, load seconds)."""
    from driftline.demo import generate_car_loan, load_frame, split

    t0 = time.perf_counter()
    df = generate_car_loan(rows, seed=seed, drift=True)
    reference, analysis = split(df)
    t1 = time.perf_counter()
    load_frame(con, "bench_reference", reference)
    load_frame(con, "bench_analysis", analysis)
    t2 = time.perf_counter()
    return len(reference), len(analysis), t1 - t0, t2 - t1


def load_parquet(con, reference: Path, analysis: Path) -> tuple[int, int, float]:
    """Load the two parquet files straight into DuckDB; returns (reference rows, analysis rows, seconds)."""
    t0 = time.perf_counter()
    counts = []
    for table, path in (("bench_reference", reference), ("bench_analysis", analysis)):
        if not path.is_file():
            sys.exit(f"bench: {path} does not exist")
        con.execute(f"create or replace table {table} as select * from read_parquet(?)", [str(path.resolve())])
        columns = {row[0] for row in con.execute(f"describe {table}").fetchall()}
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if missing:
            sys.exit(f"bench: {path} lacks the car-loan column(s) {', '.join(missing)}")
        counts.append(con.execute(f"select count(*) from {table}").fetchone()[0])
    return counts[0], counts[1], time.perf_counter() - t0


def regression_monitor(analysis_rows: int) -> dict:
    """Regression performance (realized metrics and DLE) on the same rows: the probability read as a
    regression of the 0/1 outcome, all six metrics, so the DLE fit trains its four nanny models."""
    return {
        "name": "bench_regression",
        "relation": "main.bench_analysis",
        "reference": {"relation": "main.bench_reference"},
        "timestamp": "timestamp",
        "id": "id",
        "features": {"continuous": CONTINUOUS, "categorical": CATEGORICAL},
        "chunking": {"size": max(1, analysis_rows // 10)},
        "data_quality": False,
        "summary_stats": False,
        "problem_type": "regression",
        "y_pred": "y_pred_proba",
        "y_true": "repaid",
        "performance": {"metrics": ["mae", "mape", "mse", "msle", "rmse", "rmsle"]},
    }


def write_project(analysis_rows: int, empty_monitors: bool, domain_classifier: bool = False, regression: bool = True,
                  target: str = "duckdb") -> None:
    import yaml

    monitors = [] if empty_monitors else [{
        "name": "bench",
        "relation": "main.bench_analysis",
        "reference": {"relation": "main.bench_reference"},
        "timestamp": "timestamp",
        "id": "id",
        "features": {"continuous": CONTINUOUS, "categorical": CATEGORICAL},
        "chunking": {"size": max(1, analysis_rows // 10)},
        "univariate": {
            "continuous_methods": ["kolmogorov_smirnov", "jensen_shannon", "wasserstein", "hellinger"],
            "categorical_methods": ["chi2", "jensen_shannon", "l_infinity", "hellinger"],
        },
        # multivariate drift: PCA reconstruction (fit in Python, scored in SQL)
        "multivariate": {"methods": ["pca_reconstruction"] + (["domain_classifier"] if domain_classifier else [])},
        # realized performance and CBPE (fit on the reference by the dbt Python model, scored in SQL)
        "y_pred_proba": "y_pred_proba",
        "y_pred": "y_pred",
        "y_true": "repaid",
        "performance": {
            "metrics": ["roc_auc", "f1", "precision", "recall", "specificity", "accuracy",
                        "confusion_matrix", "business_value", "average_precision"],
            "business_value_matrix": [[0, -200], [-100, 1000]],
        },
    }]
    if monitors and regression:
        monitors.append(regression_monitor(analysis_rows))
    project = {
        "name": "driftline_bench",
        "version": "1.0.0",
        "config-version": 2,
        "profile": "driftline_bench",
        "target-path": "target",
        "packages-install-path": "dbt_packages",
        "vars": {"driftline": {"monitors": monitors}},
    }
    profiles = {
        "driftline_bench": {
            "target": target,
            "outputs": {"duckdb": {"type": "duckdb", "path": str(DB_PATH), "threads": 2},
                        "spark": {"type": "spark", "method": "session", "host": "NA", "schema": "main", "threads": 1,
                                  "server_side_parameters": spark_parameters()}},
        }
    }
    packages = {"packages": [{"local": str(REPO_ROOT)}]}
    for name, content in (("dbt_project.yml", project), ("profiles.yml", profiles), ("packages.yml", packages)):
        (PROJECT_DIR / name).write_text(yaml.safe_dump(content, sort_keys=False, allow_unicode=True))


def run_dbt(*args: str, program: str = "dbt") -> float:
    """Run dbt (or `driftline fit`) in the bench project; exit with its output tail on failure. Returns wall seconds."""
    dbt = Path(sys.executable).parent / program
    if not dbt.exists():
        sys.exit(f"bench: no {program} executable next to {sys.executable}")
    env = dict(os.environ, DBT_PROFILES_DIR=str(PROJECT_DIR), DBT_USE_COLORS="false",
               DBT_SEND_ANONYMOUS_USAGE_STATS="false", DO_NOT_TRACK="1")
    log = OUT_DIR / f"dbt_{args[0]}.log"
    t0 = time.perf_counter()
    with open(log, "w") as fh:
        proc = subprocess.Popen([str(dbt), *args], cwd=PROJECT_DIR, env=env, stdout=fh, stderr=subprocess.STDOUT)
        TREE_RSS.watch(proc)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-OUTPUT_TAIL_LINES:]
        print(f"bench: `{program} {' '.join(args)}` failed with exit code {proc.returncode} after {seconds:.2f}s; "
              f"output tail ({log}):", file=sys.stderr)
        print("\n".join(tail), file=sys.stderr)
        sys.exit(proc.returncode or 1)
    return seconds


def model_timings() -> list[tuple[str, float]]:
    path = PROJECT_DIR / "target" / "run_results.json"
    if not path.exists():
        return []
    results = json.loads(path.read_text())["results"]
    return [(r["unique_id"].split(".")[-1], float(r.get("execution_time") or 0.0))
            for r in results if r["unique_id"].startswith("model.")]


def print_domain_classifier_cost() -> None:
    """Per-chunk cost of the domain classifier, from the seconds it recorded for each chunk."""
    import duckdb

    with duckdb.connect(str(DB_PATH), read_only=True) as con:
        rows = con.execute("select period, count(*), avg(n_rows), max(n_reference), avg(compute_seconds), sum(compute_seconds) "
                           "from main.driftline__chunk_domain_classifier group by period order by period desc").fetchall()
    for period, chunks, n_rows, n_reference, mean_s, total_s in rows:
        print(f"domain_classifier period={period} chunks={chunks} rows_per_chunk={n_rows:.0f} reference_rows={n_reference} "
              f"seconds_per_chunk={mean_s:.2f} seconds={total_s:.2f}")


def main(argv=None) -> int:
    if argv is None and len(sys.argv) == 3 and sys.argv[1] == "--spark-load-worker":
        spark_load_worker(sys.argv[2])
        return 0
    args = parse_args(argv)
    if args.target == "spark":
        return main_spark(args)
    import duckdb

    fresh_out_dir()
    with duckdb.connect(str(DB_PATH)) as con:
        if args.reference is not None:
            n_reference, n_analysis, load_s = load_parquet(con, args.reference, args.analysis)
            generate_s = 0.0
        else:
            n_reference, n_analysis, generate_s, load_s = load_generated(con, args.rows, args.seed)
        con.execute("checkpoint")
    rows = n_reference + n_analysis
    print(f"stage=generate seconds={generate_s:.2f}", flush=True)
    print(f"stage=load seconds={load_s:.2f}", flush=True)

    write_project(n_analysis, args.empty_monitors, args.domain_classifier, regression=not args.no_regression)
    deps_s = run_dbt("deps")
    print(f"stage=deps seconds={deps_s:.2f}", flush=True)
    build_s = run_dbt("build")
    print(f"stage=build seconds={build_s:.2f}", flush=True)
    for name, seconds in model_timings():
        print(f"model={name} seconds={seconds:.2f}")
    if args.domain_classifier:
        print_domain_classifier_cost()

    if not args.keep:
        shutil.rmtree(OUT_DIR, ignore_errors=True)
    total_s = load_s + build_s  # load + build; generate and deps are not counted
    print(f"rows={rows} total_seconds={total_s:.2f} peak_rss_mb={peak_rss_mb():.0f}", flush=True)
    return 0


def main_spark(args: argparse.Namespace) -> int:
    import pandas as pd
    from driftline.demo import generate_car_loan, split

    fresh_out_dir()
    t0 = time.perf_counter()
    if args.reference is not None:
        reference, analysis = pd.read_parquet(args.reference), pd.read_parquet(args.analysis)
    else:
        reference, analysis = split(generate_car_loan(args.rows, seed=args.seed, drift=True))
    generate_s = time.perf_counter() - t0
    load_s = load_spark(reference, analysis)
    rows = len(reference) + len(analysis)
    print(f"stage=generate seconds={generate_s:.2f}", flush=True)
    print(f"stage=load seconds={load_s:.2f}", flush=True)

    write_project(len(analysis), args.empty_monitors, regression=not args.no_regression, target="spark")
    deps_s = run_dbt("deps")
    print(f"stage=deps seconds={deps_s:.2f}", flush=True)
    fit_s = run_dbt("fit", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR), program="driftline")
    print(f"stage=fit seconds={fit_s:.2f}", flush=True)
    build_s = run_dbt("build")
    print(f"stage=build seconds={build_s:.2f}", flush=True)
    for name, seconds in model_timings():
        print(f"model={name} seconds={seconds:.2f}")
    if not args.keep:
        shutil.rmtree(OUT_DIR, ignore_errors=True)
    total_s = load_s + fit_s + build_s  # load + fit + build; generate and deps are not counted
    print(f"rows={rows} total_seconds={total_s:.2f} peak_rss_mb={peak_rss_mb():.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
