"""Pieces every layout shares: the empty gold, printed rates, years, scores and grades (each with
the inconsistency that can be planted in it), the indicator table of a one-page form, header rows
over several lines, titles and row fragments."""

from __future__ import annotations

import random
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable, Sequence

from pipeline.synth.builder import _Builder
from pipeline.synth.content import _REASONS, _TOWN_A, _TOWN_B, _Bureau
from pipeline.synth.facts import _Facts, _Ind
from pipeline.synth.lines import _Line
from pipeline.synth.marks import _MARK_CHARS
from pipeline.synth.values import FEN_PER_WAN, _exact, _grade_of, _rate_text, _score_text

def _off_rate(rng: random.Random, printed: str) -> str:
    """A wrong rate an author could print instead of ``printed`` (at least 1 point away)."""
    value = Decimal(printed)
    dec = len(printed.split(".")[1]) if "." in printed else 0
    for _ in range(20):
        choice = rng.random()
        if choice < 0.3 and value < 99:
            wrong = Decimal(100)
        elif choice < 0.6:
            wrong = value + Decimal(rng.choice([-3, -2, 2, 3, -1.5, 1.5, -5]))
        else:  # a transposed / mistyped digit
            digits = list(f"{value:.{dec}f}")
            idx = [i for i, c in enumerate(digits) if c.isdigit()]
            i = rng.choice(idx[:2])
            digits[i] = str((int(digits[i]) + rng.choice([1, 2, 8, 9])) % 10)
            wrong = Decimal("".join(digits))
        wrong = wrong.quantize(Decimal(1).scaleb(-dec), rounding=ROUND_HALF_UP)
        # At least 1 point away, 2 for integer rates (an integer may be a cut-off 96.8 -> 96).
        if 30 <= wrong <= 100 and abs(wrong - value) >= (2 if dec == 0 else 1):
            return f"{wrong:.{dec}f}"
    return f"{(value - 4 if value > 40 else value + 4):.{dec}f}"


def _off_amount(rng: random.Random, fen: int, quantum: int) -> int:
    """A mistyped amount: digits transposed or one digit off, differing by at least 0.1 万元."""
    for _ in range(30):
        units = fen // quantum
        digits = list(str(units))
        if len(digits) >= 3 and rng.random() < 0.5:
            i = rng.randrange(0, len(digits) - 1)
            digits[i], digits[i + 1] = digits[i + 1], digits[i]
        else:
            i = rng.randrange(0, max(1, len(digits) - 2))
            digits[i] = str((int(digits[i]) + rng.choice([1, 2, 9])) % 10)
        wrong = int("".join(digits)) * quantum
        if wrong > 0 and abs(wrong - fen) >= FEN_PER_WAN // 10 and len(str(wrong // quantum)) == len(str(units)):
            return wrong
    return fen + 10 * FEN_PER_WAN


def _empty_gold() -> dict[str, Any]:
    pair = lambda: {"budget": None, "actual": None}  # noqa: E731
    return {
        "doc_id": None,
        "department": None,
        "fiscal_year": None,
        "report_type": None,
        "subject": None,
        "budget": {
            "initial": None, "adjusted": None, "adjustment": None, "actual": None,
            "execution_rate": None, "adjustment_rate": None,
            "basic": pair(), "project": pair(), "three_public": pair(),
        },
        "evaluation": {"score": None, "grade": None},
        "indicators": [],
        "projects": [],
        "problems": None,
        "improvements": None,
    }


def _numtext(b: _Builder, s: str) -> str:
    """Number noise (spaces, full-width digits) on the numbers inside an indicator value."""
    return re.sub(r"\d+(?:\.\d+)?", lambda m: b.numeral(m.group()), s)


def _rate_style(rng: random.Random) -> tuple[int, bool]:
    """(decimals, truncate) of the execution rate as the author prints it."""
    r = rng.random()
    return (2, False) if r < 0.7 else (1, False) if r < 0.85 else (2, True) if r < 0.95 else (0, False)


