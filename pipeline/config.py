"""Settings, read from the environment (prefix ``PIPELINE_``) or a ``.env`` file.

Limits exist because documents are untrusted input: a hostile or broken file must not exhaust
memory or time. Secrets are ``SecretStr`` so they never print in logs or reprs.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_model: str = "gpt-4o-mini"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
