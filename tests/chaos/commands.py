"""Slash commands sent, signed, to every web process in turn: the same command to each, each copy with
its own response_url on the recorder, so each must be answered exactly once."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass

import requests

from tests.chaos.world import World
from tests.fakes.response_urls import ResponseUrls
from tests.fakes.slack_requests import command_body, signed_headers


@dataclass
class Sent:
    """One command as sent: where, what, and what the web process said."""

    web: str
    text: str
    url: str
    at: float
    status: int | None  # None: no HTTP answer at all (the request itself failed)
    ack_s: float
    ack_text: str = ""  # a body in the ack is shown to the person: an answer too


class Commander:
    """Sends a command to every web process every `every` seconds until stopped, from its own thread."""

    def __init__(
        self, webs: dict[str, int], urls: ResponseUrls, world: World, rng: random.Random, every: float
    ):
        self.webs, self.urls, self.world, self.rng, self.every = webs, urls, world, rng, every
        self.sent: list[Sent] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="commander", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def is_running(self) -> bool:
        return not self._stop.is_set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            person = self.rng.choice(self.world.people)
            text = self.rng.choice(["help", f"me {self.world.week}", "nudges log"])
            for web, port in self.webs.items():
                self.sent.append(self._send(web, port, person.team, person.user, text))
            self._stop.wait(self.every)

    def _send(self, web: str, port: int, team: str, user: str, text: str) -> Sent:
        url = self.urls.new()
        body = command_body(text, user_id=user, team_id=team, response_url=url, channel_id=f"D{user}")
        began, at = time.monotonic(), time.time()
        try:
            reply = requests.post(
                f"http://127.0.0.1:{port}/slack/events", data=body, headers=signed_headers(body), timeout=10
            )
            status, shown = reply.status_code, reply.text.strip()
        except requests.RequestException:
            status, shown = None, ""
        return Sent(web, text, url, at, status, time.monotonic() - began, shown)

    def unanswered(self) -> list[Sent]:
        """Acked commands with no answer yet."""
        return [s for s in self.sent if s.status == 200 and not s.ack_text and not self.urls.bodies(s.url)]
