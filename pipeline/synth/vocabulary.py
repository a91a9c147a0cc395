"""The generator's vocabulary: its layouts (and their families), noise kinds and the inconsistencies
it can plant. The flag kinds it expects are the record contract's (``pipeline.record.FLAG_KINDS``)."""

from __future__ import annotations

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
