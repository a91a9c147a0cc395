"""Items written as prose: indicator sentences and project / fund lists.

Narrative reports print what a table would hold as sentences:

- indicators: '（一）产出指标' / '1.数量指标' headings (or '数量指标：' lead-ins) above sentences such as
  '河道巡查里程：年度指标值≥320公里，实际完成347公里，指标完成。'; or sentences with no level at all
  ('垃圾清运及时率目标值≥95%，完成值97.2%；');
- projects: numbered items ('1.农村饮水维修经费：预算86.00万元，实际支出79.12万元，执行率92.00%。'),
  run-on clauses ('污水管网巡检费预算60.00万元，实际支出58.20万元；泵站电费预算22.40万元…'), lists
  after a lead-in ('资金主要用于：A 48万元，B 25.5万元' / '其中：…'), allocations without 元
  ('东坪5万、河口3万').

Both readers work on the normalised text (pipeline.normalize: half-width punctuation, simplified
characters, joined wraps) and return typed results whose spans are normalised offsets, so the
caller can ground every value. The section structure decides the levels: a numbered line that
names a level opens it, any other numbered heading closes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline import lexicon as lx
from pipeline.layout import MARKUP
from pipeline.normalize import to_wan

__all__ = ["Span", "Amount", "ProseIndicator", "ProseItem", "paragraphs", "indicator_sentences", "money_items", "not_a_project"]


@dataclass(frozen=True)
class Span:
    """Printed text (normalised) and its normalised offsets."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Amount:
    """A number read from prose: an amount in 万元 or a rate in percent, with the span of the
    printed figure (unit included) and the label that decided its meaning."""

    value: float
    start: int
    end: int
    label: str


@dataclass
class ProseIndicator:
    level1: Span | None
    level2: Span | None
    name: Span
    target: Span | None
    actual: Span | None
    level1_inferred: bool = False  # level1 comes from the template's 二级 → 一级, not the text


@dataclass
class ProseItem:
    name: Span
    budget: Amount | None = None
    actual: Amount | None = None
    rate: Amount | None = None
    how: str = "prose list"
    split: bool = False  # split into listed sub-items: the sub-items are listed instead
    budget_is_initial: bool = False  # the budget so far is a 年初 figure a full-year one replaces

    def take(self, measure: str, amount: Amount, qualifier: str = "") -> None:
        """Keep the first figure of each measure, except that an item's full-year budget
        (调整后 / 全年预算) replaces its start-of-year budget (年初预算): a project's budget is
        the full-year one."""
        if measure == "budget" and self.budget is not None and self.budget_is_initial and qualifier != "年初":
            self.budget, self.budget_is_initial = amount, False
        elif getattr(self, measure) is None:
            setattr(self, measure, amount)
            if measure == "budget":
                self.budget_is_initial = qualifier == "年初"


# --- paragraphs ------------------------------------------------------------------------------

# List and heading numbering: 一、 （一） 一) (-) 1. 1、 (1) 1) ① — opening brackets get lost in
# conversion ('一)'), OCR reads （一） as '(-)'.
NUMBERING = r"(?:[一二三四五六七八九十]+、|[(（]?[一二三四五六七八九十]{1,3}[)）]|[(（][-—][)）]|[(（]?\d{1,2}[)）]|\d{1,2}[、.．](?!\d)|[①-⑳])"
_NUMBERED = re.compile(r"[ \t]*" + NUMBERING + r"[ \t]*")
_PAGE_LINE = re.compile(r"[ \t]*(?:[-—–][ \t]*\d{1,3}[ \t]*[-—–]|第[ \t]*\d{1,3}[ \t]*页|\d{1,3})[ \t]*")


def paragraphs(text: str) -> list[tuple[str, list[int]]]:
    """The text's paragraphs as (flat text, offset of each character in ``text``). A line joins
    the one before it unless that one ends a sentence or is a heading, or the line starts with
    numbering or a level lead-in; a line holding only a page number is dropped from the run it
    interrupts; table rows (tabs) are no prose and break paragraphs. Both readers of a document
    ask for the same text: the last answer is kept."""
    return _paragraphs(text)


_SENTENCE_ENDS = frozenset("。;；!！?？")  # not a colon: a lead-in runs on to its list


@lru_cache(maxsize=1)
def _paragraphs(text: str) -> list[tuple[str, list[int]]]:
    out: list[tuple[str, list[int]]] = []
    lines: list[str] = []  # the lines of the paragraph being read
    index: list[int] = []

    def close() -> None:
        if lines:
            out.append(("".join(lines), index.copy()))
        lines.clear()
        index.clear()

    for start, line in _lines(text):
        stripped = line.strip()
        if "\t" in line or not stripped:
            close()
            continue
        if _PAGE_LINE.fullmatch(line):
            continue
        if lines and (
            lines[-1].rstrip()[-1:] in _SENTENCE_ENDS
            or _NUMBERED.match(line)
            or _LEVEL_START.match(line)
            or (len(index) <= 200 and _heading_line("".join(lines).strip()))  # bounded: long texts stay linear
        ):
            close()
        line, offsets = _one_space(line, start)
        lines.append(line)
        index.extend(offsets)
    close()
    return out


