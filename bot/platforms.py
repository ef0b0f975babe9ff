"""The composition root of chat platforms: the one module of `bot/` that imports `handlers/`.

Importing a platform's notifier module registers its factory under its `Workspace.platform` key;
`notifiers(settings)` builds, once per settings, what jobs use to find each workspace's notifier.
A Teams package adds one import here.
"""

from __future__ import annotations

from functools import lru_cache

import handlers.slack.notifier  # noqa: F401  registers "slack"
from bot.config import Settings
from bot.runtime import shared_runtime
from bot.services.delivery.notifiers import Notifiers, notifier_registry


@lru_cache(maxsize=4)
def notifiers(settings: Settings) -> Notifiers:
    """Every registered platform's notifier for these settings, each built on first use."""
    return notifier_registry.build(settings, shared_runtime(settings))
