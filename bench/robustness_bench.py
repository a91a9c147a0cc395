"""Robustness benchmark: rules-extractor field accuracy against noise level (pipeline.synth).

Run: ``.venv/bin/python -m bench.robustness_bench`` (about 15 s on 2 cores). For each noise
level 0..4 it generates ``per_level`` reports (the layouts in turn, a third of them with planted
inconsistencies, a fixed seed), extracts each with ``extract_rules`` and scores it against its
gold with ``score_document`` (micro field accuracy, as ``pipeline eval``). It also measures each
noise kind on its own (level-4 strength, nothing else on), so a drop can be traced to its cause.

``run()`` returns rows ``{name, value, unit, target, ok}``: one per level (the robustness curve),
per level and layout, generation and extraction speed, and the per-kind ablation. A second curve
covers the genre layouts (``synth.GENRE_LAYOUTS``: fund reports, form-style reports, score tables,
multi-form pages, forms flattened six ways), per level and per layout family
(``synth.LAYOUT_FAMILY``); the classic curve stays what it was, report for report. It writes
``bench/out/robustness.md`` (tables, worst fields per level), ``bench/out/robustness.json`` and
``bench/out/robustness.png`` (the curve, drawn with pymupdf: no plotting dependency).

Targets: clean reports (levels 0 and 1) must stay >= 0.95 and extraction >= 20 documents/s;
levels 2..4 and the genre curve are tracked, not gated — they measure how far the extractor is from
robust.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parent / "out"
LEVELS = (0, 1, 2, 3, 4)
CLEAN_TARGET = 0.95
SPEED_TARGET = 20.0  # documents per second, rules extraction alone


def _row(name: str, value: float, unit: str, target: str = "", ok: bool | None = None) -> dict:
    return {"name": name, "value": round(value, 4), "unit": unit, "target": target, "ok": ok}


def text_document(text: str, doc_id: str = "doc", path: str = "doc.txt"):
    """A one-page text Document, as ``pipeline.ingest.load`` makes of a .txt file."""
    import hashlib

    from pipeline.document import Document, Page

    return Document(path=path, doc_id=doc_id, sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                    media_type="text", encoding="utf-8", pages=[Page(number=1, text=text, engine="text")])


def _score(reports) -> tuple[dict, float]:
    """Counts per layout and per field, and the extraction time, for a list of SynthReports."""
    from pipeline.evaluate import score_document
    from pipeline.extract.rules import extract_rules

    by_layout: dict[str, Counter] = defaultdict(Counter)
    by_field: dict[str, Counter] = defaultdict(Counter)
    seconds = 0.0
    for report in reports:
        document = text_document(report.text, doc_id=report.doc_id, path=f"{report.doc_id}.txt")
        start = time.perf_counter()
        record = extract_rules(document)
        seconds += time.perf_counter() - start
        score = score_document(report.gold, record.plain())
        by_layout[report.layout]["scored"] += score.counts.scored
        by_layout[report.layout]["correct"] += score.counts.correct
        for field in score.fields:
            by_field[field.field][field.status] += 1
    return {"layouts": by_layout, "fields": by_field}, seconds


def _accuracy(counter: Counter) -> float:
    return counter["correct"] / counter["scored"] if counter["scored"] else float("nan")


def _genre_curve(per_level: int, seed: int, rows: list[dict]) -> tuple[list[dict], float, float, int]:
    """Rules accuracy on the genre layouts per noise level, per family and per layout."""
    from pipeline import synth

    curve = []
    gen_seconds = ext_seconds = 0.0
    documents = 0
    for level in LEVELS:
        start = time.perf_counter()
        reports = synth.generate(per_level, "genre", level, seed=seed + 100 + level, plant=1 / 3)
        gen_seconds += time.perf_counter() - start
        result, seconds = _score(reports)
        ext_seconds += seconds
        documents += len(reports)
        total, families = Counter(), defaultdict(Counter)
        for layout, counter in result["layouts"].items():
            total.update(counter)
            families[synth.LAYOUT_FAMILY[layout]].update(counter)
        point = {"level": level, "accuracy": _accuracy(total), "documents": len(reports), "scored": total["scored"],
                 "families": {fam: _accuracy(c) for fam, c in sorted(families.items())},
                 "layouts": {lay: _accuracy(c) for lay, c in sorted(result["layouts"].items())}}
        curve.append(point)
        rows.append(_row(f"rules field accuracy, genre layouts, noise level {level}", point["accuracy"], "ratio", "track"))
        for family, value in point["families"].items():
            rows.append(_row(f"  level {level}, family {family}", value, "ratio"))
    return curve, gen_seconds, ext_seconds, documents


def run(per_level: int = 60, per_kind: int = 40, seed: int = 2024, out_dir: Path = OUT_DIR,
        per_level_genre: int = 60) -> list[dict]:
    from pipeline import synth
    from pipeline.extract.rules import extract_rules

    extract_rules(text_document("部门整体支出绩效自评表"))  # start-up: regexes, lazy imports
    rows: list[dict] = []
    curve: list[dict] = []
    gen_seconds = ext_seconds = 0.0
    documents = 0
    worst: dict[int, list[tuple[str, float, int]]] = {}
    for level in LEVELS:
        start = time.perf_counter()
        reports = synth.generate(per_level, "mixed", level, seed=seed + level, plant=1 / 3)
        gen_seconds += time.perf_counter() - start
        result, seconds = _score(reports)
        ext_seconds += seconds
        documents += len(reports)
        total = Counter()
        for counter in result["layouts"].values():
            total.update(counter)
        accuracy = _accuracy(total)
        point = {"level": level, "accuracy": accuracy, "documents": len(reports), "scored": total["scored"],
                 "layouts": {lay: _accuracy(c) for lay, c in sorted(result["layouts"].items())},
                 "docs_per_second": len(reports) / seconds}
        curve.append(point)
        gated = level <= 1
        rows.append(_row(f"rules field accuracy, noise level {level}", accuracy, "ratio",
                         f">= {CLEAN_TARGET}" if gated else "track", accuracy >= CLEAN_TARGET if gated else None))
        for layout, value in point["layouts"].items():
            rows.append(_row(f"  level {level}, {layout}", value, "ratio"))
        fields = []
        for field, c in result["fields"].items():
            n = sum(c.values())
            fields.append((field, c["correct"] / n, n))
        worst[level] = sorted(fields, key=lambda f: (f[1], -f[2]))[:8]

    genre, g_gen, g_ext, g_docs = _genre_curve(per_level_genre, seed, rows) if per_level_genre else ([], 0.0, 0.0, 0)
    gen_seconds += g_gen
    ext_seconds += g_ext
    documents += g_docs

    rows.append(_row("synthetic reports scored", documents, "docs"))
    rows.append(_row("generation speed", documents / gen_seconds, "docs/s"))
    speed = documents / ext_seconds
    rows.append(_row("rules extraction speed (synthetic reports)", speed, "docs/s", f">= {SPEED_TARGET}", speed >= SPEED_TARGET))

    # Each noise kind alone, at level-4 strength: the classic kinds over the classic layouts, the
    # genre layouts' own kinds over the genre layouts (compare with genre level 0).
    ablation = []
    for kinds, layouts, suffix, label in (
        (synth.NOISE_KINDS, "mixed", "", "noise kind alone"),
        (synth.GENRE_NOISE_KINDS, "genre", " (genre layouts)", "noise kind alone, genre layouts"),
    ):
        for kind in kinds:
            reports = [r for r in synth.generate(per_kind, layouts, 4, seed=seed, kinds=[kind]) if r.noise_kinds]
            if not reports:
                continue
            result, _ = _score(reports)
            total = Counter()
            for counter in result["layouts"].values():
                total.update(counter)
            ablation.append({"kind": f"{kind}{suffix}", "accuracy": _accuracy(total), "documents": len(reports)})
            rows.append(_row(f"{label}: {kind}", _accuracy(total), "ratio"))

    _write(out_dir, curve, worst, ablation, rows, documents / gen_seconds, speed, genre)
    return rows


# --- outputs ---------------------------------------------------------------------------------


def _write(out_dir: Path, curve, worst, ablation, rows, gen_speed: float, ext_speed: float, genre=()) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    layouts = sorted({lay for p in curve for lay in p["layouts"]})
    lines = [
        "# Robustness of the rules extractor on synthetic noisy reports",
        "",
        f"Generated by `python -m bench.robustness_bench` (pipeline.synth; {curve[0]['documents']} reports per level, "
        f"layouts in turn, a third with planted inconsistencies). Extraction {ext_speed:.0f} docs/s, "
        f"generation {gen_speed:.0f} docs/s.",
        "",
        "| noise level | field accuracy | " + " | ".join(layouts) + " |",
        "| --- | --- | " + " | ".join("---" for _ in layouts) + " |",
    ]
    for p in curve:
        lines.append(f"| {p['level']} | {p['accuracy']:.3f} | " + " | ".join(f"{p['layouts'].get(lay, float('nan')):.3f}" for lay in layouts) + " |")
    lines += ["", "## Worst fields per level (accuracy, scored)", ""]
    for level, fields in worst.items():
        lines.append(f"- level {level}: " + "; ".join(f"{f} {a:.2f} ({n})" for f, a, n in fields))
    if genre:
        families = sorted({fam for p in genre for fam in p["families"]})
        layouts_g = sorted({lay for p in genre for lay in p["layouts"]})
        lines += ["", "## Genre layouts, per layout family (synth.GENRE_LAYOUTS)", "",
                  f"{genre[0]['documents']} reports per level, the genre layouts in turn, a third with planted inconsistencies.", "",
                  "| noise level | field accuracy | " + " | ".join(families) + " |",
                  "| --- | --- | " + " | ".join("---" for _ in families) + " |"]
        for p in genre:
            lines.append(f"| {p['level']} | {p['accuracy']:.3f} | " + " | ".join(f"{p['families'].get(f, float('nan')):.3f}" for f in families) + " |")
        lines += ["", "| noise level | " + " | ".join(layouts_g) + " |", "| --- | " + " | ".join("---" for _ in layouts_g) + " |"]
        for p in genre:
            lines.append(f"| {p['level']} | " + " | ".join(f"{p['layouts'].get(lay, float('nan')):.3f}" for lay in layouts_g) + " |")
    lines += ["", "## One noise kind at a time (level-4 strength, nothing else on)", "",
              "| noise kind | field accuracy | reports |", "| --- | --- | --- |"]
    for a in sorted(ablation, key=lambda a: a["accuracy"]):
        lines.append(f"| {a['kind']} | {a['accuracy']:.3f} | {a['documents']} |")
    (out_dir / "robustness.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out_dir / "robustness.json").write_text(
        json.dumps({"curve": curve, "genre_curve": list(genre), "worst_fields": worst, "ablation": ablation, "rows": rows},
                   ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
    _plot(out_dir / "robustness.png", curve, layouts, ext_speed, genre)


_COLORS = [(0.12, 0.47, 0.71), (1.0, 0.5, 0.05), (0.17, 0.63, 0.17), (0.84, 0.15, 0.16), (0.58, 0.4, 0.74), (0.55, 0.34, 0.29),
           (0.89, 0.47, 0.76), (0.5, 0.5, 0.0), (0.74, 0.74, 0.13), (0.09, 0.75, 0.81), (0.0, 0.0, 0.55), (0.6, 0.2, 0.0)]


def _plot(path: Path, curve, layouts, ext_speed: float, genre=()) -> None:
    """The curve as a PNG: overall accuracy (thick black), one line per classic layout, and the
    genre layouts' overall (thick grey) with one dashed line per genre family."""
    import pymupdf

    width, height = 640, 420
    left, right, top, bottom = 60, 190, 50, 60
    doc = pymupdf.open()
    page = doc.new_page(width=width, height=height)
    page.draw_rect(page.rect, color=None, fill=(1, 1, 1))
    x0, x1, y0, y1 = left, width - right, top, height - bottom

    def xy(level: float, acc: float) -> pymupdf.Point:
        return pymupdf.Point(x0 + (x1 - x0) * level / (len(LEVELS) - 1), y1 - (y1 - y0) * acc)

    for k in range(11):  # grid and y labels
        y = y1 - (y1 - y0) * k / 10
        page.draw_line((x0, y), (x1, y), color=(0.88, 0.88, 0.88), width=0.5)
        page.insert_text((x0 - 30, y + 3), f"{k / 10:.1f}", fontsize=8)
    for level in LEVELS:
        x = xy(level, 0).x
        page.draw_line((x, y1), (x, y1 + 4), color=(0, 0, 0), width=0.8)
        page.insert_text((x - 3, y1 + 16), str(level), fontsize=9)
    page.draw_line((x0, y1), (x1, y1), color=(0, 0, 0), width=0.8)
    page.draw_line((x0, y0), (x0, y1), color=(0, 0, 0), width=0.8)
    page.insert_text((x0 + (x1 - x0) / 2 - 30, y1 + 34), "noise level", fontsize=10)
    page.insert_text((12, y0 - 22), "field accuracy", fontsize=10)
    page.insert_text((x0, 20), f"Rules extractor on synthetic reports ({ext_speed:.0f} docs/s)", fontsize=12)

    def polyline(points, color, width_, label, row, dashes=None):
        for a, b in zip(points, points[1:]):
            page.draw_line(a, b, color=color, width=width_, dashes=dashes)
        for p in points:
            page.draw_circle(p, 2.2 if width_ < 2 else 3, color=color, fill=color)
        ly = y0 + 14 * row
        page.draw_line((x1 + 15, ly - 3), (x1 + 35, ly - 3), color=color, width=width_, dashes=dashes)
        page.insert_text((x1 + 40, ly), label, fontsize=9)

    for i, layout in enumerate(layouts):
        points = [xy(p["level"], p["layouts"][layout]) for p in curve if layout in p["layouts"]]
        polyline(points, _COLORS[i % len(_COLORS)], 1.2, layout, i + 1)
    polyline([xy(p["level"], p["accuracy"]) for p in curve], (0, 0, 0), 2.5, "classic layouts" if genre else "all layouts", 0)
    if genre:
        row = len(layouts) + 1
        polyline([xy(p["level"], p["accuracy"]) for p in genre], (0.5, 0.5, 0.5), 2.5, "genre layouts", row)
        families = sorted({fam for p in genre for fam in p["families"]})
        for i, family in enumerate(families):
            points = [xy(p["level"], p["families"][family]) for p in genre if family in p["families"]]
            polyline(points, _COLORS[(i + len(layouts)) % len(_COLORS)], 1.2, family, row + 1 + i, dashes="[3 2] 0")
    for p in curve:
        q = xy(p["level"], p["accuracy"])
        page.insert_text((q.x + 4, q.y - 5), f"{p['accuracy']:.2f}", fontsize=8)
    page.get_pixmap(dpi=144).save(str(path))
    doc.close()


def main() -> int:
    start = time.perf_counter()
    rows = run()
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        status = "" if r["ok"] is None else ("ok" if r["ok"] else "MISS")
        print(f"{r['name']:<{width}}  {r['value']:>10}  {r['unit']:<7} {r['target']:<8} {status}")
    print(f"(wrote {OUT_DIR / 'robustness.md'}, robustness.json, robustness.png in {time.perf_counter() - start:.1f} s)")
    return 0 if all(r["ok"] is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
