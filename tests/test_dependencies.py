"""Every import is declared in pyproject.toml, and every declared dependency is used.

The imports are read from the source (ast, every ``import``/``from`` at any depth, so an import
inside a function counts too); a module is mapped to the distribution that installs it through
the installed environment's metadata (``cv2`` → opencv-python-headless, ``PIL`` → pillow).
``pipeline/`` may import only the runtime dependencies, and an optional extra's (``ray``) only
inside a function, so the base install never needs it; tests/ and bench/ also the extras.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from conftest import PROJECT_ROOT

# Distributions the pipeline needs without importing them by an import statement, with where.
USED_WITHOUT_IMPORT = {
    # pipeline/charfold.py reads OpenCC's dictionaries from the package with importlib.resources.
    "opencc-purepy": (PROJECT_ROOT / "pipeline" / "charfold.py", '"opencc_purepy"'),
    # SQLAlchemy loads the PostgreSQL driver named in PIPELINE_DB_URL (postgresql+psycopg://).
    "psycopg": (PROJECT_ROOT / "pipeline" / "config.py", "postgresql+psycopg"),
    # FastAPI parses the review app's form posts (Form(...)) with python-multipart.
    "python-multipart": (PROJECT_ROOT / "pipeline" / "review" / "web.py", "Form("),
}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    return _norm(re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement).group(0))


def _declared() -> tuple[set[str], set[str]]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = {_requirement_name(r) for r in project["dependencies"]}
    test = {_requirement_name(r) for r in project["optional-dependencies"]["test"]}
    return runtime, test


def _optional_features() -> set[str]:
    """Distributions of the extras other than ``test``: features a user installs on purpose
    (``pip install .[ray]``)."""
    extras = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    return {_requirement_name(r) for name, requirements in extras.items() if name != "test" for r in requirements}


def module_level_imports(path: Path) -> set[str]:
    """Top-level modules ``path`` imports outside any function (what importing it needs)."""
    names: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            if isinstance(child, ast.Import):
                names.update(alias.name.split(".")[0] for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                names.add(child.module.split(".")[0])
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return names


def imported_modules(folder: Path) -> dict[str, set[str]]:
    """Top-level module → the files under ``folder`` that import it (absolute imports only)."""
    found: dict[str, set[str]] = {}
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(PROJECT_ROOT)))
    return found


def _local_modules() -> set[str]:
    """The project's own top-level names: its packages and the test helpers beside the tests."""
    local = {"pipeline", "bench", "tests"}
    for folder in ("tests", "bench"):
        local |= {p.stem for p in (PROJECT_ROOT / folder).rglob("*.py")}
    return local


def third_party(folder: Path) -> dict[str, set[str]]:
    """Distribution → files under ``folder`` importing it; an import no distribution provides is
    reported under its module name."""
    owners = packages_distributions()
    out: dict[str, set[str]] = {}
    for module, files in imported_modules(folder).items():
        if module in sys.stdlib_module_names or module in _local_modules():
            continue
        for dist in owners.get(module, [f"<no distribution installs {module!r}>"]):
            out.setdefault(_norm(dist), set()).update(files)
    return out


def test_the_pipeline_imports_only_declared_runtime_dependencies():
    runtime, _ = _declared()
    used = third_party(PROJECT_ROOT / "pipeline")
    undeclared = {dist: sorted(files) for dist, files in used.items() if dist not in runtime | _optional_features()}
    assert not undeclared, f"imported under pipeline/ but not in [project] dependencies or a feature extra: {undeclared}"


def test_an_optional_extra_is_imported_only_inside_functions():
    runtime, _ = _declared()
    owners = packages_distributions()
    for dist, files in third_party(PROJECT_ROOT / "pipeline").items():
        if dist in runtime:
            continue
        assert dist in _optional_features()
        modules = {m for m, ds in owners.items() if dist in map(_norm, ds)}
        for file in files:
            eager = module_level_imports(PROJECT_ROOT / file) & modules
            assert not eager, f"{file} imports the optional {dist} at module level: the base install would fail"


def test_the_eager_import_scan_tells_module_level_from_function_imports(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import json\nif True:\n    import csv\ndef f():\n    import ray\n", encoding="utf-8")
    assert module_level_imports(sample) == {"json", "csv"}


def test_every_runtime_dependency_is_used_by_the_pipeline():
    runtime, _ = _declared()
    used = set(third_party(PROJECT_ROOT / "pipeline"))
    for dist, (path, needle) in USED_WITHOUT_IMPORT.items():
        assert needle in path.read_text(encoding="utf-8"), f"{dist}: {path} no longer names {needle}"
        used.add(dist)
    assert runtime - used == set(), "declared but never used by pipeline/: move to an extra or drop"


def test_tests_and_benchmarks_import_only_declared_dependencies():
    runtime, test = _declared()
    for folder in ("tests", "bench"):
        used = third_party(PROJECT_ROOT / folder)
        undeclared = {dist: sorted(files) for dist, files in used.items() if dist not in runtime | test | _optional_features()}
        assert not undeclared, f"imported under {folder}/ but not declared (runtime or test extra): {undeclared}"


def test_the_scan_sees_imports_inside_functions():
    # The check would pass vacuously if lazy imports (rules → textquality, cli → report) were missed.
    modules = imported_modules(PROJECT_ROOT / "pipeline")
    assert "jinja2" in modules and "cv2" in modules and "rapidocr" in modules
    assert "pipeline/report.py" in modules["jinja2"]