_SPACE_RUN = re.compile(r"[ \u3000]{2,}")


def _one_space(line: str, start: int) -> tuple[str, list[int]]:
    """A line with each run of spaces kept as its first space, and the offset of each character
    kept. A table set in aligned columns (runs of dozens of spaces between its cells) reads as
    prose lines, and the sentence patterns' optional spaces beside their spaced name and value
    classes would try every split of a long run: a 40 000-character report of such lines did
    not finish in minutes."""
    if "  " not in line and "\u3000" not in line:  # no run of spaces (a run holds two spaces or one U+3000)
        return line, list(range(start, start + len(line)))
    out, offsets, pos = [], [], 0
    for m in _SPACE_RUN.finditer(line):
        out.append(line[pos : m.start() + 1])
        offsets.extend(range(start + pos, start + m.start() + 1))
        pos = m.end()
    out.append(line[pos:])
    offsets.extend(range(start + pos, start + len(line)))
    return "".join(out), offsets




# Block tags end a paragraph even where the text joined them into one line ('…监督。<p>二、…</p>').
_BLOCK_TAG = re.compile(r"</?(?:p|h[1-6]|div|br|li|ul|ol|tr|td|th|table|section|article)(?:[ \t][^<>\n]{0,80})?/?>", re.IGNORECASE)


def _lines(text: str) -> list[tuple[int, str]]:
    """(offset, line) of each line, markup blanked; a line with block tags is one line per
    block."""
    out = []
    pos = 0
    for line in text.split("\n"):
        start, pos = pos, pos + len(line) + 1
        if "<" in line and _BLOCK_TAG.search(line):
            cut = 0
            for tag in _BLOCK_TAG.finditer(line):
                out.append((start + cut, _without_markup(line[cut : tag.start()])))
                out.append((start + tag.start(), ""))  # the tag: a paragraph break
                cut = tag.end()
            out.append((start + cut, _without_markup(line[cut:])))
        else:
            heading = _TAGGED_HEADING.match(line)
            if heading and _heading_line(_without_markup(heading.group()).strip()):
                # '<span>二、资金情况</span>2023年…': a heading in inline tags the text joined
                # to its first sentence.
                out.append((start, _without_markup(heading.group())))
                out.append((start + heading.end(), ""))
                out.append((start + heading.end(), _without_markup(line[heading.end() :])))
            else:
                out.append((start, _without_markup(line)))
    return out


_TAGGED_HEADING = re.compile(r"[ \t]*(?:<[A-Za-z][A-Za-z0-9]{0,9}[^<>\n]{0,80}>)+[^<>\n]{1,40}(?:</[A-Za-z][A-Za-z0-9]{0,9}>)+(?=.)")


def _without_markup(line: str) -> str:
    """The line with HTML tags and entities blanked, offsets kept: a heading wrapped in tags
    is still a heading, a name after '&nbsp;' still a name."""
    return MARKUP.sub(lambda m: " " * len(m.group()), line) if "<" in line or "&" in line else line


_LEVEL_START = re.compile(r"[ \t]*(?:%s)[ \t]*[:：(（]" % "|".join(map(re.escape, sorted({*lx.INDICATOR_LEVEL1, *lx.INDICATOR_LEVEL2}, key=len, reverse=True))))


def _heading_line(text: str) -> bool:
    """A numbered short line without clause punctuation: a heading, never wrapped prose."""
    numbered = _NUMBERED.match(text)
    return bool(numbered) and len(text) <= 30 and not re.search(r"[,，、;；:：]", text[numbered.end() :])


def _strip_numbering(flat: str, at: int) -> int:
    m = _NUMBERED.match(flat, at)
    return m.end() if m else at


# --- indicators ------------------------------------------------------------------------------

