"""`tend serve`: gunicorn (threads) in front of Bolt's Flask adapter, as Bolt deploys it."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from bot.app import create_app, create_services
from bot.runtime.clock import start_background_clock
from bot.settings import Settings
from bot.web import create_web_app


class GunicornApp(BaseApplication):
    """Serve a WSGI app with gunicorn, configured in code (also used by bench/)."""

    def __init__(self, app: Any, options: dict[str, Any]) -> None:
        self.application, self.options = app, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.application


def serve(settings: Settings, *, workers: int, threads: int, with_clock: bool) -> None:
    # A bot token (one workspace) or the OAuth client (many): create_services checks.
    settings.require("slack_signing_secret")
    services = create_services(settings)
    if with_clock:  # runs in gunicorn's master process, beside the workers
        start_background_clock(services, interval_seconds=settings.tend_tick_seconds)
    web = create_web_app(create_app(settings, services=services), services.db,
                         signing_secret=settings.secret("slack_signing_secret"),
                         metrics_token=settings.secret("tend_metrics_token") or None)

    def post_fork(_server: Any, _worker: Any) -> None:
        # A forked worker must not share the master's pooled database connections.
        services.db.engine.dispose(close=False)

    GunicornApp(web, {
        "post_fork": post_fork,
        "bind": f"0.0.0.0:{settings.port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": 30,
        "accesslog": None,
    }).run()
