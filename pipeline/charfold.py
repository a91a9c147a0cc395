"""Character folding, one character for one character: full-width forms to half-width, the
ideographic space to a space, and traditional characters to simplified through OpenCC's table
(from the opencc-purepy wheel). A leaf module: the normaliser folds every document once with it,
and the lexicon builds its label patterns from the same table (a label matches its traditional
form in raw text), so no module keeps a hand-written traditional/simplified table of its own.
"""

from __future__ import annotations

import importlib.util
import unicodedata
from pathlib import Path
from types import MappingProxyType



# Traditional characters OpenCC folds that must stay as printed, and why. OpenCC's table converts
# traditional *text*; here a character is folded wherever it stands, so a character that is also a
# standard simplified character with a meaning of its own, or whose simplified form depends on the
# word, must not be folded.
TRADITIONAL_DENIED: dict[str, str] = {
    "著": "also standard simplified (显著, 著作, 著名); seed 002 prints 显著, which 着 would break",
    "乾": "also standard simplified (乾坤, 乾隆); 干 is only its 'dry' sense",
    "畫": "画 (picture) or 划 (計畫 = 计划, plan): budget reports mean the plan, OpenCC picks 画",
    "薹": "also standard simplified (菜薹, 蒜薹: crops an agricultural subsidy report names)",
}
_OPENCC_PACKAGE = "opencc_purepy"  # the opencc-purepy wheel ships OpenCC's dictionaries as text
_OPENCC_TABLE = ("dicts", "TSCharacters.txt")


def _traditional_to_simplified() -> dict[str, str]:
    """OpenCC's character table (traditional -> simplified), one character for one character.

    Each line of TSCharacters.txt is 'traditional TAB candidates', candidates space-separated,
    OpenCC's default first. Kept: one character to a different one character, the default
    candidate (於 -> 于 although 於 is listed too), the traditional side an ideograph; dropped:
    entries whose default is the character itself (仝 -> 仝 同), and TRADITIONAL_DENIED. A chain
    (薴 -> 苧, 苧 -> 苎) folds to its end, so that folding once is folding fully.
    """
    spec = importlib.util.find_spec(_OPENCC_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            f"{_OPENCC_PACKAGE} is not installed: its OpenCC table folds traditional characters "
            "(pip install opencc-purepy)"
        )
    path = Path(next(iter(spec.submodule_search_locations)), *_OPENCC_TABLE)
    table: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        traditional, _, candidates = line.partition("\t")
        simplified = candidates.split(" ", 1)[0]
        if (
            len(traditional) == 1
            and len(simplified) == 1
            and simplified != traditional
            and traditional not in TRADITIONAL_DENIED
            and unicodedata.category(traditional) == "Lo"
        ):
            table[traditional] = simplified
    for traditional, simplified in table.items():  # 薴 -> 苧 -> 苎: one step, to the end
        seen = {traditional}
        while simplified in table and simplified not in seen:
            seen.add(simplified)
            simplified = table[simplified]
        table[traditional] = simplified
    if len(table) < 2000:  # OpenCC's table has some 4,000 entries
        raise ImportError(f"{path} holds only {len(table)} usable entries; is it OpenCC's table?")
    return table


# Traditional -> simplified, 1:1 (read-only view of OpenCC's table minus TRADITIONAL_DENIED).
TRADITIONAL_TO_SIMPLIFIED = MappingProxyType(_traditional_to_simplified())

# 1:1, so offsets survive. '，' folds to ',' like the rest: the separator rule checks the raw char,
# so a full-width comma never becomes a thousands separator.
_FOLD = (
    {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}
    | {"\u3000": " ", "\u00a0": " "}
    | dict(TRADITIONAL_TO_SIMPLIFIED)
)
_FOLD_TABLE = str.maketrans(_FOLD)
# Raw character -> the character the normalised view shows for it (full-width forms, ideographic
# space, traditional characters): what a printed value must turn back.
CHARACTER_FOLD = MappingProxyType(_FOLD)


_FOLD_TABLE = str.maketrans(_FOLD)


def fold(text: str) -> str:
    """``text`` as the normalised view shows it: half-width and simplified, same length."""
    # str.translate: with some 4,000 traditional characters in the table, a regex over runs of
    # foldable characters is ten times slower (its character class is a slow big-charset test).
    return text.translate(_FOLD_TABLE)


def _traditional_forms() -> dict[str, str]:
    forms: dict[str, list[str]] = {}
    for traditional, simplified in TRADITIONAL_TO_SIMPLIFIED.items():
        forms.setdefault(simplified, []).append(traditional)
    return {s: "".join(sorted(t)) for s, t in forms.items()}


# Simplified character -> its traditional forms ('发' -> '發髮'), for patterns that match raw text.
TRADITIONAL_FORMS = MappingProxyType(_traditional_forms())