_LEVEL_NAMES = sorted({*lx.INDICATOR_LEVEL1, *lx.INDICATOR_LEVEL2}, key=len, reverse=True)
# A level lead-in at a statement's start: '（一）产出指标（50分）。' / '数量指标：' / '数量指标方面，'.
_LEVEL_LEAD = re.compile(
    r"[ \t]*(?P<number>%s)?[ \t]*(?P<level>%s)[ \t]*(?:[(（][^()（）]{0,8}[)）])?[ \t]*(?:方面|完成情况)?[ \t]*(?:[:：。,，]|$)"
    % (NUMBERING, "|".join(map(re.escape, _LEVEL_NAMES)))
)
_TARGET_LABEL = lx.PROSE_TARGET_LABEL
_ACTUAL_LABEL = lx.PROSE_ACTUAL_LABEL
_FILLER = r"(?:为|是|[:：]|达到)?"
# '<name>[：，]<target label><target>，<actual label><actual>'; the name has no clause punctuation.
_INDICATOR = re.compile(
    rf"(?P<name>[^,，;；:：。]{{2,40}}?)[ \t]*[:：,，]?[ \t]*{_TARGET_LABEL}[ \t]*{_FILLER}[ \t]*(?P<target>[^,，;；。]{{1,30}}?)"
    rf"[ \t]*[,，;；][ \t]*{_ACTUAL_LABEL}[ \t]*{_FILLER}[ \t]*(?P<actual>[^,，;；。]{{1,30}}?)[ \t]*(?=[,，;；。]|$)"
)
_INDICATOR_STATEMENT = re.compile(rf"(?:[^;；。]|[;；](?=[ \t]*{_ACTUAL_LABEL}))+")
# A sentence about the goals, not an indicator: '我局按照绩效目标要求，实际完成了…', '年初设定目标为…'.
_NOT_INDICATOR_NAME = re.compile(r"^(?:我|本|该|根据|按照|严格|通过|年初|今年|全年|经)|(?:设定|按照|要求|的|为)$")
_NAME_NUMBERING = re.compile(r"(?:指标[ \t]*\d{1,2}[ \t]*[:：.、]?|%s)[ \t]*" % NUMBERING)
LEVEL1_OF_LEVEL2 = lx.LEVEL1_OF_LEVEL2


def _numbering_style(number: str) -> str:
    """'（一）' '(-)' '一)' → '(C)'; '1.' → 'D.': numbering of one list shares a style."""
    style = re.sub(r"[一二三四五六七八九十]+|[-—](?=[)）])", "C", re.sub(r"\d+", "D", number.strip()))
    style = style.replace("（", "(").replace("）", ")")
    return style if style.startswith("(") or not style.endswith(")") else "(" + style


def _may_hold_indicator(text: str) -> bool:
    """A cheap test before the indicator pattern: both a target word and an actual word."""
    return ("目标" in text or "指标值" in text or "计划" in text) and ("实际" in text or "完成" in text)


def _level_kind(name: str, number: str, level1: Span | None, level1_style: str | None) -> str:
    kind = lx.classify_level(name)
    if kind == "either":
        # 满意度指标 / 成本指标 are a 一级 or a 二级 by template: numbered like the open 一级 it is
        # the next 一级 ('（三）满意度指标' after '（一）产出指标'); otherwise a 二级 under it.
        if level1 is None or (number and _numbering_style(number) == level1_style):
            return "level1"
        return "level2"
    return kind or ""


def _value(flat: str, index: list[int], start: int, end: int, verb_before_figure: bool) -> Span:
    """A target / actual as printed: without a verb before a figure ('巡查38.6公里' → 38.6公里)
    and without OCR residue glued to a figure's end ('43.6%O' → 43.6%)."""
    text = flat[start:end]
    if verb_before_figure:
        verb = re.match(r"(?![约近超逾])[\u4e00-\u9fff]{1,2}(?=[≥≤<>=]?\d)", text)
        if verb:
            start += verb.end()
    residue = re.search(r"(?<=[%‰\d])[A-Za-z.,]+$", flat[start:end])
    if residue:
        end = start + residue.start()
    return Span(flat[start:end].replace(" ", ""), index[start], index[end - 1] + 1)


def _indicators_in(flat: str, index: list[int], s: int, e: int) -> list[tuple[Span, Span, Span]]:
    """(name, target, actual) of each indicator in one statement: the statement opens with
    one, and more may follow after a comma ('A目标10个，实际12个，B目标5个，实际5个')."""
    out = []
    pos = s
    while pos < e:
        m = _INDICATOR.match(flat, pos, e)
        if m is None:
            m = _INDICATOR.search(flat, pos, e)
            if m is None or re.search(r"[,，:：]", flat[pos : m.start()]) is None:
                break  # only a clause of its own is an indicator, not the tail of another
        pos = m.end()
        name_start = m.start("name") + len(m["name"]) - len(m["name"].lstrip())
        numbering = _NAME_NUMBERING.match(flat, name_start, m.end("name"))
        if numbering:
            name_start = numbering.end()
        name_text = re.sub(r"[(（]\d+(?:\.\d+)?分[)）]", "", flat[name_start : m.end("name")]).strip()
        if len(name_text) < 2 or lx.classify_level(name_text) or _NOT_INDICATOR_NAME.search(name_text):
            continue
        if re.search(r"目标|指标", m["target"]) or m["actual"].lstrip().startswith("了"):
            continue
        name = Span(name_text.replace(" ", ""), index[name_start], index[m.end("name") - 1] + 1)
        out.append((name, _value(flat, index, m.start("target"), m.end("target"), False), _value(flat, index, m.start("actual"), m.end("actual"), True)))
    return out


