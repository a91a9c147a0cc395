"""Route sections, not the whole document: a hybrid request asks only for the field groups the rules
left empty or disputed, carries only that part of the schema, and sends the report's head and the
lines that can print those fields (pipeline.extract.llm.routing). The reports here are invented."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from llm_server import ScriptedServer, gold

from pipeline.analysis import analyze
from pipeline.config import Settings
from pipeline.document import Document
from pipeline.extract.llm.routing import GAP, field_groups, routed_text, worth_asking
from pipeline.run import process

sys.path.insert(0, str(Path(__file__).parent / "cassettes"))
import handwritten as scripted  # noqa: E402
import test_llm as t  # noqa: E402

REPORT = """松溪县林业局2024年度部门整体支出绩效自评报告
一、部门基本情况
松溪县林业局内设五个股室，负责全县森林资源保护和林业产业发展。
局机关在编人员32人，下属林业站四个。
二、部门预算执行情况
2024年全年预算数为864.20万元，实际支出812.35万元，预算执行率94.00%。
其中基本支出全年预算501.00万元。
三、绩效指标完成情况
森林防火巡护里程：年度指标值≥1200公里，实际完成1316公里。
四、存在的问题
一是部分项目资金拨付进度偏慢；二是绩效目标设置不够细化。
五、改进措施
加快资金拨付，细化绩效目标。
六、其他说明
本报告由局办公室汇总，联系人张某。
"""


def document(text: str = REPORT, doc_id: str = "songxi") -> Document:
    return t.text_document(text, doc_id=doc_id, path=f"{doc_id}.txt")


def test_field_groups_are_the_top_level_fields_once_each_in_order():
    assert field_groups(["budget.initial", "projects[2].actual", "budget.actual", "problems"]) == ("budget", "projects", "problems")


def test_an_empty_field_whose_label_the_report_never_prints_is_not_asked_for():
    view = analyze(document())
    asked = worth_asking(["budget.initial", "budget.basic.actual", "budget.three_public.budget", "evaluation.grade",
                          "budget.actual", "subject"], view, "overall_report")
    # no 年初, no 三公, no 等级 printed; 基本支出 is; budget.actual has no label test; a department has no subject
    assert asked == ["budget.basic.actual", "budget.actual"]
    assert "subject" in worth_asking(["subject"], view, "project_report")


def test_a_problems_request_sends_the_head_and_the_problems_section_only():
    text = routed_text(analyze(document()), ("problems",))
    assert text.startswith("松溪县林业局2024年度部门整体支出绩效自评报告")
    assert "四、存在的问题\n一是部分项目资金拨付进度偏慢" in text
    assert "864.20" not in text and "联系人" not in text
    for line in text.split("\n"):
        assert line == GAP or line in REPORT  # every line as printed


def test_a_budget_request_sends_the_money_section_and_no_prose_sections():
    text = routed_text(analyze(document()), ("budget",))
    assert "2024年全年预算数为864.20万元，实际支出812.35万元，预算执行率94.00%。" in text
    assert "其中基本支出全年预算501.00万元。" in text
    assert "绩效目标设置不够细化" not in text and "联系人" not in text
    assert GAP in text and len(text) < len(REPORT)


def test_the_hybrid_request_carries_only_the_missing_groups_and_less_than_the_report(tmp_path):
    settings = Settings(_env_file=None, llm_base_url="http://127.0.0.1:1/v1", llm_model="scripted-model",
                        llm_cache_dir=tmp_path / "cache", llm_max_retries=0, llm_timeout=2.0)
    # the hybrid test report with a long closing section that prints none of the fields
    background = "".join(f"第{i}项工作按计划推进，相关台账已归档备查。\n" for i in range(1, 30))
    longer = document(t.REPORT2 + "六、其他说明\n" + background, "chengjiang_long")
    with ScriptedServer(gold(scripted.HYBRID_RECORD), models=["scripted-model"]) as server:
        record = process(longer, "hybrid", settings.model_copy(update={"llm_base_url": server.base_url}))
    (request,) = server.requests
    (tool,) = request["tools"]
    asked = set(tool["function"]["parameters"]["properties"])
    assert asked and asked < {"department", "fiscal_year", "report_type", "subject", "budget", "evaluation",
                              "indicators", "projects", "problems", "improvements"}
    assert "budget" in asked  # the rules leave budget fields empty and dispute the actual spending
    sent = request["messages"][1]["content"]
    report = sent.split("<report>\n", 1)[1].rsplit("\n</report>", 1)[0]
    assert len(report) < 0.8 * len(longer.text) and GAP in report and "台账" not in report
    assert record.budget.basic.actual == 1398.02 and record.evidence["budget.basic.actual"].method == "llm"
    assert json.dumps(record.plain(), ensure_ascii=False)  # a whole record, as always


def test_labels_of_other_fields_do_not_count_as_printing_a_field():
    """调整后预算数 is the adjusted total, not an adjustment; 年初目标 is a target, not the initial
    budget; a 项目支出绩效自评表 title prints no 项目支出 figures."""
    text = ("临川区项目支出绩效自评表\n年初目标：完成改造12处。\n调整后预算数86.00万元，实际支出80.10万元。\n")
    view = analyze(document(text, "linchuan"))
    paths = ["budget.initial", "budget.adjustment", "budget.project.budget", "budget.actual"]
    assert worth_asking(paths, view, "project_table") == ["budget.actual"]
    view = analyze(document(text + "年中追加预算10.00万元，其中项目支出66.00万元。\n", "linchuan2"))
    assert worth_asking(paths, view, "project_table") == ["budget.adjustment", "budget.project.budget", "budget.actual"]
