"""Login throttling and CSRF checks."""

from __future__ import annotations

import hmac
import threading
import time
from collections import defaultdict, deque


class LoginThrottle:
    """Refuse logins for a name or an address after too many recent failures.

    In memory, per process: ``max_failures`` within ``window_s`` seconds locks that name
    (and that client address) until the oldest failure leaves the window.
    """

    def __init__(self, max_failures: int = 5, window_s: float = 900.0) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._fails: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._fails[key]
        while q and now - q[0] > self.window_s:
            q.popleft()
        return q

    def blocked(self, *keys: str) -> bool:
        now = time.monotonic()
        with self._lock:
            return any(len(self._recent(k, now)) >= self.max_failures for k in keys)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for k in keys:
                self._recent(k, now).append(now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for k in keys:
                self._fails.pop(k, None)


def same_token(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of CSRF tokens; both must be present."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())
