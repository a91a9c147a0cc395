"""Synthetic noisy reports with exact gold: the generator behind the robustness evaluation.

``generate(n, layout, noise, seed, plant)`` writes budget-performance self-evaluation reports of
invented bureaus (every name, place, project and figure is made up; a match with a real place is
a coincidence) together with their gold records in the format of ``../shared/gold/README.md``.
``write(reports, out_dir, pdf=..., scan=...)`` puts ``<doc_id>.txt`` + ``<doc_id>.json`` (and a
text-layer ``<doc_id>.pdf`` / image-only ``scan/<doc_id>.pdf``) into a directory that
``pipeline eval`` can read as a gold directory.

Layouts (``LAYOUTS``), all the kinds domain.md lists:

* ``overall_table``  – one-page 部门整体支出绩效自评表 (a money grid with 基本/项目/三公 rows or
  funding-source rows, or seed-000-style label/value pairs; goals; indicator table; 总分; 等级);
* ``overall_report`` – narrative 部门整体支出绩效自评报告 (money in sentences, indicators in prose
  or in a goal table, 自评结论, 存在的问题, 改进措施);
* ``score_report``   – the narrative report with a score table (一级/二级/三级指标, 分值, 得分, 合计);
* ``project_table``  – multi-project 项目支出绩效自评汇总表 with a 合计 row (``subject`` null);
* ``project_single`` – one-project 项目支出绩效自评表 (``report_type`` project_table, ``subject`` = the
  project, ``department`` = 主管部门, ``projects`` = [] — the convention of eval/gold/README.md).

Genre layouts (``GENRE_LAYOUTS``, issue 8; ``generate(n, "genre")``): what real reports print that
the classic five do not — ``project_report`` (narrative fund report: one unlabelled allocation →
adjusted, prose fund lists, prose indicators, page furniture before the title), ``project_form``
(form-style fund report), ``score_table``, ``multi_form`` (several one-project forms on one page)
and ``form_*`` (one-project 自评表 flattened as tabs, one cell per line, one line, pipes, run-together
values, interleaved PDF columns). ``LAYOUT_FAMILY`` groups layouts for per-family curves.
``SynthReport.page_text`` is the printed page (tables whole, TAB-separated): ``render_ruled_pdf``
draws it with ruled tables, the page a scan shows.

Label variants (年初预算数 / 年初预算 / 年初批复预算, 全年预算数（A） / 调整后预算数 / 全年（调整）预算数,
全年执行数（B） / 实际支出数 / 决算数, 执行率 / 预算执行率 / 支出率 / 支出实现率 …) and units (元, 万元,
亿元; gold always 万元) are drawn at every noise level. Money is kept in integer 分 (0.01 元), so
every printed sum and rate is exact and the gold never depends on float rounding.

Noise levels 0 (clean) … 4 (worse than seed 000). Every noise kind keeps the gold true, i.e. a
careful human still reads the gold from the text; the kinds applied are listed in ``_notes``
('noise: …') and on ``SynthReport.noise_kinds``. Two of them imply flags a cross-check must raise:
``misplaced_separator`` → ``separator_repaired`` and ``garbage_paragraph`` → ``garbled_text``.

Planted inconsistencies (``plant``) are author mistakes: the gold keeps the PRINTED value and
``_expected_flags`` names the flag kind. Every arithmetic relation the text prints (planted or
not) is also returned as a ``Check`` with the spans of its terms in the final text, so tests can
recompute it from the text alone.
"""

from __future__ import annotations

import json
import math
import random
import re
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Iterable, Sequence

__all__ = [
    "ALL_LAYOUTS",
    "FLAG_KINDS",
    "GENRE_LAYOUTS",
    "GENRE_NOISE_KINDS",
    "LAYOUTS",
    "LAYOUT_CHOICES",
    "LAYOUT_FAMILY",
    "NOISE_KINDS",
    "PLANT_KINDS",
    "Check",
    "SynthReport",
    "generate",
    "gold_json",
    "render_pdf",
    "render_ruled_pdf",
    "render_scan",
    "write",
]

LAYOUTS: tuple[str, ...] = ("overall_table", "overall_report", "score_report", "project_table", "project_single")

# Layouts of real reports the first rules were not written for (issue 8). Kept apart from
# ``LAYOUTS`` so that "mixed" (and with it the bench history) draws exactly what it drew before;
# "genre" cycles through these, "all" through both.
GENRE_LAYOUTS: tuple[str, ...] = (
    "project_report",  # narrative report on one transfer fund: prose money, fund lists, prose indicators
    "project_form",  # form-style fund report: 计划安排资金 合计 + source rows, a detail table in 元
    "score_table",  # 一级/二级/三级 + 指标权重（分）+ 得分, no money; score-only rows are no indicators
    "multi_form",  # several one-project forms on one page, divided only by their repeated title
    "form_tabs",  # one-project 自评表, tab-separated rows broken by wrapped cells, units, names below
    "form_cells",  # the same form, one cell per line
    "form_oneline",  # the whole form on one line, after a line of docx metadata
    "form_pipes",  # pipes with empty merged cells
    "form_runon",  # numeric cells run together ('194.90194.90100.00%')
    "form_columns",  # PDF columns interleaved: wrapped cells of one row read line by line across
)
ALL_LAYOUTS: tuple[str, ...] = LAYOUTS + GENRE_LAYOUTS
LAYOUT_CHOICES: dict[str, tuple[str, ...]] = {"mixed": LAYOUTS, "genre": GENRE_LAYOUTS, "all": ALL_LAYOUTS}
# The family each layout belongs to, for robustness curves per family.
LAYOUT_FAMILY: dict[str, str] = {
    **{layout: "classic" for layout in LAYOUTS},
    "project_report": "prose fund report", "project_form": "form-style report", "score_table": "score table",
    "multi_form": "multi-form page",
    **{layout: "flattened form" for layout in GENRE_LAYOUTS if layout.startswith("form_")},
}

NOISE_KINDS: tuple[str, ...] = (
    "space_in_number",  # '54. 96'
    "space_before_unit",  # '2190.49 万元'
    "misplaced_separator",  # '2,2097.11' (myriad grouping) -> flag separator_repaired
    "fullwidth_digits",  # '３８.６０'
    "unit_switch",  # an amount in 元 or 亿元 inside a 万元 report
    "long_decimals",  # 万元 carried to 6 decimals ('13056.241836万元')
    "hard_wrap",  # prose hard-wrapped at a fixed width (never inside a number)
    "ocr_chars",  # OCR-like wrong characters in descriptive prose
    "garbage_paragraph",  # a paragraph of OCR garbage -> flag garbled_text
    "traditional",  # traditional characters (mirror sites)
    "html_leftovers",  # '&nbsp;', '<br/>' from mirror sites
    "page_number",  # '- 3 -' lines between paragraphs
    "title_split",  # the title broken over two lines
    "header_split",  # table header words split over two lines
    "tabs_to_spaces",  # table rows that lost their column tabs
    "value_shift",  # a row's values printed on the neighbouring line
    "row_wrap",  # a project / indicator name cell wrapped onto the next line
    "interleave",  # label/value pairs broken into a labels line and a values line
)

# Noise only the genre layouts draw at random (drawing it in the classic layouts would change
# their reports for a seed); ``kinds=[...]`` applies it to any layout.
GENRE_NOISE_KINDS: tuple[str, ...] = (
    "digit_groups",  # OCR splits a digit group off inside one cell ('3 848.29')
)

FLAG_KINDS: tuple[str, ...] = (
    "execution_rate_mismatch",
    "adjustment_rate_mismatch",
    "adjustment_sum_mismatch",
    "parts_do_not_sum",
    "project_rate_mismatch",
    "remainder_mismatch",
    "score_items_do_not_sum",
    "grade_score_mismatch",
    "unit_suspect",
    "separator_repaired",
    "conflicting_statement",
    "year_mismatch",
    "garbled_text",
    "ungrounded_value",
)

# Inconsistencies the generator can plant, and the layouts that print what each needs.
_FORMS = tuple(layout for layout in GENRE_LAYOUTS if layout.startswith("form_"))
PLANT_KINDS: dict[str, tuple[str, ...]] = {
    "execution_rate_mismatch": LAYOUTS + ("project_report", "project_form") + _FORMS,
    "parts_do_not_sum": LAYOUTS + ("project_report", "project_form"),
    "year_mismatch": LAYOUTS + GENRE_LAYOUTS,
    "grade_score_mismatch": ("overall_table", "overall_report", "score_report", "project_single", "score_table"),
    "score_items_do_not_sum": ("overall_table", "score_report", "project_single", "score_table") + _FORMS,
    "project_rate_mismatch": ("project_table", "multi_form"),
    "adjustment_sum_mismatch": ("overall_table", "overall_report", "score_report"),
    "adjustment_rate_mismatch": ("overall_report", "score_report"),
    "remainder_mismatch": ("overall_report", "score_report"),
    "unit_suspect": ("overall_report", "score_report"),
    "conflicting_statement": ("overall_report", "score_report"),
}

FEN_PER_WAN = 1_000_000  # 1 万元 = 10 000 元 = 1 000 000 分
_UNIT_FEN = {"元": 100, "万元": FEN_PER_WAN, "亿元": 10_000 * FEN_PER_WAN}

# Sentinels marking the spans of checked terms while the text is built and noised; stripped at
# the end (private-use code points, never in real text). Start U+E000+k, end U+E800+k.
_MARK_START, _MARK_END, _MAX_MARKS = 0xE000, 0xE800, 0x800
_MARK_CHARS = re.compile("[\ue000-\uefff]")


# ============================================================================================
# Content pools (invented)
# ============================================================================================

_PLACE_FIRST = "岚澧瓯黔蓬沅婺歙嵊汾渭澄霁栖岱芷沂淇濉浠溆郯泗汶湄"
_PLACE_SECOND = "川溪岭江山阳州城水源浦陵泉林丘桥平宁原塘湾"
_DISTRICT = ["东湖区", "西林区", "南塘区", "北山区", "新城区", "河口区", "湖滨区", "江北区"]


@dataclass(frozen=True)
class _Bureau:
    name: str  # suffix after the place: 卫生健康局
    short: str  # 卫健
    duties: tuple[str, ...]
    projects: tuple[str, ...]
    indicators: tuple[tuple, ...]  # (level2, name, kind, *params)
    work: tuple[str, ...]  # score-table 产出 items


# Indicator kinds: ("count", unit, lo, hi) | ("pct", lo, hi) | ("full",) | ("cost", unit, lo, hi)
# | ("days", lo, hi) | ("text", target, actual)
_SAT = ("服务对象满意度指标", "{who}满意度", "pct", 85, 95)
_BUREAUS: tuple[_Bureau, ...] = (
    _Bureau(
        "应急管理局", "应急",
        ("安全生产综合监督管理", "自然灾害防治和应急救援", "防汛抗旱和森林防灭火", "应急物资储备和调度"),
        ("安全生产专项检查经费", "应急救援队伍建设经费", "自然灾害综合风险普查", "防汛抗旱物资储备",
         "森林防灭火专项经费", "应急指挥平台运行维护", "安全生产宣传教育经费", "应急避难场所维护改造"),
        (("数量指标", "安全生产执法检查企业数", "count", "家次", 300, 2400),
         ("数量指标", "组织应急救援演练", "count", "场", 8, 60),
         ("数量指标", "应急救援人员培训", "count", "人次", 400, 5000),
         ("质量指标", "检查发现隐患整改率", "pct", 90, 98),
         ("质量指标", "应急物资完好率", "full"),
         ("时效指标", "灾情信息报送及时率", "full"),
         ("成本指标", "应急演练场均成本", "cost", "万元", 2, 9),
         ("社会效益指标", "生产安全事故起数下降率", "pct", 3, 10),
         ("社会效益指标", "群众安全感", "text", "稳步提升", "稳步提升"),
         ("可持续影响指标", "应急预案体系覆盖率", "pct", 85, 98)),
        ("安全生产执法计划完成率", "自然灾害防治任务完成率", "应急救援任务完成率"),
    ),
    _Bureau(
        "教育局", "教育",
        ("义务教育均衡发展", "学前教育和普通高中教育", "教师队伍建设", "学生资助和校园安全"),
        ("义务教育学校校舍维修改造", "学前教育发展专项资金", "学生资助补助经费", "教师培训专项经费",
         "校园安全防控设施建设", "教育信息化建设经费", "农村学校营养改善计划", "普通高中课程改革经费"),
        (("数量指标", "校舍维修改造面积", "count", "平方米", 8000, 60000),
         ("数量指标", "教师专业能力培训", "count", "人次", 800, 6000),
         ("数量指标", "资助家庭经济困难学生", "count", "人", 1200, 9000),
         ("质量指标", "义务教育巩固率", "pct", 95, 99),
         ("质量指标", "维修工程验收合格率", "full"),
         ("时效指标", "学生资助资金发放及时率", "full"),
         ("成本指标", "生均公用经费标准", "cost", "元", 650, 1200),
         ("社会效益指标", "适龄儿童义务教育入学率", "full"),
         ("可持续影响指标", "学前教育毛入园率", "pct", 88, 95)),
        ("教育教学任务完成率", "学生资助政策落实率", "校舍安全改造完成率"),
    ),
    _Bureau(
        "卫生健康局", "卫健",
        ("基本公共卫生服务", "疾病预防控制", "妇幼健康和老龄健康", "卫生监督执法"),
        ("基本公共卫生服务项目", "重大传染病防控经费", "妇幼健康服务补助", "社区卫生服务中心改扩建",
         "卫生监督执法装备购置", "家庭医生签约服务补助", "医疗急救体系建设", "健康教育与促进经费"),
        (("数量指标", "65岁及以上老年人健康管理人数", "count", "人", 6000, 40000),
         ("数量指标", "免费孕前优生健康检查人数", "count", "人", 900, 4000),
         ("质量指标", "适龄儿童免疫规划疫苗接种率", "pct", 93, 98),
         ("质量指标", "高血压患者规范管理率", "pct", 60, 75),
         ("时效指标", "法定传染病报告及时率", "full"),
         ("成本指标", "人均基本公共卫生服务经费", "cost", "元", 74, 94),
         ("社会效益指标", "居民健康素养水平", "pct", 22, 30),
         ("社会效益指标", "孕产妇系统管理率", "pct", 88, 95)),
        ("基本公共卫生服务项目完成率", "重点人群健康管理完成率", "卫生监督执法任务完成率"),
    ),
    _Bureau(
        "农业农村局", "农业",
        ("粮食生产和耕地保护", "农业技术推广", "农村人居环境整治", "动植物疫病防控"),
        ("高标准农田建设项目", "耕地质量提升与化肥减量增效", "农作物病虫害统防统治", "动物疫病强制免疫补助",
         "农村人居环境整治专项", "农业技术推广体系建设", "农机购置补贴工作经费", "农产品质量安全监测"),
        (("数量指标", "新建高标准农田面积", "count", "万亩", 1, 6),
         ("数量指标", "测土配方施肥技术推广面积", "count", "万亩", 20, 80),
         ("数量指标", "农民技术培训", "count", "人次", 1000, 6000),
         ("质量指标", "项目工程验收合格率", "full"),
         ("质量指标", "强制免疫病种应免密度", "pct", 90, 96),
         ("时效指标", "补助资金兑付及时率", "full"),
         ("成本指标", "每亩技术物资补助标准", "cost", "元", 6, 12),
         ("经济效益指标", "项目区亩均节本增效", "count", "元", 30, 80),
         ("生态效益指标", "化肥使用量减少比例", "pct", 2, 5)),
        ("粮食生产任务完成率", "农业技术推广任务完成率", "农村环境整治任务完成率"),
    ),
    _Bureau(
        "水利局", "水利",
        ("水资源开发利用和保护", "水利工程建设与运行管理", "防汛抗旱", "农村饮水安全和水土保持"),
        ("小型水库除险加固", "山洪灾害防治非工程措施", "农村饮水安全工程维修养护", "河湖长制工作经费",
         "水土保持综合治理", "灌区续建配套与节水改造", "水文监测站网运行维护", "防汛抢险物资储备"),
        (("数量指标", "小型水库除险加固", "count", "座", 4, 20),
         ("数量指标", "山洪灾害监测站点维护", "count", "个", 20, 90),
         ("数量指标", "新增水土流失治理面积", "count", "平方公里", 5, 30),
         ("质量指标", "水利工程竣工验收合格率", "full"),
         ("时效指标", "汛前水毁工程修复完成及时率", "pct", 90, 96),
         ("社会效益指标", "农村自来水普及率", "pct", 85, 93),
         ("生态效益指标", "重要河湖水功能区达标率", "pct", 80, 92),
         ("可持续影响指标", "工程设施管护机制建立率", "full")),
        ("水利工程建设任务完成率", "防汛抗旱任务完成率", "农村饮水安全任务完成率"),
    ),
    _Bureau(
        "民政局", "民政",
        ("社会救助", "养老服务", "儿童福利和未成年人保护", "社区治理和社会组织管理"),
        ("城乡最低生活保障资金", "特困人员救助供养", "养老服务体系建设", "困难残疾人生活补贴",
         "孤儿基本生活保障", "社区综合服务设施建设", "社会组织培育扶持", "殡葬改革专项经费"),
        (("数量指标", "城乡低保对象保障人数", "count", "人", 3000, 20000),
         ("数量指标", "新增养老服务床位", "count", "张", 100, 900),
         ("数量指标", "特困人员供养人数", "count", "人", 300, 2500),
         ("质量指标", "低保资金社会化发放率", "full"),
         ("时效指标", "救助资金按月发放及时率", "full"),
         ("成本指标", "城市低保月人均补助标准", "cost", "元", 500, 800),
         ("社会效益指标", "特困人员集中供养率", "pct", 40, 55),
         ("社会效益指标", "困难群众基本生活", "text", "有效保障", "有效保障")),
        ("社会救助任务完成率", "养老服务任务完成率", "社区治理任务完成率"),
    ),
    _Bureau(
        "生态环境局", "环保",
        ("生态环境保护监督管理", "大气、水、土壤污染防治", "生态环境监测", "环境执法"),
        ("大气污染防治专项经费", "水环境质量自动监测站运维", "土壤污染状况详查", "生态环境执法装备购置",
         "环境信访投诉处理工作经费", "农村生活污水治理设施运维监管", "环境宣传教育", "危险废物规范化管理评估"),
        (("数量指标", "重点排污单位现场检查", "count", "家次", 200, 1500),
         ("数量指标", "环境质量监测点位", "count", "个", 20, 120),
         ("质量指标", "空气质量优良天数比例", "pct", 80, 92),
         ("质量指标", "地表水国控断面达标率", "pct", 85, 98),
         ("时效指标", "环境信访件办结及时率", "full"),
         ("成本指标", "单个监测站年运维成本", "cost", "万元", 10, 30),
         ("生态效益指标", "细颗粒物年均浓度下降", "pct", 2, 6),
         ("可持续影响指标", "生态环境保护长效机制", "text", "逐步健全", "逐步健全")),
        ("污染防治任务完成率", "环境监测任务完成率", "环境执法任务完成率"),
    ),
    _Bureau(
        "交通运输局", "交通",
        ("公路建设和养护", "城乡客运和物流发展", "交通运输安全监管", "农村公路管理"),
        ("农村公路养护工程", "危桥改造专项资金", "城乡客运一体化补助", "公路安全生命防护工程",
         "交通运输综合执法经费", "公交车辆更新补助", "港航设施维护", "物流园区配套建设"),
        (("数量指标", "农村公路养护里程", "count", "公里", 200, 1800),
         ("数量指标", "改造危桥", "count", "座", 3, 25),
         ("数量指标", "新增城乡公交线路", "count", "条", 2, 15),
         ("质量指标", "公路优良路率", "pct", 75, 90),
         ("质量指标", "养护工程验收合格率", "full"),
         ("时效指标", "工程按期完工率", "pct", 90, 98),
         ("成本指标", "每公里养护成本", "cost", "万元", 1, 5),
         ("社会效益指标", "建制村通客车率", "full")),
        ("公路建设养护任务完成率", "客运保障任务完成率", "交通安全监管任务完成率"),
    ),
)
_WHO = ["群众", "服务对象", "受益群众", "受益农户", "辖区居民", "社会公众"]

