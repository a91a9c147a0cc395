"""Rate limits shared by every document of a process: requests per minute, tokens per minute, and
a provider's Retry-After.

Documents run concurrently (``pipeline extract --concurrency``), so the limits cannot live in one
document's retry loop: ``LIMITER.acquire`` is called before each request by whichever thread sends
it, and reserves the request's slot and its estimated tokens under one lock. A 429 that names a
Retry-After holds the endpoint for every document (``hold``), not only the one that was refused:
otherwise the other workers would each collect their own 429. A request that could only start
after its document's deadline is not sent (``TimeBudgetExceeded``) and that document degrades.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass


class TimeBudgetExceeded(Exception):
    """The document's total time budget (``llm_document_budget``) ran out."""


WINDOW = 60.0  # seconds: the providers' "per minute"


def estimate_tokens(*texts: str) -> int:
    """A ceiling on the tokens of ``texts`` for reserving rate: a CJK character is about one token in
    the tokenizers of the providers we target, other text about a third of a token per character.
    Only a reservation: the usage the server reports replaces it (``settle``)."""
    total = 0.0
    for text in texts:
        cjk = sum(1 for ch in text if ord(ch) >= 0x2E80)
        total += cjk + (len(text) - cjk) / 3
    return int(total) + 1


@dataclass
class Reservation:
    endpoint: str
    entry: list  # [start, tokens]: the limiter's own window entry, so settling needs no search

    @property
    def at(self) -> float:  # monotonic start time
        return self.entry[0]

    @property
    def tokens(self) -> int:
        return self.entry[1]


class EndpointLimiter:
    """Requests per minute (evenly spaced), tokens per minute (a sliding 60 s window of reserved and
    settled tokens) and Retry-After holds, per endpoint, for all threads of the process."""

    def __init__(self, window: float = WINDOW) -> None:
        self.window = window  # seconds that "per minute" means (shorter in tests)
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}  # the earliest start of the next request (RPM spacing)
        self._held: dict[str, float] = {}  # no request before this time (a 429's Retry-After)
        self._window: dict[str, deque[list]] = {}  # [start, tokens] of the last minute's requests

    def acquire(self, endpoint: str, *, per_minute: float | None, tokens_per_minute: float | None,
                tokens: int, deadline: float) -> Reservation:
        """Wait until a request of about ``tokens`` tokens may be sent to ``endpoint``, and reserve
        it. Raises ``TimeBudgetExceeded`` (without waiting) when that is after ``deadline``."""
        with self._lock:
            now = time.monotonic()
            start = max(now, self._held.get(endpoint, 0.0))
            if per_minute:
                start = max(start, self._next.get(endpoint, 0.0))
            window = self._window.setdefault(endpoint, deque())
            while window and window[0][0] <= now - self.window:
                window.popleft()
            if tokens_per_minute:
                start = max(start, self._tokens_free_at(window, tokens, tokens_per_minute, self.window))
            if start > deadline:
                raise TimeBudgetExceeded(
                    "the rate limits (PIPELINE_LLM_REQUESTS_PER_MINUTE / PIPELINE_LLM_TOKENS_PER_MINUTE, or the "
                    "provider's Retry-After) leave no time within the document's budget"
                )
            if per_minute:
                self._next[endpoint] = start + self.window / per_minute
            entry = [start, tokens]
            window.append(entry)
        if start > now:
            time.sleep(start - now)
        return Reservation(endpoint, entry)

    @staticmethod
    def _tokens_free_at(window: deque, tokens: int, limit: float, span: float) -> float:
        """The earliest time at which the window's tokens plus ``tokens`` fit under ``limit``: the
        oldest reservations leave the window one by one. A request larger than the limit alone
        waits for an empty window (it could never fit otherwise)."""
        used = sum(entry[1] for entry in window)
        need = used + min(tokens, limit) - limit
        at = 0.0
        for entry_start, entry_tokens in sorted((e[0], e[1]) for e in window):
            if need <= 0:
                break
            at = entry_start + span
            need -= entry_tokens
        return at

    def settle(self, reservation: Reservation, used_tokens: int) -> None:
        """Replace a reservation's estimate by the tokens the server reported."""
        if used_tokens <= 0:
            return
        with self._lock:
            reservation.entry[1] = used_tokens

    def hold(self, endpoint: str, seconds: float) -> None:
        """No request to ``endpoint`` from any thread for ``seconds`` (a 429's Retry-After)."""
        with self._lock:
            self._held[endpoint] = max(self._held.get(endpoint, 0.0), time.monotonic() + seconds)

    def reset(self) -> None:
        with self._lock:
            self._next.clear()
            self._held.clear()
            self._window.clear()


LIMITER = EndpointLimiter()
