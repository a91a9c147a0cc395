"""The llm backend: the SQLite response cache, evidence for every accepted value, and extract_llm, which degrades to what it could validate."""

from __future__ import annotations

import hashlib
import json
import time
from contextlib import closing
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pipeline.analysis import analyze
from pipeline.config import Settings, get_settings, require_endpoint
from pipeline.document import Document
from pipeline.ground import ground_value, wan_readings
from pipeline.normalize import NumberMention
from pipeline.record import Candidate, Evidence, ExtractedRecord, Finding, LLM_FAILED, RecordMeta, Span
from pipeline.extract.llm import calls as _calls
from pipeline.extract.llm import costs as _costs
from pipeline.extract.llm import prompting as _prompting
from pipeline.extract.llm.routing import routed_text


# --- the cache --------------------------------------------------------------------------------


CACHE_FILE = "responses.sqlite3"


@dataclass
class ResponseCache:
    """The model's answers in one SQLite file under ``directory``, keyed by the hash of
    ``identity`` (model, mode, prompt version, prompt and schema hashes, document and sent-text
    hashes). Only answers go in, never a failed call, and nothing secret: no key, no URL.
    SQLite's own locking lets several processes share the file."""

    directory: Path
    identity: dict[str, str] = field(default_factory=dict)

    @cached_property
    def key(self) -> str:
        return hashlib.sha256(json.dumps(self.identity, sort_keys=True).encode()).hexdigest()

    @property
    def path(self) -> Path:
        return self.directory / CACHE_FILE

    def _connect(self):
        import sqlite3

        self.directory.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=30)
        connection.execute(
            "CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, identity TEXT NOT NULL, "
            "served_model TEXT, usage TEXT NOT NULL, answer TEXT NOT NULL, created REAL NOT NULL)"
        )
        return connection

    def load(self, index: _prompting.QuoteIndex, model: Any = None) -> tuple[_calls.ModelAnswer, dict] | None:
        import sqlite3

        if not self.path.is_file():
            return None
        try:
            with closing(self._connect()) as connection:
                row = connection.execute(
                    "SELECT identity, served_model, answer FROM answers WHERE key = ?", (self.key,)
                ).fetchone()
            if row is None or json.loads(row[0]) != self.identity:
                return None
            data = json.loads(row[2])
            response = (model or _prompting.ReportExtraction).model_validate(data["response"], context={"quotes": index})
            rejected = {r["path"]: _calls.Rejection(**r) for r in data.get("rejected", [])}
            return _calls.ModelAnswer(response, rejected, last_output=data.get("last_output")), {"served_model": row[1]}
        except (sqlite3.Error, OSError, ValueError, KeyError, TypeError):
            return None  # unreadable or stale: ask the model again

    def store(self, answer: _calls.ModelAnswer, stats: _calls.CallStats) -> None:
        """An answer the model gave (its rejected values included); never a failed call."""
        if answer.failure is not None:
            return
        data = {
            "response": answer.response.model_dump(mode="json"),
            "rejected": [vars(r) for r in answer.rejected.values()],
            "last_output": answer.last_output,
        }
        usage = {"llm_calls": stats.llm_calls, "tokens_in": stats.tokens_in, "tokens_out": stats.tokens_out}
        with closing(self._connect()) as connection, connection:
            connection.execute(
                "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?)",
                (self.key, json.dumps(self.identity, sort_keys=True), stats.served_model, json.dumps(usage),
                 json.dumps(data, ensure_ascii=False), time.time()),
            )

    def __len__(self) -> int:
        if not self.path.is_file():
            return 0
        with closing(self._connect()) as connection:
            return connection.execute("SELECT COUNT(*) FROM answers").fetchone()[0]


# --- evidence ---------------------------------------------------------------------------------


def _near(index: _prompting.QuoteIndex, span: tuple[int, int], value: float) -> int:
    """Raw offset of the number inside the quote's span that is closest to ``value``."""
    inside = [m for m in index.mentions if span[0] <= m.raw_start < span[1]]
    if not inside:
        return span[0]

    def distance(m: NumberMention) -> float:
        return min(abs(reading - value) for reading in (m.value, *wan_readings(m)))

    return min(inside, key=distance).raw_start


