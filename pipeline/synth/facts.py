"""Facts: one invented report's content (department, year, money, indicators, problems),
consistent by construction."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.synth.content import _BUREAUS, _DISTRICT, _MEASURES, _ORDINALS, _PLACE_FIRST, _PLACE_SECOND, _PROBLEMS, _SAT, _WHO, _Bureau
from pipeline.synth.values import FEN_PER_WAN, _amount

if TYPE_CHECKING:
    from pipeline.synth.builder import _Builder


@dataclass
class _Ind:
    level1: str
    level2: str
    name: str
    target: str
    actual: str
    completed: bool
    nature: str | None = None  # split-column templates: 指标性质 | 指标值 | 度量单位
    tvalue: str | None = None
    tunit: str | None = None
    avalue: str | None = None
    weight: int = 0  # hundredths of a point
    score: int = 0


@dataclass
class _Facts:
    bureau: _Bureau
    dept: str
    city: str
    year: int
    date: str
    who: str
    quantum: int  # money precision in 分: 10000 (0.01 万元) or 1 (0.01 元)
    initial: int
    adjusted: int
    actual: int
    basic: tuple[int, int, int]  # 年初, 全年, 实际
    project: tuple[int, int, int]
    three: tuple[int, int, int]
    three_parts: list[tuple[str, int]]
    indicators: list[_Ind]
    problems: str
    improvements: str

    @property
    def adjustment(self) -> int:
        return self.adjusted - self.initial


def _place(rng: random.Random) -> tuple[str, str]:
    """(city, full place prefix): 岚川市 / 岚川市东湖区 / 瓯溪县."""
    city = rng.choice(_PLACE_FIRST) + rng.choice(_PLACE_SECOND)
    kind = rng.random()
    if kind < 0.35:
        return city + "市", city + "市"
    if kind < 0.7:
        return city + "市", city + "市" + rng.choice(_DISTRICT)
    county = rng.choice(_PLACE_FIRST) + rng.choice(_PLACE_SECOND)
    return city + "市", county + "县"


def _round_target(x: float) -> int:
    if x < 20:
        return max(1, round(x))
    mag = 10 ** (len(str(int(x))) - 2)
    return int(round(x / mag) * mag)


def _indicator(rng: random.Random, spec: tuple, who: str) -> _Ind:
    level2, name, kind, *params = spec
    name = name.format(who=who)
    level1 = {"数量指标": "产出指标", "质量指标": "产出指标", "时效指标": "产出指标", "成本指标": "产出指标",
              "服务对象满意度指标": "满意度指标"}.get(level2, "效益指标")
    completed = rng.random() < 0.8
    if kind == "count":
        unit, lo, hi = params
        n = _round_target(rng.uniform(lo, hi))
        small = unit in ("万亩", "平方公里") and n < 20
        factor = rng.uniform(1.0, 1.12) if completed else rng.uniform(0.85, 0.98)
        a = round(n * factor, 1) if small else max(1, round(n * factor))
        if not completed and a >= n:
            a = n - (0.1 if small else 1)
        a_text = f"{a:.1f}".rstrip("0").rstrip(".") if small else str(int(a))
        nature = "≥" if rng.random() < 0.75 else "="
        if nature == "=" and completed:
            a_text = str(n)
        target = (nature if nature == "≥" else "") + f"{n}{unit}"
        return _Ind(level1, level2, name, target, a_text + unit, completed, nature, str(n), unit, a_text)
    if kind == "pct":
        lo, hi = params
        p = rng.randint(lo, hi)
        a = min(100.0, p + rng.uniform(0.3, 5)) if completed else max(0.5, p - rng.uniform(0.5, 4))
        a_text = f"{a:.1f}".rstrip("0").rstrip(".")
        return _Ind(level1, level2, name, f"≥{p}%", a_text + "%", completed, "≥", str(p), "%", a_text)
    if kind == "full":
        a_text = "100" if completed else f"{rng.uniform(95, 99.5):.1f}"
        return _Ind(level1, level2, name, "100%", a_text + "%", completed, "=", "100", "%", a_text)
    if kind == "cost":
        unit, lo, hi = params
        n = _round_target(rng.uniform(lo, hi))
        a = n * (rng.uniform(0.85, 0.99) if completed else rng.uniform(1.02, 1.1))
        a_text = f"{a:.1f}".rstrip("0").rstrip(".") if n < 50 else str(round(a))
        return _Ind(level1, level2, name, f"≤{n}{unit}", a_text + unit, completed, "≤", str(n), unit, a_text)
    target, actual = params
    return _Ind(level1, level2, name, target, actual, True)


_LEVEL_ORDER = ["数量指标", "质量指标", "时效指标", "成本指标", "经济效益指标", "社会效益指标", "生态效益指标",
                "可持续影响指标", "服务对象满意度指标"]


def _indicators(rng: random.Random, bureau: _Bureau, who: str, count: int, numeric_only: bool = False) -> list[_Ind]:
    pool = [s for s in bureau.indicators if not (numeric_only and s[2] == "text")]
    picked = rng.sample(pool, k=min(count - 1, len(pool)))
    picked.append(_SAT)
    inds = [_indicator(rng, spec, who) for spec in picked]
    inds.sort(key=lambda i: _LEVEL_ORDER.index(i.level2))
    return inds


def _weigh(rng: random.Random, inds: list[_Ind], total_points: int) -> None:
    """Weights (whole points) summing to ``total_points``; scores ≤ weights (0.5 steps)."""
    n = len(inds)
    base = total_points // n
    weights = [base] * n
    for k in range(total_points - base * n):
        weights[k % n] += 1
    if rng.random() < 0.5 and n >= 3:  # uneven weights: move points between two indicators
        a, b = rng.sample(range(n), 2)
        move = min(weights[a] - 2, rng.randint(1, 5))
        weights[a] -= move
        weights[b] += move
    for ind, w in zip(inds, weights):
        ind.weight = w * 100
        ind.score = ind.weight if ind.completed else ind.weight - rng.randint(1, max(1, w // 2)) * 50


def _texts(rng: random.Random) -> tuple[str, str]:
    k = rng.randint(2, 3)
    problems = rng.sample(_PROBLEMS, k)
    measures = rng.sample(_MEASURES, k)
    if rng.random() < 0.7:
        p = "；".join(f"{_ORDINALS[i]}是{t}" for i, t in enumerate(problems)) + "。"
        m = "；".join(f"{_ORDINALS[i]}是{t}" for i, t in enumerate(measures)) + "。"
    else:
        p = "；".join(problems) + "。"
        m = "；".join(measures) + "。"
    return p, m


def _facts(rng: random.Random, layout: str, b: _Builder, *, yuan: bool = False) -> _Facts:
    bureau = rng.choice(_BUREAUS)
    city, place = _place(rng)
    dept = place + bureau.name
    year = rng.randint(2018, 2024)
    date = f"{year + 1}年{rng.randint(1, 4)}月{rng.randint(1, 28)}日"
    who = rng.choice(_WHO)
    quantum = 1 if yuan else 10_000
    big = "市" in place and "区" not in place and "县" not in place
    initial = _amount(rng, 3000 if big else 600, 60000 if big else 12000, 10_000)
    change = rng.choice([0.0, rng.uniform(-0.05, -0.005), rng.uniform(0.01, 0.2), rng.uniform(0.01, 0.2)])
    adjusted = initial + int(initial * change) // 10_000 * 10_000
    if adjusted == initial and change:
        adjusted += 10_000
    # Basic / project split of each column.
    basic_share = rng.uniform(0.25, 0.55)
    b_init = int(initial * basic_share) // 10_000 * 10_000
    b_adj = b_init + int((adjusted - initial) * rng.uniform(0.0, 0.3)) // 10_000 * 10_000
    p_init, p_adj = initial - b_init, adjusted - b_adj
    b_act = int(b_adj * rng.uniform(0.97, 1.0)) // quantum * quantum
    p_act = int(p_adj * rng.uniform(0.78, 0.99)) // quantum * quantum
    if "long_decimals" in b.noise and quantum == 10_000:
        p_act += rng.randint(1, 9999)  # a 元-precise figure: printed in 万元 it needs 6 decimals
    actual = b_act + p_act
    # “三公”经费: budget, actual, and its three items (vehicles, reception, trips abroad).
    t_wan = min(150.0, max(4.0, initial / FEN_PER_WAN * rng.uniform(0.002, 0.015)))
    t_init = _amount(rng, t_wan * 0.7, t_wan * 1.3, 10_000)
    t_adj = t_init - rng.choice([0, 0, int(t_init * rng.uniform(0.02, 0.15)) // 10_000 * 10_000])
    t_act = int(t_adj * rng.uniform(0.55, 0.97)) // 10_000 * 10_000
    abroad = 0 if rng.random() < 0.7 else int(t_act * rng.uniform(0.05, 0.2)) // 10_000 * 10_000
    car = int((t_act - abroad) * rng.uniform(0.6, 0.9)) // 10_000 * 10_000
    parts = [("公务用车购置及运行维护费", car), ("公务接待费", t_act - abroad - car), ("因公出国（境）费", abroad)]
    inds = _indicators(rng, bureau, who, rng.randint(5, 9))
    problems, improvements = _texts(rng)
    return _Facts(bureau, dept, city, year, date, who, quantum, initial, adjusted, actual,
                  (b_init, b_adj, b_act), (p_init, p_adj, p_act), (t_init, t_adj, t_act), parts,
                  inds, problems, improvements)