_PROBLEMS = [
    "预算编制不够精准，年中追加调整较多，部分项目资金在年底集中支付",
    "部分项目前期论证不充分，实施进度滞后，影响资金支付进度",
    "个别绩效指标设置不够细化量化，可衡量性不足",
    "绩效运行监控不够及时，对执行中的偏差纠正不够有力",
    "部分基层单位财务人员力量薄弱，绩效管理意识有待加强",
    "项目建成后管护经费来源不稳定，长效管护机制尚未健全",
    "政府采购周期较长，合同结算方式影响支出进度",
    "绩效数据采集依赖手工统计，数据时效性和准确性有待提高",
]
_MEASURES = [
    "提高预算编制的科学性和准确性，加强与财政部门的沟通，尽量减少年中调整",
    "加强项目前期论证和储备，合理安排资金支付计划，按月通报执行进度",
    "完善绩效指标体系，细化量化绩效目标，提高绩效目标编报质量",
    "按季度开展绩效运行监控，发现问题及时整改",
    "加强财务人员业务培训，压实绩效管理主体责任",
    "落实管护责任，多渠道筹集管护资金，确保项目长期发挥效益",
    "提前启动政府采购程序，优化合同付款节点",
    "推进绩效管理信息化建设，实现绩效数据自动采集",
]
_ORDINALS = "一二三四五六七八"
_REASONS = ["受天气等客观因素影响，部分工作推迟实施。", "个别项目实施进度慢于预期，下一步加强督导。",
            "目标值设置偏高，下一步结合历年完成情况科学设置。", "配套政策出台较晚，影响实施效果。"]

_FILLER = [
    "全年围绕中心工作，统筹推进各项任务落实，扎实做好各项保障工作。",
    "坚持问题导向和目标导向，健全内部管理制度，规范财务审批流程。",
    "认真落实过紧日子要求，严格控制一般性支出，确保重点支出需要。",
    "严格执行政府采购和资产管理规定，做到账实相符、账账相符。",
    "加强与上级业务部门的沟通衔接，及时争取政策和资金支持。",
    "主动公开部门预决算信息，自觉接受社会监督。",
]

# OCR confusions (right -> wrong), used only in descriptive prose that carries no gold value.
_OCR_SWAPS = dict(zip("已未人土日天候拨辨茶崇大王目免午贝", "己末入士曰夭侯拔辩荼祟太玉日兔干见"))
_GARBAGE_COMMON = "的一是了不在有个人这上中大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实"
_GARBAGE_RARE = "亻氵讠刂阝艹冂彳忄扌犭纟钅饣囗丶丿乛亠冖宀廴匚卩厶冫灬爫礻衤覀乚亍丌仝夂冱凵卬卮吂咼囧巛丄丅亖乂丩丬丮丯乑乕乗乜乢乣乤乥乧乨乪乫乬乭乮乯乴乵乶乷乸乹乺乻乼乽乿亁亃亄亇亊亐亗亙亜亝亣亪亯亰亱亴亷亸"
_GARBAGE_SYMBOLS = "┃丨|■□◆※〓…﹏ˉ·ー_~^"

# simplified -> traditional. _TRAD_KNOWN: the characters budget labels use (mirror sites convert
# these); _TRAD_EXTRA: further common ones a fully traditional page would also convert. '优' (a
# grade) and the money unit characters 万/亿/元 are never converted.
_TRAD_KNOWN = dict(zip(
    "项经费预评价资现实际执绩门体调数报问题标总计划级务机关专结转余购车运维护设备农业发营办处会单厅产质时满济态环续响决类额据与",
    "項經費預評價資現實際執績門體調數報問題標總計劃級務機關專結轉餘購車運維護設備農業發營辦處會單廳產質時滿濟態環續響決類額據與",
))
_TRAD_EXTRA = dict(zip("个为开这县区应国进达员对于将长东乡镇卫药医疗学财园动协监检规测养险灾护", "個為開這縣區應國進達員對於將長東鄉鎮衛藥醫療學財園動協監檢規測養險災護"))


# ============================================================================================
# Public types
# ============================================================================================


@dataclass
class Check:
    """One arithmetic relation the text prints, with the spans of its terms in ``text``.

    ``op`` (what the terms must satisfy when the report is consistent):

    * ``ratio``        – rate ≈ 100·num/den (at the rate's printed precision, rounded or cut);
    * ``change_ratio`` – rate ≈ 100·(new − base)/base;
    * ``sum``          – total = Σ parts − Σ minus (amounts in 万元, or scores);
    * ``difference``   – stated = a − b;
    * ``grade``        – grade fits the score band (优 ≥ 90, 良 80–90, 中 60–80, 差 < 60);
    * ``equal``        – all terms equal (years; a quantity stated twice);
    * ``unit_sum``     – total = Σ parts as printed (a planted one holds only when the 元 part is
      read as 万元).

    ``planted`` is True when the generator made it disagree on purpose (its ``kind`` is then in
    ``_expected_flags``).
    """

    kind: str
    op: str
    planted: bool
    terms: dict[str, list[tuple[int, int]]]
    note: str = ""


@dataclass
class SynthReport:
    doc_id: str
    text: str
    gold: dict[str, Any]
    layout: str
    noise: int
    seed: int
    noise_kinds: list[str] = field(default_factory=list)
    plants: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)  # named spans (garbage, …)
    # The page as printed, every table row whole with TAB-separated cells: what ``--scan`` renders
    # as a ruled table. Equal to ``text`` except for flattened forms (form_*), whose text is one
    # converter's extraction of this page.
    page_text: str = ""

    def quote(self, span: tuple[int, int]) -> str:
        return self.text[span[0] : span[1]]


# ============================================================================================
# Small helpers: money, rates, scores as exact integers
# ============================================================================================


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


# ============================================================================================
# Noise levels
# ============================================================================================

# kind -> (probability that a report at this level gets it, parameter). Parameters: a per-item
# rate, a count, or a wrap width range (in CJK characters).
_LEVELS: dict[int, dict[str, tuple[float, Any]]] = {
    0: {},
    1: {
        "space_in_number": (0.5, 0.10),
        "space_before_unit": (0.4, 0.3),
        "unit_switch": (0.4, 1),
        "page_number": (0.5, None),
    },
    2: {
        "space_in_number": (1.0, 0.15),
        "space_before_unit": (0.5, 0.4),
        "unit_switch": (0.6, 1),
        "fullwidth_digits": (0.5, 0.15),
        "long_decimals": (0.2, None),
        "hard_wrap": (0.6, (30, 38)),
        "ocr_chars": (0.6, 0.03),
        "header_split": (0.5, 7),
        "misplaced_separator": (0.3, 1),
        "tabs_to_spaces": (0.3, 0.1),
        "value_shift": (0.3, 1),
        "page_number": (0.8, None),
        "title_split": (0.4, None),
    },
    3: {
        "space_in_number": (1.0, 0.25),
        "space_before_unit": (0.6, 0.5),
        "misplaced_separator": (0.8, 1),
        "unit_switch": (0.8, 2),
        "fullwidth_digits": (0.7, 0.25),
        "long_decimals": (0.3, None),
        "hard_wrap": (0.8, (26, 34)),
        "ocr_chars": (0.8, 0.05),
        "garbage_paragraph": (0.6, 1),
        "traditional": (0.5, "known"),
        "tabs_to_spaces": (0.5, 0.25),
        "value_shift": (0.5, 1),
        "header_split": (0.7, 6),
        "row_wrap": (0.5, 1),
        "page_number": (1.0, None),
        "title_split": (0.5, None),
    },
    4: {
        "space_in_number": (1.0, 0.4),
        "space_before_unit": (0.8, 0.6),
        "misplaced_separator": (1.0, 3),
        "unit_switch": (1.0, 3),
        "fullwidth_digits": (1.0, 0.4),
        "long_decimals": (0.5, None),
        "hard_wrap": (1.0, (18, 26)),
        "ocr_chars": (1.0, 0.10),
        "garbage_paragraph": (1.0, 2),
        "traditional": (0.8, "extended"),
        "html_leftovers": (0.6, None),
        "tabs_to_spaces": (0.8, 0.45),
        "value_shift": (1.0, 2),
        "interleave": (1.0, None),
        "header_split": (1.0, 4),
        "row_wrap": (0.8, 2),
        "page_number": (1.0, None),
        "title_split": (0.7, None),
    },
}
_GENRE_LEVELS: dict[int, dict[str, tuple[float, Any]]] = {
    0: {},
    1: {},
    2: {"digit_groups": (0.4, 0.3)},
    3: {"digit_groups": (0.6, 0.4)},
    4: {"digit_groups": (1.0, 0.5)},
}
_IMPLIED_FLAGS = {"misplaced_separator": "separator_repaired", "garbage_paragraph": "garbled_text"}
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@dataclass
class _Line:
    kind: str  # title | prose | filler | heading | label | blank | row | tableprose | sig | garbage | pageno
    text: str = ""
    cells: list[str] | None = None
    tag: str = ""  # rows: header | money | pair | info | project | indicator | total | other
    name_col: int | None = None  # rows: the column of a wrappable name cell
    # The row as the printed page has it, for the ruled page a scan shows: None = as rendered;
    # [] = a piece of the row above (a wrapped cell, a unit, a name below its values) — not a row.
    canon: list[str] | None = None

    def render(self) -> str:
        return "\t".join(self.cells) if self.cells is not None else self.text

    def render_page(self) -> str | None:
        if self.canon is None:
            return self.render()
        return "\t".join(self.canon) if self.canon else None


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


# ============================================================================================
# The builder: one report
# ============================================================================================


class _Builder:
    def __init__(self, rng: random.Random, layout: str, level: int, plants: set[str], kinds: Sequence[str] | None = None):
        self.rng = rng
        self.layout = layout
        self.level = level
        self.noise: dict[str, Any] = {}
        for kind, (p, param) in _LEVELS[level].items():
            if rng.random() < p and kinds is None:
                self.noise[kind] = param
        if layout in GENRE_LAYOUTS and kinds is None:  # drawn after the classic kinds: their draws stay as they were
            for kind, (p, param) in _GENRE_LEVELS[level].items():
                if rng.random() < p:
                    self.noise[kind] = param
        if kinds is not None:  # exactly these kinds, at this level's strength (level 4's if it has none)
            for kind in kinds:
                table = _GENRE_LEVELS if kind in GENRE_NOISE_KINDS else _LEVELS
                self.noise[kind] = (table[level].get(kind) or table[4][kind])[1]
        self.flattening: str | None = None  # how a form's rows were flattened into text (form_* layouts)
        self.applied: set[str] = set()
        self.plants = plants
        self.planted: list[str] = []
        self.lines: list[_Line] = []
        self.notes: list[str] = []
        self.marks = 0
        self.checks: list[tuple[str, str, bool, dict[str, list[int]], str]] = []
        self.named: dict[str, int] = {}
        self.force_space = level >= 3 and "space_in_number" in self.noise
        self.sep_budget = int(self.noise.get("misplaced_separator") or 0)
        self.sep_examples: list[str] = []
        self.switch_budget = int(self.noise.get("unit_switch") or 0)
        self.thousands = rng.random() < 0.5  # well-formed 1,234.56 grouping: style, not noise
        self.trad: dict[str, str] = {}

    # --- marks and checks -------------------------------------------------------------------
    def mark(self, text: str) -> tuple[str, int]:
        k = self.marks
        if k >= _MAX_MARKS:
            raise RuntimeError("too many marked spans")
        self.marks += 1
        return chr(_MARK_START + k) + text + chr(_MARK_END + k), k

    def check(self, kind: str, op: str, planted: bool, terms: dict[str, list[int]], note: str = "") -> None:
        self.checks.append((kind, op, planted, terms, note))

    def plant(self, kind: str) -> bool:
        """Whether to plant ``kind`` here (each kind at most once per report)."""
        if kind in self.plants and kind not in self.planted:
            self.planted.append(kind)
            return True
        return False

    # --- numbers ----------------------------------------------------------------------------
    def numeral(self, s: str, *, sep_ok: bool = False) -> str:
        """Number-level noise on a numeral ('12,486.73'): misplaced separator, space after the
        decimal point, full-width digits. The value a human reads never changes."""
        rng, noise = self.rng, self.noise
        digits = s.lstrip("-").split(".")[0].replace(",", "")
        if sep_ok and self.sep_budget > 0 and len(digits) >= 5 and "." in s and rng.random() < 0.6:
            s = _group(s.replace(",", ""), 4)
            self.sep_budget -= 1
            self.sep_examples.append(s)
            self.applied.add("misplaced_separator")
        if "digit_groups" in noise and "," not in s and rng.random() < noise["digit_groups"]:
            # OCR of one cell or box: a digit group split off by a space ('3 848.29'), no separator.
            sign, body = ("-", s[1:]) if s.startswith("-") else ("", s)
            whole, dot, frac = body.partition(".")
            if len(whole) >= 4:
                s = sign + whole[:-3] + " " + whole[-3:] + dot + frac
                self.applied.add("digit_groups")
        if "." in s and "space_in_number" in noise and (self.force_space or rng.random() < noise["space_in_number"]):
            i = s.index(".")
            s = s[: i + 1] + " " + s[i + 1 :]
            self.force_space = False
            self.applied.add("space_in_number")
        if "fullwidth_digits" in noise and rng.random() < noise["fullwidth_digits"]:
            s = s.translate(_FULLWIDTH)
            self.applied.add("fullwidth_digits")
        return s

    def money(self, fen: int, unit: str = "万元", *, prose: bool = True, switch: bool = True) -> str:
        """An amount as printed: in ``unit`` (the unit in force), or, under unit_switch noise, in
        元 / 亿元 with its unit word. Table cells (prose=False) print no unit word."""
        rng = self.rng
        u = unit
        if prose and switch and self.switch_budget > 0 and unit == "万元" and rng.random() < 0.35:
            options = ["元"]
            if fen >= 1000 * FEN_PER_WAN and (_exact(fen, "亿元", 2, 6) is not None):
                options += ["亿元", "亿元"]
            u = rng.choice(options)
            self.switch_budget -= 1
            self.applied.add("unit_switch")
        numeral = _exact(fen, u, 2, 6 if u != "元" else 2)
        if numeral is None:  # cannot happen for the units chosen above
            u, numeral = unit, _exact(fen, unit)
        if u == "万元" and len(numeral.split(".")[1]) > 2:
            self.applied.add("long_decimals")
        whole = numeral.split(".")[0].lstrip("-")
        if (self.thousands or u == "元") and len(whole) >= 4 and u != "亿元":
            numeral = _group(numeral, 3)
        numeral = self.numeral(numeral, sep_ok=u != "亿元")
        if not prose:
            return numeral
        space = ""
        if "space_before_unit" in self.noise and rng.random() < self.noise["space_before_unit"]:
            space = " "
            self.applied.add("space_before_unit")
        return numeral + space + u

    def rate(self, text: str, percent: bool = True) -> str:
        return self.numeral(text) + ("%" if percent else "")

    def score(self, hundredths: int) -> str:
        return self.numeral(_score_text(hundredths))

    # --- lines ------------------------------------------------------------------------------
    def add(self, kind: str, text: str = "") -> None:
        self.lines.append(_Line(kind, text))

    def row(self, cells: list[str], tag: str = "other", name_col: int | None = None) -> None:
        self.lines.append(_Line("row", cells=list(cells), tag=tag, name_col=name_col))

    def blank(self) -> None:
        self.lines.append(_Line("blank"))

    # --- text noise after rendering ---------------------------------------------------------
    def apply_line_noise(self) -> None:
        rng, noise = self.rng, self.noise
        if "garbage_paragraph" in noise:  # first, while blocks are still intact
            self._garbage(int(noise["garbage_paragraph"]))
        if "header_split" in noise:
            self._header_split(int(noise["header_split"]))
        if "value_shift" in noise:
            self._value_shift(int(noise["value_shift"]))
        if "row_wrap" in noise:
            self._row_wrap(int(noise["row_wrap"]))
        if "interleave" in noise:
            self._interleave()
        if "tabs_to_spaces" in noise:
            self._tabs_to_spaces(float(noise["tabs_to_spaces"]))
        if "ocr_chars" in noise:
            self._ocr_chars(float(noise["ocr_chars"]))
        if "html_leftovers" in noise:
            self._html()
        if "title_split" in noise:
            self._title_split()
        if "page_number" in noise:
            self._page_numbers()
        if "hard_wrap" in noise:
            lo, hi = noise["hard_wrap"]
            self._hard_wrap(rng.randint(lo, hi), blank_between=self.level >= 4 and rng.random() < 0.5)
        if "traditional" in noise:
            table = dict(_TRAD_KNOWN)
            if noise["traditional"] == "extended":
                table.update(_TRAD_EXTRA)
            keys = sorted(table)
            chosen = rng.sample(keys, k=max(6, int(len(keys) * (0.5 if self.level < 4 else 0.85))))
            self.trad = {k: table[k] for k in sorted(chosen)}

    def _rows(self, *tags: str) -> list[int]:
        return [i for i, ln in enumerate(self.lines) if ln.kind == "row" and (not tags or ln.tag in tags)]

    def _header_split(self, min_len: int) -> None:
        """Header cells of at least ``min_len`` characters wrap inside their column: the first half
        on the header line, the rest on the line below (the line's other cells empty)."""
        for i in reversed(self._rows("header")):
            cells = self.lines[i].cells or []
            if not any(len(c) >= min_len for c in cells):
                continue
            top, bottom = [], []
            for c in cells:
                if len(c) >= min_len and not _MARK_CHARS.search(c):
                    cut = len(c) // 2
                    top.append(c[:cut])
                    bottom.append(c[cut:])
                else:
                    top.append(c)
                    bottom.append("")
            self.lines[i : i + 1] = [_Line("row", cells=top, tag="header_top"), _Line("row", cells=bottom, tag="header_bottom")]
            self.applied.add("header_split")

    def _value_shift(self, count: int) -> None:
        rows = self._rows("money", "project")
        for i in sorted(self.rng.sample(rows, k=min(count, len(rows))), reverse=True):
            ln = self.lines[i]
            cells = ln.cells or []
            label_col = ln.name_col if ln.name_col is not None else next((j for j, c in enumerate(cells) if c.strip()), 0)
            label = ["" for _ in cells]
            values = list(cells)
            for j in range(label_col + 1):
                label[j], values[j] = cells[j], ""
            pair = [_Line("row", cells=label, tag="shifted"), _Line("row", cells=values, tag="shifted")]
            if ln.tag == "project" and self.rng.random() < 0.5:
                pair.reverse()  # the values on the line above the name, as in seed 000
            self.lines[i : i + 1] = pair
            self.applied.add("value_shift")

    def _row_wrap(self, count: int) -> None:
        rows = [i for i in self._rows("project", "indicator") if self.lines[i].name_col is not None]
        for i in sorted(self.rng.sample(rows, k=min(count, len(rows))), reverse=True):
            ln = self.lines[i]
            col = ln.name_col
            name = ln.cells[col]
            plain = _MARK_CHARS.sub("", name)
            if len(plain) < 8 or _MARK_CHARS.search(name):
                continue
            code = re.match(r"[0-9A-Z]{12,}-?", name)  # a financial-system code stays on the first line
            lo = max(len(name) - 5, (code.end() if code else 0) + 2)
            if lo > len(name) - 2:
                continue
            cut = self.rng.randint(lo, len(name) - 2)
            first, rest = name[:cut], name[cut:]
            ln.cells[col] = first
            cont = ["" for _ in ln.cells]
            cont[col] = rest
            self.lines.insert(i + 1, _Line("row", cells=cont, tag="wrapped"))
            self.applied.add("row_wrap")

    def _interleave(self) -> None:
        for i in reversed(self._rows("pair", "info")):
            cells = self.lines[i].cells or []
            # label, value, label, value (a leading empty block cell allowed)
            lead = 1 if cells and not cells[0].strip() else 0
            body = cells[lead:]
            if len(body) < 4 or len(body) % 2:
                continue
            labels = [""] * lead + [c if k % 2 == 0 else "" for k, c in enumerate(body)]
            values = [""] * lead + [c if k % 2 == 1 else "" for k, c in enumerate(body)]
            self.lines[i : i + 1] = [_Line("row", cells=labels, tag="interleaved"), _Line("row", cells=values, tag="interleaved")]
            self.applied.add("interleave")

    def _tabs_to_spaces(self, rate: float) -> None:
        for i in self._rows("money", "project", "indicator", "pair", "score"):
            if self.rng.random() < rate:
                ln = self.lines[i]
                sep = self.rng.choice([" ", "  ", "   "])
                self.lines[i] = _Line("tableprose", sep.join(c for c in ln.cells or [] if c.strip()))
                self.applied.add("tabs_to_spaces")

    def _ocr_chars(self, rate: float) -> None:
        def swap(text: str) -> str:
            out = []
            for ch in text:
                if ch in _OCR_SWAPS and self.rng.random() < rate * 6:
                    out.append(_OCR_SWAPS[ch])
                    self.applied.add("ocr_chars")
                elif "\u4e00" <= ch <= "\u9fff" and self.rng.random() < rate / 3:
                    out.append(self.rng.choice(_GARBAGE_COMMON))
                    self.applied.add("ocr_chars")
                else:
                    out.append(ch)
            return "".join(out)

        for ln in self.lines:
            if ln.kind == "filler":
                ln.text = swap(ln.text)
            elif ln.kind == "row" and ln.tag == "goal":
                ln.cells = [swap(c) if len(c) > 12 and not _MARK_CHARS.search(c) else c for c in ln.cells or []]

    def _html(self) -> None:
        for ln in self.lines:
            if ln.kind == "filler" and self.rng.random() < 0.7:
                ln.text = self.rng.choice(["&nbsp;&nbsp;", "<p>", "&emsp;"]) + ln.text + self.rng.choice(["<br/>", "</p>", ""])
                self.applied.add("html_leftovers")
            elif ln.kind == "blank" and self.rng.random() < 0.2:
                ln.text = "&nbsp;"
                self.applied.add("html_leftovers")

    def garbage_text(self) -> str:
        rng = self.rng
        out = []
        for _ in range(rng.randint(60, 140)):
            r = rng.random()
            if r < 0.45:
                out.append(rng.choice(_GARBAGE_COMMON))
            elif r < 0.8:
                out.append(rng.choice(_GARBAGE_RARE))
            elif r < 0.9:
                out.append(rng.choice(_GARBAGE_SYMBOLS))
            elif r < 0.96:
                out.append(rng.choice("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"))
            else:
                out.append(" ")
        return "".join(out).strip()

    def _garbage(self, count: int) -> None:
        # Between blocks: before a heading, a blank line or a table's first row, never inside prose.
        slots = [
            i for i in range(2, len(self.lines))
            if self.lines[i].kind in ("heading", "blank")
            or (self.lines[i].kind == "row" and self.lines[i - 1].kind != "row")
        ]
        for k, i in enumerate(sorted(self.rng.sample(slots, k=min(count, len(slots))), reverse=True)):
            text, mid = self.mark(self.garbage_text())
            self.named[f"garbage{k}"] = mid
            self.lines.insert(i, _Line("garbage", text))
            self.applied.add("garbage_paragraph")

    def _title_split(self) -> None:
        for ln in self.lines[:4]:
            if ln.kind == "title" and len(_MARK_CHARS.sub("", ln.text)) >= 14:
                m = re.search(r"(绩效自评|绩效评价|自评)", ln.text)
                if not m or m.start() < 4:
                    return
                cut = m.start()
                idx = self.lines.index(ln)
                self.lines[idx : idx + 1] = [_Line("title", ln.text[:cut]), _Line("title", ln.text[cut:])]
                self.applied.add("title_split")
                return

    def _page_numbers(self) -> None:
        n = len(self.lines)
        page = 1
        i = 30
        while i < n:
            # between two non-row lines only
            j = i
            while j < len(self.lines) - 1 and (self.lines[j].kind == "row" or self.lines[j - 1].kind == "row"):
                j += 1
            if j >= len(self.lines) - 1:
                break
            style = self.rng.choice(["- {} -", "— {} —", "第 {} 页"])
            self.lines.insert(j, _Line("pageno", " " * self.rng.randint(8, 30) + style.format(page)))
            self.applied.add("page_number")
            page += 1
            i = j + self.rng.randint(28, 40)

    def _hard_wrap(self, width: int, blank_between: bool) -> None:
        out: list[_Line] = []
        for ln in self.lines:
            if ln.kind not in ("prose", "filler") or _visible_width(ln.text) <= width * 2:
                out.append(ln)
                continue
            pieces = _wrap(ln.text, width * 2)
            for k, piece in enumerate(pieces):
                if k and blank_between:
                    out.append(_Line("blank"))
                out.append(_Line(ln.kind, piece))
            self.applied.add("hard_wrap")
        self.lines = out

    # --- assembly ---------------------------------------------------------------------------
    def assemble(self) -> tuple[str, dict[int, tuple[int, int]]]:
        if self.flattening is not None:
            rendered = _flatten(self.lines, self.flattening, self.rng)
        else:
            rendered = [ln.render() for ln in self.lines]
        return self._finish("\n".join(rendered))

    def assemble_page(self) -> str:
        """The report as its page prints it: every table row whole, cells tab-separated (what a
        scan of the page shows; the text of a flattened form is one way of extracting it)."""
        rendered = [ln.render_page() for ln in self.lines]
        return self._finish("\n".join(r for r in rendered if r is not None))[0]

    def _finish(self, text: str) -> tuple[str, dict[int, tuple[int, int]]]:
        text = text.rstrip("\n") + "\n"
        if self.trad:
            converted = text.translate(str.maketrans(self.trad))
            if converted != text:
                self.applied.add("traditional")
            text = converted
        return _strip_marks(text)

    def t(self, value: str | None) -> str | None:
        """A gold string as printed (traditional characters applied)."""
        if value is None or not self.trad:
            return value
        return value.translate(str.maketrans(self.trad))


