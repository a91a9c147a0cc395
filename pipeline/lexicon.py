"""Label lexicon: the words real reports print for each field (from ../shared/domain.md).

Each entry maps a label to the fields it can mean with a strength. A label may mean two fields
(预算调整数 is usually the signed change, sometimes the adjusted total beside a broken table
column); the extractor keeps both as candidates and lets arithmetic decide.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline import charfold

# label -> [(field, strength)]; strength ~ how sure the label alone makes us.
BUDGET_LABELS: dict[str, list[tuple[str, float]]] = {
    # initial budget
    "年初预算数": [("initial", 3.0)],
    "年初预算收入": [("initial", 3.0)],
    "年初预算支出": [("initial", 3.0)],
    "年初预算": [("initial", 2.5)],
    "年初批复预算": [("initial", 3.0)],
    "年初部门预算安排金额": [("initial", 3.0)],
    # adjusted (full-year) budget. Only a 年初 label is the initial budget (gold README): a single
    # budget figure under any other label (an allocation 计划安排资金, a project's total, the year's
    # budget) is the full-year budget.
    "计划安排资金": [("adjusted", 2.0)],
    "项目总预算": [("adjusted", 2.0)],
    "当年年度预算": [("adjusted", 2.0)],
    "调整后预算数": [("adjusted", 3.0)],
    "调整后全年预算数": [("adjusted", 3.0)],
    "调整后全年预算": [("adjusted", 3.0)],
    "调整后预算": [("adjusted", 2.8)],
    "全年预算数": [("adjusted", 3.0)],
    "全年(调整)预算数": [("adjusted", 3.0)],
    "全年预算": [("adjusted", 2.5)],
    "调整预算数": [("adjusted", 2.0), ("adjustment", 1.0)],
    "调整预算收入": [("adjusted", 2.0)],
    "专项经费预算数": [("adjusted", 2.0)],
    "预算调整数": [("adjustment", 2.5), ("adjusted", 1.0)],
    "年中调整金额": [("adjustment", 3.0)],
    "预算调整金额": [("adjustment", 2.5)],
    "追加预算": [("adjustment", 1.0)],
    "年中追加": [("adjustment", 1.0)],
    "追加调整": [("adjustment", 1.0)],
    "调增预算": [("adjustment", 1.0)],
    # '年中调减预算227.42万元': the department's change printed as a reduction, so the signed
    # adjustment is minus the printed amount (see NEGATIVE_LABELS).
    "调减预算": [("adjustment", 1.0)],
    # actual spending
    "实际支出数": [("actual", 3.0)],
    "实际支出": [("actual", 2.5)],
    "全年执行数": [("actual", 3.0)],
    "预算执行数": [("actual", 3.0)],
    "执行数": [("actual", 2.0)],
    "年度拨付金额": [("actual", 2.5)],
    "实际执行": [("actual", 2.0)],
    "实际形成支出": [("actual", 2.5)],
    "本年度总支出": [("actual", 2.5)],
    "实际投入资金": [("actual", 2.0)],
    "决算数": [("actual", 2.5)],
    "累计支出": [("actual", 2.0)],
    "已执行": [("actual", 1.5)],
    "已支付": [("actual", 1.2)],
    # rates
    "预算执行率": [("execution_rate", 3.0)],
    "年度预算执行率": [("execution_rate", 3.0)],
    "预算完成率": [("execution_rate", 3.0)],
    "项目执行率": [("execution_rate", 2.0)],
    "实际执行率": [("execution_rate", 2.5)],
    "执行率": [("execution_rate", 2.0)],
    "资金支出率": [("execution_rate", 2.5)],
    "支出率": [("execution_rate", 1.5)],
    "支出实现率": [("execution_rate", 2.5)],
    "预算调整率": [("adjustment_rate", 3.0)],
}

RATE_FIELDS = {"execution_rate", "adjustment_rate"}

# Labels that name a part of the department's money by themselves ('其中基本支出4838.92万元').
SCOPE_LABELS: dict[str, str] = {"基本支出": "basic", "项目支出": "project", "“三公”经费": "three_public", "三公经费": "three_public"}

# Labels too loose to trust alone: 追加预算 is often one block's addition, not the department's
# signed adjustment; it is taken only when initial + it = adjusted (or a rate) confirms it.
SUPPORT_ONLY_LABELS = {"追加预算", "年中追加", "追加调整", "调增预算", "调减预算"}

# Labels whose amount is printed unsigned but means a decrease: the value is its negative.
NEGATIVE_LABELS = {"调减预算"}

# A chain in one statement, '年初预算X，年中(根据…)追加预算Y，调整后预算Z' (domain.md: 追加 / 调减 in
# prose is the change between the two totals): the 追加 / 调减 amount between an initial-budget
# label and a full-year-budget label is the department's signed change, even when a planted or
# real arithmetic slip keeps X + Y from equalling Z.
CHAIN_INITIAL = r"年初(?:批复)?预算"
CHAIN_ADJUSTED = r"调整后(?:全年)?预算|全年(?:[(（]调整[)）])?预算"

# A reason or basis clause before the main verb ('年中根据上级专项资金下达追加预算…', '因项目支出增加
# 调减…', '按照…要求'): the scope words inside it say why, not whose money the amount is. Ends at the
# main verb or the clause's end. Not 因公(出国), 原因, 基因, 因此, 因而.
REASON_CLAUSE = (
    r"(?:根据|按照|依据|依照|鉴于|由于|因为|(?<![原基])因(?![公此而素]))"
    r"[^，,。；;:：]*?(?=追加|调减|调增|调整|下达|安排|增加|减少|核减|$)"
)

# Words that put an amount in a narrower scope than the whole department. Checked in the
# clause before the label (parenthetical asides removed), nearest first.
SCOPE_PATTERNS: list[tuple[str, str]] = [
    ("three_public", r"三公"),
    ("basic", r"基本支出"),
    ("project", r"项目支出|专项资金|专项经费|项目经费|项目资金"),
    (
        "other",
        r"会议费|培训费|公务用车|公务接待|因公出国|转移支付|退款|结转结余|结余结转|上年结转|"
        r"政府采购|资产|工资福利|商品和服务|对个人和家庭|资本性支出|其他资金|财政拨款|罚款|处罚|"
        # Funding-source parts of a fund, never its budget (gold README): matching funds, a batch.
        r"配套资金|第[一二三四五六七八九十\d]+批",
    ),
]

# Words between a label and its figure that make the figure one funding-source part of the money
# ('安排配套资金12万元', '下达第一批资金…', '安排上年结转资金…'): a part is never the budget (gold README).
FUNDING_PART = r"配套资金|第[一二三四五六七八九十\d]+批|上年结转|结转结余|结余结转|其他资金|自筹"

# Words that make a basic/project amount a part of the year (not the full-year figure).
PARTIAL_QUALIFIERS = r"年初|追加|调减|上半年|下半年|结转"

# Rates that can never exceed 100% (satisfaction, pass, coverage, timeliness, arrival …);
# completion, growth and execution rates can (119.02% of a target, overspending).
AT_MOST_100_RATES = r"满意度|满意率|合格率|覆盖率|达标率|知晓率|及时率|到位率|巩固率|入学率|普及率|通过率|受理率|办结率|准确率|完好率|参保率|接种率|结余率|调整率"

# Thresholds and targets, not statements: 达不到95%以上, 不低于90%.
THRESHOLD_BEFORE = r"(达不到|不低于|不少于|不超过|不高于|低于|高于|超过|达到|目标|要求|力争|确保)\s*$"
THRESHOLD_AFTER = r"^\s*(以上|以下|左右|之内|以内)"

# A column header's annotation: a letter or formula in brackets ('(A)', '（B）', '(D/C×100%)'), a
# unit in brackets ('(万元)', '(%)'), circled numbers ('①', '③=①+②', '⑤=④/③').
COLUMN_ANNOTATION = re.compile(
    r"[(（]\s*(?:[A-Za-z](?:\s*[A-Za-z0-9/×*÷+\-=%．.]\s*)*|万元|亿元|元|%)\s*[)）]"
    r"|[①-⑳](?:\s*[=+\-/×÷*]\s*[①-⑳])*"
)
# An annotation that divides one column by another ('(B/A)', '（E/C×100%）', '⑤=④/③'): it
# belongs under a rate column, whichever order the wrapped header pieces come in.
RATIO_ANNOTATION = re.compile(r"[(（]?\s*(?:[A-Za-z①-⑳]\s*=\s*)?[A-Za-z①-⑳]\s*[/÷]\s*[A-Za-z①-⑳](?:\s*[×*]\s*(?:100\s*%?)?)?\s*[)）]?")
# A header cell that already ends with its own letter or number ('全年执行数（B）', '小计③'):
# a formula on the line below belongs to another column.
OWN_ANNOTATION_END = re.compile(r"(?:[(（]\s*[A-Za-z]\s*[)）]|[①-⑳])\s*$")
# A header line whose column labels are glued together, told apart by their letter or circled
# annotations ('全年预算数(A)统筹资金(B)执行率(B/A)'): three labels at least.
GLUED_ANNOTATED_HEADER = re.compile(r"(?:[\u4e00-\u9fff]{2,}(?:[(（][A-Za-z][^()（）]{0,12}[)）]|[①-⑳](?:[=+\-/×÷*][①-⑳])*)){3}")

# A financial-system code printed before a project's name ('51092324T000010258841-X经费'): no part
# of the name (gold README).
CODE_PREFIX = re.compile(r"[0-9A-Z]{12,}\s*[-—_－]*\s*")

SUBJECT_LABELS = ["项目名称", "资金名称", "专项名称"]
# Other fields of a one-project form's head: a value printed before them ends there.
FORM_FIELD_LABELS = ["项目负责人", "联系电话", "项目资金", "资金来源", "年度资金总额", "填报日期", "评价机构", "项目类型"]
# The sign-off under a form ('填报单位（盖章）：…  填报人：…  填报日期：…'): a line opening with
# one of these labels and a colon ends the table above it.
FORM_FOOTER_LABELS = ["填报单位", "填报人", "填报日期", "填表人", "填表日期", "单位负责人", "财务负责人", "项目负责人",
                      "分管领导", "审核人", "制表人", "联系人", "联系电话"]
FORM_FOOTER = re.compile(r"\s*(?:" + "|".join(FORM_FOOTER_LABELS) + r")\s*(?:[(（][^()（）]{0,6}(?:[)）]\s*[:：])?|[:：])")
DEPARTMENT_LABELS = ["部门名称", "单位名称", "预算单位", "主管部门", "填报单位", "实施单位", "评价单位"]
YEAR_LABELS = ["被评价年度", "评价年度", "预算年度", "年度"]
SCORE_LABELS = ["自评得分", "自评总分", "综合评分", "评价得分", "总得分", "自评分", "总分"]
GRADE_LABELS = ["自评等级", "绩效等级", "评价等级", "评定等级", "自评结果", "等级"]
GRADES = "优良中差"
# A grade word's tail that leaves the category as it is: 优秀 → 优, 良好 → 良, 中等 → 中, 较差 → 差.
_GRADE_WORD = re.compile(r"[\s“”\"'「」『』]*(?:较)?([优良中差])(?:秀|好|等|级)?[\s“”\"'「」『』]*")


def grade_category(text: str | None) -> str | None:
    """The grade as the category the record holds: one of 优 良 中 差 in simplified characters
    (gold README), whatever form the report prints (優, 优秀, 良好, “良”); None when the text is no
    grade word."""
    if not text:
        return None
    m = _GRADE_WORD.fullmatch(fold(text))
    return m.group(1) if m else None

PROBLEM_HEADINGS = ["存在的主要问题", "存在的问题", "存在问题", "主要问题", "偏离绩效目标的原因", "问题及原因"]
IMPROVEMENT_HEADINGS = [
    "下一步改进措施", "改进措施或下一步计划", "下一步工作计划", "下一步计划", "改进措施", "整改措施",
    "改进意见", "改进建议", "意见建议", "有关建议", "相关建议", "下一步工作",
]

INDICATOR_LEVEL1 = ["产出指标", "效益指标", "满意度指标", "成本指标", "产出目标", "效益目标"]
INDICATOR_LEVEL2 = [
    "数量指标", "质量指标", "时效指标", "成本指标", "经济效益指标", "社会效益指标", "生态效益指标",
    "可持续影响指标", "服务对象满意度指标", "满意度指标", "数量目标", "质量目标", "时效目标",
    "成本目标", "经济效益", "社会效益", "生态效益", "可持续影响",
]
# Units an indicator value prints after its figure; a wrap may cut one ('120 公' | '里').
MEASURE_UNITS = [
    "万元", "亿元", "元", "公里", "千米", "平方米", "平方公里", "立方米", "万亩", "亩", "万人", "人次", "万人次",
    "户", "人", "个", "件", "次", "年", "月", "天", "小时", "吨", "万吨", "台", "套", "座", "所", "家", "篇", "项", "批",
]
# How a complete organisation or fund name ends: a form value ending so is whole, and the
# fragment a wrap leaves on the next line belongs to the value beside it.
# A template's numbered blank row label, with or without its placeholder run ('任务1', '指标2：',
# '指标1：……'): no indicator, no piece of one, no rest of a wrapped line.
_TEMPLATE_ROW = re.compile(r"(?:任务|指标)\d+[:：]?(?:…+|\.+|—+)?")
COMPLETE_NAME_ENDINGS = ("局", "委员会", "办公室", "中心", "大队", "政府", "专项资金", "经费", "补助资金")
INDICATOR_NAME_HEADERS = ["三级指标", "指标名称", "关键指标", "绩效指标"]
INDICATOR_TARGET_HEADERS = ["年度指标值", "指标值", "绩效目标值", "年初指标值", "预期指标值", "目标值", "年度目标值"]
# Templates that split the target over three columns: 指标性质 (≥ = ≤) | 指标值 | 度量单位.
INDICATOR_NATURE_HEADERS = ["指标性质", "指标方向"]
INDICATOR_UNIT_HEADERS = ["度量单位", "计量单位", "单位"]
INDICATOR_ACTUAL_HEADERS = ["实际完成值", "全年完成值", "年终完成值", "指标完成情况", "完成值", "实际完成情况", "完成情况"]

PROJECT_NAME_HEADERS = ["项目名称", "资金名称", "任务名称", "主要任务", "项目"]
PROJECT_BUDGET_HEADERS = [
    "项目年度预算金额", "全年预算数", "调整后预算数", "调整后预算", "全年预算", "预算数", "预算金额",
    "任务涉及资金", "预算", "年初预算数", "年初预算",
]
PROJECT_ACTUAL_HEADERS = ["实际支出数", "实际支出金额", "实际支出", "全年执行数", "执行数", "合计", "支出数", "决算数"]
PROJECT_RATE_HEADERS = ["预算支出执行率", "执行率", "预算执行率", "支出率", "完成率"]

TOTAL_ROW_LABELS = ["年度资金总额", "资金总额", "总额", "年度总金额", "合计", "总计", "小计", "部门整体"]

# Column headers of the tables these reports print (money grid, project and indicator tables,
# score tables): what a header cell says once its wrapped pieces are joined (layout).
TABLE_HEADER_WORDS = frozenset(
    [*BUDGET_LABELS, *INDICATOR_NAME_HEADERS, *INDICATOR_TARGET_HEADERS, *INDICATOR_NATURE_HEADERS,
     *INDICATOR_UNIT_HEADERS, *INDICATOR_ACTUAL_HEADERS, *PROJECT_NAME_HEADERS, *PROJECT_BUDGET_HEADERS,
     *PROJECT_ACTUAL_HEADERS, *PROJECT_RATE_HEADERS, *SCORE_LABELS, *DEPARTMENT_LABELS,
     "一级指标", "二级指标", "三级指标", "绩效指标", "分值", "得分", "权重", "指标权重", "指标分值", "序号", "备注",
     "完成情况", "未完成原因", "偏差原因分析及改进措施", "部门资金情况", "年度预算执行情况", "项目资金", "资金情况",
     "资金来源", "年度预算", "预期目标", "实际完成情况", "年度总体目标",
     # Columns of a fund's money table that hold no budget figure of the record: funds in place
     # and what is left ('资金来源 | 计划安排资金 | 实际到位资金 | 实际支出 | 结余').
     "到位资金", "结余", "结余资金", "结转结余"]
)


def is_template_row(text: str) -> bool:
    """A template's numbered blank row (see _TEMPLATE_ROW), spaces aside."""
    return bool(_TEMPLATE_ROW.fullmatch(re.sub(r"\s+", "", text)))