# '<name>：<target label or actual label><figure>' and nothing more than a verdict after it:
# '资金到位率：实际完成100%，指标完成。' / '单位面积成本，年度目标值≤85元。'
_ONE_VALUE = re.compile(
    rf"(?P<name>[^,，;；:：。]{{2,40}}?)[ \t]*[:：,，][ \t]*(?:(?P<tlabel>{_TARGET_LABEL})|(?P<alabel>{_ACTUAL_LABEL}))[ \t]*{_FILLER}[ \t]*"
    r"(?P<value>(?:[≥≤<>=＞＜][ \t]*)?\d[^,，;；。]{0,20}?)[ \t]*(?=[,，;；。]|$)"
)
_VERDICT = re.compile(r"[ \t]*[,，;；]?[ \t]*(?:指标|目标|任务)?(?:已|未|基本|全部|超额|按时|如期)?(?:完成|达到|达标|实现)(?:目标|指标|任务|年度目标)?[ \t]*[。;；]?[ \t]*")


def _one_value_indicator(flat: str, index: list[int], s: int, e: int) -> tuple[Span, Span | None, Span | None] | None:
    """(name, target, actual) of a statement that names an indicator and prints one of its
    values with that value's label, and nothing else but a verdict ('指标完成')."""
    numbering = _NAME_NUMBERING.match(flat, s, e)
    if numbering:
        s = numbering.end()
    m = _ONE_VALUE.match(flat, s, e)
    if m is None or (m.end() != e and not _VERDICT.fullmatch(flat, m.end(), e)):
        return None
    name_start = m.start("name") + len(m["name"]) - len(m["name"].lstrip())
    name_text = re.sub(r"[(（]\d+(?:\.\d+)?分[)）]", "", flat[name_start : m.end("name")]).strip()
    if len(name_text) < 2 or lx.classify_level(name_text) or _NOT_INDICATOR_NAME.search(name_text) or re.search(r"指标|目标|^\d{4}年", name_text):
        return None
    name = Span(name_text.replace(" ", ""), index[name_start], index[m.end("name") - 1] + 1)
    value = _value(flat, index, m.start("value"), m.end("value"), False)
    return (name, value, None) if m["tlabel"] else (name, None, value)


def indicator_sentences(text: str) -> list[ProseIndicator]:
    """Indicators printed as sentences, each with the 一级 / 二级 levels the numbered lines and
    lead-ins above it open. A sentence is an indicator when it prints a target and an actual
    after their labels (年度目标 / 目标值 / 指标值 … and 实际完成 / 完成值 / 实际 …), or, under an
    open indicator heading, one of them with its label and a figure ('资金到位率：实际完成100%。')."""
    rows: list[ProseIndicator] = []
    level1: Span | None = None
    level2: Span | None = None
    level1_style: str | None = None
    for flat, index in paragraphs(text):
        numbered = _NUMBERED.match(flat)
        lead = _LEVEL_LEAD.match(flat)
        one_value = (level1 is not None or level2 is not None) and _one_value_indicator(flat, index, numbered.end() if numbered else 0, len(flat))
        if numbered and not lead and not one_value and not (_may_hold_indicator(flat) and _INDICATOR.search(flat)):
            level1 = level2 = None  # another numbered section: the indicator block has ended
            continue
        # Statements end at '；' / '。', except a '；' between a target and its actual.
        for statement in _INDICATOR_STATEMENT.finditer(flat):
            s, e = statement.span()
            while True:  # level lead-ins at the statement's start ('产出指标。' '数量指标：')
                lead = _LEVEL_LEAD.match(flat, s, e)
                if not lead:
                    break
                name = lead["level"]
                span = Span(name, index[lead.start("level")], index[lead.end("level") - 1] + 1)
                number = lead["number"] or ""
                if _level_kind(name, number, level1, level1_style) == "level1":
                    level1, level2 = span, None
                    level1_style = _numbering_style(number) if number else None
                else:
                    level2 = span
                s = lead.end()
            if s >= e:
                continue
            found = _indicators_in(flat, index, s, e) if _may_hold_indicator(flat[s:e]) else []
            if not found and (level1 is not None or level2 is not None):
                # Under an indicator heading a sentence may print only the target or only
                # the actual: still an indicator (a row that prints either is one).
                single = _one_value_indicator(flat, index, s, e)
                found = [single] if single else []
            for name, target, actual in found:
                l1, inferred = level1, False
                if l1 is None and level2 is not None and level2.text in LEVEL1_OF_LEVEL2:
                    l1, inferred = Span(LEVEL1_OF_LEVEL2[level2.text], level2.start, level2.end), True
                rows.append(ProseIndicator(l1, level2, name, target, actual, inferred))
    return rows


# --- projects and funds ----------------------------------------------------------------------

