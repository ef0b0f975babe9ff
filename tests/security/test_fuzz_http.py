"""Every HTTP endpoint, over a real socket, against any request: the answer is a 2xx or a 4xx with a short
body and no traceback, nothing at ERROR (or with a traceback) reaches the log, and an unsigned request
writes nothing. Examples per test: the `ci` profile in `make test`, thousands under `make fuzz`."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.people.ambassadors import ensure_workspace
from bot.services.people.x_signin import start_signin
from bot.storage.db import transaction
from tests.security.conftest import FUZZ
from tests.security.payloads import JSON, slack_bodies
from tests.security.wire import (
    check_answer,
    check_logs,
    request_bytes,
    row_counts,
    send,
    signed,
    with_length,
)

PATHS = [
    "/slack/events",
    "/slack/install",
    "/slack/oauth_redirect",
    "/healthz",
    "/",
    "/nope",
    "/slack/events/",
    "/SLACK/EVENTS",
    "/slack/events?x=1",
    "/healthz?x=%ff",
    "/x/connect",
    "/x/callback",
    "/x/connect?state=%ff%00",
    "/x/callback?state=" + "A" * 43 + "&code=1&error=access_denied",
    "/x/",
]
METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE", "BREW"]
CONTENT_TYPES = [
    "application/json",
    "application/x-www-form-urlencoded",
    "text/plain",
    "",
    "application/json; charset=utf-16",
    "multipart/form-data; boundary=x",
    "\x7f",
]

raw_bodies = (
    st.binary(max_size=200)
    | st.text(max_size=200).map(str.encode)
    | st.text(max_size=60).map(lambda t: t.encode("utf-16"))
    | JSON.map(lambda v: __import__("json").dumps(v).encode())
    | slack_bodies().map(lambda pair: pair[0])
)


def run(target, method: str, path: str, headers, body: bytes, *, signed_request: bool) -> None:
    """One request, the properties checked on its answer, its log and (unsigned) the database."""
    target.reset()
    before = None if signed_request else row_counts(target.runtime.engine)
    answer = send(target.port, request_bytes(method, path, headers, body))
    check_answer(answer)
    check_logs(target.log.records)
    if before is not None and not path.startswith("/slack/install"):  # install stores an OAuth state
        assert row_counts(target.runtime.engine) == before


@st.composite
def header_sets(draw, body: bytes) -> tuple[list[tuple[str, str]], bool]:
    """Slack's headers, signed or not, then shaken: dropped, doubled, wrong case, bad timestamps."""
    content_type = draw(st.sampled_from(CONTENT_TYPES))
    sign = draw(st.booleans())
    headers = signed(body, content_type) if sign else [("Content-Type", content_type)]
    for _ in range(draw(st.integers(0, 2))):
        move = draw(st.sampled_from(["drop", "double", "case", "timestamp", "signature"]))
        index = draw(st.integers(0, len(headers) - 1)) if headers else 0
        if move == "drop" and headers:
            headers.pop(index)
        elif move == "double" and headers:
            headers.append(
                (
                    headers[index][0],
                    draw(st.text(st.characters(codec="latin-1", exclude_categories=["Cc"]), max_size=20)),
                )
            )
        elif move == "case" and headers:
            headers[index] = (headers[index][0].swapcase(), headers[index][1])
        elif move == "timestamp":
            stamp = draw(st.sampled_from(["", "abc", "-1", "1e9", "99999999999999999999", "0", " 1"]))
            headers.append(("X-Slack-Request-Timestamp", stamp))
        elif move == "signature":
            headers.append(("X-Slack-Signature", draw(st.sampled_from(["", "v0=", "v1=ab", "v0=zz"]))))
    return with_length(headers, body), sign


@FUZZ
@given(body=slack_bodies())
def test_signed_slack_payloads_of_any_shape(target, body):
    """Real shapes, mutated at any depth, with a valid signature: what a buggy sender posts."""
    raw, content_type = body
    run(
        target, "POST", "/slack/events", with_length(signed(raw, content_type), raw), raw, signed_request=True
    )


@FUZZ
@given(data=st.data(), method=st.sampled_from(METHODS), path=st.sampled_from(PATHS), body=raw_bodies)
def test_any_request_to_any_path(target, data, method, path, body):
    headers, sign = data.draw(header_sets(body))
    run(target, method, path, headers, body, signed_request=sign)


oauth_values = st.text(max_size=40) | st.sampled_from(["", "%", "%ff", "a" * 500, "access_denied"])


@FUZZ
@given(
    params=st.dictionaries(st.sampled_from(["code", "state", "error", "x"]), oauth_values, max_size=3),
    raw_query=st.booleans(),
)
def test_oauth_redirect_with_strange_parameters(target, params, raw_query):
    if raw_query:  # not URL-encoded at all, as a hand-typed or hostile link would be
        query = "&".join(f"{k}={quote(v, safe='%&=?/')}" for k, v in params.items())
    else:
        query = urlencode(params)
    run(target, "GET", f"/slack/oauth_redirect?{query}", [], b"", signed_request=False)


@FUZZ
@given(params=st.dictionaries(st.text(max_size=8), oauth_values, max_size=3))
def test_install_page_with_any_query(target, params):
    run(target, "GET", f"/slack/install?{urlencode(params)}", [], b"", signed_request=False)


@FUZZ
@given(body=slack_bodies(), missing=st.integers(1, 5000), sign=st.booleans())
def test_truncated_bodies(target, body, missing, sign):
    """Content-Length larger than the body, then EOF: a 4xx or a closed connection, never a 5xx."""
    raw, content_type = body
    headers = signed(raw, content_type) if sign else [("Content-Type", content_type)]
    headers.append(("Content-Length", str(len(raw) + missing)))
    target.reset()
    answer = send(target.port, request_bytes("POST", "/slack/events", headers, raw), half_close=True)
    assert answer.status is None or 400 <= answer.status < 500, answer
    check_logs(target.log.records)


@pytest.fixture(scope="module")
def real_state(target) -> str:
    """One pending sign-in, so the fuzzed links can name a state Plume made."""
    with transaction(target.runtime.sessions) as session:
        workspace = ensure_workspace(session=session, platform="slack", external_id="T0001")
        return start_signin(
            session=session,
            workspace_id=workspace.id,
            platform="slack",
            chat_user_id="U100",
            handle="ana",
            tz="UTC",
            consent_text="shown",
            now=datetime.now(UTC),
        )


@FUZZ
@given(
    params=st.dictionaries(st.sampled_from(["code", "state", "error", "x"]), oauth_values, max_size=3),
    real=st.booleans(),
    path=st.sampled_from(["/x/connect", "/x/callback"]),
    cookie=st.sampled_from(
        ["", "plume_x_signin=", "plume_x_signin=" + "b" * 43, "a=b; plume_x_signin=%ff", ";;="]
    ),
)
def test_x_signin_pages_with_strange_parameters(target, real_state, params, real, path, cookie):
    """Sign in with X's pages, with or without a state Plume made, any other parameter and cookie."""
    if real:
        params = {**params, "state": real_state}
    headers = [("Cookie", cookie)] if cookie else []
    run(target, "GET", f"{path}?{urlencode(params)}", headers, b"", signed_request=False)
