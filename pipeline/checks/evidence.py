"""Evidence and text: OCR-garbage passages, values that cannot be found in the text, values
read under a label that means another field."""

from __future__ import annotations

import re
from typing import Iterator

from pipeline import lexicon as lx
from pipeline import textquality
from pipeline.checks import check, make_finding
from pipeline.checks.context import CheckContext
from pipeline.ground import verify_evidence
from pipeline.record import RUN_FINDING_KINDS, Evidence, Finding, leaf_values


@check("garbled_text", "garbled_text", "A paragraph or cell that is OCR garbage, measured by character-bigram plausibility against the project's reference reports and the document's other paragraphs (leave-one-out); see pipeline/textquality.py.")
def _check_garbled(ctx: CheckContext) -> Iterator[Finding]:
    for passage in textquality.garbled_passages(ctx.text, ctx.layout, ctx.document.text):
        raw_start, raw_end = ctx.nt.raw_span(passage.start, passage.end)
        loop = f"，同一短句“{passage.repeated_clause}”连续重复 {passage.repeats} 次" if passage.repeats >= textquality.REPEAT_MIN else ""
        yield make_finding(
            "garbled_text", "garbled_text", "warning",
            f"段落疑为 OCR 乱码：{passage.bigrams} 个汉字二元组中 {passage.unseen:.0%} 在参照文本和本文其他段落中从未出现"
            f"（最差的 {passage.window} 个连续二元组中 {passage.measured:.0%}，正常文字不超过 {passage.threshold:.0%}）{loop}："
            f"“{passage.text[:30]}…”",
            ctx.fields_at(raw_start, raw_end),
            {"unseen_bigrams": round(passage.measured, 3), "window": passage.window, "bigrams": passage.bigrams, "repeats": passage.repeats},
            None, passage.threshold, [ctx.raw_evidence(raw_start, raw_end)],
        )


@check("value_grounded", "ungrounded_value", "Every extracted value can be found in the text: its evidence quote is the page text and prints the value, or the value is found elsewhere (stale evidence: warning); not found at all: error.")
def _check_grounded(ctx: CheckContext) -> Iterator[Finding]:
    problems = {p.path: p.problem for p in verify_evidence(ctx.document, ctx.record)}
    for path, value in leaf_values(ctx.record):
        if path == "report_type" or path not in problems:
            continue
        own = ctx.record.evidence.get(path)
        found = ctx.evidence(path)
        if own is None and found is not None:
            continue  # a plain record: the value is in the text, it just carries no span
        if own is not None and found is not None and (found is own or _near(ctx, own, found)):
            continue  # the span cut the value short ('9' of '9条' from a split unit column): it is there
        if found is None:
            # With evidence that does not hold, the value is unsupported: an error. A record
            # that carries no evidence at all (hand-made, re-keyed) only could not be matched.
            yield make_finding(
                "value_grounded", "ungrounded_value", "error" if own is not None else "warning",
                f"{path} = {value!r} 在原文中找不到" + (f"（所附证据：{problems[path]}）" if own is not None else "（记录未附证据，自动查找未果）"),
                [path], value, None, None, [own] if own is not None and own.page is not None else [],
            )
        else:
            yield make_finding(
                "value_grounded", "ungrounded_value", "warning",
                f"{path} = {value!r} 的证据与原文不符（{problems[path]}），但该值见于原文第 {found.page} 页：证据需更新",
                [path], value, found.quote, None, [found],
            )


def _near(ctx: CheckContext, a: Evidence, b: Evidence, distance: int = 40) -> bool:
    try:
        a_start, a_end = ctx.raw_span(a)
        b_start, b_end = ctx.raw_span(b)
    except (IndexError, TypeError):
        return False
    return b_start <= a_end + distance and a_start <= b_end + distance


def _expected_meanings(path: str) -> set[str] | None:
    if path in ("budget.initial", "budget.adjusted", "budget.adjustment", "budget.actual", "budget.execution_rate", "budget.adjustment_rate"):
        return {path.split(".")[1]}
    m = re.fullmatch(r"budget\.(basic|project|three_public)\.(budget|actual)", path)
    if m:
        return {"actual"} if m.group(2) == "actual" else {"initial", "adjusted", "adjustment"}
    return None


