"""Hybrid backend: rules first, the model for what the rules miss or disagree on.

Merge policy (field by field; a field is a leaf path such as ``budget.actual``):

1. **Rules run first.** If the rules record has no null scalar field, no empty list and no
   disputed field, the model is not called (``meta.llm_calls == 0``). A field is *disputed* when
   the rules considered a rejected candidate with a different value whose score is within
   ``CLOSE_SCORE`` of the chosen one's (or above it). Otherwise the model extracts the whole
   document once (``extract_llm``, cached, so a document already run with ``--backend llm``
   costs nothing).
2. **A grounded rules value wins.** When both give a value and they differ (the scorer's
   ``values_match``), the rules value stays if its evidence is grounded. The model's value goes
   into ``candidates[path]`` with ``method='llm'`` evidence and ``chosen=False``, beside the
   rules' own candidates. An ungrounded rules value loses to a grounded model value, and the
   rules value is then kept as the rejected candidate.
3. **The model fills nulls.** When the rules value is null, the model's value is taken with its
   evidence (``method='llm'``). If that evidence is ``ungrounded`` it stays so, and the
   ungrounded-value check routes it to review: nothing is dropped silently.
4. **Lists.** An empty rules list takes the model's list whole. Otherwise the rules list decides
   which items exist. Items are paired by name, with the scorer's ``name_ratio`` ≥ 0.8, best
   pairs first. Inside a pair, rules 2–3 apply field by field. A model item with no rules
   partner is not added; it is kept as a candidate under the list's path (``projects``).
5. **The model never costs a rules value.** A model value rejected by its check, an endpoint
   that fails, an answer that cannot be parsed: the rules values stand, the model's
   ``llm_failed`` finding routes the record to review, its rejected values stay as candidates.
6. Every value keeps the evidence of the backend it came from (``method`` ``rules`` or
   ``llm``). Findings of both records are kept. ``meta`` says ``backend='hybrid'`` and carries
   the model's prompt version and cost.
"""

from __future__ import annotations

from typing import Any

from pipeline.config import Settings, get_settings, require_endpoint
from pipeline.document import Document
from pipeline.compare import is_empty, pair_by_name, values_match
from pipeline.ground import ungrounded
from pipeline.record import LIST_FIELDS, VALUE_PATHS, Candidate, Evidence, ExtractedRecord, RecordMeta, get_path, set_path

EXTRACTOR_VERSION = "hybrid-1"
# A rejected rules candidate this close to the chosen one's score (or above it) disputes the field.
CLOSE_SCORE = 0.5
LISTS = tuple(LIST_FIELDS)


def missing_fields(record: ExtractedRecord) -> list[str]:
    """Null scalar fields and empty lists of a record."""
    plain = record.plain()
    return [p for p in VALUE_PATHS if is_empty(get_path(plain, p))] + [name for name in LISTS if not plain[name]]


def disputed_fields(record: ExtractedRecord) -> list[str]:
    """Fields whose rules candidates disagree: a rejected candidate with another value scored
    within ``CLOSE_SCORE`` of the chosen one."""
    disputed = []
    for path, candidates in record.candidates.items():
        chosen = next((c for c in candidates if c.chosen), None)
        if chosen is not None and any(
            not c.chosen and c.score >= chosen.score - CLOSE_SCORE and not values_match(chosen.value, c.value)
            for c in candidates
        ):
            disputed.append(path)
    return disputed


def _grounded(evidence: Evidence | None) -> bool:
    return evidence is not None and evidence.match != "ungrounded"


