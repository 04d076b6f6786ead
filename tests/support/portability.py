"""The portability check (tests/test_portability.py): compiled SQL parses in each engine's dialect, and
engine-specific functions appear only where dispatch puts them.

Three pure checks, each returning a list of Finding (empty = portable):
  parse_errors(name, sql, dialect)          sqlglot.parse in the engine's dialect, ErrorLevel.RAISE
  compiled_call_findings(name, sql, engine) every function called in SQL compiled for `engine` is portable, or
                                            valid on that engine (tests/fixtures/engine_functions.json)
  source_findings(package_dir)              in the Jinja sources, an engine-specific function appears only in
                                            the dispatched macros of engines where it is valid, or in a
                                            default__ macro that every other engine overrides
and compiled_nodes, which collects a built project's compiled SQL (tests/project/analyses holds the model hooks).
"""
from __future__ import annotations

import fnmatch
import functools
import importlib.util
import json
import re
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot.errors import ErrorLevel, ParseError, TokenError

from .dbt import REPO

FUNCTIONS_FILE = REPO / "tests" / "fixtures" / "engine_functions.json"


def catalogue() -> dict:
    return json.loads(FUNCTIONS_FILE.read_text())


def adapter_installed(engine: str) -> bool:
    """Whether the dbt adapter for `engine` is importable (dbt-duckdb, dbt-postgres, dbt-spark)."""
    return importlib.util.find_spec(f"dbt.adapters.{engine}") is not None


@dataclass(frozen=True)
class Finding:
    where: str      # "model driftline_chunks (postgres)" or "macro driftline_period_key (macros/staging/x.sql:12)"
    problem: str
    excerpt: str

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}\n    {self.excerpt}"


def report(findings: list[Finding]) -> str:
    return f"{len(findings)} portability problem(s):\n" + "\n".join(str(f) for f in findings)


# -- excerpts -----------------------------------------------------------------------------------------------------------

def excerpt_at(sql: str, line: int, col: int, width: int = 60) -> str:
    """The text around line:col (1-based), on one line, with the position marked by >>> <<<."""
    lines = sql.splitlines() or [""]
    line = min(max(line, 1), len(lines))
    text = lines[line - 1]
    col = min(max(col, 1), len(text) + 1)
    start = max(col - 1 - width, 0)
    return f"line {line}, col {col}: " + (text[start:col - 1] + " >>>" + text[col - 1:col - 1 + width]).strip()


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


# -- 1. parsing ----------------------------------------------------------------------------------------------------------

def parse_errors(name: str, sql: str, dialect: str) -> list[Finding]:
    """sqlglot parses every statement of `sql` in `dialect`; else one Finding with the error's line/col."""
    try:
        sqlglot.parse(sql, read=dialect, error_level=ErrorLevel.RAISE)
    except ParseError as exc:
        err = exc.errors[0] if exc.errors else {}
        line, col = err.get("line") or 1, err.get("col") or 1
        return [Finding(f"{name} ({dialect})", f"does not parse as {dialect} SQL: {err.get('description', exc)}",
                        excerpt_at(sql, line, col))]
    except TokenError as exc:
        return [Finding(f"{name} ({dialect})", f"does not tokenize as {dialect} SQL: {exc}", sql[:120])]
    return []


# -- 2. function calls in compiled SQL ---------------------------------------------------------------------------------

# Words that precede "(" without being a call: SQL keywords with a parenthesised operand or list.
_NOT_CALLS = {"in", "exists", "over", "as", "values", "and", "or", "not", "on", "using", "from", "join", "select",
              "where", "then", "else", "when", "filter", "within", "group", "by", "partition", "lateral", "all", "any",
              "some", "union", "intersect", "except", "materialized", "case", "end", "is", "distinct", "limit",
              "having", "with", "order", "between", "like", "interval", "set", "returning", "into", "table", "analyze",
              "recursive", "array", "struct", "map"}
