"""Flattening benchmark: do the gold reports still extract when their tables are flattened the
other ways converters flatten tables?

Run: ``.venv/bin/python -m bench.flattening_bench``. Every report of the seeds
(``../shared/seeds`` + ``../shared/gold``), of ``../shared/dev`` and of ``eval/gold`` that prints
TAB rows is rewritten once per flattening below (its prose untouched), extracted with the rules
backend and scored against its own gold exactly as ``pipeline eval`` does:

* ``one_space``: each TAB a single space (copy and paste out of a PDF viewer or a web page);
* ``space_runs``: each TAB three spaces, columns not aligned (a viewer that keeps gaps);
* ``aligned_columns``: the cells padded to aligned columns, two spaces between columns (what
  fixed-width exports print), CJK characters two columns wide. ``pdftotext -layout`` may pad by
  character count instead; it is not installed here, so that was not checked;
* ``pipes``: each row between pipes (``| 总额 | 48.00 |``), as Markdown and wiki exports print.

The same reports, the same gold: what a flattening loses is what the readers do not yet
recover; its per-report figures go to ``bench/out/flattening.json``. The regression gate
(``tests/test_regression_gate.py``) keeps each flattening's fields from falling below
``eval/flattening_baseline.json``. A single space is ambiguous where a cell holds a space of its own
('24 小时*365 天'), so some loss there is inherent.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
OUT_DIR = Path(__file__).resolve().parent / "out"


def _display_width(text: str) -> int:
    from pipeline.layout import display_columns  # the width the aligned-columns reader measures

    return display_columns(text)[-1]


def one_space(text: str) -> str:
    return "\n".join(line.replace("\t", " ") for line in text.split("\n"))


def space_runs(text: str) -> str:
    return "\n".join(line.replace("\t", "   ") for line in text.split("\n"))


def pipes(text: str) -> str:
    return "\n".join("| " + " | ".join(c.strip() for c in line.split("\t")) + " |" if "\t" in line else line
                     for line in text.split("\n"))


def aligned_columns(text: str) -> str:
    """Each block of consecutive TAB rows set in aligned columns: every cell padded with spaces
    to its column's widest cell, two spaces between columns, trailing spaces dropped."""
    lines, out, i = text.split("\n"), [], 0
    while i < len(lines):
        if "\t" not in lines[i]:
            out.append(lines[i])
            i += 1
            continue
        j = i
        while j < len(lines) and "\t" in lines[j]:
            j += 1
        block = [[cell.strip() for cell in line.split("\t")] for line in lines[i:j]]
        widths = [max((_display_width(row[k]) for row in block if k < len(row)), default=0)
                  for k in range(max(len(row) for row in block))]
        for row in block:
            out.append("".join(cell + " " * (widths[k] - _display_width(cell) + 2) for k, cell in enumerate(row)).rstrip())
        i = j
    return "\n".join(out)


FLATTENINGS = {"one_space": one_space, "space_runs": space_runs, "aligned_columns": aligned_columns, "pipes": pipes}


def _reports() -> list[tuple[str, str, Path, dict]]:
    """(set, doc_id, text path, gold) of each gold report that prints TAB rows."""
    sets = [("seeds", SHARED / "seeds", SHARED / "gold"), ("dev", SHARED / "dev", SHARED / "dev"),
            ("eval/gold", ROOT / "eval" / "gold", ROOT / "eval" / "gold")]
    out = []
    for name, texts, golds in sets:
        if not golds.is_dir():
            continue
        for gold_path in sorted(golds.glob("*.json")):
            text_path = texts / f"{gold_path.stem}.txt"
            if text_path.exists() and "\t" in text_path.read_text(encoding="utf-8"):
                out.append((name, gold_path.stem, text_path, json.loads(gold_path.read_text(encoding="utf-8"))))
    return out


def run(out_dir: Path = OUT_DIR) -> list[dict]:
    from pipeline import ingest
    from pipeline.evaluate import score_document
    from pipeline.extract.rules import extract_rules

    reports = _reports()
    totals = {name: Counter() for name in ["as printed", *FLATTENINGS]}
    detail: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as tmpdir:
        for set_name, doc_id, text_path, gold in reports:
            text = text_path.read_text(encoding="utf-8")
            versions = {"as printed": text} | {name: flatten(text) for name, flatten in FLATTENINGS.items()}
            for name, version in versions.items():
                path = Path(tmpdir) / name.replace(" ", "_") / f"{doc_id}.txt"  # the file name is the doc_id
                path.parent.mkdir(exist_ok=True)
                path.write_text(version, encoding="utf-8")
                score = score_document(gold, extract_rules(ingest.load(path)).plain())
                totals[name].update(scored=score.counts.scored, correct=score.counts.correct)
                detail.setdefault(f"{set_name}/{doc_id}", {})[name] = f"{score.counts.correct}/{score.counts.scored}"
    rows = [{"name": f"{name} ({len(reports)} reports with TAB rows)", "value": round(c["correct"] / c["scored"], 4) if c["scored"] else None,
             "unit": "field accuracy", "target": "", "ok": None, "fields": f"{c['correct']}/{c['scored']}",
             "flattening": name, "correct": c["correct"]} for name, c in totals.items()]
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "flattening.json").write_text(json.dumps({"rows": rows, "documents": detail}, ensure_ascii=False, indent=1), encoding="utf-8")
    return rows


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    for row in run():
        print(f"{row['name']:<48} {row['value']!s:>8} {row['unit']}  ({row['fields']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