_BUDGET_LABEL = lx.PROSE_BUDGET_LABEL
_ACTUAL_LABEL_MONEY = lx.PROSE_ACTUAL_LABEL_MONEY
_RATE_LABEL = lx.PROSE_RATE_LABEL
# One money clause: '<name><label><amount><unit>' with the amount at the clause's end. A bare 万
# is an amount of money only in a money list ('东坪5万、河口3万').
_MONEY_CLAUSE = re.compile(
    rf"(?P<name>[^,，;；:：。、]*?)[ \t]*(?:共计|合计|共)?[ \t]*(?:(?P<blabel>{_BUDGET_LABEL})|(?P<alabel>{_ACTUAL_LABEL_MONEY}))?[ \t]*(?:为|了)?[ \t]*"
    r"(?P<amount>\d[\d,]*(?:\.\d+)?)[ \t]*(?P<unit>万元|亿元|元|万(?![\u4e00-\u9fff]))[ \t]*$"
)
_RATE_CLAUSE = re.compile(rf"[ \t]*{_RATE_LABEL}[ \t]*(?:为|达到|达)?[ \t]*(?P<rate>\d+(?:\.\d+)?)[ \t]*%[ \t]*$")
_NOT_PROJECT = re.compile(lx.NOT_PROJECT_NAME)
# Not a name: a sentence's subject or time ('2023年我局…', '截至…'), an enumerated point of a
# narrative ('一是投入资金…'), a verb of funding ('争取上级补助…'), a batch of an allocation ('第一批').
_NOT_A_NAME = re.compile(
    r"^(?:\d{4}年|截至|截止|我|本|该|其|经|已|按|上述|全|共|各)|[,，:：《》]|^\d+$|^第[一二三四五六七八九十\d]+批|^首批|批次"
    r"|^[一二三四五六七八九十]+是|^(?:投入|争取|筹措|筹集|发放|拨付|下达|到位|落实)"
)
# A financial-system code before a name ('43052221R000000012345-'), with the list number before it.
_CODE = re.compile(r"(?:\d{1,2}[.、．])?" + lx.CODE_PREFIX.pattern)  # a list number may precede the code
_SENTENCE = re.compile(r"[^。]+")
_STATEMENT = re.compile(r"[^;；]+")
_COLON_HEAD = re.compile(r"[ \t]*(?P<head>[^,，:：]{1,40})[:：]")
# Clauses end at a comma or 、, not at the comma inside '3,120'.
_CLAUSE = re.compile(r"(?:[^,，、]|(?<=\d)[,，](?=\d{3}))+")
_OPENING = re.compile(r"[ \t]*其中[:：]?[ \t]*")
# A clause that is only a name: no figure, no sentence punctuation, short.
# The qualifier of an item's further figure: 年初 / 调整后 / 全年 budgets, and changes (追加 …).
_QUALIFIER = re.compile(r"(?P<initial>年初)|(?P<change>(?:年中)?(?:追加|调增|调减|调整))|年中调整后|调整后|全年|年度|累计|实际")
_NAME_CLAUSE = re.compile(r"[^\d,，;；:：。%]{2,30}")
# A lead-in clause inside a statement: words without an amount before a colon ('具体分配如下：',
# '按3个村分配：').
_CLAUSE_LEAD = re.compile(r"[ \t]*(?P<lead>(?:(?!\d[\d.]*[ \t]*(?:万|亿|元|%))[^,，;；:：。()（）]){2,20})[:：][ \t]*")
_USE_LEAD = re.compile(r"[^,，;；:：。、\d]{0,20}?(?:主要|分别|具体)?用于[ \t]*[:：]?[ \t]*")
# A time before an item's name ('2023年', '本年度'): the item is what follows.
_TIME_BEFORE_NAME = re.compile(r"(?:\d{4}年度?|本年度?|当年)(?![度底末初中])[ \t]*")
_LEAD_MEASURE_ACTUAL = re.compile(r"实际支出|已支出|支出[\d.]|执行|拨付|使用了|分项目看|支出情况")


def _mask_parentheses(flat: str) -> str:
    """Bracketed details with figures ('（镇本级1万元，每村2万元）') belong to the item before
    them, not the list: blanked, offsets kept. A bracket that opens with 其中 is a nested list
    ('河道整治0.5亿元（其中：东河0.3亿元，西河0.2亿元），…'): its brackets become clause breaks, so
    its items split the item before them."""
    flat = re.sub(r"[(（](其中[^()（）]*)[)）]", lambda m: "，" + m.group(1) + "，", flat)
    return re.sub(r"[(（][^()（）]*\d[^()（）]*[)）]", lambda m: " " * len(m.group()), flat)


