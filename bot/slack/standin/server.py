"""The stand-in's HTTP side: decode requests, record calls, inject faults, route.

Paths: `POST /api/<method>` (Web API), `POST /upload/<file_id>` (upload URLs handed
out by files.getUploadURLExternal), `POST /response_url/<id>` (slash command and
interaction response URLs).
"""

from __future__ import annotations

import email.policy
import json
import threading
import time
import traceback
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message as MimeMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from bot.slack.standin import api
from bot.slack.standin.state import JSON, Call, Fault, StandInState

# Fields slack_sdk sends JSON-encoded inside form bodies (or that callers may pass so).
JSON_FIELDS = frozenset(
    {"blocks", "attachments", "metadata", "view", "files", "user_auth_blocks", "chunks"}
)


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def json_reply(body: JSON, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, json.dumps(body).encode(), headers=headers or {})


# decoding -------------------------------------------------------------------------------


def decode_params(content_type: str, body: bytes, query: str = "") -> JSON:
    """Query string plus body (form, JSON or multipart), JSON-ish fields decoded.

    Raises ValueError for a body that says it is JSON but is not a JSON object.
    """
    params: JSON = single_values(parse_qs(query, keep_blank_values=True))
    kind = content_type.split(";")[0].strip().lower()
    if body.strip() and kind == "application/json":
        decoded = json.loads(body)
        if not isinstance(decoded, dict):
            raise ValueError("JSON body is not an object")
        params.update(decoded)
    elif body and kind == "multipart/form-data":
        params.update(multipart_fields(content_type, body))
    elif body:
        params.update(single_values(parse_qs(body.decode(), keep_blank_values=True)))
    return {name: decode_json_field(name, value) for name, value in params.items()}


def single_values(parsed: dict[str, list[str]]) -> JSON:
    return {k: v[0] if len(v) == 1 else v for k, v in parsed.items()}


def decode_json_field(name: str, value: object) -> object:
    if name in JSON_FIELDS and isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def multipart_fields(content_type: str, body: bytes) -> JSON:
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    mime = message_from_bytes(head + body, policy=email.policy.HTTP)
    fields: JSON = {}
    for part in mime.iter_parts() if isinstance(mime, MimeMessage) else []:
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)  # bytes for a leaf part
        data = payload if isinstance(payload, bytes) else b""
        fields[str(name)] = data if part.get_filename() else data.decode()
    return fields


def bearer_token(headers: dict[str, str], params: JSON) -> str:
    auth = headers.get("authorization", "")
    if auth.startswith("Bearer ") and auth[7:].strip():
        return auth[7:].strip()
    return str(params.pop("token", "") or "")


# routing --------------------------------------------------------------------------------


class Router:
    """Turns one HTTP request (header names lower-cased) into a Reply, recording it."""

    def __init__(self, state: StandInState) -> None:
        self.state = state

    def handle(self, path: str, headers: dict[str, str], body: bytes, query: str) -> Reply:
        try:
            return self.route(path, headers, body, query)
        except Exception as err:  # a stand-in bug: answer loudly rather than drop the socket
            traceback.print_exc()
            return json_reply({"ok": False, "error": "standin_bug", "detail": repr(err)}, 500)

    def route(self, path: str, headers: dict[str, str], body: bytes, query: str) -> Reply:
        for prefix, route in (
            ("/api/", self.web_api),
            ("/upload/", self.upload),
            ("/response_url/", self.response_url),
        ):
            if path.startswith(prefix):
                return route(path[len(prefix) :], headers, body, query)
        return Reply(404, b"not found", "text/plain")

    def web_api(self, method: str, headers: dict[str, str], body: bytes, query: str) -> Reply:
        delay = self.state.method_latency.get(method, self.state.latency)
        if delay > 0:
            time.sleep(delay)
        try:
            params = decode_params(headers.get("content-type", ""), body, query)
        except ValueError:
            params = {}
            record = self.record(method, params)
            return self.answer(record, json_reply({"ok": False, "error": "invalid_json"}))
        if method == "oauth.v2.access":  # the app's client credentials, not a token
            record = self.record(method, params, team_id="")
            return self.answer(record, json_reply(api.oauth_access(self.state, params)))
        token = bearer_token(headers, params)
        with self.state.lock:
            team_id = self.state.tokens.get(token, self.state.team_id)
            revoked = token in self.state.revoked
        record = self.record(method, params, team_id=team_id)
        if not token:
            return self.answer(record, json_reply({"ok": False, "error": "not_authed"}))
        if revoked:
            return self.answer(record, json_reply({"ok": False, "error": "token_revoked"}))
        fault = self.state.take_fault(method, params)
        if fault is not None:
            return self.answer(record, fault_reply(fault))
        if wait := self.state.history_wait(method, team_id):
            return self.answer(record, json_reply({"ok": False, "error": "ratelimited"}, 429,
                                                  {"Retry-After": str(wait)}))
        if method == "auth.test":
            return self.answer(record, json_reply(api.auth_test_for(self.state, team_id)))
        return self.answer(record, json_reply(api.call(self.state, method, params)))

    def record(self, method: str, params: JSON, *, team_id: str | None = None) -> Call:
        with self.state.lock:
            record = Call(method, params, self.state.clock(),
                          team_id=self.state.team_id if team_id is None else team_id)
            self.state.calls.append(record)
        return record

    def answer(self, record: Call, reply: Reply) -> Reply:
        try:
            body = json.loads(reply.body)
        except ValueError:
            body = {}
        if not body.get("ok", False):
            with self.state.lock:
                record.error = body.get("error", f"http_{reply.status}")
        return reply

    def upload(self, file_id: str, headers: dict[str, str], body: bytes, query: str) -> Reply:
        if not api.receive_upload(self.state, file_id, body):
            return Reply(404, b"upload URL not found", "text/plain")
        return Reply(200, f"OK - {len(body)}".encode(), "text/plain")

    def response_url(self, ref: str, headers: dict[str, str], body: bytes, query: str) -> Reply:
        try:
            posted = decode_params(headers.get("content-type", "application/json"), body)
        except ValueError:
            return Reply(400, b"invalid_payload", "text/plain")
        if isinstance(posted.get("payload"), str):  # form-encoded payload=<json>
            posted = json.loads(posted["payload"])
        with self.state.lock:
            self.state.responses.append(posted)
        return Reply(200, b"ok", "text/plain")


def fault_reply(fault: Fault) -> Reply:
    headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
    if fault.status == 429:
        headers.setdefault("Retry-After", "1")
        return json_reply({"ok": False, "error": "ratelimited"}, 429, headers)
    return json_reply({"ok": False, "error": fault.error}, fault.status, headers)


# server ---------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "SlackStandIn/1.0"

    def do_POST(self) -> None:
        self.serve()

    def do_GET(self) -> None:
        self.serve()

    def serve(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        reply = self.server.router.handle(url.path, headers, body, url.query)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, router: Router) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.router = router


class LoopbackServer:
    """The Router on 127.0.0.1:<free port>, served from a daemon thread."""

    def __init__(self, router: Router) -> None:
        self.router = router
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("stand-in not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> str:
        if self._server is None:
            self._server = _Server(self.router)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.02},  # so stop() returns promptly
                name="slack-standin",
                daemon=True,
            )
            self._thread.start()
        return self.base_url

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None
