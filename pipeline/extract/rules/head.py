"""The head of the report: department, fiscal year, subject, score and grade."""

from __future__ import annotations

import re

from pipeline import lexicon as lx, tables as tb
from pipeline.extract.rules.context import Context, Found, _label_hits
from pipeline.layout import Cell, NUMBERING, names_one_project, squash_cell


# --- document-level fields ---------------------------------------------------------------------

_ORG = r"[\u4e00-\u9fff（）()]{2,40}?(?:局|委员会|委|办公室|办|厅|院|中心|站|所|部|政府|馆|队|会|处|科|室|署)"


# An organisation that opens a clause and leads the work: '云岭省林业厅会同省财政厅…'.
_ACTING_ORG = re.compile(r"(?:^|(?<=[。，,；;\n]))(" + _ORG + r")(?:会同|牵头|联合)")


def _department(ctx: Context) -> Found | None:
    founds: list[Found] = []
    for label, cell in tb.labelled_values(ctx.tables, lx.DEPARTMENT_LABELS):
        name = re.sub(r"^[\dA-Za-z]+[-—－]", "", cell.text)  # a unit code before the name ('318-')
        if re.fullmatch(_ORG, name):
            strength = 3.6 - 0.2 * lx.DEPARTMENT_LABELS.index(label)
            start = cell.start + len(cell.text) - len(name) if not cell.more else cell.start
            founds.append(Found("department", name, start, start + len(name), label, strength, f"label {label}, form field", more=list(cell.more)))
    for s, e, label in _label_hits(ctx, lx.DEPARTMENT_LABELS):
        # 部门名称 beats 主管部门 beats 实施单位/填报单位: the record is about the budget unit.
        strength = 3.5 - 0.2 * lx.DEPARTMENT_LABELS.index(label)
        cell = _pair_value_cell(ctx, s, e)
        if cell is not None and re.fullmatch(_ORG, cell.text):
            founds.append(Found("department", cell.text, cell.start, cell.end, label, strength, f"label {label}, table pair"))
            continue
        tail = ctx.text[e : e + 80]
        # '主管部门：318-攸县司法局': a budget-unit code before the name is no part of it.
        m = re.match(r"\s*(?:[(（][^)）]{0,6}[)）])?[\s:：|]*(?:\d{3,12}[-—－])?(" + _ORG + r")(?![\u4e00-\u9fff])", tail)
        if m:
            start = e + m.start(1)
            founds.append(Found("department", m.group(1), start, e + m.end(1), label, strength, f"label {label}"))
            continue
        # A form flattened to one cell per line: the value on the line(s) below its label.
        value = _label_value(ctx, e)
        if value is not None and re.fullmatch(_ORG, value[0]):
            text, start, end, more = value
            founds.append(Found("department", text, start, end, label, strength, f"label {label}, cell below", more=more))
    title_line = ctx.layout.title
    # The organisation opens the title, before or after the year: 'X局2020年度…报告',
    # '2023年度X局部门整体…'; without a year after it, a report-scope word must follow.
    m = re.search(r"(?:\d{4}\s*年度?)?\s*(" + _ORG + r")\s*(?:\d{4}\s*年度?|(?=部门|单位|整体|项目|预算|专项))", title_line)
    if m:
        name = m.group(1)
        pos = ctx.text.find(name)
        if pos >= 0:
            founds.append(Found("department", name, pos, pos + len(name), None, 2.0, "title"))
    # Without a title block, the unit that acts in the body: '…X厅会同省财政厅…', 'X局牵头…'.
    if not founds:
        for m in _ACTING_ORG.finditer(ctx.text):
            founds.append(Found("department", m.group(1), m.start(1), m.end(1), None, 1.2, "acting unit in the body"))
            break
    # A signature line near the end: the organisation's name alone on a line.
    for line in reversed(ctx.layout.lines[-8:]):
        text = line.text.strip()
        if re.fullmatch(_ORG, text):
            s = line.start + line.text.index(text)
            founds.append(Found("department", text, s, s + len(text), None, 1.5, "signature"))
            break
    if not founds:
        return None
    # Prefer the fullest name: a label value may add the city (深圳市龙岗区… vs 龙岗区…).
    best = max(founds, key=lambda f: (f.score, len(f.value)))
    ctx.keep_candidates("department", founds, best)
    return best


