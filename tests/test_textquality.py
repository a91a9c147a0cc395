"""pipeline.textquality on its own: the packaged reference table, the passages judged, the unseen
bigram shares, and degenerate repetition, on text invented here (and the generator's own output).
The thresholds' measurements on the seeds and the dev set stay in test_checks.py (garbled_text)."""

from __future__ import annotations

import random

from pipeline import textquality
from pipeline.synth import reference as synth_reference
from pipeline.layout import analyze

PROSE = "本单位年度预算执行情况良好，项目资金使用规范，绩效目标基本完成，预算调整及时，资金支出进度符合要求。"
TITLE = "云溪县交通运输局绩效自评报告"  # under SHORT_MIN bigrams: never judged itself


def _noise(seed: int, length: int) -> str:
    """Characters drawn at random from a block of the CJK range: no text at all."""
    rng = random.Random(seed)
    return "".join(chr(rng.randrange(0x5E00, 0x6400)) for _ in range(length))


def _scored(text: str) -> list[textquality.Passage]:
    return textquality.score_passages(text, analyze(text))


def test_the_packaged_table_is_what_the_generator_builds():
    """The table is package data, built from clean generated reports only; rebuilding it gives the
    same file (run `make textquality-reference` when the generator's wording changes). It is
    re-read here as the detector reads it."""
    packaged = textquality.reference_file().read_text(encoding="utf-8")
    assert packaged == synth_reference.build_table()
    counts = textquality.reference_counts()
    assert len(counts) == sum(1 for line in packaged.splitlines() if not line.startswith("#")) > 2000
    assert {"预算", "执行", "绩效", "资金", "指标"} <= set(counts)


def test_a_table_lists_each_bigram_once_with_its_count():
    counts = textquality.bigram_counts(["预算执行，预算", "預算"])  # traditional folded as in passages
    assert counts == {"预算": 3, "算执": 1, "执行": 1}
    assert textquality.render_table(counts, ["made here"]) == "# made here\n执行\t1\n算执\t1\n预算\t3\n"  # code-point order


def test_report_prose_is_plausible_and_random_characters_are_not():
    garbage = _noise(1, 60)
    text = f"{TITLE}\n{PROSE}\n{garbage}\n"
    prose, noise = _scored(text)
    assert prose.text == PROSE and not prose.garbled and prose.unseen < 0.5
    assert noise.text == garbage and noise.garbled and noise.short_garbled and not noise.long_garbled
    assert noise.worst_short_window > textquality.SHORT_UNSEEN_MAX
    assert noise.measured == noise.worst_short_window and noise.threshold == textquality.SHORT_UNSEEN_MAX
    assert noise.window == textquality.SHORT_WINDOW
    assert text[noise.start : noise.end] == garbage
    assert [p.text for p in textquality.garbled_passages(text, analyze(text))] == [garbage]


def test_a_passage_never_vouches_for_itself_but_another_passage_does():
    garbage = _noise(2, 30)
    (looped,) = _scored(f"{TITLE}\n{garbage}，{garbage}，{garbage}\n")
    assert looped.garbled and looped.repeats == 3 and looped.repeated_clause == garbage
    # The same characters printed in another paragraph of the document: no longer unseen.
    quoted = _scored(f"{TITLE}\n{garbage}\n下文再次引用：{garbage}\n")
    assert quoted and not any(p.garbled for p in quoted)


def test_table_cells_and_prose_lines_are_judged_apart():
    text = "项目名称\t乡村道路养护工程建设项目资金\t实施单位\t县交通运输局公路养护中心站\n  " + PROSE + "\n"
    units = textquality.passages(text, analyze(text))
    assert [u[2] for u in units] == ["项目名称", "乡村道路养护工程建设项目资金", "实施单位", "县交通运输局公路养护中心站", PROSE]
    assert all(text[start:end] == unit for start, end, unit in units)  # a prose line's indent is left out


def test_a_long_passage_is_judged_by_its_worst_window():
    garbage = _noise(3, 45)
    long_prose = PROSE * 4 + garbage + PROSE  # 200+ bigrams: the long window applies
    (passage,) = _scored(f"{TITLE}\n{long_prose}\n")
    assert passage.bigrams >= textquality.WINDOW
    assert passage.unseen < passage.worst_window < passage.worst_short_window  # the worst window sits on the noise
    assert passage.garbled  # 40 random characters in a row are garbage wherever they stand


def test_traditional_characters_are_folded_before_they_are_judged():
    traditional = "本單位年度預算執行情況良好，項目資金使用規範，績效目標基本完成，預算調整及時，資金支出進度符合要求。"
    (passage,) = _scored(f"{TITLE}\n{traditional}\n")
    (simplified,) = _scored(f"{TITLE}\n{PROSE}\n")
    assert passage.unseen == simplified.unseen and not passage.garbled


def test_longest_repeat_counts_clauses_printed_again_in_a_row():
    assert textquality.longest_repeat("按时完成，这个时间，这个时间，这个时间，下一步") == (3, "这个时间")
    assert textquality.longest_repeat("经费，经费；经费") == (3, "经费")
    assert textquality.longest_repeat("完成，完成了，完成") == (1, None)
    assert textquality.longest_repeat("1，1，1，1") == (1, None)  # no CJK clause: not a loop
