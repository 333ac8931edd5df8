"""`tend serve`: gunicorn (threads) in front of Bolt's Flask adapter, as Bolt deploys it."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from bot.app import create_app, create_services
from bot.runtime.clock import start_background_clock
from bot.settings import Settings
from bot.web import create_web_app


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, app: Any, options: dict[str, Any]) -> None:
        self.application, self.options = app, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.application


def build_web_app(settings: Settings, *, with_clock: bool = False) -> Any:
    settings.require("slack_bot_token", "slack_signing_secret")
    services = create_services(settings)
    if with_clock:
        start_background_clock(services, interval_seconds=settings.tend_tick_seconds)
    return create_web_app(create_app(settings, services=services), services.db)


def serve(settings: Settings, *, workers: int, threads: int, with_clock: bool) -> None:
    web = build_web_app(settings, with_clock=with_clock)
    _Gunicorn(web, {
        "bind": f"0.0.0.0:{settings.port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": 30,
        "accesslog": None,
    }).run()
