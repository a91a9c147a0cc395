"""One answer to "does this printed number state X 万元?" (ground.wan_readings / prints_amount)."""

from __future__ import annotations

from pipeline.ground import prints_amount, wan_readings
from pipeline.normalize import normalize, scan_numbers


def _mention(text: str):
    (mention,) = scan_numbers(normalize(text))
    return mention


def test_a_number_with_its_own_unit_means_exactly_that():
    assert prints_amount(_mention("拨付资金35000元"), 3.5)
    assert not prints_amount(_mention("拨付资金35000元"), 35000)  # 35000 元 is not 35000 万元
    assert prints_amount(_mention("总投资1.2亿元"), 12000)


def test_a_bare_number_may_be_in_the_unit_its_table_header_names():
    bare = _mention("合计\\t4260.5\\t")
    assert wan_readings(bare) == (4260.5, 0.42605, 42605000.0)
    assert prints_amount(bare, 4260.5) and prints_amount(bare, 0.42605)


def test_a_percent_or_a_count_is_no_amount():
    assert wan_readings(_mention("执行率98.5%")) == ()
    assert not prints_amount(_mention("培训12次"), 12)
