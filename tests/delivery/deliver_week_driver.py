"""`python -m tests.delivery.deliver_week_driver WORKSPACE_ID WEEK`: one workspace's recaps and digest
through the real job (`tasks.deliver_week`), settings from the environment, the notifier found by
platform as the worker finds it. For crash tests: a real process to SIGKILL mid-delivery."""

from __future__ import annotations

import sys

from bot.config import load_settings
from bot.jobs import tasks
from bot.logs import configure_logging


def main(argv: list[str]) -> int:
    settings = load_settings()
    configure_logging(settings.LOG_LEVEL)
    tasks.deliver_week(settings, int(argv[0]), argv[1])
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
