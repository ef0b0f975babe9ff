"""`python -m bot poll` and `usage` in-process (the `cli` fixture) against the fake X server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.fakes.x_server import FakeX


def test_track_poll_usage(cli, tmp_path):
    now = datetime.now(UTC)
    with FakeX(bearer="cli-bearer") as fake:
        fake.add_user(11, "Writer", followers=10)
        for n in range(12):
            fake.add_post(11, 1100 + n, now - timedelta(hours=12 - n), f"post {n}")
        env = dict(
            DATABASE_URL=f"sqlite:///{tmp_path / 'p.db'}",
            X_API_URL=fake.url,
            X_BEARER_TOKEN="cli-bearer",
            X_MONTHLY_BUDGET_USD="100",
        )
        assert cli(env, "track", "writer").returncode == 0
        polled = cli(env, "poll")
        assert polled.returncode == 0, polled.stderr
        assert "1 accounts polled, 12 new posts, 1 handles resolved" in polled.stdout
        assert "cli-bearer" not in polled.stderr + polled.stdout
        usage = cli(env, "usage").stdout
        assert "post reads              12" in usage and "user reads               1" in usage
        assert "spend so far    $      0.07" in usage and "budget          $    100.00  ok" in usage
        assert fake.billed_post_reads() == 12


def test_poll_without_a_token_says_which_variable(cli, tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"}
    result = cli(env, "poll")
    assert result.returncode == 2 and result.stderr.startswith("error: Bad setting X_BEARER_TOKEN")
