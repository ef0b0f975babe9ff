"""Multi-workspace install through the real OAuth routes, against the fake Slack's oauth.v2.access."""

from __future__ import annotations

import re

import requests
from sqlalchemy import text

from tests.fakes.slack_requests import command_body, signed_headers
from tests.slack.conftest import text_of


def install(base: str, slack, code: str, team: str) -> requests.Response:
    """What a person's browser does: open the install page, go to Slack, come back with a code."""
    slack.add_oauth_code(code, team)
    page = requests.get(f"{base}/slack/install", timeout=10)
    state = re.search(r"state=([A-Za-z0-9_\-]+)", page.text).group(1)
    # The state cookie is `Secure`; over loopback http we hand it back the way a browser would over https.
    cookie = page.headers["set-cookie"].split(";")[0]
    return requests.get(
        f"{base}/slack/oauth_redirect",
        params={"code": code, "state": state},
        headers={"Cookie": cookie},
        timeout=10,
    )


def command(base: str, urls, text_: str, user: str, team: str) -> dict:
    url = urls.new()
    body = command_body(text_, user_id=user, team_id=team, response_url=url)
    response = requests.post(f"{base}/slack/events", data=body, headers=signed_headers(body), timeout=10)
    assert response.status_code == 200
    [answer] = urls.bodies(url)
    return answer


def test_two_workspaces_install_and_stay_apart(web, slack, urls):
    base, runtime = web
    assert install(base, slack, "code-one", "T0001").status_code == 200
    assert install(base, slack, "code-two", "T0002").status_code == 200
    with runtime.engine.connect() as conn:
        tokens = dict(conn.execute(text("SELECT team_id, bot_token FROM slack_bots")).all())
    assert set(tokens) == {"T0001", "T0002"}
    assert all(t.startswith("fernet:") and "xoxb" not in t for t in tokens.values())  # encrypted at rest

    assert "Welcome" in text_of(command(base, urls, "join @ana", "U100", "T0001"))
    other = text_of(command(base, urls, "admin status", "U900", "T0002"))
    assert "*Ambassadors*\n0\n" in other and "not set" in other
    assert "You haven't joined yet" in text_of(command(base, urls, "me", "U900", "T0002"))
    # Another workspace cannot claim @ana and read her figures or archive.
    assert "already tracked for someone else" in text_of(command(base, urls, "join @ana", "U900", "T0002"))
    used = {c.token for c in slack.calls_to("users.info")}
    assert used == {"xoxb-test-token", "xoxb-other-token"}  # each workspace called with its own token


def test_uninstall_forgets_the_workspace_tokens(web, slack, urls):
    import json
    import time

    base, runtime = web
    install(base, slack, "code-one", "T0001")
    event = {
        "token": "x",
        "team_id": "T0001",
        "api_app_id": "A0001",
        "type": "event_callback",
        "event_id": "EvUninstall",
        "event_time": int(time.time()),
        "event": {"type": "app_uninstalled", "event_ts": "1.1"},
    }
    body = json.dumps(event)
    response = requests.post(
        f"{base}/slack/events",
        data=body,
        headers=signed_headers(body, content_type="application/json"),
        timeout=10,
    )
    assert response.status_code == 200
    with runtime.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM slack_bots WHERE team_id = 'T0001'")).scalar() == 0
        settings = conn.execute(text("SELECT settings FROM workspaces WHERE external_id = 'T0001'")).scalar()
    assert "purge_after" in str(settings)


def test_healthz(web):
    base, _ = web
    assert requests.get(f"{base}/healthz", timeout=5).json() == {"ok": True, "database": "ok"}


def test_reinstalling_cancels_the_scheduled_purge(web, slack, urls):
    import json
    import time

    base, runtime = web
    install(base, slack, "code-one", "T0001")
    event = {
        "token": "x",
        "team_id": "T0001",
        "api_app_id": "A0001",
        "type": "event_callback",
        "event_id": "EvU2",
        "event_time": int(time.time()),
        "event": {"type": "app_uninstalled", "event_ts": "1"},
    }
    body = json.dumps(event)
    requests.post(
        f"{base}/slack/events",
        data=body,
        headers=signed_headers(body, content_type="application/json"),
        timeout=10,
    )
    install(base, slack, "code-again", "T0001")
    command(base, urls, "help", "U100", "T0001")
    with runtime.engine.connect() as conn:
        settings = conn.execute(text("SELECT settings FROM workspaces WHERE external_id = 'T0001'")).scalar()
    assert "purge_after" not in str(settings)
