"""`python -m bot demo` end to end in a real subprocess, with no credentials."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.teams.card_schema import schema_errors

REPO = Path(__file__).resolve().parents[1]


def test_demo_runs_without_credentials(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "X_", "DATABASE_URL"))}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--out", str(tmp_path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "WEEKLY DIGEST" in result.stdout and str(tmp_path) in result.stdout
    digest = json.loads((tmp_path / "digest.json").read_text())
    nudges = json.loads((tmp_path / "nudges.json").read_text())
    assert digest["kind"] == "digest" and digest["meta"]["week"] == "2026-W46"
    assert [i["title"] for i in digest["images"]] == ["Weekly trend", "Hour x weekday"]
    blockkit = json.loads((tmp_path / "digest.blockkit.json").read_text())
    assert blockkit["blocks"][0]["type"] == "header" and blockkit["text"]
    assert len(json.loads((tmp_path / "nudges.blockkit.json").read_text())) == len(
        json.loads((tmp_path / "nudges.json").read_text())
    )
    card = json.loads((tmp_path / "digest.adaptivecard.json").read_text())
    cards = json.loads((tmp_path / "nudges.adaptivecard.json").read_text())
    assert card["type"] == "AdaptiveCard" and card["body"][0]["text"].startswith("Plume weekly digest")
    assert len(cards) == len(nudges) and all(c["body"][-1]["type"] == "ActionSet" for c in cards)
    assert [schema_errors(c) for c in (card, *cards)] == [[]] * (1 + len(cards))
    for name in ("digest-trend.png", "digest-heatmap.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"
    nudged = {n["meta"]["ambassador_id"] for n in nudges}
    assert nudges and all(n["kind"] == "nudge" for n in nudges)
    assert all(len(n["actions"]) == 4 for n in nudges)
    # The rapid poster is nudged, at most 2 a week per person, and the quiet expert is not.
    titles = " ".join(n["title"] for n in nudges)
    assert "rapid_jonas" in titles and "aiko_deepdive" not in titles
    assert all(sum(n["meta"]["ambassador_id"] == a for n in nudges) <= 2 for a in nudged)
    # No ranking by volume: the digest never lists people with their post counts.
    assert "rapid_jonas" not in json.dumps(digest)
