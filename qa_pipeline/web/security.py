"""Login throttling (per account and per address, with back-off) and CSRF checks."""

from __future__ import annotations

import hmac
import threading
import time
from collections import defaultdict, deque

#: How long an account counts as known at an address after signing in from it.
KNOWN_S = 30 * 24 * 3600.0


class LoginThrottle:
    """Slow down password guessing per account and per address, with growing back-off.

    In memory, per process. After ``per_name`` failures for one account within
    ``window_s`` seconds it waits ``base_s`` seconds, doubling with each further failure
    (at most ``max_s``). An address gets the same back-off after ``per_address``
    failures (guessing across accounts), but only for accounts that have not signed in
    from it before: many people share one address behind a proxy, and one person's
    guessing must not shut the office out.
    """

    def __init__(
        self,
        per_name: int = 5,
        per_address: int = 20,
        window_s: float = 900.0,
        base_s: float = 30.0,
        max_s: float = 900.0,
    ) -> None:
        """Set the limits.

        Args:
            per_name: Failures before an account waits.
            per_address: Failures before an address waits (for accounts new to it).
            window_s: How long a failure counts, in seconds.
            base_s: The first wait, in seconds; each further failure doubles it.
            max_s: The longest wait, in seconds.
        """
        self.limits = {"user": per_name, "ip": per_address}
        self.window_s = window_s
        self.base_s = base_s
        self.max_s = max_s
        self._fails: dict[str, deque[float]] = defaultdict(deque)
        self._known: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._fails[key]
        while q and now - q[0] > self.window_s:
            q.popleft()
        return q

    def _wait_of(self, key: str, now: float) -> float:
        """Seconds ``key`` must still wait (0 when it may try)."""
        fails = self._recent(key, now)
        limit = self.limits[key.split(":", 1)[0]]
        if len(fails) < limit:
            return 0.0
        backoff = min(self.max_s, self.base_s * 2 ** (len(fails) - limit))
        return max(0.0, fails[-1] + backoff - now)

    def wait(self, name: str, address: str) -> float:
        """How long a login for ``name`` from ``address`` must wait (0: try now).

        Args:
            name: The account name typed.
            address: The client's address.

        Returns:
            Seconds to wait.
        """
        now = time.monotonic()
        with self._lock:
            wait = self._wait_of(f"user:{name}", now)
            seen = self._known.get((address, name))
            if seen is None or now - seen > KNOWN_S:
                wait = max(wait, self._wait_of(f"ip:{address}", now))
            return wait

    def failed(self, name: str, address: str) -> None:
        """Count a failed login against the account and the address.

        Args:
            name: The account name typed.
            address: The client's address.
        """
        now = time.monotonic()
        with self._lock:
            for key in (f"user:{name}", f"ip:{address}"):
                self._recent(key, now).append(now)

    def succeeded(self, name: str, address: str) -> None:
        """Forget the account's failures; remember it signs in from ``address``.

        Args:
            name: The account that signed in.
            address: The client's address (it keeps its count of failures).
        """
        with self._lock:
            self._fails.pop(f"user:{name}", None)
            self._known[(address, name)] = time.monotonic()


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
