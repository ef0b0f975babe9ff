"""`python -m bot teams` against any request: signed activities of any shape (Teams' real ones,
mutated at any depth), and any method, path and body. The answer is a 2xx or a 4xx with a short body
and no traceback, and the server's log holds no ERROR and no traceback, even from the work that runs
after the answer. Examples per test: the `ci` profile in `make test`, thousands under `make fuzz`."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.security.conftest import FUZZ
from tests.security.payloads import JSON, shaken
from tests.security.wire import check_answer, request_bytes, send, with_length
from tests.teams.activities import CHANNEL, button, channel_message, installed, person, personal_message
from tests.teams.conftest import teams_server  # noqa: F401  the module's server

pytestmark = pytest.mark.slow
PATHS = [
    "/api/messages",
    "/api/messages/",
    "/healthz",
    "/charts/x.png",
    "/charts/" + "A" * 2000 + ".png",
    "/exports/abc.csv",
    "/x/connect?state=%ff%00",
    "/x/callback",
    "/",
    "/docs",
    "/openapi.json",
]
METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "BREW"]
USER = person("aad-fuzz", "Fuzz")
raw_bodies = (
    st.binary(max_size=200)
    | st.text(max_size=200).map(str.encode)
    | JSON.map(lambda value: json.dumps(value).encode())
)


def activities(service_url: str, chat: str) -> st.SearchStrategy:
    """Teams' real activity shapes, with any text typed."""
    typed = st.text(max_size=80) | st.sampled_from(["help", "me", "join @fuzz_x", "admin status", "forget"])
    return st.one_of(
        typed.map(lambda text: personal_message(service_url, chat, USER, text)),
        typed.map(lambda text: channel_message(service_url, USER, text)),
        st.just(installed(service_url, USER, team=True)),
        st.just(installed(service_url, USER, team=False, conversation_id=chat)),
        st.sampled_from(["leave_confirm", "nudge_thanks", "cancel", "x"]).map(
            lambda action: button(service_url, chat, USER, action, "1")
        ),
    )


class ServerLog:
    """The server's log file, read from where the last check stopped."""

    def __init__(self, path) -> None:
        self.path, self.offset = path, path.stat().st_size

    def check(self) -> None:
        text = self.path.read_text("utf-8", "replace")[self.offset :]
        self.offset += len(text)
        assert "Traceback" not in text and "level=ERROR" not in text, text[-2000:]


@pytest.fixture(scope="module")
def server_log(teams_server):  # noqa: F811
    teams_server.fake.add_channel(CHANNEL)
    teams_server.fake.add_member("aad-fuzz", "Fuzz")
    return ServerLog(teams_server.database.parent / "teams.log")


def post(server, body: bytes, token: str | None) -> None:
    headers = [("Content-Type", "application/json")]
    if token:
        headers.append(("Authorization", f"Bearer {token}"))
    port = int(server.base.rsplit(":", 1)[1])
    check_answer(send(port, request_bytes("POST", "/api/messages", with_length(headers, body), body)))


@FUZZ
@given(data=st.data())
def test_signed_activities_of_any_shape(teams_server, server_log, data):  # noqa: F811
    chat = teams_server.fake.open_personal("aad-fuzz")
    activity = data.draw(shaken(activities(teams_server.fake.url, chat)))
    post(teams_server, json.dumps(activity).encode(), teams_server.fake.activity_token())
    server_log.check()


@FUZZ
@given(method=st.sampled_from(METHODS), path=st.sampled_from(PATHS), body=raw_bodies, token=st.booleans())
def test_any_request_to_any_path(teams_server, server_log, method, path, body, token):  # noqa: F811
    headers = [("Content-Type", "application/json")]
    if token:
        headers.append(("Authorization", f"Bearer {teams_server.fake.activity_token()}"))
    port = int(teams_server.base.rsplit(":", 1)[1])
    check_answer(send(port, request_bytes(method, path, with_length(headers, body), body)))
    server_log.check()


def test_the_work_after_the_answers_logged_nothing_wrong(teams_server, server_log):  # noqa: F811
    time.sleep(1)  # turns still running when the last example was answered
    server_log.check()