def _pair_value_cell(ctx: Context, label_start: int, label_end: int) -> Cell | None:
    """The value of a label that is a whole table cell ('主管部门' | 'X局'): the next cell on its
    line; when that is empty, the cell under it on the next row. Label/value pair rows are
    broken into a labels line over a values line when the values sit lower in their cells
    (OCR reading order: '主管部门→→实施单位→' | '→X局→→Y中心')."""
    line = ctx.layout.line_at(label_start)
    if not line.is_table_row:
        return None
    cell = next((c for c in line.cells if c.start <= label_start and label_end <= c.end), None)
    if cell is None or re.sub(r"[\s:：]|[(（][^)）]{0,6}[)）]", "", ctx.text[label_end : cell.end]):
        return None  # the cell holds more than its label: a value in the same cell
    right = next((c for c in line.cells if c.column == cell.column + 1), None)
    if right is not None and not right.empty:
        return right
    below = ctx.layout.lines[line.index + 1] if line.index + 1 < len(ctx.layout.lines) else None
    if below is None or not below.is_table_row or any(not c.empty and c.column == cell.column for c in below.cells):
        return None  # the next line is no values line of this labels line
    return next((c for c in below.cells if c.column == cell.column + 1 and not c.empty), None)


def _fiscal_year(ctx: Context) -> Found | None:
    founds: list[Found] = []
    for s, e, label in _label_hits(ctx, ["被评价年度", "评价年度", "预算年度"]):
        m = re.match(r"[\s:：]*((?:19|20)\d{2})\s*年?", ctx.text[e : e + 20])
        if m:
            founds.append(Found("fiscal_year", int(m.group(1)), e + m.start(1), e + m.end(1), label, 4.0, f"label {label}"))
    title = ctx.layout.title
    m = re.search(r"((?:19|20)\d{2})\s*年", title)
    if m:
        pos = ctx.text.find(title[: m.end()].split(" ")[-1]) if title else -1
        ypos = ctx.text.find(m.group(1))
        if ypos >= 0:
            founds.append(Found("fiscal_year", int(m.group(1)), ypos, ypos + 4, None, 3.0, "title"))
    # The template's year line under the title: '项目支出绩效自评表' | '（2023年度）'.
    for line in ctx.layout.lines[:12]:
        m = re.fullmatch(r"\s*[(（]\s*((?:19|20)\d{2})\s*年度?\s*[)）][\s|]*", line.text)
        if m:
            founds.append(Found("fiscal_year", int(m.group(1)), line.start + m.start(1), line.start + m.end(1), None, 3.0, "year line under the title"))
            break
    # Years tied to the budget in the body: "2021年度年初部门预算", "2021年，…预算".
    counts: dict[int, list[int]] = {}
    for m in re.finditer(r"((?:19|20)\d{2})\s*年(?:度)?(?![\d月])", ctx.text):
        window = ctx.text[m.end() : m.end() + 40]
        if re.search(r"预算|支出|资金|绩效|部门|年末|工作", window):
            counts.setdefault(int(m.group(1)), []).append(m.start(1))
    if counts:
        year, positions = max(counts.items(), key=lambda kv: (len(kv[1]), -kv[1][0]))
        founds.append(Found("fiscal_year", year, positions[0], positions[0] + 4, None, 1.0 + min(len(positions), 10) / 10, "body"))
    if not founds:
        return None
    best = _vote_year(founds)
    ctx.keep_candidates("fiscal_year", founds, best)
    return best


