"""Comparing values the way the gold README scores them: shared by the scorer and the hybrid merge.

Numbers agree within ``NUMBER_TOLERANCE``; texts after NFKC with whitespace removed; list names
after NFKC with whitespace and every Unicode punctuation character (P*) removed, paired greedily
when their ``difflib`` ratio reaches ``NAME_RATIO_THRESHOLD`` (the README names difflib).
"""

from __future__ import annotations

import difflib
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

NUMBER_TOLERANCE = 0.005
NAME_RATIO_THRESHOLD = 0.8
# Absorbs binary floating-point error, so that 99.665 vs 99.66 counts as "within 0.005".
_FLOAT_SLACK = 1e-9

_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def normalize_text(value: str) -> str:
    """NFKC, then every whitespace character removed."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", value) if not ch.isspace())


def normalize_name(value: str) -> str:
    """What list names and texts are compared on (gold README): NFKC, then every whitespace and
    every Unicode punctuation character (categories P*: '，', '（', '“', '-', '·', and '%' too)
    removed; symbols (S*) such as '≥' and '+' stay."""
    return "".join(
        ch for ch in unicodedata.normalize("NFKC", value) if not ch.isspace() and not unicodedata.category(ch).startswith("P")
    )


def char_f1(gold: str, pred: str) -> float:
    """Bag-of-characters F1 after NFKC and removal of whitespace and punctuation."""
    g, p = Counter(normalize_name(gold)), Counter(normalize_name(pred))
    total = sum(g.values()) + sum(p.values())
    if total == 0:
        return 1.0
    return 2 * sum((g & p).values()) / total


def pair_by_name(left: Sequence[str], right: Sequence[str]) -> dict[int, tuple[int, float]]:
    """Greedy best-first pairing of two name lists as the gold README scores lists: ratio at least
    NAME_RATIO_THRESHOLD, best pairs first, ties in document order. ``{left index: (right index,
    ratio)}``. The hybrid merge pairs rules and model items the same way."""
    candidates = sorted(
        (-r, li, ri)
        for li, ln in enumerate(left)
        for ri, rn in enumerate(right)
        if (r := name_ratio(ln, rn)) >= NAME_RATIO_THRESHOLD
    )
    partner: dict[int, tuple[int, float]] = {}
    taken: set[int] = set()
    for neg_r, li, ri in candidates:
        if li not in partner and ri not in taken:
            partner[li] = (ri, -neg_r)
            taken.add(ri)
    return partner


def name_ratio(a: str, b: str) -> float:
    """SequenceMatcher ratio of two names after NFKC and removal of whitespace and punctuation
    (``normalize_name``); 0 if either is then empty."""
    na, nb = normalize_name(a), normalize_name(b)
    if not na or not nb:
        return 0.0
    return difflib.SequenceMatcher(None, na, nb, autojunk=False).ratio()


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, Mapping):
        return all(is_empty(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(is_empty(v) for v in value)
    return False


def as_number(value: Any) -> float | None:
    """A finite number, or a string that is a plain decimal after NFKC/whitespace removal."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        text = normalize_text(value)
        if _PLAIN_NUMBER.fullmatch(text):
            return float(text)
    return None


def as_text(value: Any) -> str:
    """A string as it is; anything else as its JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def values_match(gold: Any, pred: Any) -> bool:
    """Whether a non-null gold scalar and a non-empty prediction agree (README rules)."""
    g_num, p_num = as_number(gold), as_number(pred)
    if g_num is not None and (p_num is not None or not isinstance(gold, str)):
        return p_num is not None and abs(g_num - p_num) <= NUMBER_TOLERANCE + _FLOAT_SLACK
    if isinstance(gold, str):
        return normalize_text(gold) == normalize_text(as_text(pred))
    return gold == pred