_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@functools.lru_cache(maxsize=None)  # the call checks and the coverage test read the same nodes' calls
def function_calls(sql: str, dialect: str) -> tuple[tuple[str, int, int], ...]:
    """(lower-case name, line, col) of every function call in `sql`: a bare word immediately followed by "(",
    not a keyword (see _NOT_CALLS), not qualified (a.b(...)), not an alias's column list (as t(a, b)) and not a
    CTE's column list (name (a, b) as (...)). sqlglot's tokenizer does the lexing, so string literals, quoted
    identifiers and comments never count."""
    tokens = sqlglot.Dialect.get_or_raise(dialect).tokenize(sql)
    closing, stack = {}, []
    for j, tok in enumerate(tokens):
        if tok.token_type.name == "L_PAREN":
            stack.append(j)
        elif tok.token_type.name == "R_PAREN" and stack:
            closing[stack.pop()] = j
    calls = []
    for i, tok in enumerate(tokens[:-1]):
        if tokens[i + 1].token_type.name != "L_PAREN" or not _WORD.match(tok.text):
            continue
        if tok.token_type.name in ("STRING", "IDENTIFIER") or tok.text.lower() in _NOT_CALLS:
            continue
        prev = tokens[i - 1] if i else None
        if prev is not None and (prev.token_type.name in ("DOT", "ALIAS") or prev.text.lower() == "as"):
            continue
        close = closing.get(i + 1, len(tokens) - 1)
        if close + 2 < len(tokens) and tokens[close + 1].text.lower() == "as" and tokens[close + 2].token_type.name == "L_PAREN":
            continue
        calls.append((tok.text.lower(), tok.line, tok.start - sql.rfind("\n", 0, tok.start)))
    return tuple(calls)


def _engine_entry(name: str, cat: dict) -> tuple[str, dict] | None:
    for pattern, entry in cat["engine_specific"].items():
        if fnmatch.fnmatchcase(name, pattern):
            return pattern, entry
    return None


def compiled_call_findings(name: str, sql: str, engine: str, cat: dict | None = None) -> list[Finding]:
    """Every call in SQL compiled for `engine` is portable or valid on `engine`; one Finding per bad name."""
    cat = cat or catalogue()
    dialect = cat["engines"][engine]
    portable = set(cat["portable"]) | set(cat["portable_syntax"])
    findings, seen = [], set()
    for fn, line, col in function_calls(sql, dialect):
        if fn in portable or fn in seen:
            continue
        entry = _engine_entry(fn, cat)
        if entry and engine in entry[1]["engines"]:
            continue
        seen.add(fn)
        if entry:
            problem = (f"calls {fn}(), valid only on {', '.join(entry[1]['engines'])}, in SQL compiled for {engine}"
                       + (f" ({entry[1]['note']})" if entry[1].get("note") else "")
                       + f". Fix: move it into a dispatched macro in macros/adapters/ with a {engine}__ implementation.")
        else:
            problem = (f"calls {fn}(), which {FUNCTIONS_FILE.name} lists neither as portable nor for any engine. "
                       "Fix: check it on every engine and add it there, or move it into a dispatched macro.")
        findings.append(Finding(f"{name} ({engine})", problem, excerpt_at(sql, line, col)))
    return findings


# -- 3. the Jinja sources ----------------------------------------------------------------------------------------------

_COMMENT = re.compile(r"\{#.*?#\}", re.S)
_MACRO = re.compile(r"\{%-?\s*macro\s+(\w+)\s*\(.*?\)\s*-?%\}(.*?)\{%-?\s*endmacro\s*-?%\}", re.S)
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
_JINJA_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", re.S)
_CALL = re.compile(r"(?<![\w.\"])([A-Za-z_][A-Za-z0-9_]*)\s*\(")


@dataclass
class Block:
    kind: str        # "macro" or "model"
    name: str
    path: str        # relative to the package
    text: str        # the block's text, Jinja comments blanked (offsets kept)
    offset: int      # where text starts in the file (for line numbers)
    file_text: str


def _blank(match: re.Match) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def _sql_text(block_text: str) -> str:
    """The SQL a block writes: its template text, plus the string literals inside Jinja tags and expressions
    (SQL passed to run_query or built with ~), with the rest of the Jinja code blanked. Offsets are kept."""
    def keep_strings(m: re.Match) -> str:
        inner = _blank(m)
        for s in _JINJA_STRING.finditer(m.group(0)):
            inner = inner[:s.start()] + s.group(0) + inner[s.end():]
        return inner
    return _JINJA.sub(keep_strings, block_text)


