"""Sign in with X from Teams: `join` in the 1:1 answers with the Connect button, a browser follows it
through `python -m bot teams`'s /x/connect, the fake X and back to its /x/callback, and the 1:1 hears
that the account is linked."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest
import requests

from tests.fakes.serve_process import REPO, free_port, wait_healthy
from tests.fakes.teams_server import TeamsCloud
from tests.fakes.x_server import FakeX
from tests.teams.activities import person, personal_message
from tests.teams.conftest import shown, teams_env, wait_for

pytestmark = pytest.mark.slow
CLIENT_ID = "plume-client"


def connect_url(activity: dict) -> str:
    """The Connect button's URL in the card (an Action.OpenUrl)."""
    card = activity["attachments"][0]["content"]
    actions = [a for block in card["body"] + [card] for a in block.get("actions", [])]
    [url] = [a["url"] for a in actions if a["type"] == "Action.OpenUrl" and "/x/connect" in a["url"]]
    return url


def test_joining_on_teams_signs_in_with_x_and_links_the_account(tmp_path):
    with TeamsCloud() as cloud, FakeX(bearer="test-bearer") as x:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        x.oauth.register(client_id=CLIENT_ID, client_secret=None, redirect_uri=f"{base}/x/callback")
        x.add_user(11, "ana_x")
        env = teams_env(
            cloud,
            port,
            tmp_path / "signin.db",
            X_API_URL=x.url,
            X_AUTHORIZE_URL=f"{x.url}/i/oauth2/authorize",
            X_BEARER_TOKEN="test-bearer",
            X_CLIENT_ID=CLIENT_ID,
            PLUME_PUBLIC_URL=base,
            OAUTHLIB_INSECURE_TRANSPORT="1",  # the fake X is plain http on loopback
        )
        server = subprocess.Popen([sys.executable, "-W", "ignore", "-m", "bot", "teams"], cwd=REPO, env=env)
        try:
            wait_healthy(port)
            fake = cloud.teams
            fake.add_member("aad-ana", "Ana")
            chat = fake.open_personal("aad-ana")
            join = personal_message(fake.url, chat, person("aad-ana", "Ana"), "join @ana_x")
            signed = {"Authorization": f"Bearer {fake.activity_token()}"}
            assert requests.post(f"{base}/api/messages", json=join, headers=signed, timeout=10).ok
            [offer] = wait_for(fake, chat, 1)
            url = connect_url(offer)
            assert url.startswith(f"{base}/x/connect?state=")
            x.oauth.sign_in_as(11)
            page = requests.Session().get(url, timeout=10)  # Plume → X → Plume, as a browser goes
            assert page.status_code == 200 and "Your X account is linked" in page.text
            [_offer, linked] = wait_for(fake, chat, 2)
            assert "@ana_x" in shown(linked)
            with sqlite3.connect(tmp_path / "signin.db") as db:
                rows = db.execute("select consent_source, x_verified_at from ambassadors").fetchall()
            [(source, verified)] = rows
            assert source == "x_signin" and verified
            assert x.oauth.revoked == x.oauth.issued()
        finally:
            server.terminate()
            server.wait(timeout=30)
