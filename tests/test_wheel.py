"""The package as a user installs it: a wheel in a fresh virtual environment outside the checkout.

Built with the build backend of pyproject.toml (hatchling, fetched by pip like any build), installed
with its dependencies from the package registry. The dependencies are installed for real rather than
borrowed from the development environment, because the point is that what pyproject.toml declares
is enough; that costs the download of about 600 MB installed (pymupdf, onnxruntime, OpenCV, RapidOCR
…): 55 s on an idle 2-core machine, 1.5–2 min on a busy one, where the whole file took 2 min 17 s.
(pip kept no cache on this machine, so every run downloads; where it does, reruns are quicker.) Everything then runs from a directory outside the checkout, so nothing can be
read from it by accident: the rules extraction (which reads the packaged text-quality table),
the LLM prompt, the record schema and the HTML report template.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT, SEEDS_DIR
from pipeline.extract.llm import load_prompt
from pipeline.record import json_schema

pytestmark = pytest.mark.wheel

# A seed with an OCR-garbage paragraph (the garbled_text check needs the packaged reference table)
# and one of the project's own synthetic reports.
REPORTS = [SEEDS_DIR / "000_802344af5266dae6.txt", PROJECT_ROOT / "eval" / "gold" / "syn_03_district_health_report.txt"]


def _env() -> dict[str, str]:
    """The caller's environment without anything that would put the checkout on the path."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["ORT_DISABLE_TELEMETRY"] = "1"
    return env


def _run(args: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The bin/ folder of a fresh venv with the wheel of this checkout installed."""
    root = tmp_path_factory.mktemp("wheel")
    dist = root / "dist"
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(dist), str(PROJECT_ROOT)], cwd=root)
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("budget_eval_pipeline-*.whl")
    venv.EnvBuilder(with_pip=True).create(root / "venv")
    bin_dir = root / "venv" / "bin"
    done = _run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", str(wheel)], cwd=root, timeout=900)
    assert done.returncode == 0, done.stderr
    return bin_dir


def test_the_wheel_carries_its_data_files(installed: Path, tmp_path: Path):
    probe = (
        "import json, pipeline; from importlib.resources import files; "
        "root = files('pipeline'); "
        "print(json.dumps({'package': pipeline.__file__, "
        "'files': sorted(str(p.relative_to(root)) for p in root.rglob('*') if p.suffix in ('.md', '.json', '.tsv', '.j2'))}))"
    )
    shown = _run([str(installed / "python"), "-c", probe], cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    found = json.loads(shown.stdout)
    assert Path(found["package"]).is_relative_to(installed.parent), found["package"]  # not the checkout
    expected = {f"prompts/{p.name}" for p in (PROJECT_ROOT / "prompts").glob("*.md")} | {
        f"schemas/{p.name}" for p in (PROJECT_ROOT / "schemas").glob("*.json")
    } | {"templates/report.html.j2", "data/textquality_bigrams.tsv"}
    assert expected <= set(found["files"])


def test_installed_extract_and_prompt_match_the_checkout(installed: Path, tmp_path: Path):
    outside, inside = tmp_path / "installed", tmp_path / "checkout"
    paths = [str(p) for p in REPORTS]
    ran = _run([str(installed / "pipeline"), "extract", *paths, "--backend", "rules", "--out", str(outside), "-q"], cwd=tmp_path)
    here = _run([sys.executable, "-m", "pipeline", "extract", *paths, "--backend", "rules", "--out", str(inside), "-q"], cwd=PROJECT_ROOT)
    assert ran.returncode == here.returncode and ran.returncode in (0, 1), (ran.stderr, here.stderr)
    written = sorted(p.name for p in outside.glob("*.json"))
    assert written == sorted(p.name for p in inside.glob("*.json")) and len(written) == len(REPORTS)
    for name in written:
        assert (outside / name).read_text(encoding="utf-8") == (inside / name).read_text(encoding="utf-8"), name
    seed_record = json.loads((outside / f"{REPORTS[0].stem}.json").read_text(encoding="utf-8"))
    assert "garbled_text" in {f["kind"] for f in seed_record["findings"]}  # the packaged reference was read

    probe = "import json; from pipeline.extract.llm import load_prompt; p = load_prompt(); print(json.dumps({'version': p.version, 'text': p.text}))"
    shown = _run([str(installed / "python"), "-c", probe], cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == {"version": load_prompt().version, "text": load_prompt().text}

    probe = "import json; from pipeline.resources import read_text; print(read_text('schemas', 'record.schema.json'))"
    shown = _run([str(installed / "python"), "-c", probe], cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == json_schema()


def test_installed_eval_renders_the_html_report(installed: Path, tmp_path: Path):
    gold = tmp_path / "gold"
    gold.mkdir()
    source = REPORTS[1]
    for suffix in (".txt", ".json"):
        (gold / (source.stem + suffix)).write_bytes(source.with_suffix(suffix).read_bytes())
    ran = _run([str(installed / "pipeline"), "eval", "--gold", str(gold), "--out", str(tmp_path / "out")], cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and source.stem in html and "Content-Security-Policy" in html
