"""Marked spans and text width: sentinels around checked terms while a report is built and
noised (stripped at the end, their positions kept), and a wrap that never breaks a number."""

from __future__ import annotations

import re

# Sentinels marking the spans of checked terms while the text is built and noised; stripped at
# the end (private-use code points, never in real text). Start U+E000+k, end U+E800+k.
_MARK_START, _MARK_END, _MAX_MARKS = 0xE000, 0xE800, 0x800
_MARK_CHARS = re.compile("[\ue000-\uefff]")


def _visible_width(text: str) -> int:
    return sum(0 if _MARK_CHARS.match(ch) else (1 if ord(ch) < 0x2E80 else 2) for ch in text)


_ATOM = re.compile(r"[\ue000-\ue7ff]*(?:[0-9０-９][0-9０-９.,%％ ]*[0-9０-９%％]|[0-9０-９]|.)[\ue800-\uefff]*", re.S)


_NO_LINE_START = set("，。；：、）》”！？%")


def _wrap(text: str, columns: int) -> list[str]:
    """Greedy wrap at ``columns`` half-width columns; a number (digits, separators, '%') is
    never broken, but its unit may go to the next line."""
    lines, current, width = [], "", 0
    for atom in _ATOM.findall(text):
        w = _visible_width(atom)
        # Closing punctuation never starts a line (it hangs past the margin instead).
        if current and width + w > columns and _MARK_CHARS.sub("", atom) not in _NO_LINE_START:
            lines.append(current)
            current, width = "", 0
        current += atom
        width += w
    if current:
        lines.append(current)
    return lines


def _strip_marks(text: str) -> tuple[str, dict[int, tuple[int, int]]]:
    spans: dict[int, tuple[int, int]] = {}
    starts: dict[int, int] = {}
    out = []
    pos = 0
    last = 0
    for m in _MARK_CHARS.finditer(text):
        out.append(text[last : m.start()])
        pos += m.start() - last
        last = m.end()
        code = ord(m.group())
        if code < _MARK_END:
            starts[code - _MARK_START] = pos
        else:
            k = code - _MARK_END
            spans[k] = (starts.pop(k), pos)
    out.append(text[last:])
    return "".join(out), spans