def _truncation_shows(printed: str, actual: int, budget: int, decimals: int) -> bool:
    """A truncated rate off the quotient by more than half its last digit plus what rounding the
    two amounts (printed to 0.01 万元) can move it."""
    computed = Decimal(actual) * 100 / Decimal(budget)
    half = Decimal(FEN_PER_WAN) / 200  # 0.005 万元, in 分
    propagated = 100 * (half / budget + Decimal(actual) * half / Decimal(budget) ** 2)
    return computed - Decimal(printed) > Decimal(1).scaleb(-decimals) / 2 + propagated


def _exec_rate(b: _Builder, rng: random.Random, actual: int, budget: int, style: tuple[int, bool]) -> tuple[str, bool]:
    """(printed rate, planted) for a department's or table total's execution rate."""
    true = _rate_text(actual, budget, *style)
    if b.plant("execution_rate_mismatch"):
        wrong = _off_rate(rng, true)
        b.notes.append(
            f"PLANTED execution_rate_mismatch: the execution rate is printed {wrong}% but "
            f"{_exact(actual, '万元', 2, 6)}/{_exact(budget, '万元', 2, 6)} = {_rate_text(actual, budget, 2)}%. "
            f"Gold keeps the printed {Decimal(wrong).normalize():f}."
        )
        return wrong, True
    if style[1] and _truncation_shows(true, actual, budget, style[0]):
        # The author truncated where rounding gives another last digit, by more than the two
        # printed amounts' rounding explains: the rate disagrees with its amounts at the printed
        # precision (gold README, execution_rate_mismatch).
        b.implied_flags.add("execution_rate_mismatch")
        b.notes.append(f"execution_rate_mismatch: the rate is printed truncated, {true}% for "
                       f"{_rate_text(actual, budget, style[0])}% rounded.")
    return true, False


def _year_marks(b: _Builder, rng: random.Random, year: int, count: int) -> tuple[list[str], list[int]]:
    """``count`` printed mentions of the fiscal year; under a year_mismatch plant the last one
    (never the first, which is the title's) says a neighbouring year."""
    texts, ids = [], []
    planted = count >= 2 and b.plant("year_mismatch")
    for k in range(count):
        y = year
        if planted and k == count - 1:
            y = year + rng.choice([-1, 1])
        s, mid = b.mark(str(y))
        texts.append(s)
        ids.append(mid)
    if planted:
        b.notes.append(
            f"PLANTED year_mismatch: the title and the other mentions say {year}, but one body mention says "
            f"{_MARK_CHARS.sub('', texts[-1])}. fiscal_year = {year}."
        )
    b.check("year_mismatch", "equal", planted, {"years": ids})
    return texts, ids


def _score_total(b: _Builder, rng: random.Random, items: int) -> tuple[int, bool]:
    """(printed total score, planted) for item scores summing to ``items`` (hundredths)."""
    if b.plant("score_items_do_not_sum"):
        for _ in range(20):
            delta = rng.choice([-300, -250, -200, -100, -50, 50, 100, 200, 250])
            if 0 < items + delta <= 10000:
                break
        total = items + delta
        b.notes.append(
            f"PLANTED score_items_do_not_sum: the item scores add up to {_score_text(items)} but the total score "
            f"is printed {_score_text(total)}. Gold score = the printed total {_score_text(total)}."
        )
        return total, True
    return items, False


def _grade(b: _Builder, rng: random.Random, score: int) -> tuple[str, bool]:
    right = _grade_of(score)
    if b.plant("grade_score_mismatch"):
        bands = "优良中差"
        i = bands.index(right)
        wrong = bands[i + 1] if i == 0 else bands[i - 1] if i == 3 else bands[i + rng.choice([-1, 1])]
        b.notes.append(
            f"PLANTED grade_score_mismatch: the grade is printed “{wrong}” but the score {_score_text(score)} "
            f"is in the {right} band (优 ≥ 90, 良 80–90, 中 60–80, 差 < 60). Gold keeps “{wrong}”."
        )
        return wrong, True
    return right, False


_MONEY_COLUMNS = ("initial", "adjusted", "actual")


