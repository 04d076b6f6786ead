"""The dbt side of every driftline command: the target, resolved by dbt's own profile loading, and where dbt put
driftline's models, read from the project's manifest.

Both go through dbt-core, so a command sees what `dbt build` sees:

* the options --project-dir, --profiles-dir, --target and --vars, with dbt's environment variables
  (DBT_PROJECT_DIR, DBT_PROFILES_DIR, DBT_TARGET, DBT_PROFILE) and defaults, are dbt's own click parameters
  (``dbt.cli.flags.Flags``);
* profiles.yml is read and rendered by ``dbt.config.runtime.load_profile`` (env_var() with defaults, as_number,
  as_bool, var()) and checked by the adapter's Credentials class, exactly as `dbt debug` does;
* each driftline model's relation (database, schema, alias) is the one in target/manifest.json, which an
  in-process `dbt parse` (driftline.dbt_runner) rewrites when it is missing or stale.

    target, relations = resolve(project_dir=None, profiles_dir=None, target=None, vars=None)
    relations["driftline_alerts"]        # Relation(database='db', schema='analytics_monitoring', identifier=...)
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

__all__ = ["TargetError", "DbtTarget", "Relation", "Relations", "as_relations", "load_target", "driftline_relations",
           "resolve"]

PACKAGE = "driftline"
ANCHOR = "driftline_alerts"  # tables dbt does not build (fitted state, notifications) live beside this model


class TargetError(Exception):
    """The target or the project cannot be resolved; the message says what to fix."""


# -- the target ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DbtTarget:
    """One dbt target as dbt resolved it: where the project and profiles are, and the connection settings."""
    project_dir: Path
    profiles_dir: Path
    profile_name: str
    target_name: str
    output: dict[str, Any]          # the adapter's credentials as a dict, plus type and threads
    target_path: Path               # where dbt writes manifest.json
    packages_path: Path
    macro_paths: tuple[Path, ...]
    dbt_args: tuple[str, ...] = ()  # --target / --vars to repeat on every dbt command run for this target

    @property
    def type(self) -> str:
        return str(self.output.get("type"))

    @property
    def manifest_path(self) -> Path:
        return self.target_path / "manifest.json"

    def describe(self) -> str:
        """'postgres 127.0.0.1:5432/analytics (profile p, target prod)' and the like."""
        o = self.output
        if self.type == "duckdb":
            from .warehouse import WarehouseError, duckdb_file

            try:
                place = f"duckdb {duckdb_file(o, self.project_dir, must_exist=False)}"
            except WarehouseError:
                place = f"duckdb {o.get('path') or ':memory:'}"
        elif self.type == "postgres":
            place = f"postgres {o.get('host')}:{o.get('port')}/{o.get('database')}"
        elif self.type == "spark":
            place = f"spark ({o.get('method')})"
        else:
            place = self.type
        return f"{place} (profile {self.profile_name}, target {self.target_name})"


def _with_fix(message: str, fix: str) -> str:
    """dbt's message, then the fix (on its own line after a message of several lines)."""
    message = message.strip()
    if "\n" in message:
        return f"{message}\nFix: {fix}"
    return f"{message}{'' if message.endswith(('.', '!', '?')) else '.'} Fix: {fix}"


FLAG_FIXES = {
    "profiles_dir": "pass --profiles-dir of the folder holding profiles.yml, or set DBT_PROFILES_DIR (dbt's default: "
                    "the working directory if it holds profiles.yml, else ~/.dbt).",
    "project_dir": "pass --project-dir of your dbt project, set DBT_PROJECT_DIR, or run the command inside the project.",
    "vars": "pass --vars as a YAML mapping, e.g. --vars '{driftline_alert_severity: error}'.",
}


def _dbt_flags(project_dir: Path | None, profiles_dir: Path | None, target: str | None, vars: str | None):
    """dbt's Flags for these options; what is not given comes from dbt's environment variables and defaults."""
    import click
    from dbt.cli.flags import Flags, args_to_context

    argv = ["parse"]
    for option, value in (("--project-dir", project_dir), ("--profiles-dir", profiles_dir), ("--target", target),
                          ("--vars", vars)):
        if value is not None:
            argv += [option, str(value)]
    try:
        return Flags(args_to_context(argv))
    except click.exceptions.ClickException as exc:
        param = getattr(getattr(exc, "param", None), "name", None)
        raise TargetError(_with_fix(exc.format_message(), FLAG_FIXES.get(param, "correct the dbt option named above."))) from exc


