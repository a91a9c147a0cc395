"""What the model calls cost: the price table, each record's estimate and the run's cost cap.

Prices are estimates in US dollars per million tokens, from a small editable table shipped in the
package (``pipeline/data/llm_prices.toml``, written 2026-11-30 and not kept current; the file says
how a model is found). ``PIPELINE_LLM_PRICE_FILE`` replaces the table with the user's own;
``PIPELINE_LLM_PRICE_IN`` / ``PIPELINE_LLM_PRICE_OUT`` win over any table. A model found nowhere
has no price, and its cost is ``None`` ("unknown"), never a guessed number.

Which table applies: the preset's (``PIPELINE_LLM_PROVIDER``); without a preset, the one whose
endpoint host the base URL names (no base URL: api.openai.com). Any other endpoint is unknown
unless the prices are set.

The cost cap (``PIPELINE_LLM_COST_CAP``, USD) bounds a run: ``LEDGER`` adds up the cost of every
response as it arrives, across the threads of the process, and ``LEDGER.check`` stops a request
before it is sent once the cap is reached. The document then degrades as for any failure of the
endpoint (``llm_failed``; hybrid keeps the rules record). Requests already in flight when the cap is reached still finish, so a run can pass the cap by what those cost (and
instructor's own re-asks of a malformed answer within one request are not checked one by one).
With a cap but no price for the model, no request is sent: the cap could not be kept. A run is
one process; ``pipeline batch`` makes its worker processes one run by sharing a ledger file
(``shared_ledger``; ``llm_cost_ledger``).
"""

from __future__ import annotations

import os
import threading
import tomllib
from contextlib import closing, contextmanager
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlparse

from pipeline.config import PRESETS, Settings

PRICE_FILE = "llm_prices.toml"
CURRENCY = "USD"
ANY_MODEL = "*"  # a preset's row for every model (local servers: free)
_OPENAI_HOST = "api.openai.com"  # the endpoint without a base URL (prompting.DEFAULT_BASE_URL)


@dataclass(frozen=True)
class Price:
    """USD per million input and output tokens, and where the figures came from."""

    per_million_in: float
    per_million_out: float
    source: str

    def cost(self, tokens_in: int, tokens_out: int) -> float:
        return (tokens_in * self.per_million_in + tokens_out * self.per_million_out) / 1_000_000


@lru_cache(maxsize=8)
def _load_table(path: str | None) -> dict[str, dict[str, dict[str, float]]]:
    """preset → model → {"input", "output"}; ``path`` None: the table shipped in the package."""
    text = Path(path).read_text(encoding="utf-8") if path else (files("pipeline") / "data" / PRICE_FILE).read_text(encoding="utf-8")
    data = tomllib.loads(text)
    if data.get("currency", CURRENCY) != CURRENCY:
        raise ValueError(f"price table {path or PRICE_FILE}: prices must be in {CURRENCY}, not {data['currency']}")
    return {name: rows for name, rows in data.items() if isinstance(rows, dict)}


def price_table(settings: Settings) -> dict[str, dict[str, dict[str, float]]]:
    """The price table in force: the user's file (``llm_price_file``) or the shipped one."""
    return _load_table(str(settings.llm_price_file) if settings.llm_price_file else None)


def table_provider(settings: Settings) -> str | None:
    """Whose prices apply: the preset, else the preset whose endpoint host the base URL names."""
    if settings.llm_provider:
        return settings.llm_provider
    host = urlparse(settings.llm_base_url).hostname if settings.llm_base_url else _OPENAI_HOST
    return next((name for name, preset in PRESETS.items() if urlparse(preset.base_url).hostname == host
                 and host not in ("localhost", "127.0.0.1")), None)


def _row(rows: dict[str, dict[str, float]], model: str) -> dict[str, float] | None:
    """The model's row: its exact name, the longest name it extends with '-', or the '*' row."""
    if model in rows:
        return rows[model]
    stems = [name for name in rows if name != ANY_MODEL and model.startswith(name + "-")]
    return rows[max(stems, key=len)] if stems else rows.get(ANY_MODEL)


def price_for(model: str | None, provider: str | None, settings: Settings) -> Price | None:
    """The price of ``model`` at ``provider``'s table, with the price settings winning over it;
    None when either figure is unknown."""
    row = _row(price_table(settings).get(provider or "", {}), model) if model else None
    per_in = settings.llm_price_in if settings.llm_price_in is not None else (row or {}).get("input")
    per_out = settings.llm_price_out if settings.llm_price_out is not None else (row or {}).get("output")
    if per_in is None or per_out is None:
        return None
    overridden = settings.llm_price_in is not None or settings.llm_price_out is not None
    return Price(float(per_in), float(per_out), "settings" if overridden else f"table:{provider}:{model}")


def estimate_cost(model: str | None, provider: str | None, tokens_in: int, tokens_out: int, settings: Settings) -> float | None:
    """Estimated USD cost of ``tokens_in`` + ``tokens_out`` on ``model``; None when its price is unknown."""
    price = price_for(model, provider, settings)
    return None if price is None else price.cost(tokens_in, tokens_out)


def call_cost(llm_calls: int, tokens_in: int, tokens_out: int, served_model: str | None, settings: Settings) -> float | None:
    """The cost of one document's calls: 0 when none was sent (a cache hit, or stopped before the
    first request); else priced by the configured model name, or the name the server answered with."""
    if llm_calls == 0:
        return 0.0
    provider = table_provider(settings)
    for model in (settings.llm_model, served_model):
        cost = estimate_cost(model, provider, tokens_in, tokens_out, settings)
        if cost is not None:
            return cost
    return None


