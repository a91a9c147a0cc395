"""Flattenings: how a converter turns a form's rows into text (the form_* layouts)."""

from __future__ import annotations

import random
import re
from typing import TYPE_CHECKING

from pipeline.synth.marks import _MARK_CHARS, _visible_width, _wrap

if TYPE_CHECKING:
    from pipeline.synth.lines import _Line

_NUMERIC_CELL = re.compile(r"[-+]?[0-9０-９][0-9０-９., ]*[%％]?")


def _is_numeric_cell(cell: str) -> bool:
    return bool(_NUMERIC_CELL.fullmatch(_MARK_CHARS.sub("", cell).strip()))


def _run_together(lines: list[_Line]) -> list[str]:
    """The figures the ``runon`` flattening prints without a gap ('194.75225.37'), one example
    per row: the reader splits them, a repair under the contract's separator_repaired."""
    out = []
    for ln in lines:
        if ln.kind != "row" or ln.cells is None:
            continue
        cells = [c for c in ln.cells if _MARK_CHARS.sub("", c).strip()]
        for a, b in zip(cells, cells[1:]):
            if _is_numeric_cell(a) and _is_numeric_cell(b):
                out.append(_MARK_CHARS.sub("", a).strip() + _MARK_CHARS.sub("", b).strip())
                break
    return out


def _flatten(lines: list[_Line], style: str, rng: random.Random) -> list[str]:
    """The text lines of ``lines`` with every table row (and the row pieces between rows: a
    wrapped unit, a name fragment) flattened in ``style``:

    * ``tabs``    – as rendered: cells joined by TABs;
    * ``cells``   – one cell per line (empty cells vanish), a few converters add ' |';
    * ``oneline`` – the whole form on one line, cells separated by spaces;
    * ``pipes``   – '| a | b |  | c |' with the empty cells of merged ranges kept;
    * ``runon``   – numeric cells next to each other run together, other cells spaced;
    * ``columns`` – each cell wrapped to its column width, the row then read line by line
      across the columns, so the pieces of wrapped cells interleave (PDF text extraction).
    """
    if style == "tabs":
        return [ln.render() for ln in lines]
    out: list[str] = []
    bar = rng.random() < 0.4
    caps: dict[int, int] = {}
    one: list[str] = []
    one_at: int | None = None
    for ln in lines:
        if ln.kind not in ("row", "frag"):
            out.append(ln.render())
            continue
        cells = list(ln.cells) if ln.cells is not None else [ln.text]
        if style == "cells":
            out += [c + (" |" if bar else "") for c in cells if _MARK_CHARS.sub("", c).strip()]
        elif style == "pipes":
            out.append("| " + " | ".join(cells) + " |" if ln.cells is not None else ln.text)
        elif style == "runon":
            text = ""
            prev_numeric = False
            for c in cells:
                if not _MARK_CHARS.sub("", c).strip():
                    continue
                numeric = _is_numeric_cell(c)
                text += ("" if (numeric and prev_numeric) or not text else " ") + c
                prev_numeric = numeric
            out.append(text)
        elif style == "oneline":
            if one_at is None:
                one_at = len(out)
                out.append("")
            one += [c for c in cells if _MARK_CHARS.sub("", c).strip()]
        elif style == "columns":
            pieces = []
            for j, c in enumerate(cells):
                cap = caps.setdefault(j, rng.randint(10, 16))
                pieces.append(_wrap(c, cap) if _visible_width(c) > cap and ln.cells is not None else [c])
            depth = max(len(p) for p in pieces)
            for k in range(depth):
                line = " ".join(p[k] for p in pieces if k < len(p) and _MARK_CHARS.sub("", p[k]).strip())
                if line:
                    out.append(line)
        else:
            raise ValueError(f"unknown flattening {style!r}")
    if one_at is not None:
        out[one_at] = " ".join(one)
    return out
