"""Bodies slack_bolt's WSGI adapter cannot build a request from (it decodes and parses the body before
its listeners and error handler exist): without the front these raised out of the app, a 500 with a
traceback. Unsigned, the front refuses them with 401 before any parsing; signed, `web.py` answers 400
with one WARNING line; a GET with such a body on the OAuth pages too."""

from __future__ import annotations

import pytest

from tests.security.wire import check_answer, check_logs, request_bytes, send, signed, with_length

JSON_TYPE, FORM_TYPE = "application/json", "application/x-www-form-urlencoded"


def ask(target, method: str, path: str, body: bytes, content_type: str, *, sign: bool):
    target.reset()
    headers = signed(body, content_type) if sign else [("Content-Type", content_type)]
    answer = send(target.port, request_bytes(method, path, with_length(headers, body), body))
    check_answer(answer)
    check_logs(target.log.records)
    return answer


@pytest.mark.parametrize("sign", [False, True], ids=["unsigned", "signed"])
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"\xff", FORM_TYPE),  # UnicodeDecodeError: the body is decoded as UTF-8
        (b"{", FORM_TYPE),  # JSONDecodeError: a body starting with "{" is parsed as JSON
        (b"x", JSON_TYPE),  # JSONDecodeError: JSON by content type
        (b"payload=x", FORM_TYPE),  # JSONDecodeError: `payload=` is parsed as JSON
        (b"payload=null", FORM_TYPE),  # the payload is not an object: TypeError in BoltRequest
        (b"[]", JSON_TYPE),  # not an object: AttributeError ('list' has no .get)
        (b'{"team": 5}', JSON_TYPE),  # TypeError extracting the team id
        (b'{"user": 5}', JSON_TYPE),  # TypeError extracting the user id
    ],
    ids=[
        "invalid-utf8",
        "brace",
        "json-type",
        "payload-not-json",
        "payload-null",
        "list",
        "team-int",
        "user-int",
    ],
)
def test_events_endpoint_bodies_bolt_cannot_build_a_request_from(target, body, content_type, sign):
    assert 400 <= ask(target, "POST", "/slack/events", body, content_type, sign=sign).status < 500


@pytest.mark.parametrize("path", ["/slack/install", "/slack/oauth_redirect?code=x&state=y"])
def test_oauth_pages_with_a_body_that_does_not_parse(target, path):
    # A GET with a body is odd but legal; the adapter parses it like a POST's.
    assert ask(target, "GET", path, b"{", JSON_TYPE, sign=False).status < 500