def _visible_width(text: str) -> int:
    return sum(0 if _MARK_CHARS.match(ch) else (1 if ord(ch) < 0x2E80 else 2) for ch in text)


_ATOM = re.compile(r"[\ue000-\ue7ff]*(?:[0-9０-９][0-9０-９.,%％ ]*[0-9０-９%％]|[0-9０-９]|.)[\ue800-\uefff]*", re.S)


_NO_LINE_START = set("，。；：、）》”！？%")


def _wrap(text: str, columns: int) -> list[str]:
    """Greedy wrap at ``columns`` half-width columns; a number (digits, separators, '%') is
    never broken, but its unit may go to the next line."""
    lines, current, width = [], "", 0
    for atom in _ATOM.findall(text):
        w = _visible_width(atom)
        # Closing punctuation never starts a line (it hangs past the margin instead).
        if current and width + w > columns and _MARK_CHARS.sub("", atom) not in _NO_LINE_START:
            lines.append(current)
            current, width = "", 0
        current += atom
        width += w
    if current:
        lines.append(current)
    return lines


def _strip_marks(text: str) -> tuple[str, dict[int, tuple[int, int]]]:
    spans: dict[int, tuple[int, int]] = {}
    starts: dict[int, int] = {}
    out = []
    pos = 0
    last = 0
    for m in _MARK_CHARS.finditer(text):
        out.append(text[last : m.start()])
        pos += m.start() - last
        last = m.end()
        code = ord(m.group())
        if code < _MARK_END:
            starts[code - _MARK_START] = pos
        else:
            k = code - _MARK_END
            spans[k] = (starts.pop(k), pos)
    out.append(text[last:])
    return "".join(out), spans


# ============================================================================================
# Flattenings: how a converter turns a form's rows into text (form_* layouts)
# ============================================================================================

_NUMERIC_CELL = re.compile(r"[-+]?[0-9０-９][0-9０-９., ]*[%％]?")


def _is_numeric_cell(cell: str) -> bool:
    return bool(_NUMERIC_CELL.fullmatch(_MARK_CHARS.sub("", cell).strip()))


def _flatten(lines: list[_Line], style: str, rng: random.Random) -> list[str]:
    """The text lines of ``lines`` with every table row (and the row pieces between rows: a
    wrapped unit, a name fragment) flattened in ``style``:

    * ``tabs``    – as rendered: cells joined by TABs;
    * ``cells``   – one cell per line (empty cells vanish), a few converters add ' |';
    * ``oneline`` – the whole form on one line, cells separated by spaces;
    * ``pipes``   – '| a | b |  | c |' with the empty cells of merged ranges kept;
    * ``runon``   – numeric cells next to each other run together, other cells spaced;
    * ``columns`` – each cell wrapped to its column width, the row then read line by line
      across the columns, so the pieces of wrapped cells interleave (PDF text extraction).
    """
    if style == "tabs":
        return [ln.render() for ln in lines]
    out: list[str] = []
    bar = rng.random() < 0.4
    caps: dict[int, int] = {}
    one: list[str] = []
    one_at: int | None = None
    for ln in lines:
        if ln.kind not in ("row", "frag"):
            out.append(ln.render())
            continue
        cells = list(ln.cells) if ln.cells is not None else [ln.text]
        if style == "cells":
            out += [c + (" |" if bar else "") for c in cells if _MARK_CHARS.sub("", c).strip()]
        elif style == "pipes":
            out.append("| " + " | ".join(cells) + " |" if ln.cells is not None else ln.text)
        elif style == "runon":
            text = ""
            prev_numeric = False
            for c in cells:
                if not _MARK_CHARS.sub("", c).strip():
                    continue
                numeric = _is_numeric_cell(c)
                text += ("" if (numeric and prev_numeric) or not text else " ") + c
                prev_numeric = numeric
            out.append(text)
        elif style == "oneline":
            if one_at is None:
                one_at = len(out)
                out.append("")
            one += [c for c in cells if _MARK_CHARS.sub("", c).strip()]
        elif style == "columns":
            pieces = []
            for j, c in enumerate(cells):
                cap = caps.setdefault(j, rng.randint(10, 16))
                pieces.append(_wrap(c, cap) if _visible_width(c) > cap and ln.cells is not None else [c])
            depth = max(len(p) for p in pieces)
            for k in range(depth):
                line = " ".join(p[k] for p in pieces if k < len(p) and _MARK_CHARS.sub("", p[k]).strip())
                if line:
                    out.append(line)
        else:
            raise ValueError(f"unknown flattening {style!r}")
    if one_at is not None:
        out[one_at] = " ".join(one)
    return out


# ============================================================================================
# Facts: one invented report's content, consistent by construction
# ============================================================================================


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


# ============================================================================================
# Layouts
# ============================================================================================


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


