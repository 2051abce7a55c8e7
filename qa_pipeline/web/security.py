"""Login throttling and CSRF checks."""

from __future__ import annotations

import hmac
import threading
import time
from collections import defaultdict, deque


class LoginThrottle:
    """Refuse logins for a name, or from an address, after too many recent failures.

    In memory, per process. A name is locked after ``per_name`` failures within
    ``window_s`` seconds (guessing one account's password); an address after
    ``per_address`` (guessing across accounts) — higher, because many people may share
    one address behind a proxy. A lock lifts when the oldest failure leaves the window.
    """

    def __init__(self, per_name: int = 5, per_address: int = 20, window_s: float = 900.0) -> None:
        """Set the limits.

        Args:
            per_name: Failures that lock a user name.
            per_address: Failures that lock a client address.
            window_s: How long a failure counts, in seconds.
        """
        self.limits = {"user": per_name, "ip": per_address}
        self.window_s = window_s
        self._fails: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._fails[key]
        while q and now - q[0] > self.window_s:
            q.popleft()
        return q

    def _limit(self, key: str) -> int:
        return self.limits.get(key.split(":", 1)[0], self.limits["user"])

    def blocked(self, *keys: str) -> bool:
        """Whether any of ``keys`` is locked now.

        Args:
            *keys: ``user:NAME`` and ``ip:ADDRESS`` keys.

        Returns:
            ``True`` if any key has too many recent failures.
        """
        now = time.monotonic()
        with self._lock:
            return any(len(self._recent(k, now)) >= self._limit(k) for k in keys)

    def failed(self, *keys: str) -> None:
        """Count a failed login against each of ``keys``.

        Args:
            *keys: ``user:NAME`` and ``ip:ADDRESS`` keys.
        """
        now = time.monotonic()
        with self._lock:
            for k in keys:
                self._recent(k, now).append(now)

    def succeeded(self, *keys: str) -> None:
        """Forget the failures of ``keys`` after a successful login.

        Args:
            *keys: Usually just ``user:NAME`` (the address keeps its count).
        """
        with self._lock:
            for k in keys:
                self._fails.pop(k, None)


def same_token(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of CSRF tokens; both must be present.

    Args:
        expected: The session's (or login cookie's) token.
        given: The token the form carried.

    Returns:
        Whether they are the same non-empty token.
    """
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())
