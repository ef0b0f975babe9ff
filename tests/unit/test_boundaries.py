"""Architecture rules: the core never imports a chat platform; tweepy and pandas stay in their places."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[2] / "bot"
PLATFORM_LIBS = ("slack_bolt", "slack_sdk", "botbuilder", "botframework", "msteams")
# The composition root that may wire platform adapters together (none yet).
COMPOSITION_ROOTS: set[str] = set()
PANDAS_ALLOWED = ("metrics/", "bench.py", "demo/")


def imported_modules(path: Path) -> set[str]:
    """Top-level names of every module a file imports (including inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


CORE_FILES = sorted(p for p in BOT.rglob("*.py") if "migrations/versions" not in p.as_posix())


def test_the_checker_sees_imports(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("def f():\n    from slack_sdk.web import WebClient\nimport pandas as pd\n")
    assert imported_modules(sample) == {"slack_sdk", "pandas"}


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: p.relative_to(BOT).as_posix())
def test_core_never_imports_a_chat_platform(path):
    if path.relative_to(BOT).as_posix() in COMPOSITION_ROOTS:
        return
    assert not imported_modules(path) & set(PLATFORM_LIBS)


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: p.relative_to(BOT).as_posix())
def test_tweepy_stays_in_the_x_source(path):
    if "tweepy" in imported_modules(path):
        assert path.relative_to(BOT).as_posix().startswith("sources/")


@pytest.mark.parametrize(
    "path", sorted((BOT / "services").rglob("*.py")), ids=lambda p: p.relative_to(BOT).as_posix()
)
def test_services_hand_rows_to_metrics_and_never_touch_frames(path):
    # Services load rows and build dataclasses; every DataFrame operation lives in bot/metrics.
    assert not imported_modules(path) & {"pandas", "numpy"}


def test_storage_sources_and_messages_model_do_not_use_pandas():
    for folder in ("storage", "sources"):
        for path in (BOT / folder).rglob("*.py"):
            assert "pandas" not in imported_modules(path), path
    assert "pandas" not in imported_modules(BOT / "messages" / "model.py")