class _Items:
    """Items of one document, merged by name: a later list that names an item again (its
    spending, after its allocation) fills the item's empty fields."""

    def __init__(self) -> None:
        self.items: list[ProseItem] = []

    def find(self, name: str) -> ProseItem | None:
        # Names in one report are often near each other (小学教育支出 / 初中教育支出): the same item
        # is named the same, or one name holds the other ('农村供水工程' / '农村供水工程维修养护').
        for item in self.items:
            known = item.name.text
            if known == name or (min(len(known), len(name)) >= 4 and (known in name or name in known)):
                return item
        return None

    def add(self, item: ProseItem) -> None:
        known = self.find(item.name.text)
        if known is None:
            self.items.append(item)
            return
        for key in ("budget", "actual", "rate"):
            if getattr(known, key) is None and getattr(item, key) is not None:
                setattr(known, key, getattr(item, key))
        known.split = known.split or item.split

    def add_list(self, items: list[ProseItem]) -> None:
        """One list's items. A second list that names none of the items already listed but
        sums to the same money (uses first, then the same fund by county) breaks the money
        down another way: listing it too would count the money twice."""
        if len(items) >= 2 and self.items and all(self.find(i.name.text) is None for i in items) and self._same_total(items):
            return
        for item in items:
            self.add(item)

    def _same_total(self, items: list[ProseItem]) -> bool:
        for key in ("budget", "actual"):
            ours = sum(getattr(i, key).value for i in self.items if not i.split and getattr(i, key) is not None)
            theirs = sum(getattr(i, key).value for i in items if getattr(i, key) is not None)
            if ours and theirs and abs(ours - theirs) <= 0.005 * ours:
                return True
        return False


def _amount(flat: str, index: list[int], m: re.Match[str], offset: int) -> Amount | None:
    unit = "万元" if m["unit"] == "万" else m["unit"]
    value = to_wan(float(m["amount"].replace(",", "")), unit)
    if value is None:
        return None
    label = m["blabel"] or m["alabel"] or ""
    return Amount(value, index[offset + m.start("amount")], index[offset + m.end("unit") - 1] + 1, label)


def money_items(text: str, whole_department: bool = False) -> list[ProseItem]:
    """Projects, tasks and sub-funds listed in prose with their money.

    An item is a clause '<name>[label]<amount>' (then '<label><amount>' and '<rate label><rate>%'
    clauses for the same item) inside a list: the first clause of a numbered item, clauses that
    follow a lead-in ending in a colon ('按资金用途分：' / '主要用于：') or 其中 one after the other,
    or two or more statements of one sentence that each open with an item (run-on clauses divided
    by '；'). A money clause inside a narrative sentence ('立案12宗，罚款3.2万元') is no item.
    The label before an amount says whether it is the budget (预算, 安排, 下达 …) or the spending
    (支出, 使用, 执行 …); an unlabelled amount takes the measure of its list's lead-in. When an
    item is split by a 其中 list, its sub-items are listed, not the item. In a whole-department
    report 其中 lists break down spending (基本支出, 工资福利, 固定资产 …), never projects."""
    found = _Items()
    for flat, index in paragraphs(text):
        reader = _ParagraphReader(_mask_parentheses(flat), index, whole_department)
        for sentence in _SENTENCE.finditer(reader.masked):
            candidates = reader.sentence(*sentence.span())
            run_on = sum(1 for _, how in candidates if how == "run-on") >= 2
            found.add_list([item for item, how in candidates if how == "list" or run_on])
    return [item for item in found.items if not item.split]