def _vote_year(founds: list[Found]) -> Found:
    """A labelled year (被评价年度) is the answer. Otherwise the sources vote: a title that
    disagrees with the year line under it and with the body ('2021年度…报告' over '(2022年度)') is
    the stale one; each source weighs its score."""
    labelled = [f for f in founds if f.label]
    if labelled:
        return max(labelled, key=lambda f: f.score)
    weight: dict[int, float] = {}
    for f in founds:
        weight[f.value] = weight.get(f.value, 0.0) + f.score
    year = max(weight, key=lambda y: (weight[y], max(f.score for f in founds if f.value == y)))
    return max((f for f in founds if f.value == year), key=lambda f: f.score)


_CELL_END = re.compile(r"\s*\|?\s*$")
# The words that open the next field of a form: a value stops before them ('项目名称 X 主管部门 Y').
_NEXT_FIELD = re.compile(
    r"\s+(?=(?:" + "|".join(map(re.escape, lx.SUBJECT_LABELS + lx.DEPARTMENT_LABELS + lx.FORM_FIELD_LABELS)) + r")(?:[\s:：|]|$))"
)


def _label_value(ctx: Context, label_end: int) -> tuple[str, int, int, list[tuple[int, int]]] | None:
    """The value printed after a form label, however the form was flattened: in the same cell
    line up to the next field's label ('项目名称 X 主管部门 Y'), or, when the label stands alone
    in its cell line ('项目名称 |'), on the lines below it up to the next label line (a value
    wrapped over two cell lines is joined: '普通高中课 |' + '程改革经费 |').
    (text, start, end, more spans) in normalised offsets, or None."""
    line = ctx.layout.line_at(label_end)
    rest = ctx.text[label_end : line.end]
    lead = re.match(r"[\s:：|]*", rest).end()
    if rest[lead:].strip(" |"):
        if "\t" in rest[:lead]:
            return None  # a table cell: the typed tables answer for it
        body = rest[lead:]
        stop = _NEXT_FIELD.search(body)
        body = body[: stop.start()] if stop else re.split(r"\t| \|", body)[0]
        body = body.rstrip(" |")
        start = label_end + lead
        if not body:
            return None
        more = []
        if not stop and not _COMPLETE_NAME.search(body):
            # A value cut by the cell's width: '项目名称 基本公共卫' | '生服务项目'.
            nxt = ctx.layout.lines[line.index + 1] if line.index + 1 < len(ctx.layout.lines) else None
            wrap = nxt.text.strip() if nxt is not None else ""
            if 0 < len(wrap) <= 12 and not re.search(r"[\s\t|:：，。]", wrap) and not NUMBERING.match(wrap) and not _NEXT_FIELD.match(" " + wrap):
                at = nxt.start + nxt.text.index(wrap)
                more = [(at, at + len(wrap))]
        text = squash_cell(body + "".join(ctx.text[a:b] for a, b in more))
        return text, start, start + len(body), more
    if rest.strip() not in ("", "|"):
        return None
    if not rest.strip() and line.text.strip() != ctx.text[line.start : label_end].strip():
        return None  # a label alone on its line, with nothing before it, or no form field
    pieces: list[tuple[int, int]] = []
    for nxt in ctx.layout.lines[line.index + 1 : line.index + 4]:
        text = nxt.text.strip()
        core = _CELL_END.sub("", text)
        if not core or _NEXT_FIELD.match(" " + core) or tb.is_numeric(core) or NUMBERING.match(core) or len(core) > 60:
            break
        start = nxt.start + nxt.text.index(core)
        if not pieces:
            code = lx.CODE_PREFIX.match(core)
            if code and len(core) - code.end() >= 2:
                start, core = start + code.end(), core[code.end() :]
        pieces.append((start, start + len(core)))
        if len(pieces) == 2 or _COMPLETE_NAME.search(core):
            break
    if not pieces:
        return None
    text = "".join(ctx.text[a:b] for a, b in pieces)
    return squash_cell(text), pieces[0][0], pieces[0][1], pieces[1:]


