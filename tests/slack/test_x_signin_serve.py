"""Sign in with X through a real `python -m bot serve` at LOG_LEVEL=DEBUG: the whole flow works across
the process boundary (the join runs in the command process), and its log holds no code, token, state
or verifier."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import requests
from sqlalchemy import select

from bot.storage.db import make_engine, make_sessionmaker, transaction
from bot.storage.tables import Ambassador, XSignIn
from tests.fakes.response_urls import ResponseUrls
from tests.fakes.serve_process import REPO, free_port, serve_env, wait_healthy
from tests.fakes.slack_requests import command_body, signed_headers
from tests.fakes.slack_server import FakeSlack
from tests.fakes.x_server import FakeX
from tests.slack.x_signin_env import CLIENT_ID, connect_url_of

pytestmark = pytest.mark.slow


def join_over_http(base: str, urls: ResponseUrls) -> dict:
    url = urls.new()
    body = command_body("join @someone", response_url=url)
    assert requests.post(f"{base}/slack/events", data=body, headers=signed_headers(body), timeout=10).ok
    deadline = time.monotonic() + 30  # the first command also starts the command process
    while time.monotonic() < deadline:
        if bodies := urls.bodies(url):
            return bodies[0]
        time.sleep(0.05)
    raise AssertionError("no answer to join")


def test_the_whole_flow_logs_no_secret(tmp_path):
    port, log_path = free_port(), tmp_path / "serve.log"
    base = f"http://127.0.0.1:{port}"
    with FakeSlack() as slack, FakeX() as x, ResponseUrls() as urls, open(log_path, "wb") as log:
        slack.add_user("U100", name="ana", tz="Europe/Paris")
        x.add_user(11, "ana_x")
        x.oauth.register(
            client_id=CLIENT_ID, client_secret="s3cret-of-the-app", redirect_uri=f"{base}/x/callback"
        )
        x.oauth.sign_in_as(11)
        env = serve_env(
            port,
            tmp_path / "serve.db",
            slack.url,
            X_API_URL=x.url,
            X_AUTHORIZE_URL=f"{x.url}/i/oauth2/authorize",
            X_CLIENT_ID=CLIENT_ID,
            X_CLIENT_SECRET="s3cret-of-the-app",
            PLUME_PUBLIC_URL=base,
            LOG_LEVEL="DEBUG",
            OAUTHLIB_INSECURE_TRANSPORT="1",  # the fake X is plain http on loopback
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve"], cwd=REPO, env=env, stdout=log, stderr=log
        )
        try:
            wait_healthy(port)
            connect = connect_url_of(join_over_http(base, urls))
            page = requests.Session().get(connect, timeout=20)
            assert page.status_code == 200 and "@ana_x" in page.text
            engine = make_engine(env["DATABASE_URL"])
            with transaction(make_sessionmaker(engine)) as session:
                assert session.scalars(select(Ambassador.x_verified_at)).one() is not None
                verifier = session.scalars(select(XSignIn.code_verifier)).one()
            engine.dispose()
            deadline = time.monotonic() + 10
            while not slack.calls_to("chat.postMessage") and time.monotonic() < deadline:
                time.sleep(0.05)
            assert slack.calls_to("chat.postMessage"), "no confirmation in chat"
        finally:
            process.terminate()
            process.wait(timeout=15)
    logged = log_path.read_text(encoding="utf-8", errors="replace")
    assert "level=DEBUG" in logged  # the log was at its most talkative
    code = next(iter(x.oauth.codes))
    secrets = [code, *x.oauth.issued(), connect.split("state=")[1], verifier, "s3cret-of-the-app"]
    assert len(x.oauth.revoked) == 1
    for secret in secrets:
        assert secret not in logged, secret