def format_cost(cost: float | None) -> str:
    """A cost for people: 'unknown' for None (never 0), else USD with the digits a small cost needs."""
    if cost is None:
        return "unknown"
    return f"{cost:.4f}" if cost >= 0.01 or cost == 0 else f"{cost:.6f}"


def add_costs(*costs: float | None) -> float | None:
    """A sum that is unknown when any part is."""
    return None if any(c is None for c in costs) else sum(costs)  # type: ignore[arg-type]


# --- the run's cost cap -----------------------------------------------------------------------


class CostCapReached(Exception):
    """The run's cost cap (``llm_cost_cap``) is reached, or cannot be kept: the request is not sent."""


LEDGER_FILE = "cost_ledger.sqlite3"
LEDGER_ENV = "PIPELINE_LLM_COST_LEDGER"


@dataclass(frozen=True)
class Spending:
    spent: float = 0.0
    responses: int = 0
    unpriced: int = 0  # responses whose model has no price


class CostLedger:
    """What the responses of this run cost so far, and the cap check before a request. A run is
    this process (its threads share the ledger under a lock), or, with ``llm_cost_ledger`` set,
    every process that writes the same SQLite file (a batch's workers)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._own = Spending()

    def add(self, cost: float | None, settings: Settings | None = None) -> None:
        delta = Spending(cost or 0.0, 1, int(cost is None))
        with self._lock:
            own = self._own
            self._own = Spending(own.spent + delta.spent, own.responses + 1, own.unpriced + delta.unpriced)
        if settings is not None and settings.llm_cost_ledger:
            with closing(_connect(settings.llm_cost_ledger)) as db, db:
                db.execute("UPDATE ledger SET spent = spent + ?, responses = responses + 1, unpriced = unpriced + ?",
                           (delta.spent, delta.unpriced))

    def spending(self, settings: Settings | None = None) -> Spending:
        """The run's spending: the shared file's when there is one, else this process's."""
        if settings is not None and settings.llm_cost_ledger:
            with closing(_connect(settings.llm_cost_ledger)) as db:
                return Spending(*db.execute("SELECT spent, responses, unpriced FROM ledger").fetchone())
        with self._lock:
            return self._own

    @property
    def spent(self) -> float:
        return self.spending().spent

    @property
    def responses(self) -> int:
        return self.spending().responses

    @property
    def unpriced(self) -> int:
        return self.spending().unpriced

    def check(self, settings: Settings) -> None:
        """Raise ``CostCapReached`` when a cap is set and reached, or set for a model without a price.
        Checked before each request the pipeline sends; requests in flight are not stopped."""
        cap = settings.llm_cost_cap
        if cap is None:
            return
        if price_for(settings.llm_model, table_provider(settings), settings) is None:
            raise CostCapReached(
                f"the cost cap of {CURRENCY} {cap:g} (PIPELINE_LLM_COST_CAP) cannot be kept: no price for model "
                f"{settings.llm_model!r}; set PIPELINE_LLM_PRICE_IN and PIPELINE_LLM_PRICE_OUT"
            )
        spent = self.spending(settings).spent
        if spent >= cap:
            raise CostCapReached(
                f"the run's cost cap of {CURRENCY} {cap:g} (PIPELINE_LLM_COST_CAP) was reached "
                f"({CURRENCY} {format_cost(spent)} spent); no further request is sent"
            )

    def hook(self, settings: Settings) -> Callable[[Any], None]:
        """An instructor ``completion:response`` hook that adds the response's cost."""

        def on_response(response: Any) -> None:
            usage = getattr(response, "usage", None)
            tokens_in = getattr(usage, "prompt_tokens", 0) or 0
            tokens_out = getattr(usage, "completion_tokens", 0) or 0
            self.add(call_cost(1, tokens_in, tokens_out, getattr(response, "model", None), settings), settings)

        return on_response

    def reset(self) -> None:
        """A new run in the same process (tests, a long-lived service)."""
        with self._lock:
            self._own = Spending()


LEDGER = CostLedger()


def _connect(path: Path):
    import sqlite3

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=30)
    db.execute("CREATE TABLE IF NOT EXISTS ledger (spent REAL NOT NULL, responses INTEGER NOT NULL, unpriced INTEGER NOT NULL)")
    with db:
        db.execute("INSERT INTO ledger SELECT 0, 0, 0 WHERE NOT EXISTS (SELECT 1 FROM ledger)")
    return db


@contextmanager
def shared_ledger(directory: Path) -> Iterator[Path]:
    """A fresh ledger file in ``directory`` for one run of several processes: while the run lasts,
    ``PIPELINE_LLM_COST_LEDGER`` names it, so the workers it starts (which read their settings
    from the environment) add up their cost in it and the cap holds for the run as a whole."""
    path = Path(directory) / LEDGER_FILE
    path.unlink(missing_ok=True)
    previous = os.environ.get(LEDGER_ENV)
    os.environ[LEDGER_ENV] = str(path)
    try:
        yield path
    finally:
        if previous is None:
            os.environ.pop(LEDGER_ENV, None)
        else:
            os.environ[LEDGER_ENV] = previous
