"""Render an :class:`~pipeline.evaluate.EvalReport`: report.json, report.md, report.html, console.

Every string that comes from a document (names, values, quotes, doc ids, even field paths, which
carry item names) is untrusted. The HTML is rendered by Jinja2 with autoescaping on, carries a
Content-Security-Policy that forbids scripts and every external load, and needs no server,
stylesheet or script: the bar chart is inline SVG. Markdown cells escape ``& < > |`` and break
``](`` so a value cannot become raw HTML, a table column or a link/image.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

from jinja2 import Environment, PackageLoader, StrictUndefined
from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipeline.evaluate import Comparison, Counts, Delta, EvalReport, FieldResult

MAX_VALUE_CHARS = 160


class ReportPaths(NamedTuple):
    json: Path
    markdown: Path
    html: Path


def write_report(report: EvalReport, out_dir: str | Path) -> ReportPaths:
    """Write report.json (``model_dump``), report.md and report.html into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = ReportPaths(out / "report.json", out / "report.md", out / "report.html")
    paths.json.write_text(
        json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    paths.markdown.write_text(render_markdown(report), encoding="utf-8")
    paths.html.write_text(render_html(report), encoding="utf-8")
    return paths


# --------------------------------------------------------------------------------------------
# Formatting helpers shared by all renderers
# --------------------------------------------------------------------------------------------


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def usd(value: float | None) -> str:
    """An estimated cost for people: 'unknown' when it is (never 0)."""
    from pipeline.extract.llm.costs import format_cost

    return format_cost(value)


def signed_pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:+.1f} pp"


