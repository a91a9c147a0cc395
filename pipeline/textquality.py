"""Text quality: is a passage OCR garbage? Measured, not guessed from a word list.

The measure is **character-bigram plausibility**: the share of a passage's CJK character bigrams
that normal report text also contains. "Normal report text" is

* the reference table shipped inside the package (``pipeline/data/textquality_bigrams.tsv``): the
  bigram counts of the project's own generator at noise 0 (``pipeline synth``, every layout, clean:
  no garbage, no OCR swaps), rebuilt by ``make textquality-reference``
  (``pipeline/synth/reference.py``); no evaluation report is in it, so none vouches for itself; and
* the document's own *other* passages (leave-one-out: a passage never vouches for itself, so a
  bigram the passage repeats ten times is still unseen).

Real report prose reuses the document's vocabulary (安全生产, 预算执行, 区领导 …) and so has most of
its bigrams seen elsewhere; OCR garbage substitutes look-alike characters (督导 → 曾导, 部署 → 都署)
and loops on fragments, so most of its bigrams occur nowhere else. Two windows are judged:

* the worst 150-bigram window of a long passage (garbage that reads like text, seed 000's
  部门整体绩效 paragraph): real passages of the five seeds, the sixteen dev reports and the seven
  hand-written synthetic reports reach at most 65 % unseen, seed 000's garbage 77 % and the dev
  set's OCR garbage 75 %; threshold 70 %;
* the worst 40-bigram window of any passage of 20+ bigrams (garbage that is no text at all:
  random characters, a wrong encoding): real text reaches at most 85 % (a short new-vocabulary
  list), random characters and mojibake 97-100 %; threshold 92 %.

Traditional forms the lexicon knows are folded to simplified first, so a page copied from a mirror
site is not taken for garbage. ``tests/test_checks.py`` keeps these measurements true.

A second, independent sign is reported beside the score: *degenerate repetition*, the same short
clause printed three or more times in a row ('这个时间,这个时间,这个时间'), which OCR models
produce when they lose the line. It is evidence in the message, not a criterion on its own: real
reports repeat clauses by copy-paste too (seed 003's '有效提高有效提高…').
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from itertools import accumulate
from operator import add, sub
from typing import Iterable

from pipeline.lexicon import fold
from pipeline.layout import Layout

# The reference table, package data: "<bigram>\t<count>" lines after '#' comment lines. Built
# by pipeline/synth/reference.py from the generator's clean reports.
REFERENCE_TABLE = "textquality_bigrams.tsv"

WINDOW = 150  # bigrams per window for long passages
LONG_UNSEEN_MAX = 0.70  # worst 150-bigram window above this: garbage
SHORT_WINDOW = 40  # bigrams per window for any passage (the whole passage when shorter)
SHORT_UNSEEN_MAX = 0.92  # worst 40-bigram window above this: garbage
SHORT_MIN = 20  # passages with fewer bigrams are not judged
REPEAT_MIN = 3  # a clause printed this many times in a row is a degenerate loop

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_CLAUSE_SPLIT = re.compile(r"[，,、；;。：:！!？?\s]+")


def _bigrams(text: str) -> list[str]:
    """CJK character bigrams, traditional forms the lexicon knows folded to simplified (a page
    from a mirror site is not garbage)."""
    out: list[str] = []
    for run in _CJK_RUN.findall(fold(text)):
        out.extend(map(add, run, run[1:]))  # each character joined to the next
    return out


def reference_file() -> Traversable:
    """Where the packaged reference table is (inside the installed package or the checkout)."""
    return files("pipeline") / "data" / REFERENCE_TABLE


@lru_cache(maxsize=1)
def reference_counts() -> Counter:
    """Bigram counts of the packaged reference table. A missing table is an error: a detector
    without its reference would call most text garbage (or, worse, quietly nothing)."""
    counts: Counter = Counter()
    for line in reference_file().read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            bigram, count = line.split("\t")
            counts[bigram] = int(count)
    return counts


def bigram_counts(texts: Iterable[str]) -> Counter:
    """Bigram counts of ``texts``, folded like every judged passage (what a reference table holds)."""
    counts: Counter = Counter()
    for text in texts:
        counts.update(_bigrams(text))
    return counts


def render_table(counts: Counter, provenance: list[str]) -> str:
    """A reference table's text: '#' lines saying how it was made, then one sorted line per bigram."""
    header = [f"# {line}" for line in provenance]
    return "\n".join(header + [f"{bigram}\t{counts[bigram]}" for bigram in sorted(counts)]) + "\n"


