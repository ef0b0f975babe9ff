"""A guard in front of Bolt's listeners: a signed payload whose shape Bolt itself cannot read is refused
with a 400, before Bolt's argument injection reads it.

Bolt builds every middleware's and listener's arguments (`action`, `view`, `event`, …) by indexing the
body (`body["actions"][0]`, `body["view"]`, …) with no checks, outside any handler: a signed block action
whose `actions` is null or empty raised out of `App.dispatch`, and the WSGI server answered 500 with a
traceback in the log (the error handler builds the same arguments and fails the same way). Bolt's
built-in authorization middleware reads the body too (`event.get`, and it answers an unknown workspace
on the `response_url`). So the guard is a `Middleware` subclass, which Bolt calls without building those
arguments, placed right after the signature check: unsigned requests are still refused first (401).
"""

from __future__ import annotations

import logging

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware, RequestVerification
from slack_bolt.request import payload_utils

log = logging.getLogger(__name__)
# What Bolt's `build_required_kwargs` reads from every body.
_READERS = (
    payload_utils.to_options,
    payload_utils.to_shortcut,
    payload_utils.to_action,
    payload_utils.to_view,
    payload_utils.to_command,
    payload_utils.to_event,
    payload_utils.to_message,
    payload_utils.to_step,
)


def unreadable(req: BoltRequest) -> str | None:
    """The name of the first field Bolt cannot use, or None when Bolt can read the request.

    Checked: the ids Bolt takes from the body (authorization looks the team up in the installation
    store: a list there was a SQL error); a `response_url` that is not an http(s) URL (Bolt posts its
    own refusals there, say "please install" for an unknown workspace); `event`, which authorization
    reads with `.get`; every reader of Bolt's argument injection; and the first action, which Bolt's
    action matcher indexes. An empty `response_url` is no answer address at all: it is dropped from
    the context (`forget_empty_response_url`), as if none was sent."""
    body, context = req.body, req.context
    if not isinstance(body, dict):
        return "body"
    for name in ("team_id", "enterprise_id", "user_id", "channel_id"):
        if not isinstance(context.get(name), str | None):
            return name
    url = context.response_url
    if url not in (None, "") and not (isinstance(url, str) and url.startswith(("https://", "http://"))):
        return "response_url"
    if "event" in body and not isinstance(body["event"], dict):
        return "event"
    for reader in _READERS:
        try:
            reader(body)
        except (LookupError, TypeError, AttributeError):
            return reader.__name__
    # Bolt's action matcher reads `action["action_id"]` of the first action before any listener runs.
    actions = body.get("actions")
    if isinstance(actions, list) and actions:
        first = actions[0]
        if not (isinstance(first, dict) and isinstance(first.get("action_id"), str)):
            return "action"
    return None


def forget_empty_response_url(req: BoltRequest) -> None:
    """Drop an empty `response_url` from the request's context: Bolt answers an unknown workspace on it
    itself, and "" (which Slack never sends) made that answer a ValueError out of its authorization."""
    if req.context.get("response_url") == "":
        req.context.pop("response_url")
        req.context.pop("respond", None)


class PayloadShape(Middleware):
    """Refuse (400, one WARNING line naming the reader, not the body) what Bolt cannot read."""

    def process(self, *, req: BoltRequest, resp: BoltResponse, next) -> BoltResponse:
        forget_empty_response_url(req)
        broken = unreadable(req)
        if broken is None:
            return next()
        log.warning("malformed slack payload refused", extra={"fields": {"reader": broken}})
        return BoltResponse(status=400, body="malformed payload")


def guard_payload_shape(app: App) -> None:
    """Insert `PayloadShape` right after Bolt's signature check. Bolt has no public way to put a
    middleware before its own (`app.use` appends after authorization), hence its private list."""
    middlewares = app._middleware_list
    at = next(i for i, m in enumerate(middlewares) if isinstance(m, RequestVerification))
    middlewares.insert(at + 1, PayloadShape())