def _part_rows(b: _Builder, labels: Sequence[str], amounts: Sequence[tuple[int, int, int]], text: Callable[[int], str],
               cells: Callable[[str, list[str], tuple[int, int, int]], list[str]]) -> dict[str, list[int]]:
    """The rows of the parts under a money table's total row: each part's initial / adjusted / actual
    printed by ``text`` and marked, set in its row by ``cells(label, marked texts, amounts)``.
    Returns the marks of each column, for ``_check_part_sums``."""
    cols: dict[str, list[int]] = {col: [] for col in _MONEY_COLUMNS}
    for label, triple in zip(labels, amounts):
        marked = []
        for col, fen in zip(_MONEY_COLUMNS, triple):
            s, mid = b.mark(text(fen))
            marked.append(s)
            cols[col].append(mid)
        b.row(cells(label, marked, triple), "money", name_col=1)
    return cols


def _check_part_sums(b: _Builder, totals: Sequence[int], cols: dict[str, list[int]], planted_col: str | None) -> None:
    """One parts_do_not_sum check per column: its parts against the total's mark (``totals`` in the
    order initial, adjusted, actual); ``planted_col`` is the column a plant made disagree."""
    for col, tid in zip(_MONEY_COLUMNS, totals):
        b.check("parts_do_not_sum", "sum", col == planted_col, {"total": [tid], "parts": cols[col]})


def _year_title(b: _Builder, rng: random.Random, dept: str, year_text: str, name: str, one_line: float) -> None:
    """A form's title on one line, '<dept><year>年度<name>' (with probability ``one_line``), or its
    name over '（<year>年度）'."""
    if rng.random() < one_line:
        b.add("title", f"{dept}{year_text}年度{name}")
    else:
        b.add("title", name)
        b.add("title", f"（{year_text}年度）")


def _ind_gold(b: _Builder, ind: _Ind, split: bool = False) -> dict[str, Any]:
    if split:
        target = f"{ind.nature}{ind.tvalue}{ind.tunit}"
        actual = f"{ind.avalue}{ind.tunit}"
    else:
        target, actual = ind.target, ind.actual
    return {"level1": ind.level1, "level2": ind.level2, "name": ind.name, "target": target, "actual": actual}


def _goal_texts(f: _Facts, year_text: str) -> tuple[str, str]:
    def aim(ind: _Ind) -> str:
        t = ind.target
        if t.startswith("≥"):
            return f"{ind.name}达到{t[1:]}以上"
        if t.startswith("≤"):
            return f"{ind.name}控制在{t[1:]}以内"
        return f"{ind.name}{'达到' if t[0].isdigit() else ''}{t}"

    goal = f"围绕{f.bureau.duties[0]}和{f.bureau.duties[1]}等重点工作，" + "，".join(aim(i) for i in f.indicators[:5]) + "。"
    done = f"{year_text}年" + "，".join(f"{i.name}{i.actual}" for i in f.indicators[:5]) + "，各项工作有序推进。"
    return goal, done


def _indicator_table(b: _Builder, rng: random.Random, f: _Facts, variant: str, merged: bool,
                     score_ids: list[int]) -> list[dict[str, Any]]:
    """The indicator block of a one-page table; returns the gold indicators."""
    if variant == "split":
        header = ["绩效指标", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "实际完成值", "分值", "得分"]
    elif variant == "v1":
        header = ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]
    else:
        header = ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值", "完成值", "权重", "得分", "未完成原因"]
    b.row(header, "header")
    gold = []
    prev1 = prev2 = None
    for ind in f.indicators:
        l1 = ind.level1 if (not merged or ind.level1 != prev1) else ""
        l2 = ind.level2 if (not merged or ind.level2 != prev2 or l1) else ""
        prev1, prev2 = ind.level1, ind.level2
        s, sid = b.mark(b.score(ind.score))
        score_ids.append(sid)
        weight = _score_text(ind.weight)
        if variant == "split":
            cells = ["", l1, l2, ind.name, ind.nature, _numtext(b, ind.tvalue), ind.tunit, _numtext(b, ind.avalue), weight, s]
        else:
            reason = "" if ind.completed else rng.choice(_REASONS)
            cells = ["", l1, l2, ind.name, _numtext(b, ind.target), _numtext(b, ind.actual), weight, s, reason]
        b.row(cells, "indicator", name_col=3)
        gold.append(_ind_gold(b, ind, split=variant == "split"))
    return gold