class _ParagraphReader:
    """Reads the money clauses of one paragraph, sentence by sentence. What a sentence's
    statements share: whether a 其中 list or a lead-in list is open, the item a 其中 list splits,
    the measure of unlabelled amounts; what the paragraph shares: its numbering and the title
    sentence that names the item of the next sentence."""

    def __init__(self, masked: str, index: list[int], whole_department: bool) -> None:
        self.masked, self.index, self.whole_department = masked, index, whole_department
        self.numbered = bool(_NUMBERED.match(masked))
        self.title: Span | None = None  # a numbered title sentence without money: '（一）文物保护专项。'
        self.previous = ""  # the sentence before: what a 其中 list that opens a sentence breaks down

    def span(self, start: int, text: str) -> Span:
        return Span(_without_repeated_word(text), self.index[start], self.index[start + len(text) - 1] + 1)

    def sentence(self, s_start: int, s_end: int) -> list[tuple[ProseItem, str]]:
        """The sentence's items as (item, 'list' | 'run-on')."""
        self.s_start = s_start
        self.candidates: list[tuple[ProseItem, str]] = []
        self.sub_list = False  # inside a 其中 list, up to the sentence's end
        self.lead_list = False  # a lead-in or a numbered item opened a list: its '；' statements are items
        # A numbered paragraph opens with its item: in its first sentence, or in the sentence
        # after its title ('（一）文物保护专项。全年预算…'), not after a section title ('（一）收入情况。').
        self.opens_item = self.numbered and (s_start == 0 or self.title is not None)
        self.first_statement = True
        self.parent: ProseItem | None = None  # the item a 其中 list splits
        self.lead_measure = "budget"
        masked = self.masked
        if "元" in masked[s_start:s_end] or "万" in masked[s_start:s_end]:  # cheap test first
            for statement in _STATEMENT.finditer(masked, s_start, s_end):
                self.statement(statement.start(), statement.end())
        if self.numbered and self.title is None and not self.candidates and s_start == 0:
            t_start = _strip_numbering(masked, s_start)
            t_text = masked[t_start:s_end].strip()
            if 2 <= len(t_text) <= 40 and not re.search(r"[,，:：;；]|情况|分析|说明|原因|措施|结论|指标", t_text):
                self.title = self.span(t_start, t_text)
        self.previous = masked[s_start:s_end]
        return self.candidates

    def statement(self, start: int, se: int) -> None:
        """One '；' statement: its clauses, each a figure of the item being read or a new item."""
        masked = self.masked
        st = _strip_numbering(masked, start)
        state = _Statement(
            list_open=self.sub_list or self.lead_list,  # clauses follow one another in a list
            opens_item=(self.opens_item and self.first_statement) or (st > start and bool(masked[start:st].strip())),
        )
        st = self._colon_head(state, st, se)
        if st is None:
            return  # an indicator statement ('成本指标：…'), not a money list
        self.first_statement = False
        for piece in _CLAUSE.finditer(masked[st:se]):
            ps = self._clause_openers(state, st + piece.start(), st + piece.end())
            if ps is None:
                return  # an indicator lead-in ('，质量指标：…'), not a money list
            self._clause(state, ps, st + piece.end())

    def _colon_head(self, state: "_Statement", st: int, se: int) -> int | None:
        """'<name>：' before the item's figures, or a lead-in: the head is noted and the clauses
        start after the colon. None for an indicator statement."""
        masked = self.masked
        colon = _COLON_HEAD.match(masked[st:se])
        if not colon or colon["head"].strip().endswith("其中"):
            return st
        h_start = st + colon.start("head") + len(colon["head"]) - len(colon["head"].lstrip())
        h_text = colon["head"].strip()
        code = _CODE.match(h_text)
        if code:
            h_start, h_text = h_start + code.end(), h_text[code.end() :]
        if lx.classify_level(h_text) or re.search(r"指标", h_text):
            return None
        state.head = self.span(h_start, h_text)
        state.list_open = True
        return _strip_numbering(masked, st + colon.end())  # '分配情况：1.A 12万元；2.B…'

    def _lead_measure(self, lead: str, otherwise: str = "budget") -> str:
        return "actual" if _LEAD_MEASURE_ACTUAL.search(lead) else otherwise

    def _clause_openers(self, state: "_Statement", ps: int, pe: int) -> int | None:
        """Where the clause's own text starts after what opens a list in it: '其中：', a lead-in
        after the total's clause, '主要用于：'. None when a lead-in names an indicator."""
        masked = self.masked
        opening = _OPENING.match(masked, ps, pe)
        if opening:
            self.sub_list = state.list_open = True
            self.parent = state.current
            before = masked[self.s_start : ps]
            self.lead_measure = self._lead_measure(before if before.strip() else self.previous)  # '实际支出…。其中：…'
            ps = opening.end()
        lead_in = _CLAUSE_LEAD.match(masked, ps, pe) if not state.first_clause and not opening else None
        if lead_in:
            # '下达资金100万元，具体分配如下：A 50万元、B…': a lead-in after the total's
            # clause opens the list as a colon at the statement's start does.
            if lx.classify_level(lead_in["lead"].strip()) or "指标" in lead_in["lead"]:
                return None
            self.lead_measure = self._lead_measure(lead_in["lead"])
            self.lead_list = state.list_open = True
            state.current, state.head = None, None
            ps = _strip_numbering(masked, lead_in.end())
        use = _USE_LEAD.match(masked, ps, pe)
        if use:
            # '资金主要用于：A 12万元、B 8万元' — what the money went to, listed.
            self.lead_measure = self._lead_measure(masked[self.s_start : ps] or self.previous)
            state.list_open = True
            ps = use.end()
        return ps

    def _clause(self, state: "_Statement", ps: int, pe: int) -> None:
        """One clause: a rate, a figure of the item being read, a name before its figures, or a
        new item with its figure."""
        clause = self.masked[ps:pe]
        if not clause.strip():
            return
        rate = _RATE_CLAUSE.match(clause)
        if rate:
            if state.current is not None and state.current.rate is None:
                state.current.rate = Amount(float(rate["rate"]), self.index[ps + rate.start("rate")], self.index[pe - 1] + 1, "执行率")
            state.first_clause = False
            return
        money = _MONEY_CLAUSE.match(clause)
        amount = _amount(self.masked, self.index, money, ps) if money else None
        if money is None or amount is None:
            self._clause_without_money(state, clause, ps)
            return
        measure = "budget" if money["blabel"] else "actual" if money["alabel"] else self.lead_measure
        name_text = money["name"].strip()
        qualifier = _QUALIFIER.fullmatch(name_text)
        if qualifier and qualifier["change"]:
            state.first_clause = False
            return  # '追加预算20万元' inside an item: a change, not its budget
        initial = "年初" if (qualifier and qualifier["initial"]) or (money["blabel"] or "").startswith("年初") else ""
        if qualifier or not name_text:
            # '年初预算100万元' / '调整后预算120万元', '，支出1433万元': a further figure of the item
            # being read, or the first figure of an item named by its colon head or numbered title.
            self._figure_of_item(state, measure, amount, initial)
            return
        if state.head is not None and state.first_clause:
            # The colon opened a list ('按资金用途分：A安排…'): a lead-in, not a name.
            self.lead_measure = self._lead_measure(state.head.text, self.lead_measure)
            measure = "budget" if money["blabel"] else "actual" if money["alabel"] else self.lead_measure
            state.head = None
            self.lead_list = True
        self._named_item(state, money, ps, name_text, measure, amount, initial)

    def _clause_without_money(self, state: "_Statement", clause: str, ps: int) -> None:
        name_clause = clause.strip()
        if (
            state.first_clause and state.head is None and (state.opens_item or state.list_open)
            and _NAME_CLAUSE.fullmatch(name_clause) and not _rejected(name_clause)
        ):
            # '1.河道保洁项目，预算48万元，…': a name clause before the item's figures.
            state.head = self.span(ps + clause.index(name_clause), name_clause)
            return
        state.current = None  # a clause without figures ends the item, and the list
        state.list_open = state.first_clause = False

    def _figure_of_item(self, state: "_Statement", measure: str, amount: Amount, initial: str) -> None:
        if state.current is None and state.first_clause:
            name = state.head if state.head is not None else self.title
            if name is not None and not _rejected(name.text):
                state.current = ProseItem(name, how="numbered item" if name is self.title else "item with colon")
                self.candidates.append((state.current, "list"))
        if state.current is not None:
            state.current.take(measure, amount, initial)
        state.first_clause = False

    def _named_item(
        self, state: "_Statement", money: re.Match[str], ps: int, name_text: str, measure: str, amount: Amount, initial: str
    ) -> None:
        """'<name><label><amount>': a new item of the list (or of a run-on sentence)."""
        how = "list" if state.list_open or (state.opens_item and state.first_clause) else "run-on" if state.first_clause else None
        if how == "list" and state.first_clause:
            self.lead_list = True
        state.first_clause = False
        state.current = None
        if money["unit"] == "万" and how != "list":
            return  # a bare 万 is money only in a list of allocations
        name_start = ps + money.start("name") + len(money["name"]) - len(money["name"].lstrip())
        code = _CODE.match(name_text) or _TIME_BEFORE_NAME.match(name_text)
        if code:
            name_start += code.end()
            name_text = name_text[code.end() :]
        if how is None or _rejected(name_text) or (self.whole_department and self.sub_list and self.parent is None):
            return
        state.current = ProseItem(self.span(name_start, name_text), how="其中 list" if self.sub_list else "prose list")
        state.current.take(measure, amount, initial)
        if self.sub_list and self.parent is not None:
            self.parent.split = True
        self.candidates.append((state.current, how))


