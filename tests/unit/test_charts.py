"""PNG charts: files written where asked, real PNGs of the expected pixel size, edge cases drawn."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from bot.charts import heatmap_png, weekly_trend_png

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WEEKS = ["2026-W42", "2026-W43", "2026-W44", "2026-W45", "2026-W46"]


def _matrix(value: int = 0) -> list[list[int]]:
    """A 7 x 24 matrix filled with `value`."""
    return [[value] * 24 for _ in range(7)]


def test_heatmap_writes_a_1000_by_400_png_in_a_new_folder(tmp_path: Path) -> None:
    matrix = _matrix()
    matrix[2][10] = 9
    target = tmp_path / "charts" / "nested" / "heat.png"
    written = heatmap_png(matrix, target, "Posts by hour, 2026-W46")
    assert written == target
    assert target.read_bytes()[:8] == PNG_SIGNATURE
    assert imread(target).shape == (400, 1000, 4)


def test_heatmap_draws_an_all_zero_matrix(tmp_path: Path) -> None:
    target = heatmap_png(_matrix(), tmp_path / "zero.png", "A quiet week")
    assert target.read_bytes()[:4] == b"\x89PNG"
    assert imread(target).shape == (400, 1000, 4)


def test_heatmap_shows_the_counts(tmp_path: Path) -> None:
    busy = _matrix()
    busy[0] = [5] * 24
    quiet = imread(heatmap_png(_matrix(), tmp_path / "quiet.png", "Week"))
    loud = imread(heatmap_png(busy, tmp_path / "busy.png", "Week"))
    assert not np.array_equal(quiet, loud)


def test_heatmap_accepts_a_numpy_matrix(tmp_path: Path) -> None:
    target = heatmap_png(np.arange(168).reshape(7, 24), tmp_path / "np.png", "Week")
    assert imread(target).shape == (400, 1000, 4)


@pytest.mark.parametrize("shape", [(24, 7), (7, 23), (6, 24)])
def test_heatmap_rejects_other_shapes(tmp_path: Path, shape: tuple[int, int]) -> None:
    with pytest.raises(ValueError, match="7 rows"):
        heatmap_png(np.zeros(shape, dtype=int), tmp_path / "bad.png", "Week")
    assert not (tmp_path / "bad.png").exists()


def test_trend_writes_a_900_by_450_png(tmp_path: Path) -> None:
    target = tmp_path / "out" / "trend.png"
    written = weekly_trend_png(WEEKS, [143, 135, 138, 132, 267], [1.0, 2.0, 1.5, 0.0, 0.5], target, "Trend")
    assert written == target
    assert target.read_bytes()[:8] == PNG_SIGNATURE
    assert imread(target).shape == (450, 900, 4)


def test_trend_leaves_gaps_for_unknown_engagement_instead_of_zeros(tmp_path: Path) -> None:
    posts = [3, 0, 0, 4, 5]
    gaps = imread(weekly_trend_png(WEEKS, posts, [12.5, None, None, 3.0, 7.0], tmp_path / "gaps.png", "T"))
    zeros = imread(weekly_trend_png(WEEKS, posts, [12.5, 0.0, 0.0, 3.0, 7.0], tmp_path / "zeros.png", "T"))
    unknown = imread(weekly_trend_png(WEEKS, posts, [None] * 5, tmp_path / "unknown.png", "T"))
    assert gaps.shape == zeros.shape == unknown.shape == (450, 900, 4)
    assert not np.array_equal(gaps, zeros)


def test_trend_draws_all_zero_weeks_and_no_weeks(tmp_path: Path) -> None:
    zero = weekly_trend_png(WEEKS, [0] * 5, [0.0] * 5, tmp_path / "zero.png", "Silent")
    empty = weekly_trend_png([], [], [], tmp_path / "empty.png", "Nothing yet")
    assert imread(zero).shape == imread(empty).shape == (450, 900, 4)


def test_trend_rejects_sequences_of_different_lengths(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="same length"):
        weekly_trend_png(WEEKS, [1, 2], [None] * 5, tmp_path / "bad.png", "T")
