"""Chat commands deferred by the web processes as procrastinate jobs on the queue "commands" (the
procrastinate engine only; bot/jobs/child.py runs them in-process otherwise). The app adds this
blueprint under the namespace "commands"."""

from __future__ import annotations

from procrastinate import Blueprint

commands = Blueprint()
