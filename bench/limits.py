"""The Slack stand-in with Slack's documented rate limits, latency and random faults.

Slack's limits as documented (api.slack.com/apis/rate-limits):
- `chat.postMessage`: about one message per second per channel, short bursts allowed.
- `conversations.open`: Tier 3, 50+ per minute (bursts allowed).
- `users.info`: Tier 4, 100+ per minute (bursts allowed).
- `users.list`: Tier 2, 20+ per minute (bursts allowed); one call a page of 200 people.
A call over the limit is answered HTTP 429 `ratelimited` with `Retry-After` in whole
seconds, as Slack does. Each limit is a token bucket (rate, burst); the burst sizes are
not documented by Slack and are this benchmark's choice (`Limits`).

Extension point. `bot/slack/standin` has no hook for per-request policy beyond
`fail(...)` (a fixed number of errors with a fixed Retry-After), so `LimitedStandIn`
subclasses `SlackStandIn` and replaces its router (`Router.web_api` is the method every
Web API call goes through) before the server starts. That touches the private
`SlackStandIn._server`; the hook that would make it clean is a constructor argument,
`SlackStandIn(router=lambda state: Router(state))`, used where `__init__` now builds
`LoopbackServer(Router(self.state))`.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from bot.slack.standin import SlackStandIn
from bot.slack.standin.server import (
    LoopbackServer,
    Reply,
    Router,
    decode_params,
    json_reply,
)
from bot.slack.standin.state import StandInState


@dataclass(frozen=True)
class Limits:
    latency: float = 0.020  # seconds added to every Web API call
    post_per_channel_per_s: float = 1.0
    post_burst: int = 3
    tier3_per_minute: float = 50.0  # conversations.open
    tier3_burst: int = 10
    tier4_per_minute: float = 100.0  # users.info
    tier4_burst: int = 20
    tier2_per_minute: float = 20.0  # users.list
    tier2_burst: int = 3
    fault_rate: float = 0.05  # share of calls answered 429 or 5xx at random
    post_fails_after_storing: float = 0.0  # share of posts stored, then answered 500
    time_scale: float = 1.0  # >1 runs the rate limits faster (used by --quick only)
    seed: int = 1

    def rate(self, method: str) -> tuple[float, int] | None:
        """(calls per second, burst) for a limited method."""
        per_s = {
            "chat.postMessage": (self.post_per_channel_per_s, self.post_burst),
            "conversations.open": (self.tier3_per_minute / 60, self.tier3_burst),
            "users.info": (self.tier4_per_minute / 60, self.tier4_burst),
            "users.list": (self.tier2_per_minute / 60, self.tier2_burst),
        }.get(method)
        if per_s is None:
            return None
        return per_s[0] * self.time_scale, per_s[1]

    def floor_seconds(self, calls: dict[str, int]) -> float:
        """The least time these calls can take within the limits, for a sender making
        one call at a time: the slowest bucket's drain time, or the calls' latency.

        `calls` counts the calls an ideal sender needs: users.list, users.info,
        conversations.open, and chat.postMessage (one per channel: the per-channel limit
        never binds).
        """
        drains = []
        for method in ("users.list", "users.info", "conversations.open"):
            rate, burst = self.rate(method) or (math.inf, 0)
            drains.append(max(0, calls.get(method, 0) - burst) / rate)
        serial = sum(calls.values()) * self.latency
        return max([*drains, serial])


class TokenBucket:
    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate, self.capacity = rate, float(burst)
        self.tokens, self.at = float(burst), now

    def take(self, now: float) -> float:
        """0 if a call may go now (a token is spent), else seconds until one may."""
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class LimitedRouter(Router):
    """Every Web API call: latency, then maybe a random fault, then the rate limit."""

    def __init__(self, state: StandInState, limits: Limits) -> None:
        super().__init__(state)
        self.limits = limits
        self.rng = random.Random(limits.seed)
        self.buckets: dict[str, TokenBucket] = {}
        self.guard = threading.Lock()
        self.counts: Counter[str] = Counter()

    def web_api(self, method: str, headers: dict[str, str], body: bytes, query: str) -> Reply:
        if self.limits.latency > 0:
            time.sleep(self.limits.latency)
        try:
            params = decode_params(headers.get("content-type", ""), body, query)
        except ValueError:
            return super().web_api(method, headers, body, query)
        refusal = self._refusal(method, params)
        if refusal is not None:
            return self.answer(self.record(method, params), refusal)
        reply = super().web_api(method, headers, body, query)
        if method == "chat.postMessage" and reply.status == 200 and self._post_then_fail():
            self.counts["stored_then_500"] += 1
            return json_reply({"ok": False, "error": "internal_error"}, 500)
        return reply

    def _post_then_fail(self) -> bool:
        with self.guard:
            return self.rng.random() < self.limits.post_fails_after_storing

    def _refusal(self, method: str, params: dict[str, Any]) -> Reply | None:
        with self.guard:
            if self.rng.random() < self.limits.fault_rate:
                status = self.rng.choice((429, 429, 500, 503))
                self.counts[f"fault_{status}"] += 1
                if status == 429:
                    return json_reply({"ok": False, "error": "ratelimited"}, 429,
                                      {"Retry-After": "1"})
                return json_reply({"ok": False, "error": "internal_error"}, status)
            rate = self.limits.rate(method)
            if rate is None:
                return None
            key = method if method != "chat.postMessage" else f"{method}:{params.get('channel')}"
            now = time.monotonic()
            bucket = self.buckets.setdefault(key, TokenBucket(rate[0], rate[1], now))
            wait = bucket.take(now)
            if wait <= 0:
                return None
            self.counts[f"ratelimited_{method}"] += 1
        # Slack answers whole seconds; slack_sdk sleeps Retry-After plus up to 1 s.
        return json_reply({"ok": False, "error": "ratelimited"}, 429,
                          {"Retry-After": str(max(1, math.ceil(wait)))})


class LimitedStandIn(SlackStandIn):
    """`SlackStandIn` behind `LimitedRouter` (see the module docstring for the hook)."""

    def __init__(self, limits: Limits, **options: Any) -> None:
        super().__init__(latency=0.0, **options)
        self.router = LimitedRouter(self.state, limits)
        self._server = LoopbackServer(self.router)

    @property
    def counts(self) -> Counter[str]:
        with self.router.guard:
            return Counter(self.router.counts)
