"""A money header glued at its annotations, and figures run together at one precision, split where the header's formulas allow exactly one reading."""

from __future__ import annotations

import re
from dataclasses import replace
from itertools import combinations

from pipeline import lexicon as lx
from pipeline.tables import cells as _cells
from pipeline.tables import model as _model


# --- a money header glued at its annotations; figures run together at one precision ------------
#
# A converter that drops the cell separators of a fund form prints its money header as one run
# whose column labels are told apart only by their annotations ('全年预算数(A)统筹资金数(B)…
# 执行率(E/C×100%)佐证材料', '小计③=①+②'), and a row's figures as one run too
# ('86.50000086.500000100.00%…'). The header is cut after each annotation; the figures are cut
# where every amount has the decimals all amounts of the run share (one way only, for a run at a
# fixed precision) and a rate ends at its '%'; the figures go to the columns in order, blank
# columns allowed, where the header's formulas hold (a rate column 'D/C' equals D/C at its
# printed precision, and D and C hold figures). No unique consistent reading: no split.

_ANNOTATION = lx.COLUMN_ANNOTATION
_NUMBERING_LINE = re.compile(r"\s*(?:列次|行次|栏次)\s*(?:\d\s*)*")  # '列次1234567', '行次': column / row numbering
_NUMBERING_TAIL = re.compile(r"(?:列次|行次|栏次)(?:\d|列次|行次|栏次)*$")
_RATE_FORMULA = re.compile(r"([A-Za-z①-⑳])\s*/\s*([A-Za-z①-⑳])")