def _overall_table(b: _Builder, rng: random.Random) -> dict[str, Any]:
    style = rng.choice(["grid", "grid", "sources", "pairs"])
    if "parts_do_not_sum" in b.plants and style == "pairs":
        style = "grid"
    if "adjustment_sum_mismatch" in b.plants:
        style = "sources"
    unit = "元" if rng.random() < 0.25 and style != "pairs" else "万元"
    f = _facts(rng, "overall_table", b, yuan=unit == "元")
    if style == "sources" and f.adjusted == f.initial:
        f.adjusted += 100 * FEN_PER_WAN
        f.project = (f.project[0], f.project[1] + 100 * FEN_PER_WAN, f.project[2])
    gold = _empty_gold()
    gold.update(department=f.dept, fiscal_year=f.year, report_type="overall_table")
    g = gold["budget"]
    split_ind = rng.random() < 0.25
    if split_ind:
        f.indicators = _indicators(rng, f.bureau, f.who, rng.randint(5, 8), numeric_only=True)
    info = "year" if style == "pairs" else rng.choice(["date", "date", "year", "year", "unit"])
    years, _ = _year_marks(b, rng, f.year, 3 if info == "year" else 2)
    if rng.random() < 0.5:
        b.add("title", f"{f.dept}{years[0]}年度部门整体支出绩效自评表")
    else:
        b.add("title", "部门整体支出绩效自评表")
        b.add("title", f"（{years[0]}年度）")
    b.blank()
    money = lambda fen: b.money(fen, unit, prose=False)  # noqa: E731
    notes = b.notes
    if unit == "元":
        notes.append("All amounts are printed in 元 (金额单位：元) and converted to 万元 by dividing by 10000 with all decimals kept.")

    rate_style = _rate_style(rng)
    score_ids: list[int] = []
    money_score = weight = 0
    if style == "pairs":
        b.row(["部门名称", f.dept, "被评价年度", f"{years[1]}年"], "info")
        b.add("label", f"单位：{unit}")
        h_init = rng.choice(["年初预算数", "年初预算收入"])
        h_adj = rng.choice(["全年预算数", "调整后预算数", "调整预算收入"])
        h_act = rng.choice(["实际支出数", "全年执行数"])
        h_rate = rng.choice(["预算执行率", "预算完成率"])
        rate, _ = _exec_rate(b, rng, f.actual, f.adjusted, rate_style)
        i_s, i_id = b.mark(money(f.initial))
        a_s, a_id = b.mark(money(f.adjusted))
        x_s, x_id = b.mark(money(f.actual))
        r_s, r_id = b.mark(b.rate(rate))
        b.row(["部门资金情况", h_init, i_s, h_adj, a_s], "pair")
        b.row(["", h_act, x_s, h_rate, r_s], "pair")
        b.check("execution_rate_mismatch", "ratio", "execution_rate_mismatch" in b.planted,
                {"rate": [r_id], "num": [x_id], "den": [a_id]})
        g.update(initial=_wan(f.initial), adjusted=_wan(f.adjusted), actual=_wan(f.actual), execution_rate=float(rate))
        if f.adjustment > 0 and rng.random() < 0.6:
            arate = _rate_text(f.adjustment, f.initial, 2)
            c_s, c_id = b.mark(money(f.adjustment))
            ar_s, ar_id = b.mark(b.rate(arate))
            b.row(["", "预算调整数", c_s, "预算调整率", ar_s], "pair")
            g.update(adjustment=_wan(f.adjustment), adjustment_rate=float(arate))
            b.check("adjustment_sum_mismatch", "sum", False, {"total": [a_id], "parts": [i_id, c_id]})
            b.check("adjustment_rate_mismatch", "change_ratio", False, {"rate": [ar_id], "new": [a_id], "base": [i_id]})
            notes.append("预算调整数 is printed as the change (adjusted − initial), so it is budget.adjustment; 预算调整率 = change / initial.")
        notes.append("Money block printed as label/value pairs (seed-000 style); no basic/project/三公 split is printed.")
    else:
        if info == "date":
            b.row(["部门名称", f.dept, "填报日期", f.date], "info")
            b.add("label", rng.choice(["金额单位：", "单位："]) + unit)
        elif info == "year":
            b.row(["部门名称", f.dept, "被评价年度", f"{years[1]}年"], "info")
            b.add("label", rng.choice(["金额单位：", "单位："]) + unit)
        else:
            b.row([f"单位名称：{f.dept}（公章）", "", "", "", "", "", f"单位：{unit}"], "other")
        weight = rng.choice([10, 10, 20])
        ab = rng.random() < 0.4
        if style == "grid":
            h_init = rng.choice(["年初预算数", "年初预算数", "年初预算"])
            h_adj = "全年预算数（A）" if ab else rng.choice(["全年预算数", "调整后预算数", "全年（调整）预算数"])
            h_act = "全年执行数（B）" if ab else rng.choice(["全年执行数", "实际支出数", "决算数", "预算执行数"])
            h_rate = "执行率（B/A）" if ab else rng.choice(["执行率", "预算执行率", "支出率", "预算完成率"])
            pct_header = rng.random() < 0.25
            if pct_header:
                h_rate += "（%）"
            first = rng.choice(["年度预算执行情况", "预算资金情况", "年度资金情况"])
            b.row([first, "", h_init, h_adj, h_act, h_rate, "分值", "得分"], "header")
            rate, rate_planted = _exec_rate(b, rng, f.actual, f.adjusted, rate_style)
            money_score = int((Decimal(rate) * weight).quantize(Decimal(1), rounding=ROUND_HALF_UP))
            total_label = rng.choice(["年度资金总额", "年度资金总额", "合计", "年度总金额"])
            cols = {"initial": [], "adjusted": [], "actual": []}
            # Parts (basic, project) as printed; a parts_do_not_sum plant mistypes one of them.
            (bi, ba, bx), (pi, pa, px) = f.basic, f.project
            if b.plant("parts_do_not_sum"):
                which = rng.choice(["adjusted", "actual"])
                if which == "adjusted":
                    wrong = _off_amount(rng, pa, f.quantum)
                    notes.append(f"PLANTED parts_do_not_sum: 基本支出 + 项目支出 全年预算 = {_exact(ba + wrong, '万元', 2, 6)} "
                                 f"≠ the total {_exact(f.adjusted, '万元', 2, 6)} (项目支出 printed {_exact(wrong, '万元', 2, 6)} 万元, "
                                 f"should be {_exact(pa, '万元', 2, 6)}). Gold keeps the printed 项目支出 figure.")
                    pa = wrong
                else:
                    wrong = _off_amount(rng, px, f.quantum)
                    notes.append(f"PLANTED parts_do_not_sum: 基本支出 + 项目支出 实际支出 = {_exact(bx + wrong, '万元', 2, 6)} "
                                 f"≠ the total {_exact(f.actual, '万元', 2, 6)} (项目支出 printed {_exact(wrong, '万元', 2, 6)} 万元). "
                                 f"Gold keeps the printed 项目支出 figure.")
                    px = wrong
            i_s, i_id = b.mark(money(f.initial))
            a_s, a_id = b.mark(money(f.adjusted))
            x_s, x_id = b.mark(money(f.actual))
            r_s, r_id = b.mark(b.rate(rate, percent=not pct_header))
            ms, ms_id = b.mark(b.score(money_score))
            score_ids.append(ms_id)
            b.row(["", total_label, i_s, a_s, x_s, r_s, str(weight), ms], "money", name_col=1)
            b.check("execution_rate_mismatch", "ratio", rate_planted, {"rate": [r_id], "num": [x_id], "den": [a_id]})
            for label, (ini, adj, act) in (("其中：基本支出", (bi, ba, bx)), ("项目支出", (pi, pa, px))):
                si, sid = b.mark(money(ini))
                sa, said = b.mark(money(adj))
                sx, sxid = b.mark(money(act))
                row_rate = _rate_text(act, adj, 2) if adj else "0.00"
                b.row(["", label, si, sa, sx, b.rate(row_rate, percent=not pct_header), "—", "—"], "money", name_col=1)
                cols["initial"].append(sid)
                cols["adjusted"].append(said)
                cols["actual"].append(sxid)
            planted_col = "adjusted" if pa != f.project[1] else "actual" if px != f.project[2] else None
            for col, tid in (("initial", i_id), ("adjusted", a_id), ("actual", x_id)):
                b.check("parts_do_not_sum", "sum", col == planted_col, {"total": [tid], "parts": cols[col]})
            g.update(initial=_wan(f.initial), adjusted=_wan(f.adjusted), actual=_wan(f.actual), execution_rate=float(rate))
            g["basic"].update(budget=_wan(ba), actual=_wan(bx))
            g["project"].update(budget=_wan(pa), actual=_wan(px))
            if rng.random() < 0.6:
                ti, ta, tx = f.three
                b.row(["", "“三公”经费", money(ti), money(ta), money(tx),
                       b.rate(_rate_text(tx, ta, 2), percent=not pct_header), "—", "—"], "money", name_col=1)
                g["three_public"].update(budget=_wan(ta), actual=_wan(tx))
            notes.append(
                f"Money grid: initial/adjusted/actual/execution_rate from the {total_label} row ({h_init} / {h_adj} / {h_act} / "
                f"{h_rate}); basic and project use their full-year budget column (not 年初) and actual column; 三公 likewise.")
        else:  # funding-source rows and a signed adjustment column (circled-number labels)
            b.row(["资金情况", "资金来源", "年初预算数①", "年中调整金额②", "全年（调整）预算数③=①+②", "实际支出数④",
                   "支出实现率（%）⑤=④/③", "分值", "得分"], "header")
            rate, rate_planted = _exec_rate(b, rng, f.actual, f.adjusted, rate_style)
            money_score = int((Decimal(rate) * weight).quantize(Decimal(1), rounding=ROUND_HALF_UP))
            change = f.adjustment
            chg_planted = b.plant("adjustment_sum_mismatch")
            if chg_planted:
                wrong = _off_amount(rng, abs(change), 10_000) * (1 if change >= 0 else -1)
                notes.append(f"PLANTED adjustment_sum_mismatch: ①+② = {_exact(f.initial, '万元', 2, 6)} + {_exact(wrong, '万元', 2, 6)} "
                             f"≠ ③ {_exact(f.adjusted, '万元', 2, 6)}. Gold keeps ② as printed ({_exact(wrong, '万元', 2, 6)}).")
                change = wrong
            sources = rng.choice([["中央", "省", "市", "县"], ["中央", "省", "县"], ["本年财政拨款", "上年结转资金", "其他资金"]])
            k = len(sources)
            ini_parts = _split(rng, f.initial, k, f.quantum)
            adj_parts = _split(rng, f.adjusted, k, f.quantum)
            act_parts = [a * f.actual // f.adjusted // f.quantum * f.quantum for a in adj_parts]
            act_parts[0] += f.actual - sum(act_parts)
            part_planted = b.plant("parts_do_not_sum")
            pcol = rng.choice(["initial", "adjusted", "actual"]) if part_planted else None
            if part_planted:
                arr = {"initial": ini_parts, "adjusted": adj_parts, "actual": act_parts}[pcol]
                j = rng.randrange(k)
                wrong = _off_amount(rng, arr[j], f.quantum)
                notes.append(f"PLANTED parts_do_not_sum: the funding-source rows of the {pcol} column add up to "
                             f"{_exact(sum(arr) - arr[j] + wrong, '万元', 2, 6)} 万元, not the 合计 {_exact(sum(arr), '万元', 2, 6)}.")
                arr[j] = wrong
            i_s, i_id = b.mark(money(f.initial))
            c_s, c_id = b.mark(money(change))
            a_s, a_id = b.mark(money(f.adjusted))
            x_s, x_id = b.mark(money(f.actual))
            r_s, r_id = b.mark(b.rate(rate, percent=False))
            ms, ms_id = b.mark(b.score(money_score))
            score_ids.append(ms_id)
            b.row(["", "合计", i_s, c_s, a_s, x_s, r_s, str(weight), ms], "money", name_col=1)
            cols = {"initial": [], "adjusted": [], "actual": []}
            for j, src in enumerate(sources):
                si, sid = b.mark(money(ini_parts[j]))
                sa, said = b.mark(money(adj_parts[j]))
                sx, sxid = b.mark(money(act_parts[j]))
                b.row(["", ("其中：" if j == 0 else "") + src, si, "—", sa, sx, "—", "—", "—"], "money", name_col=1)
                cols["initial"].append(sid)
                cols["adjusted"].append(said)
                cols["actual"].append(sxid)
            for col, tid in (("initial", i_id), ("adjusted", a_id), ("actual", x_id)):
                b.check("parts_do_not_sum", "sum", col == pcol, {"total": [tid], "parts": cols[col]})
            b.check("execution_rate_mismatch", "ratio", rate_planted, {"rate": [r_id], "num": [x_id], "den": [a_id]})
            b.check("adjustment_sum_mismatch", "sum", chg_planted, {"total": [a_id], "parts": [i_id, c_id]})
            g.update(initial=_wan(f.initial), adjusted=_wan(f.adjusted), adjustment=_wan(change), actual=_wan(f.actual),
                     execution_rate=float(rate))
            notes.append("Money from the 合计 row: ① initial, ② 年中调整金额 is a signed change (adjustment), ③ adjusted, "
                         "④ actual, ⑤ execution_rate printed without '%' (the header says (%)). Funding-source rows are "
                         "not basic/project: those stay null.")
    # Goals, indicators, total, grade, problems.
    goal, done = _goal_texts(f, years[-1])
    b.row(["年度总体目标", "预期目标", "实际完成情况"], "goalhead")
    b.row(["", goal, done], "goal")
    _weigh(rng, f.indicators, 100 - (weight if style != "pairs" else 0))
    variant = "split" if split_ind else rng.choice(["v1", "v2"])
    merged = rng.random() < 0.6
    gold["indicators"] = _indicator_table(b, rng, f, variant, merged, score_ids)
    items = money_score + sum(i.score for i in f.indicators)
    total, tplanted = _score_total(b, rng, items)
    t_s, t_id = b.mark(b.score(total))
    width = 10 if variant == "split" else 9
    cells = ["总分"] + [""] * (width - 1)
    cells[width - 2 if variant == "split" else width - 3] = "100"
    cells[width - 1 if variant == "split" else width - 2] = t_s
    b.row(cells, "total")
    b.check("score_items_do_not_sum", "sum", tplanted, {"total": [t_id], "parts": score_ids})
    grade, gplanted = _grade(b, rng, total)
    gr_s, gr_id = b.mark(grade)
    b.row([rng.choice(["自评等级", "绩效等级", "评价等级"]), gr_s], "other")
    b.check("grade_score_mismatch", "grade", gplanted, {"grade": [gr_id], "score": [t_id]})
    gold["evaluation"] = {"score": float(_score_text(total)), "grade": grade}
    _problem_rows(b, rng, f, gold)
    b.blank()
    if rng.random() < 0.5:
        b.row(["单位负责人：", "财务负责人：", "填表人："], "other")
    else:
        b.row(["填报人：", "联系电话：", f"日期：{f.date}"], "other")
    notes.append("Indicator table: 一级/二级 cells " + ("only on the first row of their group (merged cells), filled down in gold."
                                                       if merged else "printed on every row."))
    if variant == "split":
        notes.append("Split 指标性质 / 指标值 / 度量单位 columns: target = the three cells joined ('≥' '12000' '人' → '≥12000人'), "
                     "actual = 实际完成值 + 度量单位.")
    return gold


def _project_single(b: _Builder, rng: random.Random) -> dict[str, Any]:
    unit = "万元"
    f = _facts(rng, "project_single", b)
    gold = _empty_gold()
    project = rng.choice(f.bureau.projects)
    place = f.dept[: -len(f.bureau.name)]
    impl = place + rng.choice(["{s}服务中心", "{s}事务中心", "{s}综合执法大队", "{s}技术推广站", "{s}发展中心"]).format(s=f.bureau.short)
    gold.update(department=f.dept, fiscal_year=f.year, report_type="project_table", subject=project)
    g = gold["budget"]
    initial = _amount(rng, 20, 3000, 10_000)
    adjusted = initial + rng.choice([0, 0, int(initial * rng.uniform(0.02, 0.2)) // 10_000 * 10_000])
    actual = int(adjusted * rng.uniform(0.8, 1.0)) // 10_000 * 10_000
    years, _ = _year_marks(b, rng, f.year, 2)
    if rng.random() < 0.5:
        b.add("title", "附件2")
        b.blank()
    b.add("title", "项目支出绩效自评表")
    b.add("title", f"（{years[0]}年度）")
    b.blank()
    b.row(["项目名称", project], "info2")
    b.row(["主管部门", f.dept, "实施单位", impl], "info")
    ab = rng.random() < 0.6
    h_init = "年初预算数"
    h_adj = "全年预算数（A）" if ab else rng.choice(["全年预算数", "调整后预算数"])
    h_act = "全年执行数（B）" if ab else rng.choice(["全年执行数", "实际支出数"])
    h_rate = "执行率（B/A）" if ab else rng.choice(["执行率", "预算执行率"])
    rate, rate_planted = _exec_rate(b, rng, actual, adjusted, _rate_style(rng))
    money_score = int((Decimal(rate) * 10).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    # Funding rows: 财政拨款, 上年结转资金, 其他资金.
    carry = adjusted - initial if adjusted > initial and rng.random() < 0.5 else 0
    ini_rows = [initial, 0, 0]
    adj_rows = [adjusted - carry, carry, 0]
    act_carry = min(carry, int(actual * carry / adjusted) // 10_000 * 10_000) if carry else 0
    act_rows = [actual - act_carry, act_carry, 0]
    pcol = None
    if b.plant("parts_do_not_sum"):
        pcol = rng.choice(["adjusted", "actual"])
        arr = adj_rows if pcol == "adjusted" else act_rows
        wrong = _off_amount(rng, arr[0], 10_000)
        b.notes.append(f"PLANTED parts_do_not_sum: the funding rows of the {pcol} column add up to "
                       f"{_exact(sum(arr) - arr[0] + wrong, '万元')}, not the 年度资金总额 {_exact(sum(arr), '万元')} "
                       f"(财政拨款 printed {_exact(wrong, '万元')}).")
        arr[0] = wrong
    i_s, i_id = b.mark(b.money(initial, unit, prose=False))
    a_s, a_id = b.mark(b.money(adjusted, unit, prose=False))
    x_s, x_id = b.mark(b.money(actual, unit, prose=False))
    r_s, r_id = b.mark(b.rate(rate))
    ms, ms_id = b.mark(b.score(money_score))
    if rng.random() < 0.5:  # the national template puts 分值 before 执行率
        b.row([f"项目资金（{unit}）", "", h_init, h_adj, h_act, "分值", h_rate, "得分"], "header")
        b.row(["", "年度资金总额", i_s, a_s, x_s, "10", r_s, ms], "money", name_col=1)
        dash = ["—", "—", "—"]
    else:
        b.row([f"项目资金（{unit}）", "", h_init, h_adj, h_act, h_rate, "分值", "得分"], "header")
        b.row(["", "年度资金总额", i_s, a_s, x_s, r_s, "10", ms], "money", name_col=1)
        dash = ["—", "—", "—"]
    cols = {"initial": [], "adjusted": [], "actual": []}
    for j, label in enumerate(["其中：财政拨款", "上年结转资金", "其他资金"]):
        si, sid = b.mark(b.money(ini_rows[j], unit, prose=False) if ini_rows[j] else "0.00")
        sa, said = b.mark(b.money(adj_rows[j], unit, prose=False) if adj_rows[j] else "0.00")
        sx, sxid = b.mark(b.money(act_rows[j], unit, prose=False) if act_rows[j] else "0.00")
        b.row(["", label, si, sa, sx, *dash], "money", name_col=1)
        cols["initial"].append(sid)
        cols["adjusted"].append(said)
        cols["actual"].append(sxid)
    for col, tid in (("initial", i_id), ("adjusted", a_id), ("actual", x_id)):
        b.check("parts_do_not_sum", "sum", col == pcol, {"total": [tid], "parts": cols[col]})
    b.check("execution_rate_mismatch", "ratio", rate_planted, {"rate": [r_id], "num": [x_id], "den": [a_id]})
    g.update(initial=_wan(initial), adjusted=_wan(adjusted), actual=_wan(actual), execution_rate=float(rate))
    goal, done = _goal_texts(f, years[1])
    b.row(["年度总体目标", "预期目标", "实际完成情况"], "goalhead")
    b.row(["", goal, done], "goal")
    _weigh(rng, f.indicators, 90)
    score_ids = [ms_id]
    gold["indicators"] = _indicator_table(b, rng, f, "v1", rng.random() < 0.7, score_ids)
    items = money_score + sum(i.score for i in f.indicators)
    total, tplanted = _score_total(b, rng, items)
    t_s, t_id = b.mark(b.score(total))
    b.row(["总分", "", "", "", "", "", "100", t_s, ""], "total")
    b.check("score_items_do_not_sum", "sum", tplanted, {"total": [t_id], "parts": score_ids})
    grade, gplanted = _grade(b, rng, total)
    gr_s, gr_id = b.mark(grade)
    b.row(["自评等级", gr_s], "other")
    b.check("grade_score_mismatch", "grade", gplanted, {"grade": [gr_id], "score": [t_id]})
    gold["evaluation"] = {"score": float(_score_text(total)), "grade": grade}
    if rng.random() < 0.4:
        _problem_rows(b, rng, f, gold)
    b.blank()
    b.row([f"填报单位（盖章）：{impl}", "填报人：", "联系电话：", f"填报日期：{f.date}"], "other")
    b.notes += [
        "One-project 项目支出绩效自评表: report_type = project_table (the enum's only project-level type), subject = 项目名称, "
        "budget = the project's money, projects = [] (the project itself is not repeated).",
        f"department = 主管部门 ({f.dept}), not 实施单位 / 填报单位 ({impl}).",
        "The 年度资金总额 row's 分值 10 / 得分 is the budget-execution item score, part of the 总分.",
    ]
    if gold["problems"] is None:
        b.notes.append("No 存在的问题 / 改进措施 rows: problems and improvements are null (per-indicator deviation notes are not them).")
    return gold


def _project_table(b: _Builder, rng: random.Random) -> dict[str, Any]:
    unit = "元" if rng.random() < 0.2 else "万元"
    f = _facts(rng, "project_table", b, yuan=unit == "元")
    quantum = f.quantum
    gold = _empty_gold()
    gold.update(department=f.dept, fiscal_year=f.year, report_type="project_table")
    g = gold["budget"]
    n = rng.randint(4, min(9, len(f.bureau.projects)))
    names = rng.sample(f.bureau.projects, n)
    place = f.dept[: -len(f.bureau.name)]
    impls = [f"{place[-3:]}{f.bureau.short}{s}" for s in ("局本级", "服务中心", "事务中心", "综合执法大队")]
    with_init = rng.random() < 0.8
    with_impl = rng.random() < 0.7
    with_score = rng.random() < 0.6
    with_codes = rng.random() < 0.5
    two_line = with_init and rng.random() < 0.5
    rows = []
    for name in names:
        adj = _amount(rng, 10, 800, 10_000)
        ini = adj if rng.random() < 0.5 else int(adj * rng.uniform(0.7, 1.15)) // 10_000 * 10_000
        act = int(adj * rng.uniform(0.8, 1.0)) // quantum * quantum
        rows.append([name, ini, adj, act])
    tot_ini, tot_adj, tot_act = (sum(r[k] for r in rows) for k in (1, 2, 3))
    # Plants: one row's rate, the total row's actual, the total row's rate.
    bad_row = rng.randrange(n) if b.plant("project_rate_mismatch") else None
    printed_act = tot_act
    sum_planted = b.plant("parts_do_not_sum")
    if sum_planted:
        printed_act = _off_amount(rng, tot_act, quantum)
        b.notes.append(f"PLANTED parts_do_not_sum: the 合计 row prints 实际支出 {_exact(printed_act, '万元', 2, 6)} 万元 but the rows "
                       f"sum to {_exact(tot_act, '万元', 2, 6)}. The 合计 rate agrees with the printed 合计 figures.")
    rate_style = (2, False)
    total_rate, total_planted = _exec_rate(b, rng, printed_act, tot_adj, rate_style)
    years, _ = _year_marks(b, rng, f.year, 2)
    if rng.random() < 0.6:
        b.add("title", f"{f.dept}{years[0]}年度项目支出绩效自评汇总表")
    else:
        b.add("title", "项目支出绩效自评汇总表")
        b.add("title", f"（{years[0]}年度）")
    b.blank()
    b.row([f"填报单位（盖章）：{f.dept}", "", "", "", "", "", f"单位：{unit}"], "other")
    h_init = rng.choice(["年初预算", "年初预算数"])
    h_adj = rng.choice(["调整后预算", "调整后预算数", "全年预算数"])
    h_act = rng.choice(["实际支出", "实际支出数", "全年执行数", "决算数"])
    h_rate = rng.choice(["执行率", "预算执行率", "支出率"])
    cols = ["序号", "项目名称"] + (["实施单位"] if with_impl else [])
    money_cols = ([h_init] if with_init else []) + [h_adj, h_act, h_rate]
    tail = (["自评得分"] if with_score else []) + ["备注"]
    if two_line:
        b.row(cols + ["年度预算", "", h_act, h_rate] + tail, "header")
        b.row([""] * len(cols) + [h_init, h_adj] + [""] * (2 + len(tail)), "header")
    else:
        b.row(cols + money_cols + tail, "header")
    name_col = 1
    col_ids: dict[str, list[int]] = {"initial": [], "adjusted": [], "actual": []}
    money = lambda fen: b.money(fen, unit, prose=False)  # noqa: E731
    for k, (name, ini, adj, act) in enumerate(rows):
        rate = _rate_text(act, adj, 2)
        planted = k == bad_row
        if planted:
            wrong = _off_rate(rng, rate)
            b.notes.append(f"PLANTED project_rate_mismatch: row {k + 1} ({name}) prints {wrong}% but "
                           f"{_exact(act, '万元', 2, 6)}/{_exact(adj, '万元', 2, 6)} = {rate}%. Gold keeps the printed {Decimal(wrong).normalize():f}.")
            rate = wrong
        code = f"{rng.randint(10, 99)}{rng.randint(100000, 999999)}R{rng.randint(10**11, 10**12 - 1)}-" if with_codes and rng.random() < 0.6 else ""
        si, sid = b.mark(money(ini))
        sa, said = b.mark(money(adj))
        sx, sxid = b.mark(money(act))
        sr, srid = b.mark(b.rate(rate))
        cells = [str(k + 1), code + name] + ([rng.choice(impls)] if with_impl else [])
        cells += ([si] if with_init else []) + [sa, sx, sr]
        cells += ([str(rng.randint(82, 99))] if with_score else []) + [rng.choice(["", "", "", "部分尾款未到支付期", "年中调整"])]
        b.row(cells, "project", name_col=name_col)
        if with_init:
            col_ids["initial"].append(sid)
        col_ids["adjusted"].append(said)
        col_ids["actual"].append(sxid)
        b.check("project_rate_mismatch", "ratio", planted, {"rate": [srid], "num": [sxid], "den": [said]})
        gold["projects"].append({"name": name, "budget": _wan(adj), "actual": _wan(act), "execution_rate": float(rate)})
    ti_s, ti_id = b.mark(money(tot_ini))
    ta_s, ta_id = b.mark(money(tot_adj))
    tx_s, tx_id = b.mark(money(printed_act))
    tr_s, tr_id = b.mark(b.rate(total_rate))
    cells = ["合计", ""] + ([""] if with_impl else []) + ([ti_s] if with_init else []) + [ta_s, tx_s, tr_s]
    cells += ([""] if with_score else []) + [""]
    b.row(cells, "total")
    if with_init:
        b.check("parts_do_not_sum", "sum", False, {"total": [ti_id], "parts": col_ids["initial"]})
    b.check("parts_do_not_sum", "sum", False, {"total": [ta_id], "parts": col_ids["adjusted"]})
    b.check("parts_do_not_sum", "sum", sum_planted, {"total": [tx_id], "parts": col_ids["actual"]})
    b.check("execution_rate_mismatch", "ratio", total_planted, {"rate": [tr_id], "num": [tx_id], "den": [ta_id]})
    g.update(initial=_wan(tot_ini) if with_init else None, adjusted=_wan(tot_adj), actual=_wan(printed_act),
             execution_rate=float(total_rate))
    b.add("prose", f"注：本表所列项目均为{years[1]}年度部门预算安排的项目支出。")
    p_label = rng.choice(["主要问题", "存在问题"])
    m_label = rng.choice(["整改措施", "改进措施"])
    b.add("prose", f"{p_label}：{f.problems}")
    b.add("prose", f"{m_label}：{f.improvements}")
    gold["problems"], gold["improvements"] = f.problems, f.improvements
    b.blank()
    b.row(["填表人：", "审核人：", f"填报日期：{f.date}"], "other")
    b.notes += [
        "Multi-project 项目支出绩效自评汇总表: the 合计 row goes to budget.initial/adjusted/actual/execution_rate; "
        "basic/project stay null; subject is null; projects[].budget = the full-year budget column the row's rate divides by.",
        "Financial-system codes before some project names are not part of the name." if with_codes else
        "Project names are printed without codes.",
        "No document-level score or grade: evaluation is null." + (" Per-project 自评得分 are not record fields." if with_score else ""),
        f"problems = text after {p_label}：, improvements = text after {m_label}：.",
    ]
    if unit == "元":
        b.notes.append("All amounts are printed in 元 and converted to 万元 by dividing by 10000 with all decimals kept.")
    return gold


_SCORE_FRAME = [
    ("投入", [("预算编制", ["预算编制规范性", "绩效目标合理性"]), ("预算执行", ["预算执行率"])]),
    ("过程", [("预算管理", ["资金使用合规性", "结转结余控制"]), ("资产管理", ["资产管理规范性"])]),
    ("产出", [("职责履行", None)]),
    ("效益", [("社会效益", ["社会效益实现程度", "可持续发展能力"]), ("满意度", ["{who}满意度"])]),
]


def _narrative(b: _Builder, rng: random.Random, with_scores: bool) -> dict[str, Any]:
    # Unit style (a variant at every level, not noise): 万元 throughout; 元 throughout (元-precise
    # figures); or the two big totals in 亿元 ('年初预算1.2046亿元'), the rest in 万元.
    unit_style = rng.choices(["万元", "元", "亿元"], [0.7, 0.15, 0.15])[0]
    if unit_style == "元" and "unit_suspect" in b.plants:
        unit_style = "万元"  # a 元 amount is only suspect among 万元 amounts
    f = _facts(rng, b.layout, b, yuan=unit_style == "元")
    if unit_style == "亿元":
        if f.initial < 10_000 * FEN_PER_WAN:
            unit_style = "万元"
        else:  # totals in whole 万元, so that 亿元 prints them with 4 decimals
            cut_i, cut_a = f.initial % FEN_PER_WAN, f.adjusted % FEN_PER_WAN
            f.initial -= cut_i
            f.adjusted -= cut_a
            f.basic = (f.basic[0] - cut_i, f.basic[1], f.basic[2])
            f.project = (f.project[0], f.project[1] - cut_a, f.project[2])
    need_change = b.plants & {"adjustment_sum_mismatch", "adjustment_rate_mismatch"}
    if need_change and f.adjusted <= f.initial:  # an adjustment (rate) plant needs an increase
        extra = f.initial - f.adjusted + int(f.initial * rng.uniform(0.03, 0.15)) // 10_000 * 10_000 + 10_000
        f.adjusted += extra
        f.project = (f.project[0], f.project[1] + extra, f.project[2])
    gold = _empty_gold()
    gold.update(department=f.dept, fiscal_year=f.year, report_type="overall_report")
    g = gold["budget"]
    place = f.dept[: -len(f.bureau.name)]
    notes = b.notes
    years, year_ids = _year_marks(b, rng, f.year, 5)
    # --- title and preamble
    suffix = rng.choice(["部门整体支出绩效自评报告", "部门整体支出绩效自评报告", "部门整体支出绩效评价报告", "部门预算整体绩效自评报告"])
    t = rng.random()
    if t < 0.4:
        b.add("title", f.dept)
        b.add("title", f"{years[0]}年度{suffix}")
    elif t < 0.75:
        b.add("title", f"{f.dept}{years[0]}年度{suffix}")
    else:
        b.add("title", f"{years[0]}年度{f.dept}{suffix}")
    b.blank()
    abbr = place[-3:-1] if len(place) >= 3 else place[:2]
    b.add("prose", f"根据《{place}财政局关于开展{years[1]}年度部门整体支出绩效自评工作的通知》（{abbr}财绩〔{f.year + 1}〕"
                   f"{rng.randint(2, 40)}号）要求，我局对{f.year}年度部门整体支出情况开展了绩效自评，现将有关情况报告如下：")
    b.blank()
    b.add("heading", "一、部门基本情况")
    duties = "、".join(rng.sample(f.bureau.duties, 3))
    b.add("filler", f"（一）部门职能。{f.dept}主要负责{duties}等工作，" + rng.choice(_FILLER))
    staff = rng.randint(25, 480)
    admin = rng.randint(8, max(9, staff // 3))
    b.add("filler", f"（二）机构和人员情况。我局内设科室{rng.randint(5, 14)}个，下属事业单位{rng.randint(1, 8)}个，"
                    f"{f.year}年末在职人员{staff}人，其中行政编制{admin}人、事业编制{staff - admin}人。")
    if rng.random() < 0.5:
        b.add("filler", "（三）年度主要工作。" + "".join(rng.sample(_FILLER, 2)))
    b.blank()
    # --- money
    b.add("heading", "二、部门整体支出情况")
    prose_unit = "元" if unit_style == "元" else "万元"
    money = lambda fen, switch=True: b.money(fen, prose_unit, switch=switch)  # noqa: E731
    total_money = (lambda fen: b.money(fen, "亿元")) if unit_style == "亿元" else money  # noqa: E731
    if unit_style == "元":
        notes.append("All amounts are printed in 元 (元-precise); gold divides by 10000 keeping all decimals.")
    elif unit_style == "亿元":
        notes.append("The initial and full-year budgets are printed in 亿元 (gold × 10000), the other amounts in 万元.")
    verb = lambda: rng.choice(["", "", "为"])  # noqa: E731
    L_init = rng.choice(["年初预算", "年初预算数", "年初批复预算"])
    L_adj = rng.choice(["全年预算", "全年预算数", "调整后预算数", "调整后全年预算"])
    change = f.adjustment
    i_s, i_id = b.mark(total_money(f.initial))
    a_s, a_id = b.mark(total_money(f.adjusted))
    if change > 0:
        style = rng.choice(["追加", "调整数", "none"])
    elif change < 0:
        style = rng.choice(["调减", "调整数", "none"])
    else:
        style = "zero"
    if need_change & {"adjustment_sum_mismatch"} and style not in ("追加", "调整数"):
        style = "追加"
    adj_planted = style in ("追加", "调整数", "调减") and b.plant("adjustment_sum_mismatch")
    printed_change = change
    if adj_planted:
        printed_change = _off_amount(rng, abs(change), 10_000) * (1 if change > 0 else -1)
        notes.append(f"PLANTED adjustment_sum_mismatch: initial {_exact(f.initial, '万元')} + adjustment "
                     f"{_exact(printed_change, '万元')} ≠ adjusted {_exact(f.adjusted, '万元')}. Gold keeps the printed adjustment.")
    reason = rng.choice(["工作需要", "防汛救灾等任务需要", "上级专项资金下达", "重点项目建设需要"])
    c_id = None
    if style == "追加":
        c_s, c_id = b.mark(money(printed_change))
        clause = f"年中根据{reason}追加预算{c_s}，"
        g["adjustment"] = _wan(printed_change)
        notes.append("追加预算 in prose is the signed change: budget.adjustment.")
    elif style == "调减":
        c_s, c_id = b.mark(money(-printed_change))
        clause = f"年中调减预算{c_s}，"
        g["adjustment"] = _wan(printed_change)
        notes.append("调减预算 N in prose is a negative change: budget.adjustment = -N.")
    elif style == "调整数":
        c_s, c_id = b.mark(money(printed_change))
        clause = f"预算调整数{c_s}，"
        g["adjustment"] = _wan(printed_change)
    elif style == "none":
        clause = rng.choice(["年中根据工作需要追加调整，", "经年中调整后，"])
        notes.append("The adjustment is mentioned without an amount: budget.adjustment is null.")
    else:  # no change: the report simply prints the same total twice
        clause = ""
    arate_text = ""
    ar_planted = False
    if change > 0 and (rng.random() < 0.3 or "adjustment_rate_mismatch" in b.plants):
        arate = _rate_text(change, f.initial, 2)
        ar_planted = b.plant("adjustment_rate_mismatch")
        if ar_planted:
            wrong = _off_rate(rng, arate) if Decimal(arate) >= 30 else f"{Decimal(arate) + Decimal(rng.choice([2, 3, 5])):.2f}"
            notes.append(f"PLANTED adjustment_rate_mismatch: 预算调整率 printed {wrong}% but ({_exact(f.adjusted, '万元')} − "
                         f"{_exact(f.initial, '万元')})/{_exact(f.initial, '万元')} = {arate}%. Gold keeps the printed value.")
            arate = wrong
        ar_s, ar_id = b.mark(b.rate(arate))
        arate_text = f"，预算调整率{ar_s}"
        g["adjustment_rate"] = float(arate)
        b.check("adjustment_rate_mismatch", "change_ratio", ar_planted, {"rate": [ar_id], "new": [a_id], "base": [i_id]})
    if c_id is not None:
        terms = {"total": [a_id], "parts": [i_id, c_id]} if style != "调减" else {"total": [a_id], "parts": [i_id], "minus": [c_id]}
        b.check("adjustment_sum_mismatch", "sum", adj_planted, terms)
    (bi, ba, bx), (pi, pa, px) = f.basic, f.project
    tb, tx = f.three[1], f.three[2]
    parts_plant = b.plant("parts_do_not_sum")
    parts_where = None
    if parts_plant:
        parts_where = rng.choice(["budget", "actual"] + ([] if "unit_suspect" in b.plants else ["three"]))
    three_parts = [list(p) for p in f.three_parts]
    if parts_where == "budget":
        wrong = _off_amount(rng, pa, 10_000)
        notes.append(f"PLANTED parts_do_not_sum: 基本支出 {_exact(ba, '万元')} + 项目支出 {_exact(wrong, '万元')} ≠ the full-year "
                     f"budget {_exact(f.adjusted, '万元')}. Gold keeps the printed 项目支出 budget.")
        pa = wrong
    elif parts_where == "actual":
        wrong = _off_amount(rng, px, f.quantum)
        notes.append(f"PLANTED parts_do_not_sum: 基本支出 {_exact(bx, '万元', 2, 6)} + 项目支出 {_exact(wrong, '万元', 2, 6)} ≠ the "
                     f"actual {_exact(f.actual, '万元', 2, 6)}. Gold keeps the printed 项目支出 actual.")
        px = wrong
    b_s, b_id = b.mark(money(ba))
    p_s, p_id = b.mark(money(pa))
    b.add("prose", f"（一）预算安排情况。{years[2]}年我局{L_init}{verb()}{i_s}，{clause}{L_adj}{verb()}{a_s}{arate_text}。"
                   f"其中：基本支出{b_s}，项目支出{p_s}。")
    b.check("parts_do_not_sum", "sum", parts_where == "budget", {"total": [a_id], "parts": [b_id, p_id]})
    # execution
    L_act = rng.choice(["实际支出", "全年实际支出", "决算数", "全年执行数", "累计支出"])
    L_act2 = rng.choice(["", "实际支出", "决算数"]) if re.search("实际支出|决算|执行", L_act) else rng.choice(["实际支出", "决算数"])
    L_rate = rng.choice(["预算执行率", "预算执行率", "预算完成率", "资金支出率", "执行率"])
    rate, rate_planted = _exec_rate(b, rng, f.actual, f.adjusted, _rate_style(rng))
    x_s, x_id = b.mark(money(f.actual))
    bx_s, bx_id = b.mark(money(bx))
    px_s, px_id = b.mark(money(px))
    r_s, r_id = b.mark(b.rate(rate))
    remainder = ""
    if rng.random() < 0.5 or "remainder_mismatch" in b.plants:
        rest = f.adjusted - f.actual
        rem_planted = b.plant("remainder_mismatch")
        if rem_planted:
            wrong = _off_amount(rng, rest, f.quantum) if rest > 10 * FEN_PER_WAN else rest + rng.randint(2, 30) * FEN_PER_WAN
            notes.append(f"PLANTED remainder_mismatch: the text says 结转结余 {_exact(wrong, '万元', 2, 6)} 万元 but "
                         f"{_exact(f.adjusted, '万元')} − {_exact(f.actual, '万元', 2, 6)} = {_exact(rest, '万元', 2, 6)}.")
            rest = wrong
        rm_s, rm_id = b.mark(money(rest, switch=False))
        remainder = f"年末结转结余{rm_s}，主要为{rng.choice(['项目尾款尚未达到支付条件', '工程质保金及审计后待付款项', '跨年度实施项目的结转资金'])}。"
        b.check("remainder_mismatch", "difference", rem_planted, {"stated": [rm_id], "a": [a_id], "b": [x_id]})
    b.add("prose", f"（二）预算执行情况。{years[3]}年度{L_act}{x_s}，其中基本支出{L_act2}{bx_s}，项目支出{L_act2}{px_s}，"
                   f"{L_rate}{verb()}{r_s}。{remainder}")
    b.check("execution_rate_mismatch", "ratio", rate_planted, {"rate": [r_id], "num": [x_id], "den": [a_id]})
    b.check("parts_do_not_sum", "sum", parts_where == "actual", {"total": [x_id], "parts": [bx_id, px_id]})
    g.update(initial=_wan(f.initial), adjusted=_wan(f.adjusted), actual=_wan(f.actual), execution_rate=float(rate))
    g["basic"].update(budget=_wan(ba), actual=_wan(bx))
    g["project"].update(budget=_wan(pa), actual=_wan(px))
    # “三公”经费
    want_items = rng.random() < 0.6 or "unit_suspect" in b.plants or parts_where == "three"
    tb_s = money(tb, switch=False)
    three_total = tx
    if parts_where == "three":
        three_total = _off_amount(rng, tx, 10_000) if tx >= 10 * FEN_PER_WAN else tx + rng.randint(1, 9) * FEN_PER_WAN
        notes.append(f"PLANTED parts_do_not_sum: the “三公” items add up to {_exact(tx, '万元')} but the “三公” actual is "
                     f"printed {_exact(three_total, '万元')}. Gold keeps the printed actual.")
    tx_s, tx_id = b.mark(money(three_total, switch=False))
    items = ""
    if want_items:
        suspect = None
        if b.plant("unit_suspect"):
            nonzero = [k for k, (_, v) in enumerate(three_parts) if v > 0]
            suspect = min(nonzero, key=lambda k: three_parts[k][1])
        ids = []
        texts = []
        for k, (label, value) in enumerate(three_parts):
            label = label if rng.random() < 0.5 else label.replace("购置及", "")
            if k == suspect:
                shown = b.numeral(_exact(value, "万元")) + "元"
                notes.append(f"PLANTED unit_suspect: {label} is printed '{_exact(value, '万元')}元' among 万元 amounts; read as 万元 "
                             f"the items add up to the “三公” actual {_exact(tx, '万元')}. No record field holds it.")
            else:
                shown = money(value, switch=False) if value else "0" + prose_unit
            s, sid = b.mark(shown)
            ids.append(sid)
            texts.append(f"{label}{s}")
        items = "，其中" + "，".join(texts)
        b.check("unit_suspect" if suspect is not None else "parts_do_not_sum", "unit_sum" if suspect is not None else "sum",
                suspect is not None or parts_where == "three", {"total": [tx_id], "parts": ids})
    L3b = rng.choice(["预算", "全年预算", "预算数"])
    L3a = rng.choice(["实际支出", "决算数"])
    b.add("prose", f"（三）“三公”经费情况。{f.year}年“三公”经费{L3b}{tb_s}，{L3a}{tx_s}{items}。")
    g["three_public"].update(budget=_wan(tb), actual=_wan(three_total))
    b.blank()
    # --- indicators
    b.add("heading", "三、部门整体绩效目标完成情况")
    if rng.random() < 0.5:
        L_t = rng.choice(["年度指标值", "年度目标", "目标值"])
        L_a = rng.choice(["实际完成值", "实际完成", "完成值"])
        level1_names = {"产出指标": "（一）产出指标", "效益指标": "（二）效益指标", "满意度指标": "（三）满意度指标"}
        current1 = None
        k = 0
        for level1 in ("产出指标", "效益指标", "满意度指标"):
            group = [i for i in f.indicators if i.level1 == level1]
            if not group:
                continue
            head = level1_names[level1]
            if current1 is not None or True:
                n = ["一", "二", "三"][k]
                head = f"（{n}）{level1}"
                k += 1
            b.add("heading", head)
            current1 = level1
            seconds = []
            for ind in group:
                if ind.level2 not in seconds:
                    seconds.append(ind.level2)
            for j, level2 in enumerate(seconds):
                items_text = "；".join(f"{i.name}，{L_t}{_numtext(b, i.target)}，{L_a}{_numtext(b, i.actual)}"
                                      for i in group if i.level2 == level2)
                prefix = f"{j + 1}." if level1 != "满意度指标" or len(seconds) > 1 else ""
                b.add("prose", f"{prefix}{level2}：{items_text}。")
        notes.append("Indicators are prose ('<name>，年度指标值X，实际完成值Y'); level1 from the （一）（二）（三） headings; "
                     "targets/actuals given without OCR spaces.")
    else:
        b.add("prose", "我局围绕年初设定的部门整体绩效目标，扎实推进各项工作，主要指标完成情况见下表。")
        b.add("label", f"表1  {f.year}年度部门整体绩效目标完成情况")
        h_t = rng.choice(["年度目标值", "年度指标值", "指标值"])
        h_a = rng.choice(["实际完成值", "完成值", "全年完成值"])
        b.row(["一级指标", "二级指标", "三级指标", h_t, h_a, "完成情况"], "header")
        for ind in f.indicators:
            b.row([ind.level1, ind.level2, ind.name, _numtext(b, ind.target), _numtext(b, ind.actual),
                   "已完成" if ind.completed else "未完成"], "indicator", name_col=2)
        notes.append("indicators = the goal table 表1 (level1 printed on every row).")
    gold["indicators"] = [_ind_gold(b, i) for i in f.indicators]
    b.blank()
    # --- conclusion and score
    b.add("heading", "四、自评结论")
    score_ids: list[int] = []
    frame_rows = []
    if with_scores:
        weights = rng.choice([(20, 20, 30, 30), (15, 15, 40, 30), (10, 20, 40, 30)])
        for (group, subs), points in zip(_SCORE_FRAME, weights):
            leaves = []
            for sub, names in subs:
                for name in (names if names is not None else list(f.bureau.work)):
                    leaves.append((sub, name.format(who=f.who)))
            base = points // len(leaves)
            ws = [base] * len(leaves)
            for k in range(points - base * len(leaves)):
                ws[k] += 1
            for (sub, name), w in zip(leaves, ws):
                if name == "预算执行率":
                    s = int((Decimal(w * 100) * Decimal(rate) / 100).quantize(Decimal(10), rounding=ROUND_DOWN))
                    s = min(s, w * 100)
                else:
                    s = w * 100 - rng.choice([0, 0, 0, 50, 100, 150]) if w > 2 else w * 100
                frame_rows.append((group, points, sub, name, w, s))
        items = sum(r[5] for r in frame_rows)
        total, tplanted = _score_total(b, rng, items)
    else:
        total, tplanted = rng.randint(780, 985) * 10, False
    grade, gplanted = _grade(b, rng, total)
    L_score = rng.choice(["自评得分", "自评得分", "自评总分", "综合评分", "prose"])
    L_grade = rng.choice(["评价等级", "自评等级", "绩效等级"])
    sc_s, sc_id = b.mark(b.score(total))
    gr_s, gr_id = b.mark(grade)
    score_phrase = f"自评得{sc_s}分" if L_score == "prose" else f"{L_score}{sc_s}分"
    conflict = ""
    if rng.random() < 0.3 or "conflicting_statement" in b.plants:
        c_planted = b.plant("conflicting_statement")
        restated = rate
        if c_planted:
            true = _rate_text(f.actual, f.adjusted, len(rate.split(".")[1]) if "." in rate else 0)
            restated = true if true != rate else _off_rate(rng, rate)
            if Decimal(restated) == Decimal(rate):
                restated = _off_rate(rng, rate)
            notes.append(f"PLANTED conflicting_statement: the 自评结论 restates the execution rate as {restated}% while the "
                         f"预算执行情况 section prints {rate}%. Gold keeps the money section's {Decimal(rate).normalize():f}.")
        rs_s, rs_id = b.mark(b.rate(restated))
        conflict = f"全年部门预算执行率{rs_s}，各项绩效目标基本完成。"
        b.check("conflicting_statement", "equal", c_planted, {"values": [r_id, rs_id]})
    b.add("prose", f"{rng.choice(['对照部门整体支出绩效评价指标体系逐项打分', '按照财政部门印发的评价指标体系，从投入、过程、产出、效益四个方面逐项自评打分'])}，"
                   f"经综合评价，我局{years[4]}年度部门整体支出绩效{score_phrase}，{L_grade}为“{gr_s}”。{conflict}")
    b.check("grade_score_mismatch", "grade", gplanted, {"grade": [gr_id], "score": [sc_id]})
    if with_scores:
        b.add("prose", "各项指标得分情况如下：")
        b.add("label", "表2  部门整体支出绩效自评评分表")
        b.row(["一级指标", "二级指标", "三级指标", "分值", "得分"], "header")
        last_group = last_sub = None
        for group, points, sub, name, w, s in frame_rows:
            g1 = f"{group}（{points}分）" if group != last_group else ""
            g2 = sub if (sub != last_sub or g1) else ""
            last_group, last_sub = group, sub
            s_s, s_id = b.mark(b.score(s))
            score_ids.append(s_id)
            b.row([g1, g2, name, str(w), s_s], "score")
        tt_s, tt_id = b.mark(b.score(total))
        b.row(["合计", "", "", "100", tt_s], "total")
        b.check("score_items_do_not_sum", "sum", tplanted, {"total": [tt_id], "parts": score_ids})
        b.check("conflicting_statement", "equal", False, {"values": [sc_id, tt_id]})
        notes.append("Score: the 自评结论 sentence and the 表2 合计 row print the same total; the score-table rows are "
                     "score items, not indicators.")
    gold["evaluation"] = {"score": float(_score_text(total)), "grade": grade}
    b.blank()
    # --- problems, improvements, signature
    b.add("heading", "五、" + rng.choice(["存在的问题", "存在的主要问题", "存在问题"]))
    b.add("prose", f.problems)
    b.blank()
    imp = rng.choice(["改进措施", "下一步改进措施", "下一步工作计划", "改进措施及建议"])
    b.add("heading", f"六、{imp}")
    b.add("prose", f.improvements)
    gold["problems"], gold["improvements"] = f.problems, f.improvements
    b.blank()
    b.add("sig", f.dept)
    b.add("sig", f.date)
    return gold


# ============================================================================================
# Genre layouts (issue 8): what real reports print that the classic layouts do not
# ============================================================================================

_TOWN_A = "东西南北石青白黄桃柳梅杨马龙凤云"
_TOWN_B = "坪口湾桥庄溪岗埠塘岭坝铺"
_DETAIL_ITEMS = ["工程进度款", "设备采购款", "监理服务费", "第三方检测费", "技术培训费", "宣传材料印制费", "劳务补助",
                 "验收评审费", "工程质保金", "信息系统运维费", "材料采购款"]
_PERSONS = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_SOURCES = ["中央", "省级", "市级", "县级"]


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


def _fund_indicators_prose(b: _Builder, rng: random.Random, inds: list[_Ind], heading) -> list[dict[str, Any]]:
    """Indicator sentences under numbered level headings (with or without colons), under level-1
    headings only, or without any level heading. Returns the gold indicators."""
    style = rng.choice(["levels", "levels", "level1", "flat"])
    colon1, colon2 = rng.random() < 0.5, rng.random() < 0.5
    sep = rng.choice(["：", "：", "，"])
    L_t = rng.choice(["年度指标值", "年度目标值", "目标值"])
    L_a = rng.choice(["实际完成", "实际完成值", "全年完成"])
    numbered = rng.random() < 0.4
    gold = []

    def sentence(ind: _Ind, k: int) -> str:
        status = ("，指标完成" if rng.random() < 0.5 else "，已完成") if ind.completed else rng.choice(["，未完成", "，未达到目标"])
        num = f"（{k + 1}）" if numbered else ""
        return f"{num}{ind.name}{sep}{L_t}{_numtext(b, ind.target)}，{L_a}{_numtext(b, ind.actual)}{status}。"

    if style == "flat":
        b.add("prose", "主要绩效指标完成情况如下：")
        for k, ind in enumerate(inds):
            b.add("prose", sentence(ind, k))
            gold.append({"level1": None, "level2": None, "name": ind.name, "target": ind.target, "actual": ind.actual})
        b.notes.append("Indicator sentences without any level heading: level1 and level2 are null.")
        return gold
    k1 = 0
    for level1 in ("产出指标", "效益指标", "满意度指标"):
        group = [i for i in inds if i.level1 == level1]
        if not group:
            continue
        heading(f"（{_ORDINALS[k1]}）{level1}" + ("：" if colon1 else ""))
        k1 += 1
        if style == "level1":
            for k, ind in enumerate(group):
                b.add("prose", sentence(ind, k))
                gold.append({"level1": level1, "level2": None, "name": ind.name, "target": ind.target, "actual": ind.actual})
            continue
        seconds = list(dict.fromkeys(i.level2 for i in group))
        for j, level2 in enumerate(seconds):
            b.add("heading", f"{j + 1}.{level2}" + ("：" if colon2 else ""))
            for k, ind in enumerate(i for i in group if i.level2 == level2):
                b.add("prose", sentence(ind, k))
                gold.append({"level1": level1, "level2": level2, "name": ind.name, "target": ind.target, "actual": ind.actual})
    b.notes.append("Indicator sentences under numbered headings: level1 from （一）… headings"
                   + (", level2 from 1.… headings." if style == "levels" else "; no level-2 heading, so level2 is null.")
                   + (" A numbering （1） before a name is not part of it." if numbered else ""))
    return gold


def _project_report(b: _Builder, rng: random.Random) -> dict[str, Any]:
    f = _facts(rng, "project_report", b)
    subject = _fund_name(rng, f.bureau)
    place = f.dept[: -len(f.bureau.name)]
    gold = _empty_gold()
    gold.update(department=f.dept, fiscal_year=f.year, report_type="project_report", subject=subject)
    g = gold["budget"]
    notes = b.notes
    furniture = set(rng.sample(["index", "docx", "stale", "html", "period"], k=rng.randint(1, 2)))
    html = "html" in furniture
    heading = lambda text: b.add("heading", _html_heading(rng, text) if html else text)  # noqa: E731
    years, _ = _year_marks(b, rng, f.year, 3)
    # --- page furniture, then the title
    if "index" in furniture:
        b.row([f"索引号：{rng.randint(10**10, 10**11 - 1)}/{f.year + 1}-{rng.randint(1, 300):05d}", f"发布机构：{place}财政局"], "other")
        b.row([f"发布日期：{f.year + 1}-{rng.randint(3, 9):02d}-{rng.randint(1, 28):02d}", "主题分类：财政资金"], "other")
        notes.append("索引号 / 发布机构 / 发布日期 rows of the publishing site come before the title; their date is not the fiscal year.")
    if "docx" in furniture:
        b.add("furniture", f"{subject}绩效自评报告.docx    作者：Administrator    修改时间：{f.year + 1}/{rng.randint(1, 6)}/"
                           f"{rng.randint(1, 28)} {rng.randint(8, 18)}:{rng.randint(0, 59):02d}")
        notes.append("A line of docx metadata (file name, author, modification time) precedes the title.")
    if "stale" in furniture:
        b.add("furniture", f"{place}{rng.choice(['财政局', '人民政府'])}关于公开{f.year + 1}年度部门预算的说明")
        notes.append(f"A stale heading of another article (about {f.year + 1}) stands above the real title.")
    if "period" in furniture:
        title = f"{subject}绩效自评报告"
    else:
        title = rng.choice([f"{f.dept}{years[0]}年度{subject}绩效自评报告", f"{years[0]}年度{subject}绩效自评报告",
                            f"{years[0]}年{subject}项目绩效自评报告"])
    _title_lines(b, rng, [title], html and rng.random() < 0.5)
    b.blank()
    # --- basic information (a department figure here is not the fund's budget)
    heading("一、项目基本情况")
    duties = "、".join(rng.sample(f.bureau.duties, 2))
    overview = f"（一）项目概况。{subject}由{f.dept}组织实施，主要用于{duties}等方面。"
    if "period" in furniture:
        overview += f"项目实施期：{years[0]}年1月至{f.year}年12月。"
        notes.append("The title prints no year: fiscal_year comes from the project period 'YYYY年1月至YYYY年12月'.")
    if rng.random() < 0.4:
        overview += f"{f.year}年我局部门预算总额{b.money(f.adjusted, switch=False)}，本项目资金单独核算。"
        notes.append("The 部门预算总额 in 项目概况 is the department's money, not the fund's: budget holds the fund's figures.")
    b.add("prose", overview)
    b.add("filler", "（二）项目绩效目标。" + rng.choice(_FILLER))
    b.blank()
    # --- money: one unlabelled allocation (adjusted), or 年初 (+ a change)
    heading("二、" + rng.choice(["项目资金安排和使用情况", "资金投入和使用情况", "项目资金情况"]))
    plant_parts = "parts_do_not_sum" in b.plants
    list_style = rng.choice(["numbered", "uses", "runon", "nested", "towns", "none"])
    if plant_parts and list_style not in ("numbered", "uses", "runon"):
        list_style = rng.choice(["numbered", "uses"])
    money_style = rng.choices(["xiada", "plan", "change", "initial_only"], [0.35, 0.2, 0.3, 0.15])[0]
    k = rng.randint(3, 6)
    if list_style == "nested":
        total = _amount(rng, 12000, 45000, 100 * FEN_PER_WAN)
        quantum = 100 * FEN_PER_WAN
    elif list_style == "towns":
        total = sum(rng.randint(2, 40) * FEN_PER_WAN for _ in range(k))
        quantum = FEN_PER_WAN
    else:
        total = _amount(rng, 60, 3000, 10_000)
        quantum = 10_000
    m_total = lambda fen: b.money(fen, "亿元") if list_style == "nested" else b.money(fen)  # noqa: E731
    t_s, t_id = b.mark(m_total(total))
    if money_style == "xiada":
        src = rng.choice(["省财政厅", "市财政局", "上级财政", "中央和省级财政"])
        sentence = f"{years[1]}年，{src}下达{subject}{t_s}，"
        g["adjusted"] = _wan(total)
        notes.append("A single allocation (下达 N) without a 年初 label: budget.adjusted, initial null.")
    elif money_style == "plan":
        sentence = f"{years[1]}年本项目{rng.choice(['计划安排资金', '安排资金'])}{t_s}，"
        g["adjusted"] = _wan(total)
        notes.append("A single budget figure (计划安排资金) without a 年初 label: budget.adjusted, initial null.")
    elif money_style == "change":
        change = int(total * rng.uniform(0.05, 0.3)) // quantum * quantum or quantum
        initial = total - change
        i_s, i_id = b.mark(m_total(initial))
        c_s, c_id = b.mark(m_total(change))
        sentence = (f"{years[1]}年{rng.choice(['年初预算', '年初预算安排'])}{i_s}，{rng.choice(['年中追加', '追加调整'])}{c_s}，"
                    f"{rng.choice(['全年预算', '调整后预算'])}{t_s}，")
        g.update(initial=_wan(initial), adjustment=_wan(change), adjusted=_wan(total))
        b.check("adjustment_sum_mismatch", "sum", False, {"total": [t_id], "parts": [i_id, c_id]})
        notes.append("年初预算 (initial) + 年中追加 (adjustment, a change) = 全年预算 (adjusted).")
    else:
        sentence = f"{years[1]}年{rng.choice(['年初预算安排', '年初预算'])}{t_s}，"
        g["initial"] = _wan(total)
        notes.append("Only a 年初 figure is printed: budget.initial; adjusted is null.")
    # Sub-items (what the money was spent on) and the spending.
    items: list[tuple[str, int, int | None]] = []  # (name, budget, actual)
    if list_style in ("numbered", "uses", "runon"):
        names = rng.sample([p for p in f.bureau.projects if p not in subject], k=min(k, 5))
        parts = _split(rng, total, len(names), quantum)
        for name, part in zip(names, parts):
            spent = int(part * rng.uniform(0.85, 1.0)) // 10_000 * 10_000 if list_style != "numbered" else None
            items.append((name, part, spent))
    actual = sum(i[2] for i in items) if list_style in ("uses", "runon") else int(total * rng.uniform(0.82, 1.0)) // 10_000 * 10_000
    rate, rate_planted = _exec_rate(b, rng, actual, total, _rate_style(rng))
    x_s, x_id = b.mark(b.money(actual))
    r_s, r_id = b.mark(b.rate(rate))
    L_act = rng.choice(["实际支出", "累计支出", "实际形成支出", "已支付"])
    L_rate = rng.choice(["预算执行率", "资金支出率", "执行率", "支出率"])
    sentence += f"截至{f.year}年12月31日，{L_act}{x_s}，{L_rate}{r_s}。"
    b.check("execution_rate_mismatch", "ratio", rate_planted, {"rate": [r_id], "num": [x_id], "den": [t_id]})
    g.update(actual=_wan(actual), execution_rate=float(rate))
    if rng.random() < 0.3 and list_style not in ("uses", "runon"):
        central = int(actual * rng.uniform(0.4, 0.8)) // 10_000 * 10_000
        c1, c1_id = b.mark(b.money(central, switch=False))
        c2, c2_id = b.mark(b.money(actual - central, switch=False))
        sentence += f"其中：中央资金支出{c1}，省级资金支出{c2}。"
        b.check("parts_do_not_sum", "sum", False, {"total": [x_id], "parts": [c1_id, c2_id]})
        notes.append("The 其中 after the spending splits the spending by funding source: not projects, not the budget.")
    b.add("prose", sentence)
    part_ids: list[int] = []
    planted_item = rng.randrange(len(items)) if items and plant_parts and b.plant("parts_do_not_sum") else None
    if list_style in ("numbered", "uses", "runon"):
        texts = []
        for j, (name, part, spent) in enumerate(items):
            if j == planted_item:
                wrong = _off_amount(rng, part, quantum)
                notes.append(f"PLANTED parts_do_not_sum: the items add up to {_exact(total - part + wrong, '万元')} 万元, not the "
                             f"total {_exact(total, '万元')} ({name} printed {_exact(wrong, '万元')}, should be {_exact(part, '万元')}). "
                             "Gold keeps the printed item.")
                part = wrong
                items[j] = (name, part, spent)
            p_s, p_id = b.mark(b.money(part))
            part_ids.append(p_id)
            if list_style == "numbered":
                texts.append(f"{j + 1}.{name}{p_s}")
            else:
                x_i = b.money(spent)
                r_i = _rate_text(spent, part, 2)
                if list_style == "uses":
                    texts.append(f"{j + 1}.{name}：预算{p_s}，实际支出{x_i}，执行率{b.rate(r_i)}。")
                else:
                    texts.append(f"{name}预算{p_s}，实际支出{x_i}")
            gold["projects"].append({"name": name, "budget": _wan(part), "actual": _wan(spent) if spent is not None else None,
                                     "execution_rate": float(r_i) if list_style == "uses" else None})
        if list_style == "numbered":
            b.add("prose", rng.choice(["资金分配情况：", "资金具体安排如下："]) + "；".join(texts) + "。")
            notes.append("A numbered allocation list: each item's amount is its budget (no actual printed).")
        elif list_style == "uses":
            b.add("prose", "资金使用情况：")
            for text in texts:
                b.add("prose", text)
            notes.append("Numbered uses with budget, actual and rate each: projects take all three.")
        else:
            b.add("prose", "其中，" + "；".join(texts) + "。")
            notes.append("Run-on clauses '<name>预算X，实际支出Y；…': projects with budget and actual.")
        b.check("parts_do_not_sum", "sum", planted_item is not None, {"total": [t_id], "parts": part_ids})
    elif list_style == "nested":
        names = rng.sample([p for p in f.bureau.projects if p not in subject], k=3)
        parts = _split(rng, total, 3, quantum)
        parent = rng.randrange(3)
        towns = _towns(rng, 2)
        subs = _split(rng, parts[parent], 2, quantum)
        texts = []
        for j, (name, part) in enumerate(zip(names, parts)):
            p_s, p_id = b.mark(b.money(part, "亿元"))
            part_ids.append(p_id)
            if j == parent:
                inner = "，".join(f"{t}{b.money(s, '亿元')}" for t, s in zip(towns, subs))
                texts.append(f"{name}{p_s}（其中：{inner}）")
                gold["projects"] += [{"name": t, "budget": _wan(s), "actual": None, "execution_rate": None} for t, s in zip(towns, subs)]
            else:
                texts.append(f"{name}{p_s}")
                gold["projects"].append({"name": name, "budget": _wan(part), "actual": None, "execution_rate": None})
        b.add("prose", "资金安排情况：全年共安排资金" + b.money(total, "亿元") + "，其中：" + "，".join(texts) + "。")
        b.check("parts_do_not_sum", "sum", False, {"total": [t_id], "parts": part_ids})
        notes.append(f"A fund list in 亿元 with a nested 其中: {names[parent]} is split into listed sub-items, so the sub-items "
                     "are projects and the parent is not (the list counts no money twice). Amounts × 10000.")
    elif list_style == "towns":
        towns = _towns(rng, k)
        parts = _split(rng, total, k, FEN_PER_WAN, lo=0.3)
        texts = []
        for town, part in zip(towns, parts):
            n_s, n_id = b.mark(b.numeral(str(part // FEN_PER_WAN)))
            part_ids.append(n_id)
            texts.append(f"{town}{n_s}万")
            gold["projects"].append({"name": town, "budget": _wan(part), "actual": None, "execution_rate": None})
        b.add("prose", f"资金按{k}个乡镇分配：" + "、".join(texts) + "。")
        b.check("parts_do_not_sum", "sum", False, {"total": [t_id], "parts": part_ids})
        notes.append("An allocation by town without 元 ('东坪镇5万'): each town is a project with that budget in 万元.")
    b.blank()
    # --- indicators in prose
    heading("三、" + rng.choice(["项目绩效目标完成情况", "绩效指标完成情况", "项目绩效情况"]))
    b.add("prose", f"{years[2]}年，项目围绕年初设定的绩效目标组织实施，具体完成情况如下。")
    inds = _indicators(rng, f.bureau, f.who, rng.randint(4, 7))
    gold["indicators"] = _fund_indicators_prose(b, rng, inds, heading)
    b.blank()
    # --- score, problems, improvements
    n = 3
    score_style = rng.choice(["自评得分", "综合评分", "自评总分", "本项目得分", "none"])
    if score_style != "none":
        n += 1
        heading(f"{_ORDINALS[n - 1]}、{rng.choice(['自评结论', '综合评价结论'])}")
        total_score = rng.randint(800, 990) * 10
        grade, gplanted = _grade(b, rng, total_score)
        s_s, s_id = b.mark(b.score(total_score))
        g_s, g_id = b.mark(grade)
        if score_style == "本项目得分":
            phrase = f"本项目得分{s_s}分，评价等级为“{g_s}”。"
        else:
            phrase = f"经综合评价，本项目{score_style}{s_s}分，{rng.choice(['自评等级', '绩效等级'])}为“{g_s}”。"
        b.add("prose", phrase)
        b.check("grade_score_mismatch", "grade", gplanted, {"grade": [g_id], "score": [s_id]})
        gold["evaluation"] = {"score": float(_score_text(total_score)), "grade": grade}
    else:
        notes.append("No score or grade is printed: evaluation is null.")
    n += 1
    heading(f"{_ORDINALS[n - 1]}、{rng.choice(['存在的问题', '存在问题'])}")
    b.add("prose", f.problems)
    n += 1
    heading(f"{_ORDINALS[n - 1]}、{rng.choice(['改进措施', '改进建议', '下一步工作计划'])}")
    b.add("prose", f.improvements)
    gold["problems"], gold["improvements"] = f.problems, f.improvements
    b.blank()
    b.add("sig", f.dept)
    b.add("sig", f.date)
    notes.append("Narrative report on one fund: report_type project_report, subject = the fund; budget = the fund's money "
                 "(the section heading gives the scope of the money sentences).")
    if html:
        notes.append("HTML tags around headings are leftovers of a mirror site.")
    return gold


def _project_form(b: _Builder, rng: random.Random) -> dict[str, Any]:
    """A form-style fund report: 计划安排资金 (合计 → adjusted) with funding-source rows, a
    detail table of payments in 元 under its own '单位：元', an indicator table, prose."""
    f = _facts(rng, "project_form", b)
    subject = _fund_name(rng, f.bureau)
    impl = _implementer(rng, f)
    gold = _empty_gold()
    gold.update(department=f.dept, fiscal_year=f.year, report_type="project_report", subject=subject)
    g = gold["budget"]
    notes = b.notes
    years, _ = _year_marks(b, rng, f.year, 2)
    if rng.random() < 0.6:
        b.add("title", rng.choice(["附件3", "附件2"]))
    b.add("title", rng.choice([f"{years[0]}年度项目支出绩效自评报告", f"{subject}绩效自评报告（{years[0]}年度）"]))
    b.blank()
    b.add("heading", "一、项目基本情况")
    b.row(["项目名称", subject], "info2")
    b.row(["主管部门", f.dept, "实施单位", impl], "info")
    b.row(["项目负责人", rng.choice(_PERSONS) + rng.choice("某") + rng.choice(["", "某"]), "联系电话",
           f"0{rng.randint(700, 999)}-{rng.randint(2000000, 8999999)}"], "info")
    b.add("heading", "二、项目资金情况")
    b.add("label", "单位：万元")
    total = _amount(rng, 50, 2500, 10_000)
    sources = rng.sample(_SOURCES, k=rng.randint(2, 4))
    sources.sort(key=_SOURCES.index)
    src_parts = _split(rng, total, len(sources), 10_000)
    actual = int(total * rng.uniform(0.8, 1.0)) // 10_000 * 10_000
    act_parts = [p * actual // total // 10_000 * 10_000 for p in src_parts]
    act_parts[0] += actual - sum(act_parts)
    pcol = None
    if b.plant("parts_do_not_sum"):
        j = rng.randrange(len(sources))
        wrong = _off_amount(rng, src_parts[j], 10_000)
        notes.append(f"PLANTED parts_do_not_sum: the funding-source rows of 计划安排资金 add up to "
                     f"{_exact(total - src_parts[j] + wrong, '万元')}, not the 合计 {_exact(total, '万元')}.")
        src_parts[j] = wrong
        pcol = "plan"
    rate, rate_planted = _exec_rate(b, rng, actual, total, _rate_style(rng))
    t_s, t_id = b.mark(b.money(total, prose=False))
    x_s, x_id = b.mark(b.money(actual, prose=False))
    b.row(["资金来源", "计划安排资金", "实际到位资金", "实际支出", "结余"], "header")
    b.row(["合计", t_s, b.money(total, prose=False), x_s, b.money(total - actual, prose=False) if total > actual else "0.00"],
          "money", name_col=0)
    plan_ids, act_ids = [], []
    for src, part, spent in zip(sources, src_parts, act_parts):
        p_s, p_id = b.mark(b.money(part, prose=False))
        s_s, s_id = b.mark(b.money(spent, prose=False))
        plan_ids.append(p_id)
        act_ids.append(s_id)
        b.row([src, p_s, b.money(part, prose=False), s_s, b.money(part - spent, prose=False) if part > spent else "0.00"],
              "money", name_col=0)
    b.check("parts_do_not_sum", "sum", pcol == "plan", {"total": [t_id], "parts": plan_ids})
    b.check("parts_do_not_sum", "sum", False, {"total": [x_id], "parts": act_ids})
    r_s, r_id = b.mark(b.rate(rate))
    b.add("prose", f"{rng.choice(['预算执行率', '资金执行率'])}：{r_s}")
    b.check("execution_rate_mismatch", "ratio", rate_planted, {"rate": [r_id], "num": [x_id], "den": [t_id]})
    g.update(adjusted=_wan(total), actual=_wan(actual), execution_rate=float(rate))
    # The detail table of payments, in 元 (its own unit line).
    b.add("heading", "三、资金使用明细")
    b.add("label", "单位：元")
    b.row(["序号", "支出内容", "支出金额", "支付时间"], "header")
    names = rng.sample(_DETAIL_ITEMS, k=rng.randint(3, 6))
    pays = _split(rng, actual, len(names), 100)
    for j, (name, pay) in enumerate(zip(names, pays)):
        b.row([str(j + 1), name, b.money(pay, "元", prose=False), f"{years[1] if j == 0 else f.year}年{rng.randint(2, 12)}月"],
              "project", name_col=1)
        gold["projects"].append({"name": name, "budget": None, "actual": _wan(pay), "execution_rate": None})
    b.row(["合计", "", b.money(actual, "元", prose=False), ""], "total")
    # Indicators, score, problems.
    b.add("heading", "四、绩效指标完成情况")
    merged = rng.random() < 0.6
    b.row(["一级指标", "二级指标", "三级指标", rng.choice(["年度指标值", "绩效目标值"]), rng.choice(["实际完成值", "完成值"]), "完成情况"], "header")
    prev1 = prev2 = None
    for ind in f.indicators:
        l1 = ind.level1 if not merged or ind.level1 != prev1 else ""
        l2 = ind.level2 if not merged or ind.level2 != prev2 or l1 else ""
        prev1, prev2 = ind.level1, ind.level2
        b.row([l1, l2, ind.name, _numtext(b, ind.target), _numtext(b, ind.actual), "已完成" if ind.completed else "未完成"],
              "indicator", name_col=2)
    gold["indicators"] = [_ind_gold(b, i) for i in f.indicators]
    b.add("heading", "五、自评结论")
    total_score = rng.randint(800, 990) * 10
    grade, gplanted = _grade(b, rng, total_score)
    s_s, s_id = b.mark(b.score(total_score))
    g_s, g_id = b.mark(grade)
    b.add("prose", f"本项目自评得分{s_s}分，自评等级为“{g_s}”。")
    b.check("grade_score_mismatch", "grade", gplanted, {"grade": [g_id], "score": [s_id]})
    gold["evaluation"] = {"score": float(_score_text(total_score)), "grade": grade}
    b.add("heading", "六、存在的问题")
    b.add("prose", f.problems)
    b.add("heading", "七、改进措施")
    b.add("prose", f.improvements)
    gold["problems"], gold["improvements"] = f.problems, f.improvements
    notes += [
        "Form-style report on one fund: report_type project_report, subject = 项目名称, department = 主管部门.",
        "The 合计 of 计划安排资金 is the single budget figure (no 年初 label): budget.adjusted, initial null.",
        "Funding-source rows (中央/省级/市级/县级) are never projects; the payment detail rows are (actual only).",
        "The detail table has its own unit line '单位：元' (the money table above is in 万元): its amounts ÷ 10000.",
    ]
    return gold


def _score_table(b: _Builder, rng: random.Random) -> dict[str, Any]:
    """A department's score table only: 一级/二级/三级 + 指标权重（分）+ 得分 (+ 备注), a 合计 row,
    自评得分 and 评价等级. Score-only rows are no indicators: indicators = []."""
    f = _facts(rng, "score_table", b)
    gold = _empty_gold()
    gold.update(department=f.dept, fiscal_year=f.year, report_type="overall_table")
    years, _ = _year_marks(b, rng, f.year, 2)
    b.add("title", rng.choice([f"{f.dept}{years[0]}年度部门整体支出绩效自评评分表", f"{years[0]}年度部门整体支出绩效评价评分表"]))
    b.blank()
    b.row(["部门名称", f.dept, "评价年度", f"{years[1]}年"], "info")
    two_line = rng.random() < 0.6
    w_label = rng.choice(["指标权重（分）", "指标分值", "分值"])
    cells = ["一级指标", "二级指标", "三级指标", w_label, "得分", "备注"]
    _header_rows(b, cells, two_line)
    weights = rng.choice([(20, 20, 30, 30), (15, 15, 40, 30), (10, 20, 40, 30)])
    score_ids = []
    items = 0
    rows = []
    for (group, subs), points in zip(_SCORE_FRAME, weights):
        leaves = [(sub, name.format(who=f.who)) for sub, names in subs for name in (names if names is not None else list(f.bureau.work))]
        base = points // len(leaves)
        ws = [base] * len(leaves)
        for k in range(points - base * len(leaves)):
            ws[k] += 1
        for (sub, name), w in zip(leaves, ws):
            s = w * 100 - (rng.choice([0, 0, 0, 50, 100]) if w > 2 else 0)
            rows.append((group, points, sub, name, w, s))
    last_group = last_sub = None
    for group, points, sub, name, w, s in rows:
        g1 = f"{group}（{points}分）" if group != last_group else ""
        g2 = sub if (sub != last_sub or g1) else ""
        last_group, last_sub = group, sub
        s_s, s_id = b.mark(b.score(s))
        score_ids.append(s_id)
        items += s
        note = "" if s == w * 100 else f"扣{_score_text(w * 100 - s)}分"
        b.row([g1, g2, name, str(w), s_s, note], "score")
    total, tplanted = _score_total(b, rng, items)
    t_s, t_id = b.mark(b.score(total))
    b.row(["合计", "", "", "100", t_s, ""], "total")
    b.check("score_items_do_not_sum", "sum", tplanted, {"total": [t_id], "parts": score_ids})
    grade, gplanted = _grade(b, rng, total)
    s2, s2_id = b.mark(b.score(total))
    g_s, g_id = b.mark(grade)
    b.add("prose", f"自评得分：{s2}分    {rng.choice(['评价等级', '自评等级'])}：{g_s}")
    b.check("grade_score_mismatch", "grade", gplanted, {"grade": [g_id], "score": [s2_id]})
    b.check("conflicting_statement", "equal", False, {"values": [t_id, s2_id]})
    gold["evaluation"] = {"score": float(_score_text(total)), "grade": grade}
    b.blank()
    b.row(["评价人员：", "复核人：", f"日期：{f.date}"], "other")
    b.notes += [
        "A score table with no money: budget is null; every row prints only 分值 and 得分, so indicators = [] "
        "(score-only rows are not indicators); score = 合计 = 自评得分.",
        "Header " + ("over two lines." if two_line else "on one line.") + " 一级/二级 cells merged (printed on the first row of a group).",
    ]
    return gold


def _form_money(b: _Builder, rng: random.Random, initial: int, adjusted: int, actual: int, rate: str, style: str,
                multi_header: bool, unit_wrap: bool, score_weight: int = 10) -> tuple[dict[str, Any], int, list[int]]:
    """The money block of a one-project form: header (one to three lines), 年度资金总额 and the
    funding rows. Returns (budget gold, item score, mark ids [rate, actual, budget])."""
    money = lambda fen: b.money(fen, prose=False)  # noqa: E731
    first = "项目资金" if unit_wrap else "项目资金（万元）"
    if style == "AB":
        header = [first, "", "年初预算数", "全年预算数（A）", "全年执行数（B）", "分值", "执行率（B/A）", "得分"]
    elif style == "circled":
        header = [first, "", "年初预算数①", "年中调整数②", "全年预算数③=①+②", "执行数④", "执行率⑤=④/③", "分值", "得分"]
    elif style == "EC":
        header = [first, "", "全年预算数（C）", "全年执行资金（E）", "预算执行（E/C×100%）", "分值", "得分"]
    else:
        header = [first, "", "年初预算", "调整后预算数", "预算执行数", "预算执行率", "权重", "得分"]
    canon = list(header)
    canon[0] = "项目资金（万元）"
    if multi_header:
        start = len(b.lines)
        _header_rows(b, header, True)
        b.lines[start].canon = canon
    else:
        b.lines.append(_Line("row", cells=header, tag="header", canon=canon if unit_wrap else None))
    if unit_wrap:
        _frag(b, "（万元）")
    item = int((Decimal(rate) * score_weight).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    i_s, i_id = b.mark(money(initial))
    a_s, a_id = b.mark(money(adjusted))
    x_s, x_id = b.mark(money(actual))
    r_s, r_id = b.mark(b.rate(rate))
    it_s = b.score(item)
    gold: dict[str, Any] = {"adjusted": _wan(adjusted), "actual": _wan(actual), "execution_rate": float(rate)}
    carry = adjusted - initial if adjusted > initial and rng.random() < 0.5 else 0
    if style == "AB":
        row = ["", "年度资金总额", i_s, a_s, x_s, str(score_weight), r_s, it_s]
        gold["initial"] = _wan(initial)
    elif style == "circled":
        c_s, c_id = b.mark(money(adjusted - initial) if adjusted != initial else "0.00")
        row = ["", "年度资金总额", i_s, c_s, a_s, x_s, r_s, str(score_weight), it_s]
        gold.update(initial=_wan(initial), adjustment=_wan(adjusted - initial))
        b.check("adjustment_sum_mismatch", "sum", False, {"total": [a_id], "parts": [i_id, c_id]})
    elif style == "EC":
        row = ["", "年度资金总额", a_s, x_s, r_s, str(score_weight), it_s]
    else:
        row = ["", "年度资金总额", i_s, a_s, x_s, r_s, str(score_weight), it_s]
        gold["initial"] = _wan(initial)
    b.row(row, "money", name_col=1)
    width = len(header)
    for label, adj_part in (("其中：财政拨款", adjusted - carry), ("上年结转资金", carry), ("其他资金", 0)):
        cells = ["", label] + ["—"] * (width - 2)
        value = money(adj_part) if adj_part else "0.00"
        if style == "EC":
            cells[2] = value
        elif style == "circled":
            cells[2] = money(initial) if label.startswith("其中") else "0.00"
            cells[4] = value
        else:
            cells[2] = money(initial) if label.startswith("其中") else "0.00"
            cells[3] = value
        b.row(cells, "money", name_col=1)
    return gold, item, [r_id, x_id, a_id]


def _form_indicators(b: _Builder, rng: random.Random, inds: list[_Ind], split: bool, multi_header: bool,
                     breaks: set[str], score_ids: list[int], reasons: bool = True) -> list[dict[str, Any]]:
    """The indicator grid of a form: merged level cells, split 指标性质/指标值/度量单位 columns or
    年度指标值/实际完成值, a name cell wrapped onto a row of its own, a name printed below its values."""
    if split:
        header = ["绩效指标", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "实际完成值", "权重", "得分"]
    else:
        header = ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"]
        if reasons:
            header.append("偏差原因分析及改进措施")
    _header_rows(b, header, multi_header)
    merged = rng.random() < 0.7
    prev1 = prev2 = None
    long_names = [k for k, i in enumerate(inds) if len(i.name) >= 7]
    wrap_at = rng.choice(long_names) if "wrapped_cell" in breaks and long_names else None
    below_at = rng.choice([k for k in range(len(inds)) if k != wrap_at]) if "name_below" in breaks and len(inds) > 1 else None
    gold = []
    for k, ind in enumerate(inds):
        l1 = ind.level1 if not merged or ind.level1 != prev1 else ""
        l2 = ind.level2 if not merged or ind.level2 != prev2 or l1 else ""
        prev1, prev2 = ind.level1, ind.level2
        s, sid = b.mark(b.score(ind.score))
        score_ids.append(sid)
        weight = _score_text(ind.weight)
        if split:
            cells = ["", l1, l2, ind.name, ind.nature or "", _numtext(b, ind.tvalue or ""), ind.tunit or "",
                     _numtext(b, ind.avalue or ""), weight, s]
        else:
            cells = ["", l1, l2, ind.name, _numtext(b, ind.target), _numtext(b, ind.actual), weight, s]
            if reasons:
                cells.append("" if ind.completed else rng.choice(_REASONS))
        if k == wrap_at:
            cut = rng.randint(3, len(ind.name) - 2)
            first = list(cells)
            first[3] = ind.name[:cut]
            b.lines.append(_Line("row", cells=first, tag="indicator", canon=cells))
            cont = ["" for _ in cells]
            cont[3] = ind.name[cut:]
            b.lines.append(_Line("row", cells=cont, tag="wrapped", canon=[]))
        elif k == below_at:
            first = list(cells)
            first[3] = ""
            b.lines.append(_Line("row", cells=first, tag="indicator", canon=cells))
            if rng.random() < 0.5:
                _frag(b, ind.name)
            else:
                cont = ["" for _ in cells]
                cont[3] = ind.name
                b.lines.append(_Line("row", cells=cont, tag="wrapped", canon=[]))
        else:
            b.row(cells, "indicator", name_col=3)
        gold.append(_ind_gold(b, ind, split=split))
    if wrap_at is not None:
        b.notes.append(f"The name cell of '{inds[wrap_at].name}' wraps onto a row of its own (joined in gold).")
    if below_at is not None:
        b.notes.append(f"The name '{inds[below_at].name}' is printed on the line below its values.")
    return gold


_ROW_NOISE = ("header_split", "value_shift", "row_wrap", "interleave", "tabs_to_spaces")


def _form_single(b: _Builder, rng: random.Random, flattening: str) -> dict[str, Any]:
    """A one-project 项目支出绩效自评表 (report_type project_table, subject set), flattened into text
    in one of the ways converters do (see ``_flatten``)."""
    for kind in _ROW_NOISE:  # the flattening is this layout's structural noise
        b.noise.pop(kind, None)
    b.flattening = flattening
    f = _facts(rng, "form", b)
    split = rng.random() < 0.4
    if split:
        f.indicators = _indicators(rng, f.bureau, f.who, rng.randint(5, 8), numeric_only=True)
    subject = _fund_name(rng, f.bureau) if rng.random() < 0.3 else rng.choice(f.bureau.projects)
    impl = _implementer(rng, f)
    gold = _empty_gold()
    gold.update(department=f.dept, fiscal_year=f.year, report_type="project_table", subject=subject)
    breaks = {k for k in ("unit_wrap", "name_frag", "wrapped_cell", "name_below") if rng.random() < 0.5}
    if flattening in ("cells", "oneline"):  # there a wrapped cell's pieces are cells apart: no reader could join them
        breaks.discard("wrapped_cell")
    years, _ = _year_marks(b, rng, f.year, 2)
    if flattening == "oneline":
        b.add("furniture", f"{subject}.docx  作者：{rng.choice(_PERSONS)}{rng.choice(['工', '会计', ''])}  创建时间：{f.year + 1}-0"
                           f"{rng.randint(1, 4)}-{rng.randint(10, 28)}  页数：1")
        b.notes.append("A line of docx metadata comes first; its date is not the fiscal year. The whole form follows on one line.")
    if rng.random() < 0.5:
        b.add("title", "项目支出绩效自评表")
        b.add("title", f"（{years[0]}年度）")
    else:
        b.add("title", f"{years[0]}年度项目支出绩效自评表")
    code = _system_code(rng) if rng.random() < 0.5 else ""
    if "name_frag" in breaks and len(subject) >= 8:
        cut = rng.randint(4, len(subject) - 3)
        b.lines.append(_Line("row", cells=["项目名称", code + subject[:cut]], tag="info2", canon=["项目名称", code + subject]))
        _frag(b, subject[cut:])
        b.notes.append("The 项目名称 cell wraps: its end is on a line of its own without tabs.")
    else:
        b.row(["项目名称", code + subject], "info2")
    if code:
        b.notes.append("A financial-system code before the project name is not part of subject.")
    b.row(["主管部门", f.dept, "实施单位", impl], "info")
    initial = _amount(rng, 20, 3000, 10_000)
    adjusted = initial + rng.choice([0, int(initial * rng.uniform(0.02, 0.2)) // 10_000 * 10_000])
    actual = int(adjusted * rng.uniform(0.8, 1.0)) // 10_000 * 10_000
    rate, rate_planted = _exec_rate(b, rng, actual, adjusted, _rate_style(rng))
    style = rng.choice(["AB", "circled", "EC", "plain"])
    g, item, (r_id, x_id, a_id) = _form_money(b, rng, initial, adjusted, actual, rate, style,
                                              rng.random() < 0.6, "unit_wrap" in breaks)
    gold["budget"].update(g)
    b.check("execution_rate_mismatch", "ratio", rate_planted, {"rate": [r_id], "num": [x_id], "den": [a_id]})
    goal, done = _goal_texts(f, years[1])
    b.row(["年度总体目标", "预期目标", "实际完成情况"], "goalhead")
    b.row(["", goal, done], "goal")
    _weigh(rng, f.indicators, 90)
    score_ids: list[int] = []
    gold["indicators"] = _form_indicators(b, rng, f.indicators, split, rng.random() < 0.5, breaks, score_ids)
    items = item + sum(i.score for i in f.indicators)
    total, tplanted = _score_total(b, rng, items)
    t_s, t_id = b.mark(b.score(total))
    b.row(["总分", "", "", "", "", "", "100", t_s], "total")
    gold["evaluation"]["score"] = float(_score_text(total))
    if rng.random() < 0.5:
        grade, gplanted = _grade(b, rng, total)
        g_s, g_id = b.mark(grade)
        b.row(["自评等级", g_s], "other")
        b.check("grade_score_mismatch", "grade", gplanted, {"grade": [g_id], "score": [t_id]})
        gold["evaluation"]["grade"] = grade
    b.check("score_items_do_not_sum", "sum", tplanted, {"total": [t_id], "parts": score_ids + [_mark_score(b)]})
    b.row([f"填报单位（盖章）：{impl}", "填报人：", f"填报日期：{f.date}"], "other")
    b.notes += [
        f"One-project 自评表 flattened as '{flattening}': report_type project_table, subject = 项目名称, department = 主管部门.",
        {"AB": "年初预算数 / 全年预算数（A） / 全年执行数（B） / 执行率（B/A）.",
         "circled": "年初预算数① / 年中调整数② (a change: adjustment) / 全年预算数③=①+② / 执行数④ / 执行率⑤=④/③.",
         "EC": "No 年初 column: 全年预算数（C） is budget.adjusted and initial is null; 预算执行（E/C×100%） is the rate.",
         "plain": "年初预算 / 调整后预算数 / 预算执行数 / 预算执行率."}[style],
        "Split 指标性质 / 指标值 / 度量单位 columns: target = sign + value + unit, actual = value + unit." if split else
        "Indicators with 年度指标值 / 实际完成值.",
    ]
    if "unit_wrap" in breaks:
        b.notes.append("The unit of the money block '（万元）' wrapped onto a line of its own without tabs.")
    return gold


def _mark_score(b: _Builder) -> int:
    """A marked copy of the money item's score inside the 年度资金总额 row (replacing its plain print)."""
    for ln in reversed(b.lines):
        if ln.kind == "row" and ln.tag == "money" and ln.cells and ln.cells[1] == "年度资金总额":
            text = ln.cells[-1]
            s, sid = b.mark(text)
            ln.cells[-1] = s
            if ln.canon:
                ln.canon[-1] = s
            return sid
    raise RuntimeError("no 年度资金总额 row")


def _multi_form(b: _Builder, rng: random.Random) -> dict[str, Any]:
    """Several one-project forms on one page, divided only by the repeated title. Each form is a
    project; no document-level budget, score or subject; indicators/problems/improvements are
    left out of the gold (they belong to no single record)."""
    f = _facts(rng, "multi_form", b)
    gold = _empty_gold()
    gold.update(department=f.dept, fiscal_year=f.year, report_type="project_table")
    del gold["indicators"], gold["problems"], gold["improvements"]
    k = rng.randint(2, 4)
    names = rng.sample(f.bureau.projects, k)
    impl = _implementer(rng, f)
    years, _ = _year_marks(b, rng, f.year, 2)
    bad = rng.randrange(k) if b.plant("project_rate_mismatch") else None
    codes = rng.random() < 0.5
    blank_between = rng.random() < 0.5  # or the next title follows the last row directly
    if rng.random() < 0.3:  # the page begins inside a form whose title and name are on the page before
        tail = _indicators(rng, f.bureau, f.who, 3)
        _weigh(rng, tail, 90)
        for ind in tail[-2:]:
            b.row(["", "", ind.level2, ind.name, _numtext(b, ind.target), _numtext(b, ind.actual),
                   _score_text(ind.weight), b.score(ind.score)], "indicator", name_col=3)
        b.row(["总分", "", "", "", "", "", "100", b.score(rng.randint(880, 990) * 10)], "total")
        b.notes.append("The page begins inside a form continued from the previous page (its title and name are there): "
                       "that fragment is not listed in projects.")
    for j, name in enumerate(names):
        b.add("title", "项目支出绩效自评表")
        b.add("title", f"（{years[j] if j < 2 else f.year}年度）")
        code = _system_code(rng) if codes else ""
        b.row(["项目名称", code + name], "info2")
        b.row(["主管部门", f.dept, "实施单位", impl], "info")
        initial = _amount(rng, 10, 800, 10_000)
        adjusted = initial + rng.choice([0, int(initial * rng.uniform(0.02, 0.2)) // 10_000 * 10_000])
        actual = int(adjusted * rng.uniform(0.75, 1.0)) // 10_000 * 10_000
        rate = _rate_text(actual, adjusted, 2)
        if j == bad:
            wrong = _off_rate(rng, rate)
            b.notes.append(f"PLANTED project_rate_mismatch: the form of {name} prints {wrong}% but "
                           f"{_exact(actual, '万元')}/{_exact(adjusted, '万元')} = {rate}%. Gold keeps the printed value.")
            rate = wrong
        _, item, (r_id, x_id, a_id) = _form_money(b, rng, initial, adjusted, actual, rate, "AB", False, False)
        b.check("project_rate_mismatch", "ratio", j == bad, {"rate": [r_id], "num": [x_id], "den": [a_id]})
        gold["projects"].append({"name": name, "budget": _wan(adjusted), "actual": _wan(actual), "execution_rate": float(rate)})
        inds = _indicators(rng, f.bureau, f.who, rng.randint(3, 4))
        _weigh(rng, inds, 90)
        _form_indicators(b, rng, inds, False, False, set(), [], reasons=False)
        total = item + sum(i.score for i in inds)
        b.row(["总分", "", "", "", "", "", "100", b.score(total)], "total")
        if blank_between:
            b.blank()
    b.notes += [
        f"{k} one-project 自评表 on one page, divided only by the repeated title: each form is a project (name without code, "
        "budget = 全年预算数（A）, actual, rate). No document-level budget, score or subject.",
        "indicators, problems and improvements belong to no single record and are left out of the gold.",
        f"department = the 主管部门 all forms share ({f.dept}).",
    ]
    return gold


_GENRE_RENDER = {
    "project_report": _project_report,
    "project_form": _project_form,
    "score_table": _score_table,
    "multi_form": _multi_form,
    **{layout: (lambda style: (lambda b, rng: _form_single(b, rng, style)))(layout[len("form_"):]) for layout in _FORMS},
}


_RENDER = {
    "overall_table": _overall_table,
    "overall_report": lambda b, rng: _narrative(b, rng, with_scores=False),
    "score_report": lambda b, rng: _narrative(b, rng, with_scores=True),
    "project_table": _project_table,
    "project_single": _project_single,
    **_GENRE_RENDER,
}


# ============================================================================================
# Public API
# ============================================================================================


def _choose_plants(rng: random.Random, layout: str, plant: bool | float | str | Iterable[str] | None) -> set[str]:
    applicable = [k for k, layouts in PLANT_KINDS.items() if layout in layouts]
    if plant is None or plant is False or plant == 0:
        return set()
    if isinstance(plant, str):
        plant = [plant]
    if isinstance(plant, (bool, int, float)):
        p = 1.0 if plant is True else float(plant)
        if rng.random() >= p:
            return set()
        return set(rng.sample(applicable, k=min(len(applicable), rng.choice([1, 1, 2]))))
    unknown = set(plant) - set(PLANT_KINDS)
    if unknown:
        raise ValueError(f"unknown plant kinds {sorted(unknown)}; known: {sorted(PLANT_KINDS)}")
    return {k for k in plant if k in applicable}


def _order_flags(flags: Iterable[str]) -> list[str]:
    return sorted(set(flags), key=FLAG_KINDS.index)


def _apply_trad(b: _Builder, gold: dict[str, Any]) -> None:
    for key in ("department", "subject", "problems", "improvements"):
        if key in gold:  # a multi-form page leaves problems / improvements out
            gold[key] = b.t(gold[key])
    for ind in gold.get("indicators", []):
        for key in ("level1", "level2", "name", "target", "actual"):
            ind[key] = b.t(ind[key])
    for proj in gold["projects"]:
        proj["name"] = b.t(proj["name"])


def _one(index: int, layout: str, noise: int, seed: int, plant: Any, kinds: Sequence[str] | None = None) -> SynthReport:
    key = f"pipeline.synth:{seed}:{index}:{layout}:{noise}" + (f":{','.join(kinds)}" if kinds is not None else "")
    rng = random.Random(key)
    plants = _choose_plants(rng, layout, plant)
    b = _Builder(rng, layout, noise, plants, kinds)
    gold = _RENDER[layout](b, rng)
    missing = plants - set(b.planted)
    if missing:  # a renderer must honour every plant it is asked for
        raise RuntimeError(f"layout {layout} could not plant {sorted(missing)}")
    b.apply_line_noise()
    text, mark_spans = b.assemble()
    page_text = b.assemble_page()
    _apply_trad(b, gold)
    doc_id = f"synth_s{seed}_{index:04d}_{layout}_n{noise}"
    gold["doc_id"] = doc_id
    applied = [k for k in NOISE_KINDS + GENRE_NOISE_KINDS if k in b.applied]
    flags = set(b.planted) | {_IMPLIED_FLAGS[k] for k in applied if k in _IMPLIED_FLAGS}
    notes = [
        f"SYNTHETIC report generated by pipeline.synth (seed {seed}, index {index}, layout {layout}, noise level {noise}): "
        "invented department, places, projects and figures.",
        *b.notes,
        "noise: " + (", ".join(applied) if applied else "none"),
    ]
    for example in b.sep_examples:
        notes.append(f"separator_repaired: '{example}' is a misplaced thousands separator (myriad grouping); it reads "
                     f"{example.replace(',', '')}.")
    if "garbage_paragraph" in b.applied:
        notes.append("garbled_text: OCR garbage paragraph(s) were inserted between blocks; they carry no values.")
    if "traditional" in b.applied:
        notes.append("Traditional characters replace some simplified ones throughout (labels must still be recognised); "
                     "gold strings are copied as printed.")
    gold["_notes"] = notes
    gold["_expected_flags"] = _order_flags(flags)
    checks = [
        Check(kind, op, planted, {role: [mark_spans[i] for i in ids] for role, ids in terms.items()}, note)
        for kind, op, planted, terms, note in b.checks
    ]
    named = {name: mark_spans[i] for name, i in b.named.items()}
    return SynthReport(doc_id, text, gold, layout, noise, seed, applied, list(b.planted), checks, named, page_text)


def generate(
    n: int,
    layout: str = "mixed",
    noise: int = 0,
    seed: int = 0,
    plant: bool | float | str | Iterable[str] | None = False,
    kinds: Iterable[str] | None = None,
) -> list[SynthReport]:
    """``n`` synthetic reports with gold records, deterministic for a given seed.

    layout: one of ``ALL_LAYOUTS``, or "mixed" to cycle through the classic ``LAYOUTS`` (what it
            always did), "genre" through ``GENRE_LAYOUTS``, "all" through both.
    noise:  0 (clean) … 4 (worse than seed 000).
    plant:  False: no planted inconsistency; True: one or two per report (kinds the layout can
            print, drawn at random); a float p: that with probability p; a kind or a list of
            kinds: exactly those the layout can print (see ``PLANT_KINDS``).
    kinds:  None: the noise kinds of the level, each drawn with its probability; a list of
            ``NOISE_KINDS``: exactly those, always on, at the level's strength (level 4's for a
            kind the level does not have) — for measuring one kind at a time.
    """
    kind_list = None if kinds is None else list(kinds)
    if kind_list is not None and set(kind_list) - set(NOISE_KINDS + GENRE_NOISE_KINDS):
        raise ValueError(f"unknown noise kinds {sorted(set(kind_list) - set(NOISE_KINDS + GENRE_NOISE_KINDS))}")
    if layout not in (*ALL_LAYOUTS, *LAYOUT_CHOICES):
        raise ValueError(f"unknown layout {layout!r}; choose one of {', '.join(ALL_LAYOUTS)} or {', '.join(LAYOUT_CHOICES)}")
    if noise not in _LEVELS:
        raise ValueError(f"noise must be 0..4, not {noise!r}")
    reports = []
    for i in range(n):
        cycle = LAYOUT_CHOICES.get(layout)
        lay = cycle[i % len(cycle)] if cycle else layout
        reports.append(_one(i, lay, noise, seed, plant, kind_list))
    return reports


def gold_json(report: SynthReport) -> str:
    return json.dumps(report.gold, ensure_ascii=False, indent=2) + "\n"


def write(
    reports: Sequence[SynthReport],
    out_dir: str | Path,
    pdf: bool = False,
    scan: bool = False,
    *,
    scan_dpi: int = 200,
    scan_pages: int | None = None,
    ruled: bool = False,
) -> list[Path]:
    """Write ``<doc_id>.txt`` and ``<doc_id>.json`` per report (a directory `pipeline eval` reads as
    gold + documents), plus a text-layer ``<doc_id>.pdf`` (pdf=True: the text set line by line, or
    with ruled=True the printed page with ruled vector tables, ``render_ruled_pdf`` of
    ``page_text``, what pymupdf's table finder reads) and an image-only
    ``scan/<doc_id>.pdf`` (scan=True; the printed page with ruled tables, ``render_ruled_pdf`` of
    ``page_text``; its first ``scan_pages`` pages, all when None). Returns the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for report in reports:
        txt = out / f"{report.doc_id}.txt"
        txt.write_text(report.text, encoding="utf-8")
        js = out / f"{report.doc_id}.json"
        js.write_text(gold_json(report), encoding="utf-8")
        written += [txt, js]
        if pdf or scan:
            if pdf:
                path = out / f"{report.doc_id}.pdf"
                path.write_bytes(render_ruled_pdf(report.page_text or report.text) if ruled else render_pdf(report.text))
                written.append(path)
            if scan:  # a scan shows the printed page: its tables ruled, each cell in its box
                # scan/<doc_id>.pdf: the same stem as its gold, so `pipeline eval --gold DIR
                # --docs DIR/scan` scores the scans (a <doc_id>.scan.pdf would be doc <doc_id>.scan).
                (out / "scan").mkdir(exist_ok=True)
                path = out / "scan" / f"{report.doc_id}.pdf"
                printed = render_ruled_pdf(report.page_text or report.text)
                path.write_bytes(render_scan(printed, dpi=scan_dpi, pages=scan_pages))
                written.append(path)
    return written


# PDF rendering, self-contained (the pipeline package must not import bench/): A4, pymupdf's
# built-in CJK font embedded (Droid Sans Fallback, so the text layer extracts back to the same
# Unicode), lines wrapped at the right margin, a TAB jumping to the next 4-em tab stop at least
# 2 em on, like a table column gap — the layout bench/ingest_bench.text_to_pdf uses.
_PAGE_W, _PAGE_H, _MARGIN, _FONT_SIZE = 595.0, 842.0, 50.0, 10.5
_LINE_H, _TAB_STOP, _MIN_TAB_GAP = _FONT_SIZE * 1.6, _FONT_SIZE * 4, _FONT_SIZE * 2


def render_pdf(text: str, *, ruled: bool = False) -> bytes:
    """A text-layer PDF of ``text`` (A4, built-in CJK font, TABs on tab stops).

    ``ruled``: each run of consecutive lines with TABs is drawn as a ruled table instead (see
    :func:`_ruled_table`): every cell in its own bordered box, text wrapping inside the cell, as
    real reports print their tables."""
    import pymupdf

    font = pymupdf.Font("cjk")
    doc = pymupdf.open()
    widths: dict[str, float] = {}
    state: dict[str, Any] = {}

    def new_page(landscape: bool = False) -> None:
        if state.get("writer") is not None:
            state["writer"].write_text(state["page"])
            if not state["used"]:
                doc.delete_page(-1)  # a page that received only blank lines (before a landscape table)
        state["size"] = (_PAGE_H, _PAGE_W) if landscape else (_PAGE_W, _PAGE_H)
        state["page"] = doc.new_page(width=state["size"][0], height=state["size"][1])
        state["writer"] = pymupdf.TextWriter(state["page"].rect)
        state["y"] = _MARGIN + _FONT_SIZE
        state["used"] = False

    def newline() -> None:
        state["y"] += _LINE_H
        if state["y"] > state["size"][1] - _MARGIN:
            new_page()

    def put(x: float, run: str) -> None:
        state["writer"].append((x, state["y"]), run, font=font, fontsize=_FONT_SIZE)
        state["used"] = True

    def width(ch: str) -> float:
        if ch not in widths:
            widths[ch] = font.text_length(ch, _FONT_SIZE)
        return widths[ch]

    new_page()
    right = _PAGE_W - _MARGIN
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if ruled and "\t" in line:
            block = [line]
            while index < len(lines) and "\t" in lines[index]:
                block.append(lines[index])
                index += 1
            _ruled_table(block, state, new_page, font, width)
            continue
        x = _MARGIN
        for i, cell in enumerate(line.split("\t")):
            if i:
                x = _MARGIN + (math.floor((x - _MARGIN + _MIN_TAB_GAP) / _TAB_STOP) + 1) * _TAB_STOP
                if x >= right:
                    newline()
                    x = _MARGIN
            run: list[str] = []
            run_x, run_w = x, 0.0
            for ch in cell:
                w = width(ch)
                if run_x + run_w + w > right and (run or run_x > _MARGIN):
                    if run:
                        put(run_x, "".join(run))
                    newline()
                    run, run_x, run_w = [], _MARGIN, 0.0
                run.append(ch)
                run_w += w
            if run:
                put(run_x, "".join(run))
            x = run_x + run_w
        newline()
    state["writer"].write_text(state["page"])
    if not state["used"] and doc.page_count > 1:
        doc.delete_page(-1)  # a last page that only received the final newline
    doc.subset_fonts()
    data = doc.tobytes(garbage=3, deflate=True)
    doc.close()
    return data


def render_ruled_pdf(text: str) -> bytes:
    """A text-layer PDF of ``text`` with its tables drawn as ruled grids, as printed 自评表 are
    (``render_pdf(text, ruled=True)``). ``render_scan`` of this PDF is a ruled scan."""
    return render_pdf(text, ruled=True)


_CELL_PAD, _MIN_CELL_CHARS, _MIN_PORTRAIT_FONT = 3.0, 3, 8.0


def _ruled_table(rows: list[str], state: dict[str, Any], new_page: Any, font: Any, width: Any) -> None:
    """Draw TAB-separated ``rows`` as a ruled table at ``state["y"]`` (a helper of render_pdf).

    Columns share the text width by water-filling (a column narrower than its fair share keeps
    its natural width, the rest split what is left); a row with fewer cells than the table lets
    its last cell span the remaining columns. A table too wide for the page is set in a smaller
    font (every column holds at least _MIN_CELL_CHARS characters), on landscape pages when the
    font would fall under _MIN_PORTRAIT_FONT, as wide forms are printed; a row that does not fit
    goes to the next page, and a row taller than a page continues on it."""
    import pymupdf

    grid = [row.split("\t") for row in rows]
    ncols = max(len(cells) for cells in grid)

    def fitting_size(span: float) -> float:
        return min(_FONT_SIZE, (span / ncols - 2 * _CELL_PAD) / _MIN_CELL_CHARS)

    landscape = fitting_size(_PAGE_W - 2 * _MARGIN) < _MIN_PORTRAIT_FONT
    if landscape:
        new_page(landscape=True)
        state["y"] = _MARGIN + _FONT_SIZE
    page_w, page_h = state["size"]
    span = page_w - 2 * _MARGIN
    size = max(5.0, fitting_size(span))
    scale, line_h = size / _FONT_SIZE, size * 1.3
    natural = [2 * size + 2 * _CELL_PAD] * ncols
    for cells in grid:
        for j, cell in enumerate(cells if len(cells) == ncols else cells[:-1]):
            natural[j] = max(natural[j], scale * sum(width(ch) for ch in cell) + 2 * _CELL_PAD + 1)
    widths = [0.0] * ncols
    left, todo = span, sorted(range(ncols), key=natural.__getitem__)
    while todo:
        share = left / len(todo)
        if natural[todo[0]] > share:
            for j in todo:
                widths[j] = share
            break
        widths[todo[0]] = natural[todo[0]]
        left -= natural[todo.pop(0)]
    extra = (span - sum(widths)) / ncols
    edges = [_MARGIN]
    for w in widths:
        edges.append(edges[-1] + w + extra)

    def wrap(cell: str, room: float) -> list[str]:
        out, run, run_w = [], "", 0.0
        for ch in cell:
            w = scale * width(ch)
            if run and run_w + w > room:
                out.append(run)
                run, run_w = "", 0.0
            run += ch
            run_w += w
        return out + [run] if run else out

    bottom = page_h - _MARGIN
    top = state["y"] - _FONT_SIZE  # state["y"] is the next text baseline
    for cells in grid:
        boxes = []
        for j, cell in enumerate(cells):
            x0, x1 = edges[j], edges[ncols if j == len(cells) - 1 else j + 1]
            boxes.append((x0, x1, wrap(cell, x1 - x0 - 2 * _CELL_PAD)))
        todo_lines, done = max(1, *(len(b[2]) for b in boxes)), 0
        while done < todo_lines:
            room = int((bottom - top - 2 * _CELL_PAD) // line_h)
            if room < todo_lines - done and (top > _MARGIN or room < 1):
                new_page(landscape)
                top = _MARGIN
                continue
            take = min(room, todo_lines - done)
            height = take * line_h + 2 * _CELL_PAD
            shape = state["page"].new_shape()
            for x0, x1, text_lines in boxes:
                shape.draw_rect(pymupdf.Rect(x0, top, x1, top + height))
                for k, run in enumerate(text_lines[done : done + take]):
                    baseline = top + _CELL_PAD + size + k * line_h
                    state["writer"].append((x0 + _CELL_PAD, baseline), run, font=font, fontsize=size)
                    state["used"] = True
            shape.finish(width=0.6, color=(0, 0, 0))
            shape.commit()
            top += height
            done += take
    state["y"] = top + _LINE_H + _FONT_SIZE * 0.5
    if state["y"] > bottom:
        new_page()


def render_scan(pdf: bytes, *, dpi: int = 200, pages: int | None = None) -> bytes:
    """An image-only PDF (each page a grey-scale picture at ``dpi``, no text layer) of the first
    ``pages`` pages of ``pdf`` (all when None)."""
    import pymupdf

    src = pymupdf.open(stream=pdf, filetype="pdf")
    out = pymupdf.open()
    for index in range(src.page_count if pages is None else min(pages, src.page_count)):
        page = src[index]
        pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY, alpha=False)
        out.new_page(width=page.rect.width, height=page.rect.height).insert_image(page.rect, stream=pix.tobytes("png"))
    data = out.tobytes(garbage=3, deflate=True)
    out.close()
    src.close()
    return data
