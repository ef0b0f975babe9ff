"""A real process running one delivery job, for crash tests to SIGKILL mid-delivery:

    python -m tests.delivery.job_driver week WORKSPACE_ID WEEK   # tasks.deliver_week
    python -m tests.delivery.job_driver nudges ISO_MOMENT        # tasks.nudges at that moment

Settings come from the environment; each workspace's notifier is found by platform, as the worker
finds it."""

from __future__ import annotations

import sys
from datetime import datetime

from bot.config import load_settings
from bot.jobs import tasks
from bot.logs import configure_logging


def main(argv: list[str]) -> int:
    settings = load_settings()
    configure_logging(settings.LOG_LEVEL)
    if argv[0] == "week":
        tasks.deliver_week(settings, int(argv[1]), argv[2])
    else:
        tasks.nudges(settings, datetime.fromisoformat(argv[1]))
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
