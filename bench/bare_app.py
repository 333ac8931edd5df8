"""The floor for acknowledging Slack: a bare Bolt app with a no-op `message` listener.

The same stack as `tend serve`: Bolt's Flask adapter inside Flask, served by gunicorn's
gthread worker with the options `bot/runtime/http.py` uses (1 worker, 8 threads,
timeout 30, no access log), and the same Bolt settings that bear on an event: signature
verification with the signing secret, `process_before_response=True`, one auth.test
(against the stand-in) on the first request. Only tend's listener work is missing.

    SLACK_SIGNING_SECRET=… SLACK_BOT_TOKEN=… SLACK_API_URL=… PORT=… \
        python -m bench.bare_app
"""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask, Response, request
from slack_bolt import App
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_sdk import WebClient

from bot.runtime.http import GunicornApp


def create_bare_app() -> Flask:
    client = WebClient(token=os.environ["SLACK_BOT_TOKEN"],
                       base_url=os.environ.get("SLACK_API_URL", "https://slack.com/api/"))
    bolt = App(signing_secret=os.environ["SLACK_SIGNING_SECRET"], client=client,
               process_before_response=True, logger=logging.getLogger("bench.bare"))

    @bolt.event("message")
    def on_message(body: dict[str, Any]) -> None:
        return None

    web = Flask("bare")
    handler = SlackRequestHandler(bolt)

    @web.post("/slack/events")
    def slack_events() -> Response:
        return handler.handle(request)

    @web.get("/healthz")
    def healthz() -> tuple[str, int]:
        return "ok", 200

    return web


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    GunicornApp(create_bare_app(), {
        "bind": f"0.0.0.0:{os.environ.get('PORT', '3000')}",
        "workers": int(os.environ.get("BENCH_WORKERS", "1")),
        "threads": int(os.environ.get("BENCH_THREADS", "8")),
        "worker_class": "gthread",
        "timeout": 30,
        "accesslog": None,
    }).run()


if __name__ == "__main__":
    main()


def __getattr__(name: str) -> Any:
    """`bench.bare_app:app` for `python -m gunicorn bench.bare_app:app …`."""
    if name == "app":
        return create_bare_app()
    raise AttributeError(name)
