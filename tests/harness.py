"""A running tend for tests: the real Bolt app over HTTP, the stand-in, a real database."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.views import View
from sqlalchemy import select
from werkzeug.serving import BaseWSGIServer, make_server

from bot.app import create_app
from bot.config.apply import apply_config
from bot.config.loader import load_config
from bot.messages.render import MAX_MESSAGE_BLOCKS, MAX_VIEW_BLOCKS, validate_blocks
from bot.services.context import Services
from bot.services.tick import TickReport, run_tick
from bot.settings import Settings
from bot.slack.gateway import SlackGateway, build_client
from bot.slack.standin import SlackStandIn
from bot.storage.db import Database
from bot.storage.models import Occurrence
from bot.web import create_web_app


def at(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class FakeClock:
    now: datetime = field(default_factory=lambda: at("2026-11-23T08:00:00+00:00"))

    def __call__(self) -> datetime:
        return self.now

    def set(self, value: str | datetime) -> datetime:
        self.now = at(value) if isinstance(value, str) else value
        return self.now


class World:
    def __init__(self, *, db: Database, standin: SlackStandIn, clock: FakeClock) -> None:
        self.db, self.standin, self.clock = db, standin, clock
        self.settings = Settings(
            slack_bot_token=standin.bot_token, slack_signing_secret=standin.signing_secret,
            slack_api_url=standin.api_url, database_url=str(db.engine.url),
        )
        client = build_client(standin.bot_token, standin.api_url)
        self.services = Services(db=db, gateway=SlackGateway(client), clock=clock)
        self.app = create_app(self.settings, services=self.services)
        self._server: BaseWSGIServer | None = None

    def __enter__(self) -> World:
        web = create_web_app(self.app, self.db)
        self._server = make_server("127.0.0.1", 0, web, threaded=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        self.url = f"{self.base_url}/slack/events"
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
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
    def load(self, yaml_text: str, *, now: str = "2026-11-01T00:00:00+00:00") -> None:
        with self.db.scope() as session:
            apply_config(session, load_config(yaml_text), now=at(now))

    def tick(self, when: str) -> TickReport:
        return run_tick(self.services, now=self.clock.set(when))

    # -- what Slack would send -------------------------------------------------------
    def reply(self, *, channel: str, user: str, text: str, thread_ts: str,
              event_id: str | None = None, retry_num: int | None = None,
              ts: str | None = None) -> tuple[int, str]:
        ts = ts or self.standin.next_ts()
        # As in Slack, the person's message is in the conversation before the event comes.
        self.standin.add_message(channel, user=user, text=text, ts=ts, thread_ts=thread_ts)
        event = self.standin.message_event(channel, user, text, ts, thread_ts=thread_ts)
        status, _body = self.standin.deliver_event(self.url, event, event_id=event_id,
                                                   retry_num=retry_num)
        return status, ts

    def click(self, *, user: str, action_id: str, value: str, channel: str,
              message_ts: str) -> int:
        payload = self.standin.block_actions_payload(
            user, action_id, value, channel, message_ts)
        status, _body = self.standin.deliver_action(self.url, payload)
        return status

    def submit_commitment(self, *, user: str, occurrence_id: int, what: str,
                          due: str | None) -> tuple[int, dict[str, Any]]:
        values = {"commitment_what": {"what": {"type": "plain_text_input", "value": what}},
                  "commitment_due": {"due": {"type": "datepicker", "selected_date": due}}}
        payload = self.standin.view_submission_payload(
            user, "commitment_modal", values, private_metadata=str(occurrence_id))
        status, body = self.standin.deliver_action(self.url, payload)
        return status, (json.loads(body) if body.strip() else {})

    # -- what tend did -----------------------------------------------------------------
    def checkin_posts(self) -> list[Any]:
        return [m for m in self.standin.messages()
                if m.channel.startswith("G") and not m.thread_ts]

    def occurrences(self) -> list[Occurrence]:
        with self.db.scope() as session:
            return list(session.scalars(select(Occurrence).order_by(Occurrence.id)))
