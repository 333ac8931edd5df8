"""tend running for real against the Slack stand-in: the Bolt app served over HTTP,
the real WebClient, a real database. Used by `tend demo` and by the tests."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from bot.app import create_app, create_services
from bot.core.tick import TickReport, run_tick
from bot.platform.context import Services
from bot.settings import Settings
from bot.slack.gateway import build_client
from bot.slack.standin import SlackStandIn
from bot.storage.db import Database
from bot.web import create_web_app

OAUTH_CLIENT_ID = "1234.5678"
OAUTH_CLIENT_SECRET = "standin-client-secret"


class AfterAckWork(ThreadPoolExecutor):
    """The Bolt app's thread pool, counting what is still running, so that the demo and
    the tests can wait for the work listeners leave for after the ack."""

    def __init__(self) -> None:
        super().__init__(max_workers=10, thread_name_prefix="after-ack")
        self._running = 0
        self._changed = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._changed:
            self._running += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _future: Future[Any]) -> None:
        with self._changed:
            self._running -= 1
            self._changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._running == 0, timeout)


class LiveApp:
    """Start with `with LiveApp(...) as live:`; then act as Slack would, over HTTP."""

    def __init__(self, *, db: Database, standin: SlackStandIn,
                 clock: Callable[[], datetime], oauth: bool = False) -> None:
        """Token mode (the stand-in's bot token, its one workspace), or with `oauth`
        many workspaces installed through /slack/install."""
        self.db, self.standin, self.clock = db, standin, clock
        credentials: dict[str, Any] = (
            {"slack_client_id": OAUTH_CLIENT_ID, "slack_client_secret": OAUTH_CLIENT_SECRET}
            if oauth else {"slack_bot_token": standin.bot_token})
        self.settings = Settings(
            **credentials, slack_signing_secret=standin.signing_secret,
            slack_api_url=standin.api_url, database_url=str(db.engine.url),
        )
        client = None if oauth else build_client(standin.bot_token, standin.api_url)
        self.services: Services = create_services(self.settings, db=db, client=client)
        self.services.clock = clock
        # Token mode: the workspace is the one the stand-in's token belongs to.
        self.workspace_id = standin.team_id
        self.after_ack = AfterAckWork()
        self.app = create_app(self.settings, services=self.services,
                              listener_executor=self.after_ack)
        self._server: BaseWSGIServer | None = None
        self.url = ""

    def __enter__(self) -> LiveApp:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request
        web = create_web_app(self.app, self.db, signing_secret=self.standin.signing_secret,
                             clock=self.clock)
        self._server = make_server("127.0.0.1", 0, web,
                                   threaded=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        self.url = f"{self.base_url}/slack/events"
        return self

    def __exit__(self, *exc: object) -> None:
        self.settle()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def tick(self, now: datetime) -> TickReport:
        return run_tick(self.services, now=now)

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until the work the app left for after its acks is done."""
        if not self.after_ack.wait_idle(timeout):
            raise TimeoutError(f"work after the ack still running after {timeout} s")

    # -- what a person does in Slack, delivered as Slack would, then settled -------------
    def reply(self, *, channel: str, user: str, text: str, thread_ts: str,
              event_id: str | None = None, retry_num: int | None = None,
              ts: str | None = None) -> tuple[int, str]:
        ts = ts or self.standin.next_ts()
        # As in Slack, the person's message is in the conversation before the event comes.
        self.standin.add_message(channel, user=user, text=text, ts=ts, thread_ts=thread_ts)
        event = self.standin.message_event(channel, user, text, ts, thread_ts=thread_ts)
        status, _body = self.standin.deliver_event(self.url, event, event_id=event_id,
                                                   retry_num=retry_num)
        self.settle()
        return status, ts

    def command(self, *, user: str, text: str) -> str:
        """`/tend <text>`: the slash command, signed; returns its private answer."""
        status, body = self.standin.deliver_command(self.url, command="/tend", text=text,
                                                    user_id=user)
        self.settle()
        if status != 200:
            raise RuntimeError(f"/tend {text} answered {status}")
        return body

    def click(self, *, user: str, action_id: str, value: str, channel: str,
              message_ts: str) -> int:
        payload = self.standin.block_actions_payload(
            user, action_id, value, channel, message_ts)
        status, _body = self.standin.deliver_action(self.url, payload)
        self.settle()
        return status

    def message_shortcut(self, *, user: str, callback_id: str, channel: str, ts: str,
                         author: str) -> int:
        """A message shortcut (e.g. 'Share in digest') used on message `ts`."""
        payload = {"type": "message_action", "callback_id": callback_id,
                   "trigger_id": self.standin.new_trigger_id(), "user": {"id": user},
                   "channel": {"id": channel}, "message": {"ts": ts, "user": author},
                   "team": {"id": self.standin.team_id}, "message_ts": ts,
                   "response_url": self.standin.new_response_url()}
        status, _body = self.standin.deliver_action(self.url, payload)
        self.settle()
        return status

    def submit_view(self, *, user: str, callback_id: str, values: dict[str, Any],
                    private_metadata: str) -> tuple[int, dict[str, Any]]:
        payload = self.standin.view_submission_payload(
            user, callback_id, values, private_metadata=private_metadata)
        status, body = self.standin.deliver_action(self.url, payload)
        self.settle()
        return status, (json.loads(body) if body.strip() else {})