def source_blocks(package: Path) -> list[Block]:
    """Every macro of macros/**/*.sql and every model of models/**/*.sql, Jinja comments blanked."""
    blocks = []
    for path in sorted((package / "macros").rglob("*.sql")):
        text = _COMMENT.sub(_blank, path.read_text())
        for m in _MACRO.finditer(text):
            blocks.append(Block("macro", m.group(1), str(path.relative_to(package)), m.group(2), m.start(2), text))
    for path in sorted((package / "models").rglob("*.sql")):
        text = _COMMENT.sub(_blank, path.read_text())
        blocks.append(Block("model", path.stem, str(path.relative_to(package)), text, 0, text))
    return blocks


def source_findings(package: Path = REPO, cat: dict | None = None) -> list[Finding]:
    """Engine-specific functions in the Jinja sources, outside the macros allowed to use them.

    A call of an engine-specific function f (valid on engines E(f)) is allowed only in
      - <e>__name with e in E(f): a dispatched implementation for an engine where f is valid;
      - default__name when every supported engine outside E(f) has its own <engine>__name, so the default
        (and f) is only ever compiled for engines in E(f).
    Anywhere else (a plain macro, a model, <e>__name with e outside E(f)) it is a finding."""
    cat = cat or catalogue()
    engines = list(cat["engines"])
    blocks = source_blocks(package)
    macro_names = {b.name for b in blocks if b.kind == "macro"}
    dispatched = re.compile(r"^(" + "|".join(["default", *engines]) + r")__(\w+)$")
    findings = []
    for b in blocks:
        sql = _sql_text(b.text)
        for m in _CALL.finditer(sql):
            fn = m.group(1).lower()
            entry = _engine_entry(fn, cat)
            if not entry:
                continue
            valid = entry[1]["engines"]
            d = dispatched.match(b.name) if b.kind == "macro" else None
            if d and d.group(1) in valid:
                continue
            if d and d.group(1) == "default":
                missing = [e for e in engines if e not in valid and f"{e}__{d.group(2)}" not in macro_names]
                if not missing:
                    continue
                problem = (f"calls {fn}(), valid only on {', '.join(valid)}, and {', '.join(missing)} would compile this "
                           f"default: no {' / '.join(e + '__' + d.group(2) for e in missing)} exists. "
                           f"Fix: add that dispatched implementation in macros/adapters/.")
            elif d:
                problem = f"calls {fn}(), which is not valid on {d.group(1)} (valid on: {', '.join(valid)})."
            else:
                problem = (f"calls {fn}(), valid only on {', '.join(valid)}, outside a dispatched macro. Fix: move it into "
                           f"an adapter.dispatch macro in macros/adapters/ (<engine>__ implementations).")
            line, col = _line_col(b.file_text, b.offset + m.start())
            text_line = b.file_text.splitlines()[line - 1].strip()
            findings.append(Finding(f"{b.kind} {b.name} ({b.path}:{line})", problem, f"line {line}, col {col}: {text_line[:160]}"))
    return findings


# -- the compiled project -------------------------------------------------------------------------------------------

@dataclass
class CompiledNode:
    name: str    # e.g. "model driftline.driftline_chunks"
    path: Path
    sql: str


def compiled_nodes(project_dir: Path) -> list[CompiledNode]:
    """Every compiled SQL file under target/compiled: the package's models and data tests, and the hooks."""
    root = Path(project_dir) / "target" / "compiled"
    nodes = []
    for path in sorted(root.rglob("*.sql")):
        rel = path.relative_to(root)
        package, kind = rel.parts[0], rel.parts[1]
        label = "test" if any(part.endswith(".yml") for part in rel.parts) else \
            {"models": "model", "tests": "test", "analyses": "hook"}.get(kind, kind)
        nodes.append(CompiledNode(f"{label} {package}.{path.stem}", path, path.read_text()))
    return nodes
