"""Routing: which records a person must look at, why, and in what order.

A record enters the review queue for every rule it trips; each reason carries a severity, and the
item's priority is its worst reason's severity (older items first among equals, which the store's
ordering does). The rules are data (``RoutingRules``) so a deployment can tune them.

Confidence of a field is defined from its evidence, not from any model's self-report:

    confidence = match strength (exact 1.0, normalised 0.9, fuzzy 0.6, ungrounded 0.0)
               × label strength (read under a label 1.0, without one 0.8)
               × the extractor's own evidence confidence (arithmetic agreement among candidates
                 lowers it in the rules backend)

A field below ``RoutingRules.min_confidence`` is a reason to review.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from pipeline.config import Settings
from pipeline.document import Document
from pipeline.record import Evidence, ExtractedRecord

MATCH_STRENGTH = {"exact": 1.0, "normalized": 0.9, "fuzzy": 0.6, "ungrounded": 0.0}
UNLABELLED_FACTOR = 0.8

# Severity of each reason: the item's priority is the highest among its reasons.
PRIORITY = {
    "error_finding": 100,
    "machine_changed": 90,  # a re-run changed values of an approved or rejected record
    "llm_failed": 95,
    "ungrounded": 80,
    "ingest_trouble": 70,
    "disagreement": 60,
    "low_confidence": 50,
    "audit_sample": 10,
}


@dataclass(frozen=True)
class RoutingRules:
    min_confidence: float = 0.7
    min_ocr_confidence: float = 0.85
    audit_rate: float = 0.05  # share of clean records sampled for a spot check
    audit_seed: str = "review-audit-1"
    enabled: frozenset[str] = field(default_factory=lambda: frozenset(PRIORITY))


def rules_from_settings(settings: Settings | None = None) -> RoutingRules:
    """The thresholds from PIPELINE_REVIEW_* (``pipeline.config.Settings``)."""
    settings = settings or Settings()
    return RoutingRules(min_confidence=settings.review_min_confidence, min_ocr_confidence=settings.review_min_ocr_confidence,
                        audit_rate=settings.review_audit_rate, audit_seed=settings.review_audit_seed)


@dataclass(frozen=True)
class Reason:
    code: str
    detail: str

    @property
    def priority(self) -> int:
        return PRIORITY[self.code]

    def to_json(self) -> dict:
        return {"code": self.code, "detail": self.detail, "priority": self.priority}


def field_confidence(evidence: Evidence) -> float:
    label = 1.0 if evidence.label else UNLABELLED_FACTOR
    return round(MATCH_STRENGTH[evidence.match] * label * evidence.confidence, 4)


def audit_sampled(sha256: str, rules: RoutingRules) -> bool:
    """A stable draw per document: the same document is sampled (or not) on every run."""
    digest = hashlib.sha256(f"{rules.audit_seed}:{sha256}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rules.audit_rate


def route(record: ExtractedRecord, document: Document | None, rules: RoutingRules = RoutingRules()) -> list[Reason]:
    """Every reason ``record`` needs a person; empty for a clean record outside the audit sample."""
    reasons: list[Reason] = []
    for finding in record.findings:
        if "llm_failed" in (finding.check, finding.kind):
            reasons.append(Reason("llm_failed", finding.message))
        elif finding.severity == "error":
            reasons.append(Reason("error_finding", f"{finding.kind}: {finding.message}"))
    for path, evidence in record.evidence.items():
        if evidence.match == "ungrounded":
            reasons.append(Reason("ungrounded", f"{path} is not found in the document"))
        elif (confidence := field_confidence(evidence)) < rules.min_confidence:
            reasons.append(Reason("low_confidence", f"{path} confidence {confidence:.2f} ({evidence.match} match, label {evidence.label or 'none'})"))
    for finding in record.findings:
        if finding.kind == "ungrounded_value" and finding.severity != "error":
            reasons.append(Reason("ungrounded", finding.message))
        if finding.kind == "garbled_text":
            reasons.append(Reason("ingest_trouble", finding.message))
    for path, candidates in record.candidates.items():
        chosen = record.evidence.get(path)
        for candidate in candidates:
            if not candidate.chosen and chosen and candidate.evidence.method != chosen.method and candidate.evidence.method in ("llm", "rules"):
                reasons.append(Reason("disagreement", f"{path}: {chosen.method} and {candidate.evidence.method} read different values ({candidate.value!r})"))
                break
    if document is not None:
        for page in document.pages:
            if page.text_layer_rejected:
                reasons.append(Reason("ingest_trouble", f"page {page.number}: text layer rejected ({page.text_layer_rejected})"))
            if page.ocr_confidence is not None and page.ocr_confidence < rules.min_ocr_confidence:
                reasons.append(Reason("ingest_trouble", f"page {page.number}: OCR confidence {page.ocr_confidence:.2f}"))
    reasons = [r for r in reasons if r.code in rules.enabled]
    sha = document.sha256 if document is not None else (record.meta.source_sha256 if record.meta else None) or record.doc_id
    if not reasons and "audit_sample" in rules.enabled and audit_sampled(sha, rules):
        reasons.append(Reason("audit_sample", f"random audit sample ({rules.audit_rate:.0%} of clean records)"))
    return reasons


def priority(reasons: list[Reason]) -> int:
    return max((r.priority for r in reasons), default=0)
