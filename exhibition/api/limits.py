"""The devices' rate limits: a token bucket per device and route, in this process.

A device whose token authenticates is counted by its own bucket here, with no call to the
limiter's storage (a door scans hundreds of times a minute; Flask-Limiter's in-memory storage
starts a thread to expire its counters, and Redis would cost a round trip per request). Anything
else (no token, an invented or a revoked one) goes to Flask-Limiter, counted against the
client's address, so that inventing tokens does not make a fresh budget each time.

Each gunicorn worker has its own buckets: with N workers a device could send up to N times the
limit in the worst case. The limit is there to stop a runaway or stolen device, not to meter a
fair one; the answers still say how much is left, in Flask-Limiter's headers.
"""

import threading
import time
from collections.abc import Callable

from flask import Blueprint, g, request
from werkzeug.exceptions import TooManyRequests

_MAX_KEYS = 50_000  # emptied when full: a venue has hundreds of devices


class Buckets:
    """Token buckets of `per_minute` tokens, refilled continuously (a burst of a minute's worth
    at most, then `per_minute / 60` a second)."""

    def __init__(self) -> None:
        self._state: dict[tuple, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(
        self, key: tuple, per_minute: int, now: float | None = None
    ) -> tuple[bool, int, float]:
        """Take one token: (allowed, tokens left, seconds until full or, refused, until one)."""
        now = time.monotonic() if now is None else now
        rate = per_minute / 60
        with self._lock:
            tokens, at = self._state.get(key, (float(per_minute), now))
            tokens = min(float(per_minute), tokens + (now - at) * rate)
            allowed = tokens >= 1
            if allowed:
                tokens -= 1
            if len(self._state) >= _MAX_KEYS and key not in self._state:
                self._state.clear()
            self._state[key] = (tokens, now)
        if not allowed:
            return False, 0, (1 - tokens) / rate
        return True, int(tokens), (per_minute - tokens) / rate


BUCKETS = Buckets()


def device_exemption(per_minute: int, known_device: Callable[[], int | None]) -> Callable[[], bool]:
    """Flask-Limiter's `exempt_when` for a device route: True (Flask-Limiter skips it) for a
    device known by `known_device`, after taking a token of its bucket; a 429 when it is empty."""

    def exempt() -> bool:
        device_id = known_device()
        if device_id is None:
            return False
        allowed, left, seconds = BUCKETS.take((request.endpoint, device_id), per_minute)
        if not allowed:
            raise TooManyRequests(retry_after=max(1, round(seconds)))
        g.device_limit = (per_minute, left, int(time.time() + seconds))
        return True

    return exempt


def register_headers(bp: Blueprint) -> None:
    """The same headers as Flask-Limiter's on the answers a device's bucket counted."""

    @bp.after_request
    def limit_headers(response):
        counted = g.pop("device_limit", None)
        if counted is not None:
            limit, left, reset = counted
            response.headers["X-RateLimit-Limit"] = str(limit)
            response.headers["X-RateLimit-Remaining"] = str(left)
            response.headers["X-RateLimit-Reset"] = str(reset)
        return response
