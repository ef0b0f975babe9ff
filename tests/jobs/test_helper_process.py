"""A queue worker's helper processes: digest charts drawn in a process of their own, a dead one
replaced, and never left behind by a worker that was SIGKILLed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from bot.jobs.fanout import Helpers
from tests.messages_catalog import DIGEST

REPO = Path(__file__).resolve().parents[2]
HEATMAP = tuple(tuple((day * hour) % 5 for hour in range(24)) for day in range(7))
CHARTED = replace(DIGEST, heatmap=HEATMAP)


def test_charts_are_drawn_in_another_process_and_a_dead_one_is_replaced(tmp_path):
    helpers = Helpers()
    first = helpers.render(CHARTED, tmp_path / "one").result(timeout=60)
    assert [Path(image.path).name for image in first] == ["digest-trend.png", "digest-heatmap.png"]
    assert all(Path(image.path).read_bytes().startswith(b"\x89PNG") for image in first)
    [child] = helpers.charts._pool._processes  # which process drew
    assert child != os.getpid()
    os.kill(child, signal.SIGKILL)
    time.sleep(0.5)
    again = helpers.render(CHARTED, tmp_path / "two").result(timeout=60)
    assert len(again) == 2 and child not in helpers.charts._pool._processes


PARENT = """
import sys
from pathlib import Path
from bot.jobs.fanout import Helpers
from tests.jobs.test_helper_process import CHARTED
helpers = Helpers()
helpers.render(CHARTED, Path(sys.argv[1])).result(timeout=60)
print(*helpers.charts._pool._processes, flush=True)
sys.stdin.read()
"""


def test_a_helper_process_exits_when_its_worker_is_sigkilled(tmp_path):
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(tmp_path)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    child = int(parent.stdout.readline())
    assert _alive(child)
    parent.kill()
    parent.wait(timeout=10)
    deadline = time.monotonic() + 15
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie, exited but not yet reaped by init, counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"
