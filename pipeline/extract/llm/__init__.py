"""LLM backend: schema-constrained extraction through any OpenAI-compatible endpoint.

``extract_llm(document, settings)`` works like this:

1. **Request.** The versioned prompt (``prompts/extract_v1.md``, its version in
   ``RecordMeta.prompt_version``) and the document text go to the model through instructor in
   TOOLS mode. Texts over ``llm_max_input_chars`` are cut, and an ``llm_input_truncated`` finding
   says so. The response model ``ReportExtraction`` mirrors the plain record, except that every
   leaf value comes with the ``quote`` it was read from, so the model has to cite.
2. **Validation per value → follow-up.** Instructor checks the answer against the schema and
   re-asks when it is malformed. Then ``split_valid`` checks each value alone against the text the
   model saw: a value fails when its quote is not in the text (compared without whitespace or
   width differences, raw or normalised); an amount is not the quoted number in 万元; a rate is
   not the printed percent; a text value is not inside its quote; or a passage is not copied from
   the report. A failing value is removed (a list item whose name fails goes whole) and the rest
   stands. A short follow-up lists only the failures and asks for those fields again, at most
   ``llm_max_reasks`` times; only the failed fields are taken from it.
3. **Transport retries.** tenacity retries 429, 5xx, timeouts and connection errors with
   exponential backoff, honouring Retry-After, at most ``llm_max_retries`` times. The openai
   client's own retries are switched off so that nothing retries twice. Instructor's loop only
   retries validation errors; it wraps a transport error, so the error's cause is what we check.
4. **Cache.** An answer is stored under ``llm_cache_dir`` (its rejected values with it; a failed
   call never). The key is a hash of the model, the prompt version, the prompt and schema hash,
   the document sha256 and the hash of the text sent. The cache holds no secret: no key and no
   URL. A hit counts in ``meta.cache_hits`` and costs no call and no tokens.
5. **Evidence.** ``ground.ground_value`` (method ``llm``) gives every value its evidence. For
   numbers, the quote picks which occurrence. A value that cannot be grounded keeps
   ``Evidence(match='ungrounded')`` and is never dropped.

6. **Degrade, never lose.** Nothing the endpoint or the model does raises: transport errors past
   the retries, a 401, a cut (``finish_reason: length``), empty or unparsable answer give a record
   with what validated (empty otherwise). Rejected values become candidates of their field with
   the reason, the last invalid output a candidate under ``llm_output``, and an ``llm_failed``
   warning says why and routes the record to review (``with_model_outcome``).

Instructor renders the messages as Jinja templates whenever it gets a validation context. So the
prompt and the document enter the messages only through ``{{ placeholders }}``: their text is
inserted as it is and never parsed. A report that contains ``{#`` or ``{{`` cannot break the
request or steer the template.

``meta.llm_calls`` counts the HTTP requests sent, rejected ones (429) included.
``tokens_in`` / ``tokens_out`` sum the usage of every response received, re-asks included.
"""

from __future__ import annotations

from pipeline.extract.llm.prompting import (  # noqa: F401  (the reader's names, wherever they live)
    DEFAULT_BASE_URL,
    EXTRACTOR_VERSION,
    LlmExtractionError,
    MAX_KEPT_OUTPUT,
    PROMPT_FILE,
    Passage,
    Prompt,
    QuoteIndex,
    QuotedAmount,
    QuotedNumber,
    QuotedRate,
    QuotedText,
    QuotedYear,
    ReportExtraction,
    _NO_KEY,
    _NUMBERING,
    _PIECE_SPLIT,
    _QUOTE_HELP,
    _Quoted,
    _close,
    _fold,
    _numbers_in,
    _quote_index,
    _request_fingerprint,
    _schema_hash,
    _squash,
    _squash_indexed,
    load_prompt,
    passage_pieces,
    plain_values,
    quoted_leaves,
)
from pipeline.extract.llm.calls import (  # noqa: F401  (the reader's names, wherever they live)
    CallStats,
    FOLLOW_UP_TEMPLATE,
    ModelAnswer,
    Rejection,
    TimeBudgetExceeded,
    USER_TEMPLATE,
    _Endpoint,
    _KEY_LIKE,
    _LOG_FILTER,
    _RedactingFilter,
    _STEP,
    _api_key,
    _backoff,
    _create,
    _describe,
    _failure_list,
    _first_line,
    _item_of,
    _last_output,
    _leaf_error,
    _put,
    _retry_after,
    _steps,
    _take_corrections,
    _transport_error,
    ask_model,
    bounded_text,
    is_transient,
    make_client,
    redact,
    split_valid,
)
from pipeline.extract.llm.backend import (  # noqa: F401  (the reader's names, wherever they live)
    CACHE_FILE,
    LLM_OUTPUT,
    ResponseCache,
    _near,
    _passage_evidence,
    evidence_for,
    extract_llm,
    to_record,
    with_model_outcome,
)
