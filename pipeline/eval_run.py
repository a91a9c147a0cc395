"""`pipeline eval`: extract every document that has a gold record and score the set.

A gold directory can be anyone's: `<doc_id>.json` files, with the source document beside each
one (`<doc_id>.txt|.pdf|…`), in a `--docs` directory, or in a sibling `seeds/` folder (the layout
of ../shared). Documents that fail to ingest still count: their gold is scored against an empty
prediction and the error is listed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import PipelineError
from pipeline.record import RUN_FINDING_KINDS
from pipeline.evaluate import EvalItem, EvalReport, Cost, ReportMetadata, evaluate_set, load_gold_dir

if TYPE_CHECKING:
    from pipeline.extract import Backend, BackendName

SOURCE_SUFFIXES = (".txt", ".md", ".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff")


def find_source(doc_id: str, gold_dir: Path, docs_dir: Path | None) -> Path | None:
    for folder in [d for d in (docs_dir, gold_dir, gold_dir.parent / "seeds") if d is not None]:
        for suffix in SOURCE_SUFFIXES:
            candidate = folder / f"{doc_id}{suffix}"
            if candidate.exists():
                return candidate
    return None


def run_eval(gold_dir: Path, docs_dir: Path | None = None, backend: "Backend | BackendName" = "rules") -> EvalReport:
    from pipeline.run import process
    from pipeline.ingest import load

    items = []
    for doc_id, gold in load_gold_dir(gold_dir).items():
        source = find_source(doc_id, gold_dir, docs_dir)
        if source is None:
            items.append(EvalItem(doc_id=doc_id, gold=gold, error=f"no source document for {doc_id} beside the gold or in --docs"))
            continue
        try:
            record = process(load(source), backend)
        except PipelineError as error:
            items.append(EvalItem(doc_id=doc_id, gold=gold, error=str(error)))
            continue
        meta = record.meta
        items.append(
            EvalItem(
                doc_id=doc_id,
                gold=gold,
                pred=record.model_dump(mode="json"),
                raised_flags=sorted({f.kind for f in record.findings if f.kind not in RUN_FINDING_KINDS}),
                cost=Cost(
                    llm_calls=meta.llm_calls if meta else 0,
                    tokens_in=meta.tokens_in if meta else 0,
                    tokens_out=meta.tokens_out if meta else 0,
                    cache_hits=meta.cache_hits if meta else 0,
                    cost=meta.cost if meta else 0.0,
                ),
            )
        )
    return evaluate_set(items, ReportMetadata(backend=str(backend), gold_dir=str(gold_dir)))