def is_table_header(text: str) -> bool:
    """A header cell's text names a column: a header word, perhaps after a short qualifier
    ('年度' + 预算数) and before a bracketed formula or unit ('执行率（B/A）（%）')."""
    core = re.sub(r"[(（][^()（）]*[)）]|[①-⑩][=+\-/×①-⑩]*", "", fold(text.replace(" ", "")))
    if core in TABLE_HEADER_WORDS:
        return True
    # A header word of three or more characters ending ``core`` after at most four others: the
    # suffixes of ``core`` looked up (a scan of every word per line was the hot spot of long texts).
    return any(core[k:] in _LONG_HEADER_WORDS for k in range(1, min(4, len(core) - 3) + 1))


_LONG_HEADER_WORDS = frozenset(w for w in TABLE_HEADER_WORDS if len(w) >= 3)


# Reports copied from mirror sites or OCR'd with a traditional-Chinese model print 項目支出, “三公”經費預算,
# 評價等級 (domain.md, "Noise"). The normalised text is folded already (pipeline.charfold, OpenCC's
# table); patterns that run on raw text match either form through ``with_variants``, and raw words
# are compared after ``fold``. Values are still copied as printed.
fold = charfold.fold
_VARIANT_OF = charfold.TRADITIONAL_FORMS


