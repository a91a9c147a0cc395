"""Synthetic noisy reports with exact gold: the generator behind the robustness evaluation.

``generate(n, layout, noise, seed, plant)`` writes budget-performance self-evaluation reports of
invented bureaus (every name, place, project and figure is made up; a match with a real place is
a coincidence) together with their gold records in the format of ``../shared/gold/README.md``.
``write(reports, out_dir, pdf=..., scan=...)`` puts ``<doc_id>.txt`` + ``<doc_id>.json`` (and a
text-layer ``<doc_id>.pdf`` / image-only ``scan/<doc_id>.pdf``) into a directory that
``pipeline eval`` can read as a gold directory.

Layouts (``LAYOUTS``), all the kinds domain.md lists:

* ``overall_table``  – one-page 部门整体支出绩效自评表 (a money grid with 基本/项目/三公 rows or
  funding-source rows, or seed-000-style label/value pairs; goals; indicator table; 总分; 等级);
* ``overall_report`` – narrative 部门整体支出绩效自评报告 (money in sentences, indicators in prose
  or in a goal table, 自评结论, 存在的问题, 改进措施);
* ``score_report``   – the narrative report with a score table (一级/二级/三级指标, 分值, 得分, 合计);
* ``project_table``  – multi-project 项目支出绩效自评汇总表 with a 合计 row (``subject`` null);
* ``project_single`` – one-project 项目支出绩效自评表 (``report_type`` project_table, ``subject`` = the
  project, ``department`` = 主管部门, ``projects`` = [] — the convention of eval/gold/README.md).

Genre layouts (``GENRE_LAYOUTS``, issue 8; ``generate(n, "genre")``): what real reports print that
the classic five do not — ``project_report`` (narrative fund report: one unlabelled allocation →
adjusted, prose fund lists, prose indicators, page furniture before the title), ``project_form``
(form-style fund report), ``score_table``, ``multi_form`` (several one-project forms on one page)
and ``form_*`` (one-project 自评表 flattened as tabs, one cell per line, one line, pipes, run-together
values, interleaved PDF columns). ``LAYOUT_FAMILY`` groups layouts for per-family curves.
``SynthReport.page_text`` is the printed page (tables whole, TAB-separated): ``render_ruled_pdf``
draws it with ruled tables, the page a scan shows.

Label variants (年初预算数 / 年初预算 / 年初批复预算, 全年预算数（A） / 调整后预算数 / 全年（调整）预算数,
全年执行数（B） / 实际支出数 / 决算数, 执行率 / 预算执行率 / 支出率 / 支出实现率 …) and units (元, 万元,
亿元; gold always 万元) are drawn at every noise level. Money is kept in integer 分 (0.01 元), so
every printed sum and rate is exact and the gold never depends on float rounding.

Noise levels 0 (clean) … 4 (worse than seed 000). Every noise kind keeps the gold true, i.e. a
careful human still reads the gold from the text; the kinds applied are listed in ``_notes``
('noise: …') and on ``SynthReport.noise_kinds``. Two of them imply flags a cross-check must raise:
``misplaced_separator`` → ``separator_repaired`` and ``garbage_paragraph`` → ``garbled_text``.

Planted inconsistencies (``plant``) are author mistakes: the gold keeps the PRINTED value and
``_expected_flags`` names the flag kind. Every arithmetic relation the text prints (planted or
not) is also returned as a ``Check`` with the spans of its terms in the final text, so tests can
recompute it from the text alone.

The package, in the order a report is made: ``vocabulary`` (layouts, noise and plant kinds),
``content`` and ``facts`` (invented departments and their consistent figures, in ``values``' exact
integers), ``builder`` (the lines, marked terms, checks and plants of one report) with ``noise``
(levels and line noise) and ``flatten`` (how converters flatten forms), one module per layout family
(``overall_table``, ``narrative``, ``project``, ``fund``, ``score_table``, ``forms``; shared pieces in
``common``), and ``render`` (PDF and scan). No stage of the pipeline imports it: only the
``pipeline synth`` command, the tests and the benchmarks do.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from pipeline.record import FLAG_KINDS
from pipeline.synth.builder import _Builder
from pipeline.synth.forms import _form_single, _multi_form
from pipeline.synth.fund import _project_form, _project_report
from pipeline.synth.narrative import _narrative
from pipeline.synth.noise import _IMPLIED_FLAGS, _LEVELS
from pipeline.synth.overall_table import _overall_table
from pipeline.synth.project import _project_single, _project_table
from pipeline.synth.render import pipe_row_as_tabs, render_pdf, render_ruled_pdf, render_scan
from pipeline.synth.score_table import _score_table
from pipeline.synth.vocabulary import (
    _FORMS, ALL_LAYOUTS, GENRE_LAYOUTS, GENRE_NOISE_KINDS, LAYOUT_CHOICES, LAYOUT_FAMILY, LAYOUTS, NOISE_KINDS,
    PLANT_KINDS,
)

__all__ = [
    "ALL_LAYOUTS",
    "FLAG_KINDS",
    "GENRE_LAYOUTS",
    "GENRE_NOISE_KINDS",
    "LAYOUTS",
    "LAYOUT_CHOICES",
    "LAYOUT_FAMILY",
    "NOISE_KINDS",
    "PLANT_KINDS",
    "Check",
    "SynthReport",
    "generate",
    "gold_json",
    "pipe_row_as_tabs",
    "render_pdf",
    "render_ruled_pdf",
    "render_scan",
    "write",
]


@dataclass
class Check:
    """One arithmetic relation the text prints, with the spans of its terms in ``text``.

    ``op`` (what the terms must satisfy when the report is consistent):

    * ``ratio``        – rate ≈ 100·num/den (at the rate's printed precision, rounded or cut);
    * ``change_ratio`` – rate ≈ 100·(new − base)/base;
    * ``sum``          – total = Σ parts − Σ minus (amounts in 万元, or scores);
    * ``difference``   – stated = a − b;
    * ``grade``        – grade fits the score band (优 ≥ 90, 良 80–90, 中 60–80, 差 < 60);
    * ``equal``        – all terms equal (years; a quantity stated twice);
    * ``unit_sum``     – total = Σ parts as printed (a planted one holds only when the 元 part is
      read as 万元).

    ``planted`` is True when the generator made it disagree on purpose (its ``kind`` is then in
    ``_expected_flags``).
    """

    kind: str
    op: str
    planted: bool
    terms: dict[str, list[tuple[int, int]]]
    note: str = ""


@dataclass
class SynthReport:
    doc_id: str
    text: str
    gold: dict[str, Any]
    layout: str
    noise: int
    seed: int
    noise_kinds: list[str] = field(default_factory=list)
    plants: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)  # named spans (garbage, …)
    # The page as printed, every table row whole with TAB-separated cells: what ``--scan`` renders
    # as a ruled table. Equal to ``text`` except for flattened forms (form_*), whose text is one
    # converter's extraction of this page.
    page_text: str = ""

    def quote(self, span: tuple[int, int]) -> str:
        return self.text[span[0] : span[1]]


_GENRE_RENDER = {
    "project_report": _project_report,
    "project_form": _project_form,
    "score_table": _score_table,
    "multi_form": _multi_form,
    **{layout: (lambda style: (lambda b, rng: _form_single(b, rng, style)))(layout[len("form_"):]) for layout in _FORMS},
}


_RENDER = {
    "overall_table": _overall_table,
    "overall_report": lambda b, rng: _narrative(b, rng, with_scores=False),
    "score_report": lambda b, rng: _narrative(b, rng, with_scores=True),
    "project_table": _project_table,
    "project_single": _project_single,
    **_GENRE_RENDER,
}


def _choose_plants(rng: random.Random, layout: str, plant: bool | float | str | Iterable[str] | None) -> set[str]:
    applicable = [k for k, layouts in PLANT_KINDS.items() if layout in layouts]
    if plant is None or plant is False or plant == 0:
        return set()
    if isinstance(plant, str):
        plant = [plant]
    if isinstance(plant, (bool, int, float)):
        p = 1.0 if plant is True else float(plant)
        if rng.random() >= p:
            return set()
        return set(rng.sample(applicable, k=min(len(applicable), rng.choice([1, 1, 2]))))
    unknown = set(plant) - set(PLANT_KINDS)
    if unknown:
        raise ValueError(f"unknown plant kinds {sorted(unknown)}; known: {sorted(PLANT_KINDS)}")
    return {k for k in plant if k in applicable}


def _order_flags(flags: Iterable[str]) -> list[str]:
    return sorted(set(flags), key=FLAG_KINDS.index)


def _apply_trad(b: _Builder, gold: dict[str, Any]) -> None:
    for key in ("department", "subject", "problems", "improvements"):
        if key in gold:  # a multi-form page leaves problems / improvements out
            gold[key] = b.t(gold[key])
    for ind in gold.get("indicators", []):
        for key in ("level1", "level2", "name", "target", "actual"):
            ind[key] = b.t(ind[key])
    for proj in gold["projects"]:
        proj["name"] = b.t(proj["name"])


def _one(index: int, layout: str, noise: int, seed: int, plant: Any, kinds: Sequence[str] | None = None) -> SynthReport:
    key = f"pipeline.synth:{seed}:{index}:{layout}:{noise}" + (f":{','.join(kinds)}" if kinds is not None else "")
    rng = random.Random(key)
    plants = _choose_plants(rng, layout, plant)
    b = _Builder(rng, layout, noise, plants, kinds)
    gold = _RENDER[layout](b, rng)
    missing = plants - set(b.planted)
    if missing:  # a renderer must honour every plant it is asked for
        raise RuntimeError(f"layout {layout} could not plant {sorted(missing)}")
    b.apply_line_noise()
    text, mark_spans = b.assemble()
    page_text = b.assemble_page()
    _apply_trad(b, gold)
    doc_id = f"synth_s{seed}_{index:04d}_{layout}_n{noise}"
    gold["doc_id"] = doc_id
    applied = [k for k in NOISE_KINDS + GENRE_NOISE_KINDS if k in b.applied]
    flags = set(b.planted) | b.implied_flags | {_IMPLIED_FLAGS[k] for k in applied if k in _IMPLIED_FLAGS}
    notes = [
        f"SYNTHETIC report generated by pipeline.synth (seed {seed}, index {index}, layout {layout}, noise level {noise}): "
        "invented department, places, projects and figures.",
        *b.notes,
        "noise: " + (", ".join(applied) if applied else "none"),
    ]
    for example in b.sep_examples:
        notes.append(f"separator_repaired: '{example}' is a misplaced thousands separator (myriad grouping); it reads "
                     f"{example.replace(',', '')}.")
    if b.run_together:
        # Splitting figures run together is a repair (gold README, separator_repaired).
        flags.add("separator_repaired")
        notes.append(f"separator_repaired: the form prints adjacent figure cells without a gap ('{b.run_together[0]}'); "
                     "reading them splits the run by the columns.")
    if "garbage_paragraph" in b.applied:
        notes.append("garbled_text: OCR garbage paragraph(s) were inserted between blocks; they carry no values.")
    if "traditional" in b.applied:
        notes.append("Traditional characters replace some simplified ones throughout (labels must still be recognised); "
                     "gold strings are copied as printed.")
    gold["_notes"] = notes
    gold["_expected_flags"] = _order_flags(flags)
    checks = [
        Check(kind, op, planted, {role: [mark_spans[i] for i in ids] for role, ids in terms.items()}, note)
        for kind, op, planted, terms, note in b.checks
    ]
    named = {name: mark_spans[i] for name, i in b.named.items()}
    return SynthReport(doc_id, text, gold, layout, noise, seed, applied, list(b.planted), checks, named, page_text)


def generate(
    n: int,
    layout: str = "mixed",
    noise: int = 0,
    seed: int = 0,
    plant: bool | float | str | Iterable[str] | None = False,
    kinds: Iterable[str] | None = None,
) -> list[SynthReport]:
    """``n`` synthetic reports with gold records, deterministic for a given seed.

    layout: one of ``ALL_LAYOUTS``, or "mixed" to cycle through the classic ``LAYOUTS`` (what it
            always did), "genre" through ``GENRE_LAYOUTS``, "all" through both.
    noise:  0 (clean) … 4 (worse than seed 000).
    plant:  False: no planted inconsistency; True: one or two per report (kinds the layout can
            print, drawn at random); a float p: that with probability p; a kind or a list of
            kinds: exactly those the layout can print (see ``PLANT_KINDS``).
    kinds:  None: the noise kinds of the level, each drawn with its probability; a list of
            ``NOISE_KINDS``: exactly those, always on, at the level's strength (level 4's for a
            kind the level does not have) — for measuring one kind at a time.
    """
    kind_list = None if kinds is None else list(kinds)
    if kind_list is not None and set(kind_list) - set(NOISE_KINDS + GENRE_NOISE_KINDS):
        raise ValueError(f"unknown noise kinds {sorted(set(kind_list) - set(NOISE_KINDS + GENRE_NOISE_KINDS))}")
    if layout not in (*ALL_LAYOUTS, *LAYOUT_CHOICES):
        raise ValueError(f"unknown layout {layout!r}; choose one of {', '.join(ALL_LAYOUTS)} or {', '.join(LAYOUT_CHOICES)}")
    if noise not in _LEVELS:
        raise ValueError(f"noise must be 0..4, not {noise!r}")
    reports = []
    for i in range(n):
        cycle = LAYOUT_CHOICES.get(layout)
        lay = cycle[i % len(cycle)] if cycle else layout
        reports.append(_one(i, lay, noise, seed, plant, kind_list))
    return reports


def gold_json(report: SynthReport) -> str:
    return json.dumps(report.gold, ensure_ascii=False, indent=2) + "\n"


def write(
    reports: Sequence[SynthReport],
    out_dir: str | Path,
    pdf: bool = False,
    scan: bool = False,
    *,
    scan_dpi: int = 200,
    scan_pages: int | None = None,
    ruled: bool = False,
) -> list[Path]:
    """Write ``<doc_id>.txt`` and ``<doc_id>.json`` per report (a directory `pipeline eval` reads as
    gold + documents), plus a text-layer ``<doc_id>.pdf`` (pdf=True: the text set line by line, or
    with ruled=True the printed page with ruled vector tables, ``render_ruled_pdf`` of
    ``page_text``, what pymupdf's table finder reads) and an image-only
    ``scan/<doc_id>.pdf`` (scan=True; the printed page with ruled tables, ``render_ruled_pdf`` of
    ``page_text``; its first ``scan_pages`` pages, all when None). Returns the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for report in reports:
        txt = out / f"{report.doc_id}.txt"
        txt.write_text(report.text, encoding="utf-8")
        js = out / f"{report.doc_id}.json"
        js.write_text(gold_json(report), encoding="utf-8")
        written += [txt, js]
        if pdf or scan:
            if pdf:
                path = out / f"{report.doc_id}.pdf"
                path.write_bytes(render_ruled_pdf(report.page_text or report.text) if ruled else render_pdf(report.text))
                written.append(path)
            if scan:  # a scan shows the printed page: its tables ruled, each cell in its box
                # scan/<doc_id>.pdf: the same stem as its gold, so `pipeline eval --gold DIR
                # --docs DIR/scan` scores the scans (a <doc_id>.scan.pdf would be doc <doc_id>.scan).
                (out / "scan").mkdir(exist_ok=True)
                path = out / "scan" / f"{report.doc_id}.pdf"
                page = render_ruled_pdf(report.page_text or report.text)
                path.write_bytes(render_scan(page, dpi=scan_dpi, pages=scan_pages))
                written.append(path)
    return written