def evidence_for(document: Document, index: _prompting.QuoteIndex, leaf: _prompting._Quoted | _prompting.Passage) -> Evidence:
    """Ground one value in the document; the quote chooses the occurrence of a number."""
    if isinstance(leaf, _prompting.Passage):
        return _passage_evidence(document, leaf.text)
    if leaf.kind == "text":
        return ground_value(document, leaf.value, "text", method="llm")
    span = index.locate(leaf.quote)
    near = _near(index, span, float(leaf.value)) if span else None
    return ground_value(document, leaf.value, leaf.kind, method="llm", near=near)


def _passage_evidence(document: Document, text: str) -> Evidence:
    """A passage found whole, or assembled from its sentences (a page header between them)."""
    whole = ground_value(document, text, "text", method="llm")
    if whole.match != "ungrounded":
        return whole
    found = [e for e in (ground_value(document, p, "text", method="llm") for p in _prompting.passage_pieces(text)) if e.match != "ungrounded"]
    if not found:
        return whole
    first, rest = found[0], found[1:]
    return first.model_copy(
        update={
            "parts": [Span(page=e.page, start=e.start, end=e.end, quote=e.quote) for e in rest],
            "match": "fuzzy" if len(found) < len(_prompting.passage_pieces(text)) else first.match,
            "confidence": min(e.confidence for e in found),
        }
    )


# --- the backend ------------------------------------------------------------------------------


