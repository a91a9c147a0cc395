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

from jinja2 import Environment, StrictUndefined
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
        "## Flags",
        "",
    ]
    f = report.flags.overall
    parts += [
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
    t = report.cost.total
    parts += [
        "## Cost",
        "",
        _md_table(
            ["document", "LLM calls", "tokens in", "tokens out", "cache hits"],
            [[k, c.llm_calls, c.tokens_in, c.tokens_out, c.cache_hits] for k, c in report.cost.per_document.items()]
            + [["**total**", t.llm_calls, t.tokens_in, t.tokens_out, t.cache_hits]],
        ),
        "",
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
    return "\n".join(parts)


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

_ENV = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_ENV.filters.update(pct=pct, show=show_value, shorten=_shorten, flags=_flag_list)

_BAR_LABEL_W, _BAR_W, _BAR_H, _BAR_GAP = 230, 360, 16, 6

_HTML = _ENV.from_string(
    """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="referrer" content="no-referrer">
<title>Evaluation report</title>
<style>
body { font-family: system-ui, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "Source Han Sans SC", sans-serif; margin: 2rem; color: #1f2328; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border: 1px solid #d0d7de; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.headline { font-size: 1.6rem; font-weight: 600; }
.correct { color: #1a7f37; } .wrong { color: #cf222e; } .missed { color: #9a6700; } .hallucinated { color: #8250df; }
.value { font-family: ui-monospace, "Noto Sans Mono CJK SC", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", monospace; white-space: pre-wrap; word-break: break-all; }
.quote { color: #57606a; }
details { margin: 0.5rem 0; } summary { cursor: pointer; font-weight: 600; }
</style>
</head>
<body>
<h1>Evaluation report</h1>
<p>backend <b>{{ m.backend or "—" }}</b> · {{ m.timestamp }} · gold {{ m.gold_dir or "—" }} · pipeline {{ m.pipeline_version }}
{% for k, v in m.extra.items() %} · {{ k }} {{ v }}{% endfor %}</p>

<p class="headline">Field accuracy {{ h.accuracy | pct }}</p>
<p>{{ h.correct }} of {{ h.scored }} scored fields correct over {{ h.documents }} documents:
<span class="wrong">{{ h.wrong }} wrong</span>, <span class="missed">{{ h.missed }} missed</span>,
<span class="hallucinated">{{ h.hallucinated }} hallucinated</span>
(plus {{ h.hallucinated_items }} hallucinated list items, not scored).</p>

<h2>Accuracy per field</h2>
<svg role="img" aria-label="Accuracy per field" width="{{ label_w + bar_w + 110 }}" height="{{ bars | length * (bar_h + gap) + gap }}" viewBox="0 0 {{ label_w + bar_w + 110 }} {{ bars | length * (bar_h + gap) + gap }}" font-size="12" font-family="sans-serif">
{% for b in bars %}
{% set y = gap + loop.index0 * (bar_h + gap) %}
<text x="{{ label_w - 6 }}" y="{{ y + bar_h - 4 }}" text-anchor="end">{{ b.label }}</text>
<rect x="{{ label_w }}" y="{{ y }}" width="{{ bar_w }}" height="{{ bar_h }}" fill="#eaeef2"></rect>
<rect x="{{ label_w }}" y="{{ y }}" width="{{ '%.1f' % (b.accuracy * bar_w) }}" height="{{ bar_h }}" fill="{{ b.colour }}"><title>{{ b.label }}: {{ b.accuracy | pct }} of {{ b.scored }}</title></rect>
<text x="{{ label_w + bar_w + 6 }}" y="{{ y + bar_h - 4 }}">{{ b.accuracy | pct }} (n={{ b.scored }})</text>
{% endfor %}
</svg>

<table>
<tr><th>field</th>{% for c in count_headers %}<th>{{ c }}</th>{% endfor %}</tr>
{% for k, c in r.per_field.items() %}
<tr><td>{{ k }}</td>{% for v in counts_row(c) %}<td class="num">{{ v }}</td>{% endfor %}</tr>
{% endfor %}
</table>

<h2>Per document</h2>
<table>
<tr><th>document</th><th>type</th>{% for c in count_headers %}<th>{{ c }}</th>{% endfor %}<th>error</th></tr>
{% for k, d in r.per_document.items() %}
<tr><td>{{ k }}</td><td>{{ d.report_type }}</td>{% for v in counts_row(d) %}<td class="num">{{ v }}</td>{% endfor %}<td>{{ d.error or "" }}</td></tr>
{% endfor %}
</table>

<h2>Per report type</h2>
<table>
<tr><th>type</th><th>documents</th>{% for c in count_headers %}<th>{{ c }}</th>{% endfor %}</tr>
{% for k, t in r.per_report_type.items() %}
<tr><td>{{ k }}</td><td class="num">{{ t.documents }}</td>{% for v in counts_row(t) %}<td class="num">{{ v }}</td>{% endfor %}</tr>
{% endfor %}
</table>

<h2>Lists</h2>
<table>
<tr><th>list</th><th>gold items</th><th>predicted items</th><th>matched</th><th>precision</th><th>recall</th><th>field accuracy</th></tr>
{% for k, s in r.lists.items() %}
<tr><td>{{ k }}</td><td class="num">{{ s.gold_items }}</td><td class="num">{{ s.predicted_items }}</td><td class="num">{{ s.matched }}</td>
<td class="num">{{ s.precision | pct }}</td><td class="num">{{ s.recall | pct }}</td><td class="num">{{ s.fields.accuracy | pct }}</td></tr>
{% endfor %}
</table>

<h2>Flags</h2>
{% set f = r.flags.overall %}
<p>precision {{ f.precision | pct }}, recall {{ f.recall | pct }}, F1 {{ f.f1 | pct }} (tp {{ f.tp }}, fp {{ f.fp }}, fn {{ f.fn }})</p>
<table>
<tr><th>document</th><th>expected</th><th>raised</th><th>not raised (fn)</th><th>unexpected (fp)</th><th>precision</th><th>recall</th></tr>
{% for k, s in r.flags.per_document.items() %}
<tr><td>{{ k }}</td><td>{{ s.expected | flags }}</td><td>{{ s.raised | flags }}</td><td class="missed">{{ s.false_negatives | flags }}</td>
<td class="wrong">{{ s.false_positives | flags }}</td><td class="num">{{ s.precision | pct }}</td><td class="num">{{ s.recall | pct }}</td></tr>
{% endfor %}
</table>
{% if r.flags.per_kind %}
<table>
<tr><th>flag kind</th><th>tp</th><th>fp</th><th>fn</th><th>precision</th><th>recall</th></tr>
{% for k, c in r.flags.per_kind.items() %}
<tr><td>{{ k }}</td><td class="num">{{ c.tp }}</td><td class="num">{{ c.fp }}</td><td class="num">{{ c.fn }}</td><td class="num">{{ c.precision | pct }}</td><td class="num">{{ c.recall | pct }}</td></tr>
{% endfor %}
</table>
{% endif %}

<h2>Cost</h2>
<table>
<tr><th>document</th><th>LLM calls</th><th>tokens in</th><th>tokens out</th><th>cache hits</th></tr>
{% for k, c in r.cost.per_document.items() %}
<tr><td>{{ k }}</td><td class="num">{{ c.llm_calls }}</td><td class="num">{{ c.tokens_in }}</td><td class="num">{{ c.tokens_out }}</td><td class="num">{{ c.cache_hits }}</td></tr>
{% endfor %}
{% set t = r.cost.total %}
<tr><th>total</th><th>{{ t.llm_calls }}</th><th>{{ t.tokens_in }}</th><th>{{ t.tokens_out }}</th><th>{{ t.cache_hits }}</th></tr>
</table>

<h2>Differences per document</h2>
{% for doc in r.documents %}
{% set bad = doc.non_correct() %}
<details{% if bad %} open{% endif %}>
<summary>{{ doc.doc_id }} — {{ doc.accuracy | pct }} ({{ bad | length }} not correct)</summary>
{% if bad %}
<table>
<tr><th>field</th><th>status</th><th>gold</th><th>predicted</th><th>evidence</th><th>note</th></tr>
{% for x in bad %}
<tr><td>{{ x.path }}</td><td class="{{ x.status }}">{{ x.status }}{% if not x.scored %} (not scored){% endif %}</td>
<td class="value">{{ x.gold | show(400) }}</td><td class="value">{{ x.pred | show(400) }}</td>
<td class="quote">{{ x.evidence | shorten(400) }}</td><td>{{ x.note or "" }}</td></tr>
{% endfor %}
</table>
{% else %}
<p class="correct">All scored fields correct.</p>
{% endif %}
{% if doc.ignored_gold_keys %}<p>Gold keys not scored (unknown): {{ doc.ignored_gold_keys | join(", ") }}</p>{% endif %}
</details>
{% endfor %}
</body>
</html>
"""
)


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
    console.print(_table("Cost", ["document", "LLM calls", "tokens in", "tokens out", "cache hits"],
                         [[k, c.llm_calls, c.tokens_in, c.tokens_out, c.cache_hits] for k, c in report.cost.per_document.items()]
                         + [["total", t.llm_calls, t.tokens_in, t.tokens_out, t.cache_hits]]))
    if show_diffs:
        for doc in report.documents:
            bad = doc.non_correct()
            if bad:
                console.print(_table(f"{doc.doc_id} — {pct(doc.accuracy)}",
                                     ["field", "status", "gold", "predicted", "evidence", "note"],
                                     [_diff_row(r) for r in bad], text_columns=6))