def with_variants(pattern: str) -> str:
    """A regex pattern in which each simplified character also matches its traditional form
    ('项目支出' matches 項目支出). Inside a [...] class the form is added to the class."""
    out, in_class, escaped = [], False, False
    for ch in pattern:
        variant = _VARIANT_OF.get(ch)
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class:
            in_class = False
        if variant and in_class:
            out.append(ch + variant)
        elif variant:
            out.append(f"[{ch}{variant}]")
        else:
            out.append(ch)
    return "".join(out)


@lru_cache(maxsize=None)
def label_regex(label: str) -> re.Pattern[str]:
    """A label that tolerates spaces and line breaks between its characters (table cells wrap)
    and traditional forms of its characters."""
    parts = [with_variants(re.escape(ch)) for ch in label if not ch.isspace()]
    return re.compile(r"[ \t]*".join(parts))


@lru_cache(maxsize=None)
def variant_regex(pattern: str) -> re.Pattern[str]:
    """A compiled pattern that also matches traditional forms (see with_variants)."""
    return re.compile(with_variants(pattern))


def classify_level(text: str) -> str | None:
    """'level1', 'level2' or 'either' (满意度指标, 成本指标 are both, by template) when a cell is an
    indicator level name; points in brackets are ignored."""
    core = fold(re.sub(r"[(（].*?[)）]", "", text).replace(" ", "").strip())
    one, two = core in INDICATOR_LEVEL1, core in INDICATOR_LEVEL2
    if one and two:
        return "either"
    return "level1" if one else "level2" if two else None


