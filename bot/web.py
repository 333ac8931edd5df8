"""The HTTP face of tend: Slack's requests, a health check. Served by gunicorn."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from datetime import datetime

from flask import Flask, Response, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST
from slack_bolt import App
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import text
from werkzeug.datastructures import Headers

from bot.platform.context import wall_clock
from bot.platform.guard import parse_body, well_formed
from bot.platform.metrics import metrics_page
from bot.storage.db import Database

log = logging.getLogger(__name__)

# Slack's payloads are a few kilobytes; a larger body is refused before it is read whole.
MAX_BODY_BYTES = 1024 * 1024
# Werkzeug answers 413 at once to a larger Content-Length; a chunked body (no length) it
# reads up to this limit and stops there silently, so it may read one byte past ours:
# a body that goes on past MAX_BODY_BYTES can then be told from one that ends at it.
READ_LIMIT = MAX_BODY_BYTES + 1
# Slack's X-Slack-Request-Timestamp: Unix seconds, ASCII digits only.
MAX_TIMESTAMP_DIGITS = 12


def door_refusal(verifier: SignatureVerifier, raw: bytes, headers: Headers,
                 content_type: str) -> tuple[str, int] | None:
    """Why a POST to /slack/events may not reach Bolt, or None: 401 unless signed by
    Slack, 400 if signed but not a payload Slack sends. Checked here so that nothing
    Bolt or slack_sdk would choke on (a timestamp that is not a number, a body that is
    not UTF-8 or not JSON) turns into a 500."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not (timestamp.isascii() and timestamp.isdigit()
            and len(timestamp) <= MAX_TIMESTAMP_DIGITS and signature.isascii()):
        return "invalid signature", 401
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "body is not UTF-8", 400
    if not verifier.is_valid(body, timestamp, signature):
        return "invalid signature", 401
    payload = parse_body(raw, content_type)
    if payload is None or not well_formed(payload):
        return "malformed payload", 400  # signed, but not a shape Slack sends
    return None


def bearer_accepted(expected: str, authorization: str | None) -> bool:
    """`Authorization: Bearer <expected>`, compared in constant time."""
    scheme, _, token = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        token.strip().encode(), expected.encode())


def create_web_app(bolt_app: App, db: Database, *, signing_secret: str,
                   clock: Callable[[], datetime] = wall_clock,
                   metrics_token: str | None = None) -> Flask:
    """`metrics_token` (TEND_METRICS_TOKEN): when set, GET /metrics asks for it as a
    bearer token; when unset, /metrics stays open, as before (docs/decisions.md)."""
    web = Flask("tend")
    web.config["MAX_CONTENT_LENGTH"] = READ_LIMIT
    handler = SlackRequestHandler(bolt_app)
    verifier = SignatureVerifier(signing_secret)
    if not metrics_token:
        log.info("GET /metrics needs no token: TEND_METRICS_TOKEN is not set")

    @web.post("/slack/events")
    def slack_events() -> Response | tuple[str, int]:
        raw = request.get_data()  # bounded by MAX_CONTENT_LENGTH
        if len(raw) > MAX_BODY_BYTES:
            return "body too large", 413
        refusal = door_refusal(verifier, raw, request.headers, request.content_type or "")
        if refusal is not None:
            return refusal
        return handler.handle(request)

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
    def metrics() -> Response | tuple[str, int, dict[str, str]]:
        if metrics_token and not bearer_accepted(metrics_token,
                                                 request.headers.get("Authorization")):
            return "a bearer token is required", 401, {"WWW-Authenticate": "Bearer"}
        return Response(metrics_page(db, clock), mimetype=CONTENT_TYPE_LATEST)

    return web
