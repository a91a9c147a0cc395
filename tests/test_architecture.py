"""The data flow is the folder layout: no stage imports a later one.

Each module under ``pipeline/`` has a rank in the flow; an import of a higher-ranked module from a
lower-ranked one is a violation. The leaves (vocabulary, record shape, errors, settings, the
document container, value comparison) import no stage. The generator (``synth``) is a tool beside
the flow: only the CLI's ``synth`` command may import it.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "pipeline"

# Module name prefixes, in the order the data flows. A module takes the rank of its longest prefix.
STAGES: list[tuple[int, tuple[str, ...]]] = [
    (0, ("charfold", "errors", "document", "compare", "lexicon", "record", "config", "resources")),
    (1, ("inputs", "tablegrid", "wordgaps", "ocr", "ingest")),
    (2, ("normalize",)),
    (3, ("layout", "textquality")),
    (4, ("tables", "sidebyside")),
    (5, ("analysis",)),
    (6, ("ground",)),
    (7, ("extract",)),
    (8, ("checks",)),
    (9, ("run",)),
    (10, ("evaluate", "eval_run", "export", "report", "demo", "review", "batch")),
    (11, ("cli", "__main__")),
]
TOOLS = ("synth",)  # the generator (and synth.reference, the text-quality table built from it)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _rank(name: str) -> int | None:
    best: tuple[int, int] | None = None  # (prefix length, rank)
    for rank, prefixes in STAGES:
        for prefix in prefixes:
            if name == prefix or name.startswith(prefix + "."):
                if best is None or len(prefix) > best[0]:
                    best = (len(prefix), rank)
    return None if best is None else best[1]


def _imports(path: Path) -> set[str]:
    """Modules of ``pipeline`` that ``path`` imports (``from pipeline import x`` counts as x)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "pipeline":
                found.update(alias.name for alias in node.names if alias.name != "__version__")
            elif node.module.startswith("pipeline."):
                found.add(node.module.removeprefix("pipeline."))
        elif isinstance(node, ast.Import):
            found.update(a.name.removeprefix("pipeline.") for a in node.names if a.name.startswith("pipeline."))
    return found


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if _module_name(p)}


def test_every_module_has_a_place_in_the_flow():
    unplaced = [name for name in _modules() if _rank(name) is None and not name.startswith(TOOLS)]
    assert unplaced == []


def test_no_stage_imports_a_later_stage():
    violations = []
    for name, path in _modules().items():
        own = _rank(name)
        if own is None:
            continue  # a tool: it may use every stage
        for imported in _imports(path):
            if imported.startswith(TOOLS):
                if not name.startswith("cli"):
                    violations.append(f"{name} imports the generator {imported}")
                continue
            other = _rank(imported)
            if other is not None and other > own:
                violations.append(f"{name} (stage {own}) imports {imported} (stage {other})")
    assert violations == []


def test_the_leaves_import_only_leaves():
    for name, path in _modules().items():
        if _rank(name) == 0:
            assert {_rank(m) for m in _imports(path)} <= {0}, name


def test_the_rank_of_a_module_comes_from_its_longest_prefix():
    # A submodule inherits its package's stage; an unrelated name has none (so the test above
    # would catch a new module nobody placed).
    assert _rank("extract.rules") == 7 and _rank("checks.sums") == 8 and _rank("run") == 9
    assert _rank("evaluate") == 10 and _rank("somewhere_new") is None
    assert _imports(PACKAGE / "extract" / "merge.py") >= {"compare", "record"}


MAX_MODULE_LINES = 800
MAX_FUNCTION_LINES = 80


def test_no_module_or_function_is_too_long_to_read():
    too_long = []
    for name, path in _modules().items():
        source = path.read_text(encoding="utf-8")
        if len(source.splitlines()) > MAX_MODULE_LINES:
            too_long.append(f"module {name}: {len(source.splitlines())} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append(f"{name}.{node.name}: {length} lines")
    assert too_long == []