def show_value(value: Any, limit: int = MAX_VALUE_CHARS) -> str:
    """A JSON-ish rendering (strings quoted, so "99.66" and 99.66 differ), shortened."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _shorten(text: str | None, limit: int = MAX_VALUE_CHARS) -> str:
    if not text:
        return ""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _counts_row(c: Counts) -> list[str]:
    return [str(c.scored), str(c.correct), str(c.wrong), str(c.missed), str(c.hallucinated),
            str(c.hallucinated_items), pct(c.accuracy)]


_COUNT_HEADERS = ["scored", "correct", "wrong", "missed", "hallucinated", "extra items", "accuracy"]


def _flag_list(kinds: list[str]) -> str:
    return ", ".join(kinds) if kinds else "—"


# --------------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------------


def md_escape(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("](", "]\\(")
    return " ".join(text.split()) if ("\n" in text or "\r" in text) else text


def _md_table(headers: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render_markdown(report: EvalReport) -> str:
    m, h = report.metadata, report.headline
    parts = [
        "# Evaluation report",
        "",
        f"- backend: {md_escape(m.backend or '—')}",
        f"- timestamp: {md_escape(m.timestamp)}",
        f"- gold: {md_escape(m.gold_dir or '—')}",
        f"- pipeline version: {md_escape(m.pipeline_version)}",
        *(f"- {md_escape(k)}: {md_escape(v)}" for k, v in m.extra.items()),
        "",
        "## Headline",
        "",
        f"**Field accuracy {pct(h.accuracy)}** ({h.correct} of {h.scored} scored fields, {h.documents} documents)",
        "",
        _md_table(["documents", *_COUNT_HEADERS], [[h.documents, *_counts_row(h)]]),
        "",
        "## Accuracy per field",
        "",
        _md_table(["field", *_COUNT_HEADERS], [[k, *_counts_row(c)] for k, c in report.per_field.items()]),
        "",
        "## Per document",
        "",
        _md_table(
            ["document", "type", *_COUNT_HEADERS, "error"],
            [[k, d.report_type, *_counts_row(d), d.error or ""] for k, d in report.per_document.items()],
        ),
        "",
        "## Per report type",
        "",
        _md_table(
            ["type", "documents", *_COUNT_HEADERS],
            [[k, t.documents, *_counts_row(t)] for k, t in report.per_report_type.items()],
        ),
        "",
        "## Lists",
        "",
        _md_table(
            ["list", "gold items", "predicted items", "matched", "precision", "recall", "field accuracy"],
            [[k, s.gold_items, s.predicted_items, s.matched, pct(s.precision), pct(s.recall), pct(s.fields.accuracy)]
             for k, s in report.lists.items()],
        ),
        "",
    ]
    return "\n".join(parts + _md_flags(report) + _md_cost(report) + _md_differences(report))


def _md_flags(report: EvalReport) -> list[str]:
    f = report.flags.overall
    parts = [
        "## Flags",
        "",
        f"Overall: precision {pct(f.precision)}, recall {pct(f.recall)}, F1 {pct(f.f1)} "
        f"(tp {f.tp}, fp {f.fp}, fn {f.fn}; {len(report.flags.per_document)} documents with expected flags)",
        "",
        _md_table(
            ["document", "expected", "raised", "not raised (fn)", "unexpected (fp)", "precision", "recall"],
            [[k, _flag_list(s.expected), _flag_list(s.raised), _flag_list(s.false_negatives),
              _flag_list(s.false_positives), pct(s.precision), pct(s.recall)]
             for k, s in report.flags.per_document.items()],
        ),
        "",
    ]
    if report.flags.per_kind:
        parts += [
            _md_table(["flag kind", "tp", "fp", "fn", "precision", "recall"],
                      [[k, c.tp, c.fp, c.fn, pct(c.precision), pct(c.recall)] for k, c in report.flags.per_kind.items()]),
            "",
        ]
    return parts


def _md_cost(report: EvalReport) -> list[str]:
    t = report.cost.total
    return [
        "## Cost",
        "",
        _md_table(
            ["document", "LLM calls", "tokens in", "tokens out", "cache hits", "cost (USD, estimate)"],
            [[k, c.llm_calls, c.tokens_in, c.tokens_out, c.cache_hits, usd(c.cost)] for k, c in report.cost.per_document.items()]
            + [["**total**", t.llm_calls, t.tokens_in, t.tokens_out, t.cache_hits, usd(t.cost)]],
        ),
        "",
    ]


def _md_differences(report: EvalReport) -> list[str]:
    parts = [
        "## Differences per document",
        "",
        "Every field that is not correct: gold vs prediction, with the prediction's evidence quote.",
        "",
    ]
    for doc in report.documents:
        bad = doc.non_correct()
        parts += [f"### {md_escape(doc.doc_id)} — {pct(doc.accuracy)}", ""]
        if not bad:
            parts += ["All scored fields correct.", ""]
            continue
        parts += [_md_table(["field", "status", "gold", "predicted", "evidence", "note"], [_diff_row(r) for r in bad]), ""]
        if doc.ignored_gold_keys:
            parts += [f"Gold keys not scored (unknown): {md_escape(', '.join(doc.ignored_gold_keys))}", ""]
    return parts


def _diff_row(r: FieldResult) -> list[str]:
    status = r.status if r.scored else f"{r.status} (not scored)"
    return [r.path, status, show_value(r.gold), show_value(r.pred), _shorten(r.evidence), r.note or ""]


def render_comparison_markdown(comparison: Comparison) -> str:
    c = comparison

    def label(meta: dict[str, Any]) -> str:
        return md_escape(" ".join(str(meta.get(k)) for k in ("backend", "timestamp") if meta.get(k)) or "—")

    def rows(deltas: list[Delta], changed_only: bool = False) -> list[list[Any]]:
        return [[d.key, pct(d.before), pct(d.after), signed_pct(d.delta), d.change]
                for d in deltas if not changed_only or d.change != "same"]

    verdict = "**REGRESSED**" if c.regressed else "no regression"
    parts = [
        "# Evaluation comparison",
        "",
        f"- baseline: {label(c.baseline)}",
        f"- candidate: {label(c.candidate)}",
        f"- tolerance: {c.tolerance}",
        f"- verdict: {verdict}",
        *(f"  - {md_escape(r)}" for r in c.reasons),
        "",
        "## Headline",
        "",
        _md_table(["metric", "baseline", "candidate", "delta", "change"], rows([c.headline])),
        "",
        "## Per document",
        "",
        _md_table(["document", "baseline", "candidate", "delta", "change"], rows(c.per_document)),
        "",
        "## Per report type",
        "",
        _md_table(["type", "baseline", "candidate", "delta", "change"], rows(c.per_report_type)),
        "",
        "## Fields that changed",
        "",
    ]
    changed = rows(c.per_field, changed_only=True)
    parts += [_md_table(["field", "baseline", "candidate", "delta", "change"], changed) if changed else "No field changed.", ""]
    parts += [
        "## Flags",
        "",
        _md_table(["metric", "baseline", "candidate", "delta", "change"], rows(c.flags)),
        "",
        "## Cost",
        "",
        _md_table(["total", "baseline", "candidate", "delta"],
                  [[d.key, _num(d.before), _num(d.after), _num(d.delta, signed=True)] for d in c.cost]),
        "",
    ]
    return "\n".join(parts)


def _num(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:+g}" if signed else f"{value:g}"


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

# The template ships inside the package (pipeline/templates/), so an installed wheel renders the same
# page as a checkout. Autoescaping is on for every template: documents are untrusted.
_ENV = Environment(
    loader=PackageLoader("pipeline", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters.update(pct=pct, usd=usd, show=show_value, shorten=_shorten, flags=_flag_list)

_BAR_LABEL_W, _BAR_W, _BAR_H, _BAR_GAP = 230, 360, 16, 6

_HTML = _ENV.get_template("report.html.j2")


def _bar_colour(accuracy: float) -> str:
    return "#2da44e" if accuracy >= 0.9 else "#d4a72c" if accuracy >= 0.6 else "#cf222e"


def render_html(report: EvalReport) -> str:
    bars = [
        {"label": k, "accuracy": c.accuracy, "scored": c.scored, "colour": _bar_colour(c.accuracy)}
        for k, c in report.per_field.items()
        if c.accuracy is not None
    ]
    return _HTML.render(
        r=report, m=report.metadata, h=report.headline, bars=bars, count_headers=_COUNT_HEADERS,
        counts_row=_counts_row, label_w=_BAR_LABEL_W, bar_w=_BAR_W, bar_h=_BAR_H, gap=_BAR_GAP,
    )


# --------------------------------------------------------------------------------------------
# Console
# --------------------------------------------------------------------------------------------


def _table(title: str, headers: list[str], rows: list[list[Any]], text_columns: int = 1) -> Table:
    """The first ``text_columns`` columns are left-aligned text, the rest right-aligned numbers."""
    table = Table(title=Text(title, style="bold"), title_justify="left")
    for i, h in enumerate(headers):
        table.add_column(h, justify="left" if i < text_columns else "right")
    for row in rows:
        # Text(...) keeps document strings literal: rich would read '[...]' in them as markup.
        table.add_row(*(Text(str(c)) for c in row))
    return table


def print_report(report: EvalReport, console: Console | None = None, *, show_diffs: bool = False) -> None:
    """Print the report's tables; ``show_diffs`` adds every non-correct field per document."""
    console = console or Console()
    h = report.headline
    console.print(Text(f"Field accuracy {pct(h.accuracy)} ({h.correct}/{h.scored} fields, {h.documents} documents)",
                       style="bold"))
    console.print(_table("Per field", ["field", *_COUNT_HEADERS], [[k, *_counts_row(c)] for k, c in report.per_field.items()]))
    console.print(_table("Per document", ["document", "type", *_COUNT_HEADERS],
                         [[k, d.report_type, *_counts_row(d)] for k, d in report.per_document.items()], text_columns=2))
    console.print(_table("Per report type", ["type", "documents", *_COUNT_HEADERS],
                         [[k, t.documents, *_counts_row(t)] for k, t in report.per_report_type.items()]))
    console.print(_table("Lists", ["list", "gold", "predicted", "matched", "precision", "recall", "field accuracy"],
                         [[k, s.gold_items, s.predicted_items, s.matched, pct(s.precision), pct(s.recall),
                           pct(s.fields.accuracy)] for k, s in report.lists.items()]))
    f = report.flags.overall
    console.print(_table(
        f"Flags (precision {pct(f.precision)}, recall {pct(f.recall)})",
        ["document", "expected", "raised", "not raised", "unexpected"],
        [[k, _flag_list(s.expected), _flag_list(s.raised), _flag_list(s.false_negatives), _flag_list(s.false_positives)]
         for k, s in report.flags.per_document.items()],
        text_columns=5,
    ))
    t = report.cost.total
    console.print(_table("Cost", ["document", "LLM calls", "tokens in", "tokens out", "cache hits", "cost (USD, estimate)"],
                         [[k, c.llm_calls, c.tokens_in, c.tokens_out, c.cache_hits, usd(c.cost)] for k, c in report.cost.per_document.items()]
                         + [["total", t.llm_calls, t.tokens_in, t.tokens_out, t.cache_hits, usd(t.cost)]]))
    if show_diffs:
        for doc in report.documents:
            bad = doc.non_correct()
            if bad:
                console.print(_table(f"{doc.doc_id} — {pct(doc.accuracy)}",
                                     ["field", "status", "gold", "predicted", "evidence", "note"],
                                     [_diff_row(r) for r in bad], text_columns=6))