def glued_header_spans(text: str) -> list[tuple[int, int]] | None:
    """The column labels of a header printed without separators, cut after each annotation
    ('(A)', '（B）', '(D/C×100%)', '③=①+②', a unit '(万元)'); the words after the last annotation
    are the last label. None unless three or more labels, each with words before its annotation."""
    if re.search(r"\s|[。；;，,]", text):
        return None
    numbering = _NUMBERING_TAIL.search(text)  # '…佐证材料列次1234567': a numbering line joined on
    if numbering:
        text = text[: numbering.start()]
    spans, start = [], 0
    for m in _ANNOTATION.finditer(text):
        if m.start() == start:
            if not spans:
                return None  # an annotation with no words of its own
            spans[-1] = (spans[-1][0], m.end())  # a second annotation of the same label: '执行率(%)⑤=④/③'
        else:
            spans.append((start, m.end()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans if len(spans) >= 3 else None


def _glued_money_header(pieces: list[_cells._Piece], i: int) -> tuple[list[_model.TableCell], int] | None:
    """A glued header line at pieces[i] as header cells, with the numbering lines under it
    ('列次1234567', '行次'); a '行次' line adds the row-number column after the label column.
    (cells, lines used)."""
    line = pieces[i].line
    text = line.text.strip()
    spans = glued_header_spans(text)
    if spans is None:
        return None
    lead = line.start + len(line.text) - len(line.text.lstrip())
    cells = [_model.TableCell(text[a:b], lead + a, lead + b, k) for k, (a, b) in enumerate(spans)]
    if not _cells._header_like(cells):
        return None
    used = 1
    # The numbering joined onto the header line, and numbering lines under it.
    numbering = [(lead + spans[-1][1], text[spans[-1][1]:])]
    while i + used < len(pieces) and pieces[i + used].cells is None and _NUMBERING_LINE.fullmatch(pieces[i + used].line.text):
        below = pieces[i + used].line
        numbering.append((below.start, below.text))
        used += 1
    # A row-number column ('行次') stands between the row labels and the figures.
    rows_numbered = next(((at + m.start(), at + m.end()) for at, words in numbering if (m := re.search(r"行次|栏次", words))), None)
    if rows_numbered is not None:
        seq = _model.TableCell("行次", rows_numbered[0], rows_numbered[1], 1)
        cells = [cells[0], seq, *(replace(c, column=c.column + 1) for c in cells[1:])]
    return cells, used


def _annotation_of(header: str) -> tuple[str | None, tuple[str, str] | None, tuple[str, ...] | None]:
    """(own letter or circled number, rate formula (numerator, denominator), sum parts) of a
    header's annotation: '(A)' -> A; '(E/C×100%)' -> (E, C); '⑤=④/③' -> ⑤, (④, ③); '③=①+②' -> ③, parts ①②."""
    m = None
    for m in _ANNOTATION.finditer(header):
        pass
    if m is None:
        return None, None, None
    inner = m.group().strip("()（） ")
    own = None
    if re.fullmatch(r"[A-Za-z]|[①-⑳]", inner):
        return inner, None, None
    left, eq, right = inner.partition("=")
    if eq and re.fullmatch(r"[A-Za-z①-⑳]", left.strip()):
        own, inner = left.strip(), right
    rate = _RATE_FORMULA.search(inner)
    if rate:
        return own, (rate.group(1), rate.group(2)), None
    parts = tuple(re.findall(r"[A-Za-z①-⑳]", inner)) if "+" in inner else None
    return own, None, parts


def _rates_from_formulas(table: _model.Table) -> None:
    """Of two rate columns whose formulas say what they divide ('预算到位(D/C)' beside
    '预算执行(E/C)'), the one over the spending column is the execution rate; the others (money
    arrived over budget) keep no rate role."""
    owners = {}
    for col, column in table.columns.items():
        own = _annotation_of(column.header)[0]
        if own:
            owners[own] = col
    numerators = {}
    for col in table.columns_with("rate"):
        formula = _annotation_of(table.columns[col].header)[1]
        if formula and formula[0] in owners:
            numerators[col] = table.columns[owners[formula[0]]].role
    if len(table.columns_with("rate")) < 2 or "actual" not in numerators.values():
        return
    for col, role in numerators.items():
        if role != "actual":
            table.columns[col].role = "other"


_LONGEST_RUN = 160  # a row of a dozen figures at six decimals; longer digit runs are no row of figures


def fixed_precision_splits(run: str) -> list[list[tuple[int, int]]]:
    """Every way to cut ``run`` into two or more figures where each amount has the same number
    (at least one) of decimals and a rate ends at its '%' ('86.50000086.500000100.00%' ->
    86.500000 | 86.500000 | 100.00%); no figure starts with a superfluous 0."""
    out: list[list[tuple[int, int]]] = []
    if len(run) > _LONGEST_RUN:
        return out
    for decimals in range(1, 9):
        amount = re.compile(r"(?:[1-9]\d*|0)\.\d{%d}" % decimals)
        rate = re.compile(r"(?:[1-9]\d*|0)(?:\.\d+)?%")
        found: list[list[tuple[int, int]]] = []

        def walk(pos: int, spans: list[tuple[int, int]]) -> None:
            if pos == len(run):
                if len(spans) >= 2 and any(not run[a:b].endswith("%") for a, b in spans):
                    found.append(list(spans))
                return
            for pattern in (amount, rate):
                m = pattern.match(run, pos)
                if m:
                    walk(m.end(), spans + [(pos, m.end())])

        walk(0, [])
        out.extend(r for r in found if r not in out)
    return out


def _column_kinds(header: list[_model.TableCell]) -> list[str | None]:
    """'amount', 'rate', 'seq' or None (a label, a note) for each header column."""
    kinds: list[str | None] = []
    for cell in header:
        own, formula, _ = _annotation_of(cell.text)
        role = _model.column_role(cell.text)
        if formula or role == "rate":
            kinds.append("rate")
        elif (own and re.fullmatch(r"[A-Za-z]|[①-⑳]", own)) or role in (*_cells._AMOUNT_ROLES, "source"):
            kinds.append("amount")
        elif role == "seq":
            kinds.append("seq")
        else:
            kinds.append(None)
    return kinds


def _formulas_hold(values: dict[int, tuple[float, int]], header: list[_model.TableCell]) -> bool:
    """The header's formulas agree with figures placed in its columns (column -> (value,
    decimals)): a rate 'X/Y' equals X/Y at its printed precision, a sum '③=①+②' its parts; the
    columns a formula names hold figures."""
    owners = {}
    for col, cell in enumerate(header):
        own = _annotation_of(cell.text)[0]
        if own:
            owners[own] = col
    for col, cell in enumerate(header):
        if col not in values:
            continue
        own, rate, parts = _annotation_of(cell.text)
        value, decimals = values[col]
        if rate:
            num, den = (values.get(owners.get(x, -1)) for x in rate)
            if num is None or den is None or not den[0]:
                return False
            if abs(num[0] / den[0] * 100 - value) > 0.5 * 10 ** -decimals + 1e-9:
                return False
        if parts:
            got = [values.get(owners.get(x, -1)) for x in parts]
            if any(g is None for g in got) or abs(sum(g[0] for g in got) - value) > 0.5 * 10 ** -decimals + 1e-9:
                return False
    return True


def _fixed_precision_row(tokens: list[_model.TableCell], i: int, header: list[_model.TableCell]) -> tuple[list[_model.TableCell], int] | None:
    """A money row's figures printed as one run at a fixed precision after its label (and its
    row number under a 行次 column), a note maybe glued after them: the cells, each in its column
    with its value and the run's span (see above). (cells, next token index) or None."""
    kinds = _column_kinds(header)
    roles = [_model.column_role(h.text) for h in header]
    cells: list[_model.TableCell] = []
    j = i
    if j + 1 < len(tokens) and "seq" in kinds[1:2] and re.fullmatch(r"\d{1,3}", tokens[j].text):
        cells.append(replace(tokens[j], column=1))
        j += 1
    if j >= len(tokens):
        return None
    token = tokens[j]
    m = re.match(r"[\d.%]+", token.text)
    if m is None:
        return None
    run, rest = m.group(), token.text[m.end():]
    columns = [c for c, k in enumerate(kinds) if k in ("amount", "rate") and c > 0]
    formulas = any(_annotation_of(header[c].text)[1] or _annotation_of(header[c].text)[2] for c in columns)
    readings = []
    for spans in fixed_precision_splits(run):
        figures = [run[a:b] for a, b in spans]
        figure_kinds = ["rate" if f.endswith("%") else "amount" for f in figures]
        for chosen in combinations(columns, len(figures)):
            if any(kinds[c] != k for c, k in zip(chosen, figure_kinds)):
                continue
            values = {c: (float(f.rstrip("%")), len(f.rstrip("%").partition(".")[2])) for c, f in zip(chosen, figures)}
            if formulas:
                if not _formulas_hold(values, header):
                    continue
            elif len(chosen) != len(columns) or not _cells._glued_consistent([v for v, _ in values.values()], [roles[c] for c in chosen]):
                continue
            readings.append((spans, chosen))
    if len(readings) > 1:
        # A blank cell stands under a column that names no budget figure (统筹整合资金, 其他资金),
        # not under one that does.
        def blanks_unnamed(chosen: tuple[int, ...]) -> bool:
            return all(roles[c] in ("", "other") for c in columns if c not in chosen)
        readings = [r for r in readings if blanks_unnamed(r[1])]
    if len(readings) != 1:
        return None
    spans, chosen = readings[0]
    whole = (token.start, token.start + len(run))
    for (a, b), col in zip(spans, chosen):
        text = run[a:b]
        cells.append(_model.TableCell(text, token.start + a, token.start + b, col, value=float(text.rstrip("%")), run_together=whole))
    if rest and "seq" in kinds and j + 1 < len(tokens) and re.fullmatch(r"\d{1,3}", tokens[j + 1].text):
        # The next row's label glued after the figures (a line join), its row number after it.
        tokens[j] = _model.TableCell(rest, token.start + m.end(), token.end, -1)
        return cells, j
    if rest:
        after = [c for c in range(chosen[-1] + 1, len(header)) if kinds[c] is None]
        if not after:
            return None
        cells.append(_model.TableCell(rest, token.start + m.end(), token.end, after[0]))
    return cells, j + 1
