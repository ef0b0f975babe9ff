"""Architecture rules, checked on the source: the core never imports a chat platform or `handlers/`
(except one composition root), no platform package imports itself in a circle, tweepy stays in the
X source and pandas in the metrics engine. Each rule is also run on a planted violation, so a checker
that sees nothing cannot pass."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BOT = REPO / "bot"
HANDLERS = REPO / "handlers"
PLATFORM_LIBS = ("slack_bolt", "slack_sdk", "botbuilder", "botframework", "msteams", "microsoft")
# The one module of the core that wires the platform packages (`handlers/`) into the core's registries.
COMPOSITION_ROOT = "platforms.py"
# pandas and numpy: the metrics engine, plus the charts, the benchmark and the demo's sample program.
PANDAS_ALLOWED = ("metrics/", "charts.py", "bench.py", "demo/")


def imports_of(path: Path) -> set[str]:
    """Every absolute module a file imports, dotted, including inside functions and TYPE_CHECKING."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def top_level(path: Path) -> set[str]:
    """The top-level packages a file imports."""
    return {name.split(".")[0] for name in imports_of(path)}


def module_name(path: Path, root: Path = REPO) -> str:
    """`handlers/slack/app.py` -> `handlers.slack.app`."""
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_cycle(files: list[Path], root: Path = REPO) -> list[str] | None:
    """A cycle among these modules' imports of each other, if there is one (depth-first search)."""
    names = {module_name(p, root): p for p in files}
    graph = {
        name: {other for other in names if other != name and other in imports_of(path)}
        for name, path in names.items()
    }
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt] if nxt in path else [node, nxt]
            if state.get(nxt) is None and (found := visit(nxt, [*path, nxt])):
                return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if state.get(start) is None and (found := visit(start, [start])):
            return found
    return None


CORE_FILES = sorted(p for p in BOT.rglob("*.py") if "migrations/versions" not in p.as_posix())
PLATFORMS = sorted(p for p in HANDLERS.iterdir() if p.is_dir() and (p / "__init__.py").exists())


def core_id(path: Path) -> str:
    return path.relative_to(BOT).as_posix()


def test_the_checker_sees_imports(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("def f():\n    from slack_sdk.web import WebClient\nimport pandas as pd\n")
    assert top_level(sample) == {"slack_sdk", "pandas"}
    assert "slack_sdk.web.WebClient" in imports_of(sample)


@pytest.mark.parametrize("path", CORE_FILES, ids=core_id)
def test_core_never_imports_a_chat_platform(path):
    assert not top_level(path) & set(PLATFORM_LIBS)


@pytest.mark.parametrize("path", CORE_FILES, ids=core_id)
def test_core_imports_handlers_only_from_the_composition_root(path):
    if core_id(path) != COMPOSITION_ROOT:
        assert "handlers" not in top_level(path)


def test_the_composition_root_exists_and_is_where_platforms_are_wired():
    assert "handlers" in top_level(BOT / COMPOSITION_ROOT)


@pytest.mark.parametrize("path", CORE_FILES, ids=core_id)
def test_tweepy_stays_in_the_x_source(path):
    if "tweepy" in top_level(path):
        assert core_id(path).startswith("sources/")


@pytest.mark.parametrize("path", CORE_FILES, ids=core_id)
def test_pandas_and_numpy_stay_in_the_metrics_engine(path):
    if top_level(path) & {"pandas", "numpy"}:
        assert core_id(path).startswith(PANDAS_ALLOWED), "services hand rows to metrics, get figures back"


@pytest.mark.parametrize("platform", PLATFORMS, ids=lambda p: p.name)
def test_no_import_cycle_inside_a_platform_package(platform):
    assert import_cycle(sorted(platform.glob("*.py"))) is None


def test_handlers_never_import_each_other_across_platforms():
    for platform in PLATFORMS:
        others = {f"handlers.{p.name}" for p in PLATFORMS if p != platform}
        for path in platform.rglob("*.py"):
            assert not {name for name in imports_of(path) if name.startswith(tuple(others))}, path


# --- every rule fails on a planted violation --------------------------------------------------------


def test_a_planted_cycle_is_found(tmp_path):
    package = tmp_path / "handlers" / "fake"
    package.mkdir(parents=True)
    (package / "a.py").write_text("from handlers.fake.b import x\n")
    (package / "b.py").write_text("def f():\n    from handlers.fake.c import y\n")
    (package / "c.py").write_text("import handlers.fake.a\n")
    (package / "d.py").write_text("import handlers.fake.a\n")
    files = sorted(package.glob("*.py"))
    cycle = ["handlers.fake.a", "handlers.fake.b", "handlers.fake.c", "handlers.fake.a"]
    assert import_cycle(files, tmp_path) == cycle
    (package / "c.py").write_text("import json\n")
    assert import_cycle(sorted(package.glob("*.py")), tmp_path) is None


def test_planted_violations_of_the_core_rules_are_seen(tmp_path):
    service = tmp_path / "service.py"
    service.write_text("import numpy as np\nfrom handlers.slack.notifier import SlackNotifier\n")
    assert {"numpy", "handlers"} <= top_level(service)
    assert not "services/service.py".startswith(PANDAS_ALLOWED)
    listener = tmp_path / "listener.py"
    listener.write_text("from microsoft.teams.apps import App\n")
    assert top_level(listener) & set(PLATFORM_LIBS)
