"""The HTTP face of tend: Slack's requests, a health check. Served by gunicorn."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Flask, Response, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST
from slack_bolt import App
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import text

from bot.handlers.guard import parse_body, well_formed
from bot.runtime.metrics import metrics_page
from bot.services.context import wall_clock
from bot.storage.db import Database


def create_web_app(bolt_app: App, db: Database, *, signing_secret: str,
                   clock: Callable[[], datetime] = wall_clock) -> Flask:
    web = Flask("tend")
    handler = SlackRequestHandler(bolt_app)
    verifier = SignatureVerifier(signing_secret)

    @web.post("/slack/events")
    def slack_events() -> Response | tuple[str, int]:
        raw = request.get_data()
        if verifier.is_valid_request(raw, dict(request.headers)):
            body = parse_body(raw, request.content_type or "")
            if body is None or not well_formed(body):
                return "malformed payload", 400  # signed, but not a shape Slack sends
        return handler.handle(request)  # Bolt answers 401 to a bad signature

    # OAuth install (multi-workspace mode); in token mode Bolt answers 404.
    @web.get("/slack/install")
    def slack_install() -> Response:
        return handler.handle(request)

    @web.get("/slack/oauth_redirect")
    def slack_oauth_redirect() -> Response:
        return handler.handle(request)

    @web.get("/healthz")
    def healthz() -> tuple[Response, int]:
        try:
            with db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # any database failure means "not healthy"
            return jsonify(ok=False, database=type(exc).__name__), 503
        return jsonify(ok=True, database="ok"), 200

    @web.get("/metrics")
    def metrics() -> Response:
        return Response(metrics_page(db, clock), mimetype=CONTENT_TYPE_LATEST)

    return web