class _Merger:
    def __init__(self, rules: ExtractedRecord, llm: ExtractedRecord, disputed: list[str]):
        self.rules, self.llm, self.disputed = rules, llm, set(disputed)
        self.evidence = dict(rules.evidence)
        self.candidates = {path: [c.model_copy() for c in cands] for path, cands in rules.candidates.items()}

    def value(self, path: str, rules_value: Any, llm_value: Any, llm_path: str | None = None) -> Any:
        """The merged value at ``path`` (rules numbering); ``llm_path`` is the same field in the
        model's record when list indices differ."""
        llm_path = llm_path or path
        if is_empty(llm_value):
            return rules_value
        llm_evidence = self.llm.evidence.get(llm_path) or ungrounded("llm")
        if is_empty(rules_value):
            self.evidence[path] = llm_evidence
            if path in self.candidates:
                self._offer(path, llm_value, llm_evidence, True, "llm: the rules chose no value")
            return llm_value
        if values_match(rules_value, llm_value):
            return rules_value
        rules_evidence = self.rules.evidence.get(path)
        # report_type is a classification, not a printed value: it has no evidence to check.
        rules_grounded = path == "report_type" or _grounded(rules_evidence)
        if rules_grounded or not _grounded(llm_evidence):
            self._offer(path, rules_value, rules_evidence or ungrounded("rules"), True, "rules value (grounded) wins", rules_side=True)
            echo = any(not c.chosen and values_match(c.value, llm_value) for c in self.candidates.get(path, []))
            why = "llm alternative; the grounded rules value wins" + (
                " (the llm sides with a rejected rules candidate)" if echo else ""
            ) + (" (rules candidates disagree here)" if path in self.disputed else "")
            self._offer(path, llm_value, llm_evidence, False, why)
            return rules_value
        for candidate in self.candidates.get(path, []):
            candidate.chosen = False
        self._offer(path, rules_value, rules_evidence or ungrounded("rules"), False, "rules value is ungrounded; the grounded llm value wins", rules_side=True)
        self._offer(path, llm_value, llm_evidence, True, "llm value, grounded")
        self.evidence[path] = llm_evidence
        return llm_value

    def _offer(self, path: str, value: Any, evidence: Evidence, chosen: bool, reason: str, rules_side: bool = False) -> None:
        """Add a candidate. A rules value already among the rules' own candidates is not added
        again: its entries are marked chosen (the one already chosen, else the first) or not."""
        pool = self.candidates.setdefault(path, [])
        same = [c for c in pool if rules_side and c.evidence.method == "rules" and values_match(c.value, value)]
        if not same:
            pool.append(Candidate(value=value, evidence=evidence, chosen=chosen, reason=reason))
        elif not chosen:
            for candidate in same:
                candidate.chosen = False
        elif not any(c.chosen for c in same):
            same[0].chosen = True

    def keep_rejections(self, llm_candidates: dict[str, list[Candidate]]) -> None:
        """The model's rejected values and last invalid output (``extract_llm`` keeps them as
        candidates) stay in the merged record: a field's under its path, a list item's under the
        list's name (its index is the model's, not the merged list's)."""
        for path, candidates in llm_candidates.items():
            key = path.split("[", 1)[0] if "[" in path else path
            for candidate in candidates:
                reason = candidate.reason if key == path else f"{path}: {candidate.reason}"
                self.candidates.setdefault(key, []).append(candidate.model_copy(update={"reason": reason}))

    def items(self, name: str, rules_items: list[dict], llm_items: list[dict]) -> list[dict]:
        if not llm_items:
            return rules_items
        if not rules_items:
            for path, evidence in self.llm.evidence.items():
                if path.startswith(f"{name}["):
                    self.evidence[path] = evidence
            return llm_items
        paired = pair_by_name([r.get("name") or "" for r in rules_items], [m.get("name") or "" for m in llm_items])
        partner = {ri: mi for ri, (mi, _ratio) in paired.items()}
        merged = []
        for ri, item in enumerate(rules_items):
            item = dict(item)
            if ri in partner:
                mi = partner[ri]
                for key in item:
                    item[key] = self.value(f"{name}[{ri}].{key}", item[key], llm_items[mi].get(key), f"{name}[{mi}].{key}")
            merged.append(item)
        for mi, item in enumerate(llm_items):
            if mi not in partner.values():
                evidence = self.llm.evidence.get(f"{name}[{mi}].name") or ungrounded("llm")
                self.candidates.setdefault(name, []).append(
                    Candidate(value=item, evidence=evidence, reason="llm item with no rules partner; not added (the rules list decides which items exist)")
                )
        return merged


def merge(rules: ExtractedRecord, llm: ExtractedRecord, disputed: list[str] = ()) -> ExtractedRecord:
    """One record from a rules record and a model record, by the policy above."""
    merger = _Merger(rules, llm, list(disputed))
    plain, model = rules.plain(), llm.plain()
    for path in VALUE_PATHS:
        set_path(plain, path, merger.value(path, get_path(plain, path), get_path(model, path)))
    for name in LISTS:
        plain[name] = merger.items(name, plain[name], model[name])
    merger.keep_rejections(llm.candidates)
    llm_meta, rules_meta = llm.meta, rules.meta
    return ExtractedRecord(
        **plain,
        evidence=merger.evidence,
        candidates=merger.candidates,
        findings=[*rules.findings, *llm.findings],
        meta=_meta(rules_meta, llm_meta),
    )


def _meta(rules_meta: RecordMeta | None, llm_meta: RecordMeta | None) -> RecordMeta:
    base = (rules_meta or llm_meta).model_dump()  # type: ignore[union-attr]
    versions = "+".join(m.extractor_version for m in (rules_meta, llm_meta) if m is not None)
    base.update(backend="hybrid", extractor_version=f"{EXTRACTOR_VERSION}({versions})")
    if llm_meta is not None:
        base.update(
            prompt_version=llm_meta.prompt_version,
            **{k: getattr(llm_meta, k) for k in ("llm_calls", "tokens_in", "tokens_out", "cache_hits", "cost")},
        )
    return RecordMeta.model_validate(base)


def extract_hybrid(document: Document, settings: Settings | None = None, *, client=None) -> ExtractedRecord:
    """Rules first; the model only when the rules leave a field null or a list empty, or their
    candidates disagree. When the model fails, the rules record stands, with the model's
    ``llm_failed`` finding and its rejected values as candidates (``extract_llm`` never raises
    for what the endpoint or the model does)."""
    from pipeline.analysis import analyze
    from pipeline.extract.llm import extract_llm
    from pipeline.extract.llm.routing import field_groups, worth_asking
    from pipeline.extract.rules import extract_rules

    settings = settings or get_settings()
    if client is None:
        require_endpoint(document.path, "hybrid", settings)
    rules = extract_rules(document)
    disputed = disputed_fields(rules)
    wanted = [*worth_asking(missing_fields(rules), analyze(document), rules.report_type), *disputed]
    if not wanted:
        return rules.model_copy(update={"meta": _meta(rules.meta, None)})
    llm = extract_llm(document, settings, client=client, fields=field_groups(wanted))
    return merge(rules, llm, disputed)