# A name that ends as names of funds and units end: nothing of it is left on the next line.
_COMPLETE_NAME = re.compile(r"(?:资金|经费|项目|工程|补助|补贴|局|中心|委员会|政府|大队|办公室)$")


def _subject(ctx: Context, report_type: str | None) -> Found | None:
    if tb.forms(ctx.tables):
        return None  # a page of several one-project forms evaluates no single subject
    for label, cell in tb.labelled_values(ctx.tables, lx.SUBJECT_LABELS):
        name = tb.clean_name(cell, codes=True)
        return Found("subject", name.text, name.start, name.end, label, 3.0, f"label {label}, form field", more=list(name.more))
    for s, e, label in _label_hits(ctx, lx.SUBJECT_LABELS):
        value = _label_value(ctx, e)
        if value is not None:
            text, start, end, more = value
            code = lx.CODE_PREFIX.match(text)
            if code and len(text) - code.end() >= 2 and not more:
                text, start = text[code.end() :], start + code.end()
            if not re.search(r"主管部门|实施单位|预算|单位", text) and len(text) >= 2:
                return Found("subject", text, start, end, label, 3.0, f"label {label}", more=more)
        line = ctx.layout.line_at(s)
        tail = ctx.text[e : line.end]
        m = re.match(r"[\s:：]*([^\t\n]{2,60}?)\s*(?:\t|$)", tail)
        if m and not re.search(r"主管部门|实施单位|预算|单位", m.group(1)):
            if line.is_table_row and len(line.filled()) > 4:
                continue  # a column header of a multi-project table, not a label-value pair
            value = squash_cell(m.group(1))
            start = e + m.start(1)
            return Found("subject", value, start, e + m.end(1), label, 3.0, f"label {label}")
    # A report on one fund names it in the title; neither the place nor the year evaluated before
    # it is part of the fund's name ('…2023年度中央水利发展资金绩效自评报告' → 中央水利发展资金).
    title = ctx.layout.title
    # '…专项资金项目绩效自评报告': the fund is named; 项目 after it only says it is run as a project.
    m = re.search(r"(?:\d{4}\s*年度?)?([\u4e00-\u9fff“”\"（）()]{4,40}?(?:资金|经费|项目))\s*(?:项目)?\s*(?:支出)?\s*(?:绩效)?(?:自评|评价)", title)
    if not title and report_type in ("project_report", "project_table"):
        return _subject_from_body(ctx)
    if m and names_one_project(title) and "部门" not in m.group(1) and "整体" not in m.group(1):
        name = m.group(1)
        pos = ctx.text.find(name)
        if pos >= 0:
            return Found("subject", name, pos, pos + len(name), None, 2.0, "title")
    return None


_PROSE_SCORE = re.compile(
    lx.with_variants(r"(?:自评|评价|综合|本项目|该项目|本部门|整体|总)\s*(?:得分|评分|得|总分)\s*(?:为|是|:|：)?\s*(\d{1,3}(?:\.\d+)?)\s*分")
)


# A fund or project named as what was budgeted or evaluated: '2024年全省X补助资金全年预算…',
# 'X专项资金绩效自评得分为…'.
_SUBJECT_IN_BODY = re.compile(
    r"(?:(?:19|20)\d{2}年度?)(?:全省|全市|全县|全区|全州|全旗|全镇)?([\u4e00-\u9fff]{2,30}?(?:资金|经费|专项))"
    r"(?=全年预算|预算|绩效自评|自评得分|绩效评价)"
)


def _subject_from_body(ctx: Context) -> Found | None:
    """A report without a title names its fund in its money and conclusion sentences: the name
    printed most often there, first occurrence as evidence."""
    by_name: dict[str, list[re.Match[str]]] = {}
    for m in _SUBJECT_IN_BODY.finditer(ctx.text):
        by_name.setdefault(m.group(1), []).append(m)
    if not by_name:
        return None
    name, matches = max(by_name.items(), key=lambda kv: (len(kv[1]), -kv[1][0].start()))
    first = matches[0]
    return Found("subject", name, first.start(1), first.end(1), None, 1.5, "fund named in the body")


