"""The problems and improvements passages, cut from their sections."""

from __future__ import annotations

import re

from pipeline import lexicon as lx
from pipeline.extract.rules.context import Context, Found, _squash
from pipeline.extract.rules.head import _ORG
from pipeline.extract.rules.items import _is_number_cell


# --- text sections ---------------------------------------------------------------------------


def _section_text(ctx: Context, keywords: list[str], other: list[str]) -> Found | None:
    """The body under a heading (or beside a table label cell) naming one of the keywords."""
    best: Found | None = None
    for heading in ctx.layout.headings:
        title = _squash(heading.title)
        hit = next((k for k in keywords if k in title), None)
        if not hit or any(o in title for o in other if o not in hit and not any(o in k for k in keywords)):
            continue
        start, end = ctx.layout.section_body(heading)
        # Skip to the first sub-heading's text when the section only holds sub-sections.
        children = [h for h in ctx.layout.headings if start <= h.start < end]
        if children and not ctx.text[start : children[0].start].strip():
            continue
        start, end = ctx.without_garbage(start, end)
        body = _without_signature(ctx.text[start:end])
        lead = len(body) - len(body.lstrip())
        tail = len(body.rstrip())
        text = body[lead:tail]
        if not text:
            continue
        candidate = Found("", re.sub(r"\s*[\n\f]\s*", "", text), start + lead, start + tail, heading.title, 3.0 - heading.level * 0.1, "section")
        if best is None or candidate.score > best.score:
            best = candidate
    if best:
        return best
    for table in ctx.layout.tables:
        for line in table.lines:
            filled = line.filled()
            if len(filled) >= 2 and any(k in _squash(filled[0].text) for k in keywords) and len(filled[0].text) <= 14:
                cell = filled[1]
                if cell.text and not _is_number_cell(cell.text):
                    return Found("", cell.text, cell.start, cell.end, filled[0].text, 3.0, "table label")
    return _labelled_paragraph(ctx, keywords)


_DATE_LINE = re.compile(r"(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?")


def _without_signature(body: str) -> str:
    """The last section of a report runs to the end of the text, where the signature block sits:
    the unit's name alone on a line and the date ('蓬山县农业农村局' / '2021年3月20日'). Neither
    is part of the section's text."""
    # A page break is a line break too: a scan's signature often sits alone on the last page.
    parts = re.split(r"([\n\f])", body.rstrip())
    while len(parts) > 1:
        last = parts[-1].strip()
        if last and not (re.fullmatch(_ORG, last) or _DATE_LINE.fullmatch(last)):
            break
        del parts[-2:]
    return "".join(parts)


_NEXT_SECTION_LABEL = re.compile(
    r"(?<=[。；;])[ \t]*(?:%s)[ \t]*[:：]" % "|".join(map(re.escape, sorted({*lx.PROBLEM_HEADINGS, *lx.IMPROVEMENT_HEADINGS}, key=len, reverse=True)))
)


_FOOTNOTE = re.compile(r"[-•·*]?\s*(?:注|说明|备注)\s*[:：]")


def _labelled_paragraph(ctx: Context, keywords: list[str]) -> Found | None:
    """'主要问题：…' / '整改措施：…' lines below a table (summary sheets print them as label-colon
    paragraphs, not numbered headings); the paragraph runs on over wrapped lines until a blank
    line, a table row or the next 'label：'."""
    lines = ctx.layout.lines
    # At a line's start, or right after a sentence the line break before the label was lost
    # behind ('…项目支出。主要问题：一是…': a hard wrap joined into the previous paragraph).
    # Or at a line's start with a space for its colon: a form's label cell and the text beside it,
    # copied with a space between them ('存在问题 编制部门预算的…'); not a sentence that opens with
    # the word and goes on with a particle ('存在问题 的整改…', OCR's spaces).
    words = "|".join(map(re.escape, sorted(keywords, key=len, reverse=True)))
    label = re.compile(r"(?:(?:^|(?<=[。；;]))[ \t]*(?P<label>%s)[ \t]*[:：]|^[ \t]*(?P<cell>%s)[ \t]+(?=[^\s:：的之及和与是为已在对]))[ \t]*" % (words, words))
    section_words = {*lx.PROBLEM_HEADINGS, *lx.IMPROVEMENT_HEADINGS}
    for i, line in enumerate(lines):
        m = None if line.is_table_row else label.search(line.text)
        alone = not line.is_table_row and line.text.strip() in keywords  # '存在的问题' alone on its line
        if alone and i + 1 < len(lines) and lines[i + 1].text.strip() and not lines[i + 1].is_table_row:
            start, end = lines[i + 1].start, lines[i + 1].end
            first = i + 2
        elif not m or not line.text[m.end() :].strip():
            continue
        else:
            start, end = line.start + m.end(), line.end
            first = i + 1
        for following in lines[first:]:
            text = following.text.strip()
            if not text or following.is_table_row or re.match(r"[\u4e00-\u9fff]{2,8}[:：]", text) or text in section_words \
                    or any(text.startswith(w) and text[len(w) : len(w) + 1] in (" ", "\t") for w in section_words) \
                    or _FOOTNOTE.match(text):
                break  # the next label (with its colon, or the space a copied form printed for it), or the form's notes
            end = following.end
        # The next problems / measures label ends the paragraph, on its own line or not.
        other = _NEXT_SECTION_LABEL.search(ctx.text, start, end)
        if other is not None:
            end = other.start()
        start, end = ctx.without_garbage(start, end)
        body = ctx.text[start:end].strip()
        return Found("", re.sub(r"\s*\n\s*", "", body), start, end, (m["label"] or m["cell"]) if m else line.text.strip(), 2.5, "label paragraph")
    return None


_INNER_PROBLEM = re.compile(r"^\s*(?:存在的?|主要)?问题[:：]\s*")
_INNER_MEASURE = re.compile(r"(?:改进|整改)?(?:措施|建议)[:：]\s*")


def _inner_part(found: Found | None, want: str) -> Found | None:
    """One cell '主要问题及改进措施' holding '问题：… 措施：…': the part after the inner label
    that names the wanted field (labels excluded). Text without both inner labels is kept whole."""
    if found is None:
        return None
    head = _INNER_PROBLEM.match(found.value)
    measure = _INNER_MEASURE.search(found.value, head.end()) if head else None
    if not head or not measure:
        return found
    if want == "problems":
        part_start, part_end = head.end(), measure.start()
    else:
        part_start, part_end = measure.end(), len(found.value)
    part = found.value[part_start:part_end].strip()
    # Offsets stay exact only when the value is the printed span (a cell, not a joined paragraph).
    exact = len(found.value) == found.end - found.start
    start = found.start + part_start if exact else found.start
    end = start + len(part) if exact else found.end
    return Found(found.field, part, start, end, found.label, found.score, found.reason + ", inner label")