# --- prose items (pipeline.extract.prose) ---------------------------------------------------------

# The national template's 二级 → 一级, for a 二级 lead-in with no 一级 heading above it.
LEVEL1_OF_LEVEL2 = {
    "数量指标": "产出指标", "质量指标": "产出指标", "时效指标": "产出指标", "成本指标": "产出指标",
    "经济效益指标": "效益指标", "社会效益指标": "效益指标", "生态效益指标": "效益指标", "可持续影响指标": "效益指标",
    "服务对象满意度指标": "满意度指标", "满意度指标": "满意度指标",
}
# Indicator sentences: '<name>，年度目标≥X，实际完成Y' (regex alternations, longest first).
PROSE_TARGET_LABEL = r"(?:计划完成值?|(?:年度|全年|预期|计划)?(?:目标值|指标值|目标|计划值|预期值))"
PROSE_ACTUAL_LABEL = r"(?:全年|年度|年终)?(?:实际完成值|实际完成|实际值|实际|完成值|完成情况|完成)"
# Money clauses of listed items: what an amount is, by the word before it.
PROSE_BUDGET_LABEL = r"(?:年初预算数?|调整后(?:全年)?预算数?|全年预算数?|年度预算数?|预算资金|预算数?|安排资金|安排|下达资金|下达|计划投资|计划安排|计划|批复)"
PROSE_ACTUAL_LABEL_MONEY = r"(?:决算数|决算|执行数|实际支出|已支出|累计支出|支出|实际使用|使用|实际执行|执行|拨付|兑付|实际完成|完成)"
PROSE_RATE_LABEL = r"(?:资金|预算|实际|项目)?(?:执行率|支出率|完成率)"
# Names with money that are never projects (gold README): funding sources, budget scopes, economic
# classes, “三公” items, totals, remainders and budget-statement words.
NOT_PROJECT_NAME = (
    r"^(?:中央|省|市|县|区|州|乡镇?|本级|上级)(?:级|财政|本级)?(?:财政)?(?:补助|配套|专项|转移支付)?(?:资金|拨款|补助)?$"
    r"|^(?:上级|本级|地方)?财政(?:资金|拨款|补助资金)?$|财政拨款|^上年结转|^结转|^结余|结转结余|自筹|^其他资金|贷款|社会资本|债券资金|合计|总计|小计|共计|^累计|^总(?:额|计|预算|支出|金额)"
    r"|^(?:基本支出|项目支出|人员经费|公用经费|日常公用|工资福利|商品和服务|对个人和家庭|资本性支出|固定资产)"
    r"|三公|^(?:公务用车|公务接待|因公出国)|^(?:基本|项目|资本性|人员|公用)$"
    r"|^(?:全年|年度|本年|当年|年初|年中|年末|年底|调整|追加|调增|调减|剩余|节约|节余|预算(?:调整|执行|数))|调整数|[-+－]$|^(?:部门|单位)|收入$"
)


