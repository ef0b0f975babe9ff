"""Chat commands deferred by the web processes as procrastinate jobs on the queue "commands" (the
procrastinate engine only; bot/jobs/child.py runs them in-process otherwise).

Declare each with `@commands.task(name="<name>", queue="commands", pass_context=...)`; a job gets its
settings from `bot.jobs.engine.worker_settings()`. Every app (`bot.jobs.queue.procrastinate_app`) gets
its own copy of these tasks, named "commands:<name>", so defer them by that name through the app:
`bot.jobs.queue.defer(opened_app(settings), "commands:<name>", queueing_lock=...)(**kwargs)`, not with
the blueprint task's own `.defer()` (it is bound to no app).
"""

from __future__ import annotations

from procrastinate import Blueprint

commands = Blueprint()
