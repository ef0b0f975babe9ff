"""The Plume side of `tests.bench.delivery_rate`, in its own process (so the fake Slack's CPU is not ours).

Runs the worker's two delivery jobs side by side at the moment given by `BENCH_NOW` (ISO, UTC), with
settings from the environment, through the real SlackNotifier (found by platform, as the worker
does). Prints one JSON line: when the jobs
started and finished (time.time()), and the CPU seconds used by this process and by its helper
processes (metrics passes, charts).
"""

from __future__ import annotations

import json
import os
import resource
import threading
import time
from datetime import datetime

from bot.config import load_settings
from bot.jobs import tasks
from bot.logs import configure_logging


def main() -> int:
    settings = load_settings()
    configure_logging(settings.LOG_LEVEL)
    tasks.shared_runtime(settings)  # migrations checked before the clock starts
    tasks.platform_notifiers(settings)  # the composition root, built before the clock starts
    now = datetime.fromisoformat(os.environ["BENCH_NOW"])
    jobs = [
        threading.Thread(target=tasks.weekly_deliveries, args=(settings, now), name="weekly"),
        threading.Thread(target=tasks.nudges, args=(settings, now), name="nudges"),
    ]
    started = time.time()
    for job in jobs:
        job.start()
    for job in jobs:
        job.join()
    finished = time.time()
    mine, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = {
        "cpu_s": round(mine.ru_utime + mine.ru_stime, 1),
        "helper_cpu_s": round(children.ru_utime + children.ru_stime, 1),  # metrics passes, charts
    }
    print(json.dumps({"started": started, "finished": finished, **cpu}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