# --- column roles of the tables (pipeline.tables) ----------------------------------------------
#
# A column's role comes from its header text, once the header's lines are joined and its formula
# annotations are stripped (①, ③=①+②, (B/A), (E/C×100%), (%), (万元)). First match wins, so the
# narrower words come first: 执行率 before 执行…, 年中调整 before 调整后, 单位名称 before 单位.
# Roles: level1 / level2 / name / target / ind_actual / nature / unit (indicator grids), points /
# score / review_score (score tables), initial / adjusted / adjustment / actual / rate / budget
# (money grids), source (a funding-source column: 中央 / 省 / 本级 / 其他), total (合计 alone),
# project_name, content (…内容), seq (序号), note, other.
COLUMN_ROLE_PATTERNS: list[tuple[str, str]] = [
    ("seq", r"^(?:序号|行次|列次)$"),
    ("nature", r"指标性质|指标方向"),
    ("unit", r"^(?:度量|计量)?单位$"),
    ("level1", r"^一级(?:指标)?$"),
    ("level2", r"^二级(?:指标)?$"),
    ("name", r"^(?:三级指标|指标名称|关键指标|绩效指标|三级)$"),
    ("review_score", r"复核(?:得)?分|评审分"),
    ("points", r"分值|权重|满分|标准分"),
    ("score", r"得分|自评分|评分"),
    ("ind_actual", r"实际完成值|全年完成值|年终完成值|(?<!目标)完成值|指标完成情况|实际完成情况"),
    ("target", r"年度指标值|年初指标值|预期指标值|指标值|(?:年度|绩效)?目标值"),
    ("content", r"内容$|^支出(?:项目|明细|用途)$|^用途$"),
    ("note", r"备注|原因|说明|措施|偏差|^完成情况$|预期目标|总体目标"),
    ("rate", r"执行率|支出率|完成率|实现率|^预算执行$|^预算到位$"),
    ("other", r"到位率|结余率|调整率|到位资金|结余|到位"),
    ("adjustment", r"年中调整|调整金额|^(?:预算)?调整数|追加|调减"),
    ("initial", r"^年初(?!.*(?:目标|指标))|年初预算|年初部门预算"),
    ("adjusted", r"全年预算|全年[(（]调整[)）]|调整后|^小计"),
    ("actual", r"执行数|实际支出|决算|支出数|支出金额|实际执行|拨付|执行金额|全年执行|完成.*资金|^实际$"),
    ("budget", r"申请.*资金|预算数|预算金额|预算|计划安排|安排资金|任务涉及资金|^金额"),
    ("project_name", r"^(?:项目|资金|任务|专项)名称$|^主要任务$|^项目$"),
    ("source", r"^(?:其中[:：]?)?(?:中央|省级?|市级?|县级?|区级?|地|本级|自筹|其他|其它|财政拨款|非财政)(?:资金|财政|补助|拨款)?$"),
    ("total", r"^合\s*计$|^总计$"),
]
COLUMN_ROLE_REGEXES = [(role, re.compile(pattern)) for role, pattern in COLUMN_ROLE_PATTERNS]