def extract_llm(document: Document, settings: Settings | None = None, *, client=None,
                fields: tuple[str, ...] = ()) -> ExtractedRecord:
    """Extract a record with the model; every value grounded or marked ungrounded.

    ``fields``: only these top-level record fields are asked for (the hybrid's gaps), with the
    lines of the report that print them (``routing.routed_text``) instead of the whole text;
    the record's other fields stay empty. ``client`` replaces the openai client built from
    ``settings`` (another transport, tests). Raises ``BackendUnavailableError`` when no endpoint
    is configured; never for what the endpoint or the model does (see ``with_model_outcome``).
    """
    settings = settings or get_settings()
    if client is None:
        require_endpoint(document.path, "llm", settings)
    prompt = _prompting.load_prompt()
    model = _prompting.response_model_for(tuple(fields))
    text, notes, note = _text_to_send(document, settings, tuple(fields))
    index = _prompting.QuoteIndex(text, analyze(document) if text == document.text else None)
    stats = _calls.CallStats()
    cache = ResponseCache(
        Path(settings.llm_cache_dir),
        {
            "model": settings.llm_model,
            "prompt_version": prompt.version,
            "mode": settings.llm_mode,
            "request_sha256": _prompting._request_fingerprint(prompt),
            "schema_sha256": _prompting._schema_hash(model),
            "fields": ",".join(fields),
            "document_sha256": document.sha256,
            "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        },
    )
    cached = cache.load(index, model) if settings.llm_cache else None
    if cached is not None:
        answer, data = cached
        stats.cache_hits, stats.served_model = 1, data.get("served_model")
    else:
        answer = _calls.ask_model(text, index, prompt, settings, stats, client=client, note=note, model=model)
        if settings.llm_cache:
            cache.store(answer, stats)
    cost = _costs.call_cost(stats.llm_calls, stats.tokens_in, stats.tokens_out, stats.served_model, settings)
    return with_model_outcome(to_record(document, answer.response, index, stats, prompt, notes, cost=cost), answer)


# Routing pays when it leaves out a real part of the report; near the whole, send the whole.
ROUTED_SHARE_MAX = 0.8


def _text_to_send(document: Document, settings: Settings, fields: tuple[str, ...]) -> tuple[str, list[str], str]:
    """(the text the model sees, notes for the record's meta, a note for the prompt): the lines that
    print ``fields`` when that is a real saving, else the whole report; cut at the input limit."""
    source, note = document.text, ""
    if fields:
        routed = routed_text(analyze(document), fields)
        if len(routed) <= ROUTED_SHARE_MAX * len(document.text):
            source = routed
            note = ("\n注意：只给出报告中可能载有所需字段的行，其余以“……”省略。"
                    "\nNote: only the report's lines that may hold the fields asked for are given; \"……\" marks left-out lines.")
    text = _calls.bounded_text(source, settings.llm_max_input_chars)
    notes: list[str] = []
    if len(text) < len(source):
        note += (
            f"\n注意：报告过长，只给出前 {len(text)} 个字符（共 {len(source)} 个）。"
            f"\nNote: the report is long; only its first {len(text)} of {len(source)} characters are given."
        )
        # A property of this extraction, not an inconsistency in the report: it goes in meta, not
        # findings (findings are flag kinds that evaluation scores against _expected_flags).
        notes.append(
            f"llm_input_truncated: 报告共 {len(source)} 个字符，超过模型输入上限，只发送了前 {len(text)} 个字符，"
            f"其后的内容未抽取 (the model saw {len(text)} of {len(source)} characters)"
        )
    return text, notes, note


LLM_OUTPUT = "llm_output"  # candidates key of the model's last invalid output, for the reviewer


def with_model_outcome(record: ExtractedRecord, answer: _calls.ModelAnswer) -> ExtractedRecord:
    """The record with what the model got wrong: each rejected value as a candidate of its
    field (with the reason), the last invalid output as a candidate under ``llm_output``, and
    one ``llm_failed`` warning that routes the record to review."""
    if answer.failure is None and not answer.rejected:
        return record
    candidates = {path: list(cands) for path, cands in record.candidates.items()}
    for path, rejection in answer.rejected.items():
        quoted = f"; the model quoted {rejection.quote!r}" if rejection.quote is not None else ""
        candidates.setdefault(path, []).append(
            Candidate(value=rejection.value, evidence=Evidence(method="llm", match="ungrounded", confidence=0.0),
                      reason=f"llm value rejected: {rejection.reason}{quoted}")
        )
    if answer.last_output is not None:
        errors = answer.failure or _calls._failure_list(answer.rejected)
        candidates[LLM_OUTPUT] = [
            Candidate(value=answer.last_output[:_prompting.MAX_KEPT_OUTPUT], evidence=Evidence(method="llm", match="ungrounded", confidence=0.0),
                      reason=f"the model's last invalid output; validation errors: {errors}")
        ]
    if answer.failure is not None:
        cause = answer.failure
        message = f"模型抽取失败，本记录只含已核实的取值，需人工复核 (llm_failed): {cause}"
    else:
        cause = _calls._failure_list(answer.rejected).replace("\n", " ")
        message = f"模型给出的 {len(answer.rejected)} 个取值未通过核对，已被拒绝，需人工复核 (llm_failed): {cause}"
    finding = Finding(check="llm_extraction", kind=LLM_FAILED, severity="warning", fields=sorted(answer.rejected), message=message)
    return record.model_copy(update={"candidates": candidates, "findings": [*record.findings, finding]})


def to_record(
    document: Document,
    response: _prompting.ReportExtraction,
    index: _prompting.QuoteIndex,
    stats: _calls.CallStats,
    prompt: _prompting.Prompt,
    notes: list[str] = (),
    *,
    cost: float | None = None,
) -> ExtractedRecord:
    """The plain record of the model's answer with its evidence and meta; ``cost`` is the calls'
    estimated USD cost (``costs.call_cost``: 0 for a cache hit, None when the price is unknown)."""
    evidence = {path: evidence_for(document, index, leaf) for path, leaf in _prompting.quoted_leaves(response)}
    served = f"{_prompting.EXTRACTOR_VERSION}:{stats.served_model}" if stats.served_model else _prompting.EXTRACTOR_VERSION
    return ExtractedRecord(
        doc_id=document.doc_id,
        **_prompting.plain_values(response),
        evidence=evidence,
        meta=RecordMeta(
            backend="llm",
            extractor_version=served,
            model=stats.served_model,
            notes=list(notes),
            prompt_version=prompt.version,
            source_path=document.path,
            source_sha256=document.sha256,
            pages=len(document.pages),
            engines=[p.engine for p in document.pages],
            llm_calls=stats.llm_calls,
            tokens_in=stats.tokens_in,
            tokens_out=stats.tokens_out,
            cache_hits=stats.cache_hits,
            cost=cost,
        ),
    )