@check("evidence_label", "ungrounded_value", "A value whose evidence sits under a label that means another field (e.g. budget.initial read beside 全年预算数, an actual beside 年初预算数, a rate beside 预算调整率).")
def _check_evidence_labels(ctx: CheckContext) -> Iterator[Finding]:
    labels = {k.replace("(", "（").replace(")", "）"): v for k, v in lx.BUDGET_LABELS.items()} | lx.BUDGET_LABELS
    for path, evidence in ctx.record.evidence.items():
        expected = _expected_meanings(path)
        if expected is None or not evidence.label:
            continue
        label = lx.fold(re.sub(r"\s+", "", evidence.label))
        label = re.sub(r"[(（][A-Za-z①-⑩=×/%+\-*、0-9 ]*[)）]|[①-⑩][=+\-/×①-⑩]*", "", label)
        meanings = labels.get(label)
        if not meanings:
            continue
        meant = {name for name, _ in meanings}
        if path.endswith(".budget") and "budget." in path[7:]:
            meant |= {"adjusted"} if meant & {"initial", "adjusted"} else set()
        if meant & expected:
            continue
        yield make_finding(
            "evidence_label", "ungrounded_value", "warning",
            f"{path} 取自标签“{evidence.label}”下的数值，而该标签表示 {'/'.join(sorted(meant))}，不是此字段",
            [path], ctx.value(path), sorted(meant), None, [evidence],
        )


# --------------------------------------------------------------------------------------------
# Not a report: a document that carries nothing of the genre
# --------------------------------------------------------------------------------------------

# What every self-evaluation report states and a reader recognises it first by: who (the
# department, or the project evaluated) and when (the year). A record with none of these carries
# no recognisable report, whatever the document is (a blank scan, a manual, a news page, notes
# that quote a report's figures): it cannot even be attributed, so it goes to review, and the
# finding names the fields the reviewer fills in. (Measured: every record of the seeds,
# ../shared/dev and eval/gold has a department or a year.)
_REPORT_CORE_FIELDS = ("department", "fiscal_year", "subject")


def _figures(plain: dict) -> int:
    budget, evaluation = plain["budget"], plain["evaluation"]
    values = [budget[k] for k in ("initial", "adjusted", "adjustment", "actual", "execution_rate", "adjustment_rate")]
    values += [budget[part][k] for part in ("basic", "project", "three_public") for k in ("budget", "actual")]
    values += [evaluation["score"], evaluation["grade"]]
    return sum(v is not None and v != "" for v in values) + len(plain["projects"])


@check("not_a_report", "not_a_report", "A document in which no department, year or evaluated project could be read: not a self-evaluation report (a manual, notes quoting a report's figures), or no readable text (a blank scan).")
def _check_not_a_report(ctx: CheckContext) -> Iterator[Finding]:
    plain = ctx.plain
    if any(plain[k] not in (None, "") for k in _REPORT_CORE_FIELDS):
        return
    if any(f.kind in RUN_FINDING_KINDS for f in ctx.record.findings):
        return  # the extraction failed (llm_failed says why): an empty record says nothing of the document
    characters = sum(1 for ch in ctx.document.text if not ch.isspace())
    figures = _figures(plain)
    if characters == 0:
        why = "文档没有可读的文字（空白扫描件或图片？）"
    elif figures:
        why = f"文档有 {characters} 个字符，读出 {figures} 个数值，但没有部门、年度或评价项目，数值可能只是引用"
    else:
        why = f"文档有 {characters} 个字符，但未读出部门、年度、评价项目、预算金额、得分或项目"
    yield make_finding(
        "not_a_report", "not_a_report", "error",
        f"未识别出绩效自评报告：{why}；请确认这是否是一份自评报告，并人工核对",
        list(_REPORT_CORE_FIELDS), characters, figures,
    )
