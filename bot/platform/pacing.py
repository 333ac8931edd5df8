"""A token bucket: pacing calls to one of Slack's rate-limited methods."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

# conversations.open ahead of time: under Tier 3's 50 a minute, leaving the sender room
# for the opens it still makes itself. Slack documents no burst; the stand-in allows 10.
OPENS_PER_MINUTE = 40.0
BURST = 10


class TokenBucket:
    """`rate` calls a second on average, at most `burst` at once (thread-safe: the web
    process's background clock and a tick may share it)."""

    def __init__(self, rate: float = OPENS_PER_MINUTE / 60, burst: int = BURST,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens, self.at = float(burst), clock()
        self.lock = threading.Lock()

    def has_token(self) -> bool:
        """Whether `take` would succeed now (taking nothing)."""
        with self.lock:
            return self.tokens + (self.clock() - self.at) * self.rate >= 1

    def take(self) -> bool:
        """Take a token if there is one."""
        with self.lock:
            now = self.clock()
            self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
            self.at = now
            if self.tokens < 1:
                return False
            self.tokens -= 1
            return True