def _check_files(root: Path, profiles: Path) -> None:
    """A TargetError naming the folder when dbt_project.yml or profiles.yml is not where dbt looks."""
    if not (root / "dbt_project.yml").is_file():
        raise TargetError(f"{root} is not a dbt project (no dbt_project.yml). Fix: pass --project-dir of your dbt "
                          "project, set DBT_PROJECT_DIR, or run the command inside the project.")
    if not (profiles / "profiles.yml").is_file():
        raise TargetError(f"there is no profiles.yml in {profiles} (dbt looks in --profiles-dir, then $DBT_PROFILES_DIR, "
                          "then the working directory, then ~/.dbt). Fix: pass --profiles-dir of the folder holding it, "
                          "or set DBT_PROFILES_DIR.")


def load_target(project_dir: Path | None = None, profiles_dir: Path | None = None, target: str | None = None,
                vars: str | None = None) -> DbtTarget:
    """The target dbt would use for these options (None: dbt's environment variables and defaults)."""
    from dbt.config.runtime import load_profile, load_project
    from dbt.flags import set_flags
    from dbt_common.context import set_invocation_context
    from dbt_common.exceptions import DbtBaseException

    flags = _dbt_flags(project_dir, profiles_dir, target, vars)
    set_flags(flags)
    set_invocation_context(dict(os.environ))  # env_var() reads the environment of this call, as in a dbt command
    root, profiles = Path(flags.PROJECT_DIR).resolve(), Path(flags.PROFILES_DIR).resolve()
    _check_files(root, profiles)
    try:
        profile = load_profile(str(root), flags.VARS, flags.PROFILE, flags.TARGET, flags.THREADS)
    except DbtBaseException as exc:
        raise TargetError(_with_fix(f"dbt cannot load the profile of {root / 'dbt_project.yml'} from "
                                    f"{profiles / 'profiles.yml'}: {exc}", "correct profiles.yml, the --target / DBT_TARGET, "
                                    "or the environment variables it reads (`dbt debug` shows the same error).")) from exc
    try:
        project = load_project(str(root), False, profile, flags.VARS)
    except DbtBaseException as exc:
        raise TargetError(_with_fix(f"dbt cannot load {root / 'dbt_project.yml'}: {exc}",
                                    "correct it (`dbt parse` shows the same error).")) from exc
    credentials = profile.credentials
    output = {**credentials.to_dict(omit_none=True), "type": credentials.type, "threads": profile.threads}
    dbt_args = tuple((["--target", flags.TARGET] if flags.TARGET else []) + (["--vars", vars] if vars else []))
    return DbtTarget(project_dir=root, profiles_dir=profiles, profile_name=profile.profile_name,
                     target_name=profile.target_name, output=output,
                     target_path=root / (flags.TARGET_PATH or project.target_path),
                     packages_path=root / project.packages_install_path,
                     macro_paths=tuple(root / p for p in project.macro_paths), dbt_args=dbt_args)


# -- relations ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Relation:
    database: str | None
    schema: str
    identifier: str

    def __str__(self) -> str:
        """schema.identifier, as the SQL of a driftline command names it (its connection is to the database)."""
        return f"{self.schema}.{self.identifier}"

    @property
    def location(self) -> str:
        """'database.schema' (or 'schema')."""
        return ".".join(p for p in (self.database, self.schema) if p)


@dataclass
class Relations:
    """Where each driftline model is (model name -> Relation). A name dbt does not build (the tables `driftline fit`
    and `driftline notify` write) is placed beside driftline_alerts (see ``beside``)."""
    by_model: dict[str, Relation]
    default_database: str | None
    default_schema: str
    source: str = ""                     # where the placement came from, for messages
    parsed_because: str | None = None    # why `dbt parse` ran first, if it did

    @classmethod
    def in_schema(cls, schema: str, database: str | None = None, source: str = "") -> "Relations":
        """Every driftline table in one schema under its model name (--schema, or a caller that knows the schema)."""
        return cls({}, database, schema, source or f"schema {schema}")

    def __getitem__(self, name: str) -> Relation:
        found = self.by_model.get(name)
        if found is not None:
            return found
        anchor = self.by_model.get(ANCHOR)
        if anchor is not None:
            return Relation(anchor.database, anchor.schema, name)
        return Relation(self.default_database, self.default_schema, name)

    def beside(self, name: str, model: str) -> Relation:
        """A table of this name in the schema of `model` (where `driftline fit` writes a fitted state)."""
        other = self[model]
        return Relation(other.database, other.schema, name)

    def schema(self, name: str) -> str:
        return self[name].schema

    def where(self, names: Iterable[str]) -> str:
        """The distinct 'database.schema' locations of these models, in order: 'db.analytics_monitoring'."""
        return ", ".join(dict.fromkeys(self[n].location for n in names))


def as_relations(place: "Relations | str") -> Relations:
    """Relations as given, or every table in the schema of that name."""
    return place if isinstance(place, Relations) else Relations.in_schema(str(place))


