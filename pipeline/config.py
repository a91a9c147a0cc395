"""Settings, read from the environment (prefix ``PIPELINE_``) or a ``.env`` file.

Limits exist because documents are untrusted input: a hostile or broken file must not exhaust
memory or time. Secrets are ``SecretStr`` so they never print in logs or reprs.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from dataclasses import dataclass

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LlmMode = Literal["TOOLS", "JSON_SCHEMA", "JSON", "MD_JSON"]
Provider = Literal["openai", "deepseek", "dashscope", "vllm", "ollama", "llamacpp"]


@dataclass(frozen=True)
class Preset:
    """What an endpoint family needs, as defaults that every ``PIPELINE_LLM_*`` setting overrides.
    ``mode`` is the instructor mode the family answers reliably in: hosted APIs call tools;
    vLLM and llama.cpp constrain decoding to a JSON schema; Ollama's OpenAI API has JSON mode.
    Local servers get a longer timeout (a small GPU or a CPU is slow on a long report)."""

    base_url: str
    mode: LlmMode
    model: str | None  # None: the server's own model name must be set (PIPELINE_LLM_MODEL)
    needs_key: bool
    timeout: float
    max_output_tokens: int


PRESETS: dict[str, Preset] = {
    "openai": Preset("https://api.openai.com/v1", "TOOLS", "gpt-4o-mini", True, 120.0, 8192),
    "deepseek": Preset("https://api.deepseek.com/v1", "TOOLS", "deepseek-chat", True, 180.0, 8192),
    "dashscope": Preset("https://dashscope.aliyuncs.com/compatible-mode/v1", "TOOLS", "qwen-plus", True, 180.0, 8192),
    "vllm": Preset("http://localhost:8000/v1", "JSON_SCHEMA", None, False, 300.0, 8192),
    "ollama": Preset("http://localhost:11434/v1", "JSON", None, False, 600.0, 8192),
    "llamacpp": Preset("http://localhost:8080/v1", "JSON_SCHEMA", None, False, 600.0, 8192),
}
# Settings a preset fills when the user has not set them: (setting, preset attribute).
_PRESET_FIELDS = (("llm_base_url", "base_url"), ("llm_mode", "mode"), ("llm_model", "model"),
                  ("llm_timeout", "timeout"), ("llm_max_output_tokens", "max_output_tokens"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PIPELINE_", env_file=".env", extra="ignore")

    # --- input bounds -------------------------------------------------------------------
    max_file_bytes: int = Field(200 * 1024 * 1024, description="Largest input file accepted.")
    max_text_chars: int = Field(5_000_000, description="Largest decoded text accepted.")
    max_pdf_pages: int = Field(300, description="PDFs with more pages are refused.")
    max_image_pixels: int = Field(80_000_000, description="Images larger than this are refused.")

    # --- OCR ----------------------------------------------------------------------------
    ocr_dpi: int = Field(200, description="Resolution at which scanned PDF pages are rendered.")
    ocr_threads: int = Field(2, description="onnxruntime intra-op threads for RapidOCR.")

    # --- LLM (only used by the llm/hybrid backends) --------------------------------------
    llm_provider: Provider | None = Field(
        None, description="A preset (openai, deepseek, dashscope, vllm, ollama, llamacpp) for base URL, mode, model "
        "and limits; every llm_* setting given explicitly wins over it."
    )
    # The backend counts as configured when a base URL or an API key is set (a local
    # OpenAI-compatible server may need no key; api.openai.com needs no base URL).
    llm_base_url: str | None = Field(None, description="OpenAI-compatible endpoint, e.g. http://localhost:8000/v1.")
    llm_api_key: SecretStr | None = Field(None, description="API key; never logged, cached or written to records.")
    llm_model: str = Field("gpt-4o-mini", description="Model name sent to the endpoint.")
    llm_mode: LlmMode = Field(
        "TOOLS", description="How the model is made to answer in the schema: tool call, json_schema / json_object "
        "response format, or JSON in a markdown fence (local servers differ; `pipeline doctor` says which works)."
    )
    llm_timeout: float = Field(120.0, gt=0, description="Seconds per HTTP request to the endpoint.")
    llm_document_budget: float = Field(
        120.0, gt=0, description="Seconds of model time per document, retries and re-asks included; then it degrades."
    )
    llm_requests_per_minute: float | None = Field(
        None, gt=0, description="Requests sent to the endpoint per minute at most (all documents of a run); none: unpaced."
    )
    llm_tokens_per_minute: float | None = Field(
        None, gt=0, description="Tokens (in + out) sent to the endpoint per minute at most (all documents of a run); none: unlimited."
    )
    llm_concurrency: int = Field(
        4, ge=1, le=64, description="Documents extracted at once by the llm and hybrid backends (`pipeline extract`)."
    )
    llm_max_retries: int = Field(3, ge=0, le=10, description="Retries after a 429, 5xx, timeout or connection error.")
    llm_retry_wait: float = Field(1.0, ge=0, description="First backoff wait in seconds; doubles per retry.")
    llm_retry_wait_max: float = Field(30.0, ge=0, description="Longest backoff wait (also caps Retry-After).")
    llm_max_reasks: int = Field(2, ge=0, le=5, description="Re-asks after a response fails validation.")
    llm_max_input_chars: int = Field(40_000, gt=0, description="Longer documents are cut; the record says so.")
    llm_max_output_tokens: int = Field(8192, gt=0, description="max_tokens of one response.")
    llm_temperature: float = Field(0.0, ge=0, le=2)
    llm_cache: bool = Field(True, description="Reuse validated responses from llm_cache_dir.")
    llm_cache_dir: Path = Field(Path(".cache/llm"), description="Response cache: model + prompt + document hash.")

    # --- LLM cost (pipeline/extract/llm/costs.py; estimates, in USD) -----------------------
    llm_price_file: Path | None = Field(
        None, description="Your own price table (TOML, the shape of pipeline/data/llm_prices.toml) instead of the shipped one."
    )
    llm_price_in: float | None = Field(None, ge=0, description="USD per million input tokens; wins over the price table.")
    llm_price_out: float | None = Field(None, ge=0, description="USD per million output tokens; wins over the price table.")
    llm_cost_cap: float | None = Field(
        None, ge=0, description="USD the model calls of one run (one process) may cost; once reached, no request is sent "
        "and each further document degrades (llm_failed). None: no cap."
    )
    llm_cost_ledger: Path | None = Field(
        None, description="A file (SQLite) in which the processes of one run add up their cost, so that the cap holds across "
        "them; `pipeline batch` sets it for its workers. None: this process alone."
    )

    # --- review queue (pipeline/review) ------------------------------------------------------
    db_url: str | None = Field(None, description="Review store; default sqlite:///data/review.sqlite3, or postgresql+psycopg://...")
    review_token: SecretStr | None = Field(None, description="Reviewer token of `pipeline serve`; generated and printed when unset.")
    review_min_confidence: float = Field(0.7, ge=0, le=1, description="A field below this evidence confidence is routed to review.")
    review_min_ocr_confidence: float = Field(0.85, ge=0, le=1, description="An OCR page below this mean score is routed to review.")
    review_audit_rate: float = Field(0.05, ge=0, le=1, description="Share of clean records sampled for a spot check.")
    review_audit_seed: str = Field("review-audit-1", description="Seed of the audit sample (same seed, same sample).")
    llm_doctor_max_seconds: float = Field(
        30.0, gt=0, description="`pipeline doctor` calls an endpoint too slow when its tiny request takes longer."
    )

    @model_validator(mode="after")
    def _apply_preset(self) -> "Settings":
        """The preset's values for the llm settings the user did not set."""
        if self.llm_provider is None:
            return self
        preset = PRESETS[self.llm_provider]
        for name, attribute in _PRESET_FIELDS:
            value = getattr(preset, attribute)
            if name not in self.model_fields_set and value is not None:
                object.__setattr__(self, name, value)
        return self

    @property
    def llm_configured(self) -> bool:
        has_key = bool(self.llm_api_key and self.llm_api_key.get_secret_value())
        if self.llm_provider is not None and PRESETS[self.llm_provider].needs_key:
            return has_key
        return bool(self.llm_base_url) or has_key


def require_endpoint(path: str | Path, backend: str, settings: Settings) -> None:
    """Refuse a model backend when no endpoint is configured, saying what to set."""
    from pipeline.errors import BackendUnavailableError

    if not settings.llm_configured:
        raise BackendUnavailableError(
            path,
            f"the {backend} backend is not available: no LLM endpoint is configured. Set "
            "PIPELINE_LLM_PROVIDER (openai, deepseek, dashscope, vllm, ollama, llamacpp) or "
            "PIPELINE_LLM_BASE_URL (an OpenAI-compatible endpoint), PIPELINE_LLM_API_KEY when the endpoint needs one, "
            f"and PIPELINE_LLM_MODEL (default {settings.llm_model}); or use --backend rules",
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