# Row labels of money grids that say whose money the row is (pipeline.tables.row_scope).
SCOPE_ROW_WORDS: list[tuple[str, str]] = [
    ("basic", r"基本支出"),
    ("project", r"项目支出"),
    ("three_public", r"三公"),
]


# --- what part of a report each record field group is read from (routing model requests) --------
# A line, a section heading or a table header matching a group's pattern carries that group's
# values; the header fields (department, year, type, subject) are read from the report's head.
# The words that name a problems or an improvements passage, in a heading or in the text.
_PROBLEM_WORDS = "|".join(PROBLEM_HEADINGS) + r"|问题|不足"
_IMPROVEMENT_WORDS = "|".join(IMPROVEMENT_HEADINGS) + r"|措施|建议|改进"
FIELD_TOPICS: dict[str, str] = {
    "budget": r"预算|资金|支出|执行率|决算|结转|追加|万元|三公",
    "evaluation": r"得分|评分|总分|自评分|等级|自评结果|评价结论|综合评价",
    "indicators": r"指标|绩效目标|目标完成|产出|效益|满意度|完成值",
    "projects": r"项目|专项|资金|经费|补助|任务",
    "problems": _PROBLEM_WORDS + r"|偏差",
    "improvements": _IMPROVEMENT_WORDS + r"|下一步|整改",
}
HEAD_FIELDS = ("department", "fiscal_year", "report_type", "subject")
# A field left empty is worth asking a model for only when the report prints a label of it
# somewhere: most reports print no 三公 figures, no 基本支出 split, no 等级, and the rules' empty
# value is then the right one. Longest matching path prefix wins; a field not listed is always asked.
FIELD_PRINTED: dict[str, str] = {
    "budget.initial": r"年初(?!目标|指标)",  # 年初目标 / 年初指标值 are targets, not money
    # the change itself, not 调整后预算数 (the adjusted total) or 调整率
    "budget.adjustment": r"调整(?:数|金额|额)|年中调整|追加|调增|调减",
    "budget.adjustment_rate": r"调整率|调整幅度|追加率|调整比例",
    "budget.basic": r"基本支出(?!绩效)",  # not the title 基本支出绩效…
    "budget.project": r"项目支出(?!绩效)",  # not the title 项目支出绩效自评表
    "budget.three_public": r"三公",
    "evaluation.score": r"得分|评分|总分|自评分",
    "evaluation.grade": r"等级|等次|评为|评定为|评价为",
    "indicators": r"指标",
    "problems": _PROBLEM_WORDS,
    "improvements": _IMPROVEMENT_WORDS,
}
