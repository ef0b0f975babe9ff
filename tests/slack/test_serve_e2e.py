"""`python -m bot serve` on a real socket: signed commands in, acks out, answers to response_url."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

from tests.fakes.serve_process import REPO, free_port, serve_env, wait_healthy
from tests.fakes.slack_requests import command_body, signed_headers
from tests.slack.conftest import text_of

pytestmark = pytest.mark.slow


@pytest.fixture
def process_of_server():
    """Filled by `server` with its subprocess, for tests that need the pid."""
    return SimpleNamespace(pid=None)


@pytest.fixture
def server(slack, tmp_path, process_of_server):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"],
        cwd=REPO,
        env=serve_env(port, tmp_path / "serve.db", slack.url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    process_of_server.pid = process.pid
    base = f"http://127.0.0.1:{port}"
    wait_healthy(port)
    yield base
    process.terminate()
    process.wait(timeout=10)


def answer(urls, url: str, timeout: float = 30.0) -> dict:
    # A ceiling, not a target: the first command also starts the command process, which on a busy
    # machine (pytest -n 2 on 2 cores, with a server and its child) took over 10 s once.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        bodies = urls.bodies(url)
        if bodies:
            return bodies[0]
        time.sleep(0.05)
    raise AssertionError("no answer on the response_url")


def post_command(base: str, text: str, url: str, **headers_options):
    body = command_body(text, response_url=url)
    return requests.post(
        f"{base}/slack/events", data=body, headers=signed_headers(body, **headers_options), timeout=10
    )


def test_commands_over_http(server, urls, slack):
    url = urls.new()
    started = time.monotonic()
    response = post_command(server, "join @ana", url)
    assert response.status_code == 200 and time.monotonic() - started < 3  # the ack, before the work
    assert "Welcome" in text_of(answer(urls, url))
    url = urls.new()
    assert post_command(server, "me 2026-W46", url).status_code == 200
    assert "Your week 2026-W46" in text_of(answer(urls, url))


def test_bad_requests_are_refused_not_crashed(server, urls):
    assert post_command(server, "help", urls.new(), secret="wrong").status_code == 401
    assert requests.post(f"{server}/slack/events", data="garbage", timeout=5).status_code == 401
    assert requests.get(f"{server}/nowhere", timeout=5).status_code == 404
    assert requests.get(f"{server}/healthz", timeout=5).json()["database"] == "ok"


def test_every_command_over_http(server, urls, slack):
    person = [
        "help",
        "join @ana",
        "hours 10:00-19:00 mon-thu Europe/Lisbon",
        "topics add b2b, #ai",
        "topics list",
        "topics remove #ai",
        "nudges snooze 2w",
        "nudges off",
        "nudges on",
        "nudges log",
        "highlights off",
        "recap off",
        "me",
        "me 2026-W46",
        "export",
        "leave",
        "forget",
    ]
    admin = [
        "admin channel <#C0DIGEST|ambassadors>",
        "admin invite <@U200> @ben_posts",
        "admin status",
        "admin settings",
        "admin settings min_group_size 6",
        "admin digest preview",
    ]
    answers = {}
    for text, user in [(t, "U100") for t in person] + [(t, "UADMIN") for t in admin]:
        url = urls.new()
        body = command_body(text, response_url=url, user_id=user)
        response = requests.post(
            f"{server}/slack/events", data=body, headers=signed_headers(body), timeout=10
        )
        assert response.status_code == 200, text
        answers[text] = text_of(answer(urls, url))
    assert all("Plume\n" not in shown or "Try" not in shown for shown in answers.values()), answers
    assert "Export sent" in answers["export"] and len(slack.uploads) == 1
    assert "Leave Plume?" in answers["leave"] and "Forget me?" in answers["forget"]
    assert "min_group_size" in answers["admin settings min_group_size 6"]
    assert "withheld" in answers["admin digest preview"]


def command_children(pid: int) -> list[int]:
    """Child process ids of `pid` (the server's command process, and multiprocessing's helper)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def test_a_killed_command_process_is_replaced(server, urls, process_of_server):
    url = urls.new()
    post_command(server, "help", url)
    answer(urls, url)
    for child in command_children(process_of_server.pid):
        os.kill(child, signal.SIGKILL)
    time.sleep(0.2)
    url = urls.new()
    assert post_command(server, "help", url).status_code == 200
    assert "/plume join" in text_of(answer(urls, url))


def test_sigterm_stops_the_server_and_its_command_process(server, urls, process_of_server):
    url = urls.new()
    post_command(server, "help", url)
    answer(urls, url)
    children = command_children(process_of_server.pid)
    assert children
    os.kill(process_of_server.pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in children):
        time.sleep(0.1)
    alive = [pid for pid in children if Path(f"/proc/{pid}/status").exists()]
    zombies = [pid for pid in alive if "zombie" in Path(f"/proc/{pid}/status").read_text()]
    assert alive == zombies, "the command process outlived the server"