@dataclass(frozen=True)
class Passage:
    """A scored passage: normalised offsets, its bigram count and unseen shares."""

    start: int
    end: int
    text: str
    bigrams: int
    unseen: float  # share of the passage's bigrams seen nowhere else
    worst_window: float  # highest unseen share over WINDOW-bigram windows (= unseen if shorter)
    worst_short_window: float  # the same over SHORT_WINDOW-bigram windows
    repeats: int  # longest run of one clause printed in a row
    repeated_clause: str | None

    @property
    def long_garbled(self) -> bool:
        """Garbage that reads like text (an OCR model's hallucination): a long passage."""
        return self.bigrams >= WINDOW and self.worst_window > LONG_UNSEEN_MAX

    @property
    def short_garbled(self) -> bool:
        """Garbage that is no text at all (random characters, a wrong encoding): any stretch."""
        return self.bigrams >= SHORT_MIN and self.worst_short_window > SHORT_UNSEEN_MAX

    @property
    def garbled(self) -> bool:
        return self.long_garbled or self.short_garbled

    @property
    def measured(self) -> float:
        return self.worst_window if self.long_garbled else self.worst_short_window

    @property
    def threshold(self) -> float:
        return LONG_UNSEEN_MAX if self.long_garbled else SHORT_UNSEEN_MAX

    @property
    def window(self) -> int:
        return min(self.bigrams, WINDOW if self.long_garbled else SHORT_WINDOW)


def passages(text: str, layout: Layout) -> list[tuple[int, int, str]]:
    """The units judged: each table cell, and each prose line (a paragraph once the normaliser
    has joined hard wraps), with normalised offsets."""
    out = []
    for line in layout.lines:
        if line.is_table_row:
            out.extend((c.start, c.end, c.text) for c in line.cells if c.text)
        elif line.text.strip():
            lead = len(line.text) - len(line.text.lstrip())
            out.append((line.start + lead, line.end, line.text.strip()))
    return out


def longest_repeat(text: str) -> tuple[int, str | None]:
    """Longest run of one clause (two or more CJK characters) printed again and again in a row."""
    clauses = [c for c in _CLAUSE_SPLIT.split(text) if c]
    best, run, which = 1, 1, None
    for a, b in zip(clauses, clauses[1:]):
        run = run + 1 if a == b and len("".join(_CJK_RUN.findall(a))) >= 2 else 1
        if run > best:
            best, which = run, a
    return best, which


def score_passages(text: str, layout: Layout, document_text: str | None = None) -> list[Passage]:
    """Bigram plausibility of every passage of a normalised text (see the module docstring).

    ``document_text`` (the raw text) is no longer read: it left a reference report out of a
    reference built from evaluation reports, and the packaged table holds none. It stays
    optional until its callers (rules, the garbled_text check) stop passing it."""
    reference = reference_counts()
    units = passages(text, layout)
    unit_bigrams = [_bigrams(t) for _, _, t in units]
    document_counts: Counter = Counter()
    for grams in unit_bigrams:
        document_counts.update(grams)
    scored = []
    for (start, end, unit), grams in zip(units, unit_bigrams):
        if len(grams) < SHORT_MIN:
            continue
        own = Counter(grams)
        flags = [0 if reference[g] + document_counts[g] - own[g] > 0 else 1 for g in grams]
        unseen = sum(flags) / len(flags)
        repeats, clause = longest_repeat(unit)
        scored.append(Passage(start, end, unit, len(grams), unseen, _worst(flags, WINDOW), _worst(flags, SHORT_WINDOW), repeats, clause))
    return scored


def _worst(flags: list[int], size: int) -> float:
    """Highest share of 1s over windows of ``size`` (the whole list when shorter)."""
    if len(flags) <= size:
        return sum(flags) / len(flags)
    totals = list(accumulate(flags, initial=0))  # totals[j] - totals[i]: the 1s in flags[i:j]
    return max(map(sub, totals[size:], totals)) / size


@lru_cache(maxsize=4)
def _garbled(text: str, layout: Layout) -> tuple[Passage, ...]:
    return tuple(p for p in score_passages(text, layout) if p.garbled)


def garbled_passages(text: str, layout: Layout, document_text: str | None = None) -> list[Passage]:
    """The garbage passages, scored once per (text, layout) for the table reader, extraction and
    checks alike (``document_text`` is not read, see score_passages, so it is no part of the key)."""
    return list(_garbled(text, layout))