@dataclass
class _Statement:
    """What the clauses of one '；' statement share while they are read."""

    list_open: bool  # the clauses follow one another in a list: each named clause is an item
    opens_item: bool  # a numbered statement (or a numbered paragraph's first) opens with its item
    current: ProseItem | None = None  # the item whose figures are being read
    head: Span | None = None  # '<name>：' before the item's figures, or a name clause
    first_clause: bool = True


def _without_repeated_word(name: str) -> str:
    """A word typed twice at a name's end ('普查工作经费经费') is printed once in the name."""
    return re.sub(r"(.{2,4})\1$", r"\1", name)


def not_a_project(name: str) -> bool:
    """A funding source (本年财政拨款, 中央资金), a budget scope (基本支出, 项目支出, “三公”经费), an
    economic class (工资福利支出), a total or a remainder: a row or item with money that is no
    project (gold README)."""
    return bool(_NOT_PROJECT.search(name))


# An indicator's target or actual label before a figure with a unit of money ('目标值≤84元',
# '实际完成值7.8元'): a cost indicator's value, not an item.
_INDICATOR_VALUE_LABEL = re.compile(rf"(?:{_TARGET_LABEL}|{_ACTUAL_LABEL})[ \t]*(?:为|是|达到)?[ \t]*[≥≤<>=＞＜]*|.*[≥≤＞＜]")


def _rejected(name: str) -> bool:
    """Not an item's name: a funding source, budget scope, total or remainder, a sentence
    subject ('2023年我局…'), a batch of an allocation ('第一批'), an indicator's value label or a
    comparison sign, or too long to be a name."""
    return not 2 <= len(name) <= 40 or bool(_NOT_A_NAME.search(name) or _NOT_PROJECT.search(name) or _INDICATOR_VALUE_LABEL.fullmatch(name))
