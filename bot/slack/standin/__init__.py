"""A loopback Slack for tests and `tend demo`: no network beyond 127.0.0.1.

`SlackStandIn` serves the Slack Web API methods tend uses (for a real
`slack_sdk.WebClient(base_url=standin.api_url)`), records every call and what it
changed (messages, views, files…), injects faults (errors, 429s, 5xx, latency), and
delivers signed events, interactions and slash commands to the app like Slack does.

    with SlackStandIn() as slack:
        slack.add_user("U1")
        client = WebClient(token=slack.bot_token, base_url=slack.api_url)
        client.chat_postMessage(channel=slack.dm("U1"), text="hi")
        assert slack.messages()[0].text == "hi"

Modules: `state` (records, ids, ts), `api` (method semantics), `shapes` (Slack JSON
shapes), `server` (HTTP, decoding, faults), `payloads` (what Slack sends the app),
`delivery` (signing, POSTing), `core` (the facade).
"""

from bot.slack.standin.core import SlackStandIn
from bot.slack.standin.state import Call, Ephemeral, Message, UploadedFile

__all__ = ["Call", "Ephemeral", "Message", "SlackStandIn", "UploadedFile"]
