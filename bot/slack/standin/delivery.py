"""Signed HTTP delivery to the app, the way Slack POSTs events and interactions."""

from __future__ import annotations

import json
import time
from typing import TypedDict, Unpack
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from slack_sdk.signature import SignatureVerifier

USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"


class PostOptions(TypedDict, total=False):
    """What `Deliverer.post` takes besides the body: a retry, a stale clock, a bad signature."""

    retry_num: int | None
    retry_reason: str
    timestamp: int | None
    signature: str | None


class Deliverer:
    """Signs bodies with the app's signing secret and POSTs them; never raises on 4xx/5xx."""

    def __init__(self, signing_secret: str, *, timeout: float = 10.0) -> None:
        self.verifier = SignatureVerifier(signing_secret)
        self.timeout = timeout

    def sign(self, body: bytes | str, *, timestamp: int | None = None) -> dict[str, str]:
        """Slack's signature headers; the timestamp defaults to the real time (as Bolt checks)."""
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        text = body.decode() if isinstance(body, bytes) else body
        signature = self.verifier.generate_signature(timestamp=stamp, body=text) or ""
        return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}

    def post_json(self, url: str, body: dict, **options: Unpack[PostOptions]) -> tuple[int, str]:
        return self.post(url, json.dumps(body).encode(), "application/json", **options)

    def post_form(self, url: str, fields: dict[str, str],
                  **options: Unpack[PostOptions]) -> tuple[int, str]:
        body = urlencode(fields).encode()
        return self.post(url, body, "application/x-www-form-urlencoded", **options)

    def post(
        self,
        url: str,
        body: bytes,
        content_type: str,
        *,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> tuple[int, str]:
        headers = {"Content-Type": content_type, "User-Agent": USER_AGENT}
        headers.update(self.sign(body, timestamp=timestamp))
        if signature is not None:
            headers["X-Slack-Signature"] = signature
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason
        request = Request(url, data=body, headers=headers, method="POST")
        try:
            with urlopen(request, timeout=self.timeout) as response:
                return response.status, response.read().decode()
        except HTTPError as err:
            return err.code, err.read().decode()