def _score_and_grade(ctx: Context) -> tuple[Found | None, Found | None]:
    if tb.forms(ctx.tables):
        return None, None  # a page of several one-project forms: each form scores its own project
    scores: list[Found] = []
    for s, e, label in _label_hits(ctx, lx.SCORE_LABELS):
        if re.search(r"复核|评审|核定$", ctx.text[max(0, s - 2) : s]):
            continue  # '复核总分95': the reviewers' score, another quantity than the self-evaluation's
        mention = ctx.number_after(e, max_gap=6)
        if mention and mention.value == 100:
            # '总分 | 100 | 98.82': the points of the total row, then its score.
            following = ctx.number_after(mention.norm_end, max_gap=6)
            line_end = ctx.text.find("\n", mention.norm_end)
            # On its line, or the next cell when the form prints one cell per line ('总分 |' '100 |' '98.82 |').
            next_cell = following is not None and re.fullmatch(r"[\s|｜]*", ctx.text[mention.norm_end : following.norm_start]) is not None
            if following and (line_end < 0 or following.norm_start < line_end or next_cell) and 0 < following.value < 100:
                mention = following
        if mention and mention.unit in (None, "分") and 0 < mention.value <= 100:
            strength = 3.0 if label != "总分" else 2.0
            scores.append(Found("evaluation.score", mention.value, mention.norm_start, mention.norm_end, label, strength, f"label {label}"))
    # '自评得96.5分', '本项目得分92分', '综合评分为88分', '整体评价得分为90.5分': a score the
    # sentence gives the whole report (not '该指标得分5分').
    for m in _PROSE_SCORE.finditer(ctx.text):
        if float(m.group(1)) <= 100:
            scores.append(Found("evaluation.score", float(m.group(1)), m.start(1), m.end(1), "…得分…分", 3.0, "prose"))
    # The total row of a score table: 合计 … 100 … total.
    # Where the table has 分值 and 得分 / 自评分 columns (beside a 复核分), their cells; else the
    # row's last two figures.
    for table in ctx.tables:
        points_col, score_col = table.column("points"), table.column("score")
        for row in table.rows:
            cells = row.filled()
            if not (cells and cells[0].text in ("合计", "总计", "总分") and len(cells) >= 3):
                continue
            figure = re.compile(r"\d{1,3}(?:\.\d+)?")
            points, score = row.cell(points_col), row.cell(score_col)
            if not (points and score and figure.fullmatch(points.text) and figure.fullmatch(score.text)):
                nums = [c for c in cells[1:] if figure.fullmatch(c.text)]
                if len(nums) < 2:
                    continue
                points, score = nums[-2], nums[-1]
            if float(points.text) == 100 and float(score.text) <= 100:
                scores.append(Found("evaluation.score", float(score.text), score.start, score.end, cells[0].text, 2.5, "score table total row"))
    grades: list[Found] = []
    for s, e, label in _label_hits(ctx, lx.GRADE_LABELS):
        m = re.match(r"[\s:：|｜]*(?:为|是|评定为|结果为)?\s*[“\"'「『]?\s*([优良中差])(?:秀|好|等)?", ctx.text[e : e + 14])
        if m:
            start = e + m.start(1)
            strength = 1.0 if label == "等级" else 3.0
            grade = Found("evaluation.grade", m.group(1), start, start + 1, label, strength, f"label {label}")
            grade.as_printed = True  # a category, always in simplified characters (優 -> 优)
            grades.append(grade)
    best_score = max(scores, key=lambda f: f.score) if scores else None
    best_grade = max(grades, key=lambda f: f.score) if grades else None
    ctx.keep_candidates("evaluation.score", scores, best_score)
    ctx.keep_candidates("evaluation.grade", grades, best_grade)
    return best_score, best_grade
