"""An open-loop HTTP load generator: a fixed arrival schedule, keep-alive connections.

Request i is due at start + i / rate whatever happened to the requests before it (open
loop), so a slow server cannot slow the arrivals down and hide its own latency: each
latency is measured from the request's *scheduled* time to the end of its response, so
time spent waiting for a free connection counts. Loopback only; bounded in count (the
requests given) and time (each request times out after `timeout`).
"""

from __future__ import annotations

import http.client
import itertools
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

Request = tuple[bytes, dict[str, str]]  # body, headers


@dataclass
class LoadResult:
    planned: int
    rate: float
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)  # seconds, answered requests
    late_starts: list[float] = field(default_factory=list)  # send start minus schedule
    reconnects: int = 0
    wall: float = 0.0

    @property
    def ok(self) -> int:
        return self.statuses.get(200, 0)

    @property
    def achieved_rate(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0


def open_loop(port: int, path: str, requests: Sequence[Request], *, rate: float,
              connections: int, timeout: float = 10.0) -> LoadResult:
    result = LoadResult(planned=len(requests), rate=rate)
    order = itertools.count()
    guard = threading.Lock()
    start = time.monotonic() + 0.3  # every connection thread is up before the first is due

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            while True:
                with guard:
                    index = next(order)
                if index >= len(requests):
                    return
                due = start + index / rate
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                began = time.monotonic()
                status, reconnected = _send(connection, path, *requests[index])
                finished = time.monotonic()
                with guard:
                    result.statuses[status] += 1
                    result.reconnects += reconnected
                    result.late_starts.append(began - due)
                    if status > 0:
                        result.latencies.append(finished - due)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, name=f"load-{n}", daemon=True)
               for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=len(requests) / rate + timeout * 3 + 30)
    result.wall = time.monotonic() - start
    return result


def _send(connection: http.client.HTTPConnection, path: str, body: bytes,
          headers: dict[str, str]) -> tuple[int, int]:
    """POST once; if the kept-alive connection was closed under us, reconnect once."""
    for attempt in range(2):
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status, attempt
        except (http.client.HTTPException, OSError):
            connection.close()
    return -1, 1
