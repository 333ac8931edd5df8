"""A running tend for tests: the real Bolt app over HTTP, the stand-in, a real database."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.views import View
from sqlalchemy import select

from bot.config.apply import apply_config
from bot.config.loader import load_config
from bot.core.tick import TickReport, run_tick
from bot.demo.live import LiveApp
from bot.messages.render import MAX_MESSAGE_BLOCKS, MAX_VIEW_BLOCKS, validate_blocks
from bot.slack.standin import SlackStandIn
from bot.storage.db import Database
from bot.storage.introductions import mark_all_sent
from bot.storage.models import Occurrence


def at(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def wait_for(condition: Callable[[], object], seconds: float = 10.0) -> None:
    """Work done after the ack runs in Bolt's thread pool: wait (bounded) for it."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the work after the ack did not finish"
        time.sleep(0.02)


@dataclass
class FakeClock:
    now: datetime = field(default_factory=lambda: at("2026-11-23T08:00:00+00:00"))

    def __call__(self) -> datetime:
        return self.now

    def set(self, value: str | datetime) -> datetime:
        self.now = at(value) if isinstance(value, str) else value
        return self.now


class World(LiveApp):
    """A LiveApp with the conveniences tests want (a settable clock, shortcuts)."""

    clock: FakeClock

    def __init__(self, *, db: Database, standin: SlackStandIn, clock: FakeClock,
                 oauth: bool = False) -> None:
        super().__init__(db=db, standin=standin, clock=clock, oauth=oauth)

    def __enter__(self) -> World:
        super().__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        if exc[0] is None:
            self.assert_everything_sent_is_valid_block_kit()

    def assert_everything_sent_is_valid_block_kit(self) -> None:
        """Every message and view the bot sent, checked with slack_sdk's models."""
        for message in self.standin.messages():
            if message.blocks:
                validate_blocks(message.blocks, limit=MAX_MESSAGE_BLOCKS, where=message.ts)
        for view in self.standin.opened_views():
            View(**view).validate_json()
            validate_blocks(view.get("blocks", []), limit=MAX_VIEW_BLOCKS, where="view")

    # -- configuration and clock ---------------------------------------------------
    def load(self, yaml_text: str, *, now: str = "2026-11-01T00:00:00+00:00",
             introduced: bool = True) -> None:
        """Apply a teams file. `introduced`: its people count as introduced already, as
        on a team that existed before introductions (the upgrade marks them), so a test
        about something else sees only that; tests of the introduction pass False."""
        with self.db.scope() as session:
            apply_config(session, load_config(yaml_text), workspace_id=self.workspace_id,
                         now=at(now))
            if introduced:
                mark_all_sent(session)

    def tick(self, when: str | datetime) -> TickReport:  # type: ignore[override]
        return super().tick(self.clock.set(when))

    def tick_twice_at_once(self, when: str) -> None:
        """Two ticks at the same instant in two threads, released together."""
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def tick() -> None:
            try:
                barrier.wait()
                run_tick(self.services, now=at(when))
            except BaseException as exc:  # surfaced below
                errors.append(exc)

        threads = [threading.Thread(target=tick) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []

    def submit_commitment(self, *, user: str, occurrence_id: int, what: str,
                          due: str | None) -> tuple[int, dict[str, Any]]:
        values = {"commitment_what": {"what": {"type": "plain_text_input", "value": what}},
                  "commitment_due": {"due": {"type": "datepicker", "selected_date": due}}}
        return self.submit_view(user=user, callback_id="commitment_modal", values=values,
                                private_metadata=str(occurrence_id))

    # -- what tend did -----------------------------------------------------------------
    def checkin_posts(self) -> list[Any]:
        return [m for m in self.standin.messages()
                if m.channel.startswith("G") and not m.thread_ts]

    def occurrences(self) -> list[Occurrence]:
        with self.db.scope() as session:
            return list(session.scalars(select(Occurrence).order_by(Occurrence.id)))
