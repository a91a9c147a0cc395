"""The flattenings the flattening benchmark applies to gold reports, on a small invented table."""

from __future__ import annotations

from bench.flattening_bench import aligned_columns, one_space, pipes, space_runs

TABLE = "二、绩效指标\n一级指标\t三级指标\t指标值\n产出指标\t巡河里程\t≥320公里\n\t水质达标率\t95%\n说明：无。"


def test_aligned_columns_pads_each_column_to_its_widest_cell_counting_cjk_as_two():
    lines = aligned_columns(TABLE).split("\n")
    assert lines[0] == "二、绩效指标" and lines[-1] == "说明：无。"  # prose untouched
    # Every row's third cell starts at the same display column: 8 CJK characters (16) + 2 + 2.
    assert lines[1] == "一级指标  三级指标    指标值"
    assert lines[2] == "产出指标  巡河里程    ≥320公里"
    assert lines[3] == "          水质达标率  95%"  # the empty first cell is spaces


def test_space_flattenings_and_pipes():
    assert one_space(TABLE).split("\n")[2] == "产出指标 巡河里程 ≥320公里"
    assert space_runs(TABLE).split("\n")[3] == "   水质达标率   95%"
    assert pipes(TABLE).split("\n")[3] == "|  | 水质达标率 | 95% |"
    assert "\t" not in one_space(TABLE) + space_runs(TABLE) + aligned_columns(TABLE) + pipes(TABLE)
