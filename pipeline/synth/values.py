"""Money, rates and scores as exact integers: amounts are held in 分 (0.01 元), so every printed
sum and rate is exact and the gold never depends on float rounding."""

from __future__ import annotations

import math
import random
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

FEN_PER_WAN = 1_000_000  # 1 万元 = 10 000 元 = 1 000 000 分
_UNIT_FEN = {"元": 100, "万元": FEN_PER_WAN, "亿元": 10_000 * FEN_PER_WAN}


def _wan(fen: int) -> float:
    """分 -> 万元, as the gold holds it (all decimals, at most 6)."""
    return round(fen / FEN_PER_WAN, 6)


def _exact(fen: int, unit: str, min_dec: int = 2, max_dec: int = 10) -> str | None:
    """The amount in ``unit`` with the fewest decimals (>= min_dec) that print it exactly."""
    value = Decimal(fen) / Decimal(_UNIT_FEN[unit])
    for dec in range(min_dec, max_dec + 1):
        q = value.quantize(Decimal(1).scaleb(-dec))
        if q == value:
            return f"{q:.{dec}f}"
    return None


def _group(numeral: str, size: int = 3) -> str:
    """'12486.73' -> '12,486.73' (size 3) or '1,2486.73' (size 4: myriad grouping)."""
    sign = "-" if numeral.startswith("-") else ""
    numeral = numeral.lstrip("-")
    whole, dot, frac = numeral.partition(".")
    groups = []
    while len(whole) > size:
        groups.insert(0, whole[-size:])
        whole = whole[:-size]
    groups.insert(0, whole)
    return sign + ",".join(groups) + dot + frac


def _rate_text(num: int, den: int, decimals: int, truncate: bool = False) -> str:
    value = Decimal(num) * 100 / Decimal(den)
    q = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_DOWN if truncate else ROUND_HALF_UP)
    return f"{q:.{decimals}f}"


def _score_text(hundredths: int) -> str:
    """Scores print without trailing zeros: 95.21, 88.6, 93."""
    text = f"{Decimal(hundredths) / 100:.2f}".rstrip("0").rstrip(".")
    return text


def _grade_of(hundredths: int) -> str:
    return "优" if hundredths >= 9000 else "良" if hundredths >= 8000 else "中" if hundredths >= 6000 else "差"


def _split(rng: random.Random, total: int, parts: int, unit: int, lo: float = 0.15) -> list[int]:
    """``total`` split into ``parts`` positive multiples of ``unit`` (total must be one)."""
    units = total // unit
    if parts == 1:
        return [total]
    weights = [rng.uniform(lo, 1.0) for _ in range(parts)]
    s = sum(weights)
    out = [max(1, int(units * w / s)) for w in weights[:-1]]
    out.append(units - sum(out))
    if out[-1] <= 0:  # rounding pushed the last part out: fall back to an even split
        out = [units // parts] * (parts - 1) + [units - units // parts * (parts - 1)]
    return [u * unit for u in out]


def _amount(rng: random.Random, lo_wan: float, hi_wan: float, unit: int) -> int:
    """A log-uniform amount in 分, a multiple of ``unit``."""
    wan = math.exp(rng.uniform(math.log(lo_wan), math.log(hi_wan)))
    return max(unit, int(wan * FEN_PER_WAN) // unit * unit)
