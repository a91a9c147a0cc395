"""Measures of recognised text the OCR tests and the ingest benchmark share: character error rate
(on whitespace-stripped text) and number recall."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

_WS = re.compile(r"\s+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_DOT_SPACE = re.compile(r"(\d)\s*\.\s*(\d)")  # '3286. 80' (as the seeds print) == '3286.80'


def strip_ws(text: str) -> str:
    return _WS.sub("", text)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance; one numpy row per character of ``a``."""
    if not a or not b:
        return len(a) + len(b)
    bv = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    offsets = np.arange(len(b) + 1, dtype=np.int64)
    row = offsets.copy()
    for i, ch in enumerate(a, 1):
        sub = row[:-1] + (bv != ord(ch))
        cand = np.empty_like(row)
        cand[0] = i
        cand[1:] = np.minimum(row[1:] + 1, sub)
        # insertions: new[j] = min_k<=j (cand[k] + j - k)
        row = np.minimum.accumulate(cand - offsets) + offsets
    return int(row[-1])


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate on whitespace-stripped text."""
    ref, hyp = strip_ws(reference), strip_ws(hypothesis)
    return edit_distance(ref, hyp) / max(1, len(ref))


def numbers(text: str) -> Counter[str]:
    return Counter(_NUMBER.findall(_DOT_SPACE.sub(r"\1.\2", text)))


def number_recall(reference: str, hypothesis: str) -> tuple[float, int]:
    """(share of the reference's numbers found exactly in the hypothesis, multiset; count)."""
    ref, hyp = numbers(reference), numbers(hypothesis)
    total = sum(ref.values())
    found = sum(min(n, hyp[k]) for k, n in ref.items())
    return (found / total if total else 1.0), total
