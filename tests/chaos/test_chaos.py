"""The chaos test's short form (`make test`; `make chaos` runs it long): 2 web and 3 worker processes on a
private PostgreSQL, workers SIGKILLed every few seconds, PostgreSQL restarted once, commands sent to both
web processes; every message delivered once, every command answered once, no job left doing."""

from __future__ import annotations

import shutil

import pytest

from tests.chaos.run import Chaos, failures, parse_args, summary

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

SHORT = [
    # 15 s of chaos, then up to 30 s to settle (it ends as soon as it has: within about a second of the
    # chaos's end in four runs beside the suite; the suite's other workers share the 2 cores with it).
    "--seconds", "45",
    "--chaos", "0.34",
    "--workspaces", "3",
    "--people", "5",
    "--per-minute", "30",
    "--kill-every", "2", "4",
    "--command-every", "0.5",
    "--heartbeat", "1",
    "--stalled-after", "4",
    "--seed", "13",
    # Workers without helper processes: each new worker would start three (pandas and matplotlib
    # imported anew, about 6 CPU-seconds), and this form starts eight workers on the suite's 2 cores.
    # `make chaos` keeps them, as does tests/jobs/test_helper_process.py.
    "--concurrency", "6",
]  # fmt: skip


@pytest.mark.skipif(shutil.which("initdb") is None, reason="needs PostgreSQL's server binaries (initdb)")
def test_chaos_short_form():
    report = Chaos(parse_args(SHORT)).run()
    problems = failures(report)
    assert not problems, summary(report, problems)
    assert report["kills"] >= 3 and report["commands"]["acked"] >= 20