def _problem_rows(b: _Builder, rng: random.Random, f: _Facts, gold: dict[str, Any]) -> None:
    style = rng.random()
    if style < 0.6:
        b.row([rng.choice(["存在的问题", "存在问题"]), f.problems], "text")
        b.row([rng.choice(["改进措施", "整改措施"]), f.improvements], "text")
        gold["problems"], gold["improvements"] = f.problems, f.improvements
    elif style < 0.85:
        b.row(["主要问题及改进措施", f"问题：{f.problems}措施：{f.improvements}"], "text")
        gold["problems"], gold["improvements"] = f.problems, f.improvements
        b.notes.append("problems / improvements come from one cell 主要问题及改进措施, split at its inner labels 问题： / 措施：.")


def _towns(rng: random.Random, k: int) -> list[str]:
    names: list[str] = []
    while len(names) < k:
        name = rng.choice(_TOWN_A) + rng.choice(_TOWN_B) + rng.choice(["镇", "镇", "乡"])
        if name not in names:
            names.append(name)
    return names


def _fund_name(rng: random.Random, bureau: _Bureau) -> str:
    base = rng.choice(bureau.projects)
    return base if base.endswith(("经费", "资金")) else base + rng.choice(["补助资金", "专项资金", "转移支付资金"])


def _implementer(rng: random.Random, f: _Facts) -> str:
    place = f.dept[: -len(f.bureau.name)]
    return place + rng.choice(["{s}服务中心", "{s}事务中心", "{s}综合执法大队", "{s}发展中心"]).format(s=f.bureau.short)


def _system_code(rng: random.Random) -> str:
    """A financial-system project code as printed before a name: region + year-ish + serial."""
    return f"{rng.randint(11, 65)}{rng.randint(1000, 9999)}{rng.randint(21, 24)}{rng.choice('TRX')}{rng.randint(10**11, 10**12 - 1)}-"


def _split_header(cell: str, rng: random.Random) -> list[str]:
    """A header cell as printed over two or three lines: before its formula annotation, the
    annotation ('（A）', '③=①+②', '（E/C×' / '100%）'), or at half its length."""
    m = re.search(r"[（(①②③④⑤]", cell)
    if m and m.start() >= 2:
        head, note = cell[: m.start()], cell[m.start():]
        if len(note) > 6 and "×" in note:
            cut = note.index("×") + 1
            return [head, note[:cut], note[cut:]]
        return [head, note]
    if len(cell) >= 4:
        cut = len(cell) // 2 + (1 if len(cell) % 2 and rng.random() < 0.5 else 0)
        return [cell[:cut], cell[cut:]]
    return [cell]


def _header_rows(b: _Builder, cells: list[str], multi: bool) -> None:
    """A header row, or the same header over two or three lines (the page keeps one row)."""
    if not multi:
        b.row(cells, "header")
        return
    parts = [_split_header(c, b.rng) for c in cells]
    depth = max(len(p) for p in parts)
    for k in range(depth):
        line = [p[k] if k < len(p) else "" for p in parts]
        # tagged apart from one-line headers, so that the header_split noise leaves them alone
        b.lines.append(_Line("row", cells=line, tag="header_multi", canon=list(cells) if k == 0 else []))


def _frag(b: _Builder, text: str) -> None:
    """A line without tabs that belongs to the row above (a wrapped unit, a name fragment)."""
    b.lines.append(_Line("frag", text, canon=[]))


def _title_lines(b: _Builder, rng: random.Random, lines: list[str], html: bool) -> None:
    for text in lines:
        b.add("title", _html_heading(rng, text) if html else text)


def _html_heading(rng: random.Random, text: str) -> str:
    return rng.choice(["<span>{}</span>", "<p><strong>{}</strong></p>", "<h3>{}</h3>", "<b>{}</b>&nbsp;"]).format(text)
