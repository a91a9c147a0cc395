"""The indexes that keep long documents linear give the answers of the scans they replaced.

Timings live in `make bench` (bench/scale_bench.py); here each index is compared with the plain
scan over every item on invented names and spans, and on the seeds' own records.
"""

from __future__ import annotations

import random

import pytest

from conftest import seed_paths
from helpers import text_document
from pipeline.checks import CheckContext
from pipeline.extract.rules import Found, ProjectRow, _label_hits, _NameIndex, _similar, _Spans, build_context, extract_rules
from pipeline.ingest import load
from pipeline.layout import analyze

# Invented project-name pieces: many names share characters (经费, 项目), as real lists do.
PIECES = ["河道", "保洁", "经费", "水质", "监测", "项目", "农村", "饮水", "维修", "泵站", "电费", "巡检", "污水", "管网", "绿化", "养护"]


def _rows(names):
    return [ProjectRow(Found("projects[].name", n, 0, len(n), None, 1.0, "test")) for n in names]


def _name(rng):
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 4))) + rng.choice(["", "费", " 项目", "工程"])


def test_name_index_finds_what_a_scan_of_every_row_finds():
    rng = random.Random(8)
    for _ in range(200):
        rows = _rows([_name(rng) for _ in range(rng.randint(1, 25))])
        index = _NameIndex(rows)
        for _ in range(10):
            name = _name(rng)
            # first_like: the first row at or above the threshold, exactly.
            expected = next((r for r in rows if _similar(r.name.value, name) >= 0.8), None)
            assert index.first_like(name, 0.8) is expected
            # most_like: the best row whenever it reaches the threshold (the scan's max keeps
            # the first of equal rows), and every row that starts with the name is considered.
            best = max(rows, key=lambda r: _similar(r.name.value, name))
            like = index.most_like(name, 0.75)
            if _similar(best.name.value, name) >= 0.75:
                assert like is not None and like[0] is best
            if any(r.name.value.startswith(name) for r in rows):
                assert like is not None


def test_name_index_adds_rows_as_they_come():
    index = _NameIndex()
    assert index.first_like("河道保洁经费", 0.8) is None
    (row,) = _rows(["河道保洁经费"])
    index.add(row)
    assert index.first_like("河道保洁 经费", 0.8) is row  # whitespace does not count
    assert index.first_like("水质监测费", 0.8) is None


def test_spans_answer_like_a_scan():
    rng = random.Random(3)
    for _ in range(500):
        spans = [(a, a + rng.randint(0, 30)) for a in (rng.randint(0, 100) for _ in range(rng.randint(0, 6)))]
        inside = _Spans(spans)
        for offset in range(-2, 140):
            assert (offset in inside) == any(s <= offset < e for s, e in spans)


def test_section_ends_match_the_next_heading_of_the_same_or_higher_level():
    text = "\n".join([
        "一、基本情况", "本年度完成巡河任务。",
        "（一）人员情况", "在编人员12人。",
        "1.岗位设置", "设置巡查岗。",
        "（二）资金情况", "全年预算120万元。",
        "二、存在的问题", "经费保障不足。",
        "（一）管护问题", "管护主体不明确。",
    ])
    layout = analyze(text)
    assert len(layout.headings) == 6
    for h in layout.headings:
        following = [g for g in layout.headings if g.line > h.line and g.level <= h.level]
        assert layout.section_body(h) == (h.end, following[0].start if following else len(text))


def _old_label_hits(text, labels):
    hits, taken = [], []
    for label in sorted(dict.fromkeys(labels), key=len, reverse=True):
        from pipeline import lexicon as lx

        for m in lx.label_regex(label).finditer(text):
            s, e = m.span()
            if any(s < te and ts < e for ts, te in taken):
                continue
            taken.append((s, e))
            hits.append((s, e, label))
    return sorted(hits)


def test_label_hits_mask_gives_the_scan_result():
    text = "年初预算安排312.5万元，全年预算数340万元，预算执行数331万元，预算执行率97.3%；年初预算 数 12万元。" * 20
    labels = ["年初预算", "预算安排", "全年预算数", "全年预算", "预算执行率", "执行率", "预算执行数", "执行数", "预算", "安排"]
    ctx = build_context(text_document(text))
    assert _label_hits(ctx, labels) == _old_label_hits(ctx.text, labels)


@pytest.mark.parametrize("path", seed_paths(), ids=lambda p: p.stem[:3])
def test_fields_at_index_gives_the_scan_result(path):
    document = load(path)
    ctx = CheckContext(extract_rules(document), document)
    spans = ctx.field_spans
    for mention in ctx.mentions:
        for candidates in (False, True):
            hits = sorted(
                (not chosen, p) for s, e, p, chosen in spans
                if s < mention.raw_end and mention.raw_start < e and (chosen or candidates)
            )
            expected = list(dict.fromkeys(p for _, p in hits))
            assert ctx.fields_at(mention.raw_start, mention.raw_end, candidates) == expected