def _driftline_nodes(manifest: dict) -> dict[str, dict]:
    """The manifest's enabled driftline models and seeds by name."""
    return {n["name"]: n for n in manifest.get("nodes", {}).values()
            if n.get("package_name") == PACKAGE and n.get("resource_type") in ("model", "seed")}


def _inputs(target: DbtTarget) -> list[Path]:
    """Files whose change can move a driftline model: the project and profile files, the installed package, and
    the root project's macros (a generate_schema_name override)."""
    root = target.project_dir
    files = [root / "dbt_project.yml", root / "packages.yml", root / "dependencies.yml", root / "package-lock.yml",
             target.profiles_dir / "profiles.yml", target.packages_path / PACKAGE / "dbt_project.yml"]
    for folder in target.macro_paths:
        if folder.is_dir():
            files += sorted(folder.rglob("*.sql"))
    return [f for f in files if f.is_file()]


def _placement_mismatch(target: DbtTarget, nodes: dict[str, dict]) -> str | None:
    """Why these nodes are not where dbt's default generate_schema_name / generate_database_name put them for this
    target (target schema, or `<target schema>_<custom schema>`), or None. A manifest of another target differs; so
    does one placed by a project's own generate_schema_name, which is then parsed again on every command."""
    database, schema = target.output.get("database"), str(target.output.get("schema") or "")
    for name, node in sorted(nodes.items()):
        config = node.get("config") or {}
        custom = config.get("schema")
        expected = f"{schema}_{str(custom).strip()}" if custom else schema
        if node.get("schema") != expected:
            return f"its {name} is in schema {node.get('schema')}, not {expected}"
        expected_db = config.get("database") or database
        if expected_db and node.get("database") and node["database"] != expected_db:
            return f"its {name} is in database {node['database']}, not {expected_db}"
    return None


def manifest_staleness(target: DbtTarget) -> str | None:
    """Why target/manifest.json cannot tell where this target's driftline models are, or None when it can."""
    path = target.manifest_path
    if not path.is_file():
        return f"{path} does not exist"
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        return f"{path} cannot be read ({exc})"
    adapter = (manifest.get("metadata") or {}).get("adapter_type")
    if adapter and adapter != target.type:
        return f"{path} was made for a {adapter} target, not {target.type}"
    made = path.stat().st_mtime
    newer = [f for f in _inputs(target) if f.stat().st_mtime > made]
    if newer:
        return f"{newer[0]} changed after {path} was written"
    nodes = _driftline_nodes(manifest)
    if not nodes:
        return f"{path} has no driftline models"
    mismatch = _placement_mismatch(target, nodes)
    return f"{path} was made for another target: {mismatch}" if mismatch else None


def _parse(target: DbtTarget, reason: str) -> None:
    """`dbt parse` in this process, writing target/manifest.json for this target."""
    from .dbt_runner import invoke

    done = invoke(["parse", *target.dbt_args], target.project_dir, target.profiles_dir, echo=False)
    if not done.success:
        tail = "\n".join(done.output.splitlines()[-15:])
        raise TargetError(f"`dbt parse` of {target.project_dir} failed; driftline runs it because {reason}, to find "
                          f"where dbt puts driftline's tables:\n{tail}\nFix: make `dbt parse` succeed (e.g. run "
                          "`dbt deps`), or pass --schema with the schema of the driftline tables.")


def driftline_relations(target: DbtTarget, schema: str | None = None) -> Relations:
    """Where dbt puts each driftline model for this target, from the manifest (`dbt parse` first when it is missing
    or stale). schema: the explicit --schema override, which places every table there instead."""
    if schema:
        return Relations.in_schema(schema, target.output.get("database"), source=f"--schema {schema}")
    reason = manifest_staleness(target)
    if reason:
        _parse(target, reason)
    nodes = _driftline_nodes(json.loads(target.manifest_path.read_text()))
    if not nodes:
        raise TargetError(f"{target.manifest_path} has no driftline models: driftline is not installed in "
                          f"{target.project_dir}. Fix: add driftline to packages.yml and run `dbt deps`, or pass --schema.")
    by_model = {name: Relation(n.get("database"), n["schema"], n.get("alias") or name) for name, n in nodes.items()}
    return Relations(by_model, target.output.get("database"), str(target.output.get("schema")),
                     source=str(target.manifest_path), parsed_because=reason)


def resolve(project_dir: Path | None = None, profiles_dir: Path | None = None, target: str | None = None,
            vars: str | None = None, schema: str | None = None) -> tuple[DbtTarget, Relations]:
    """The target and where its driftline tables are: the one entry point of every command that reads them."""
    resolved = load_target(project_dir, profiles_dir, target, vars)
    return resolved, driftline_relations(resolved, schema)
