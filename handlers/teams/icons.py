"""The Teams app icons, drawn with Pillow: a white quill on Plume's colour (192 x 192), and the same
quill in white on transparent (32 x 32, Teams' outline icon).

Drawn, not shipped as binary files, so the shape is reviewable as code. The bytes are deterministic
for a given Pillow and zlib: no timestamps or text chunks, fixed compression. The shapes are drawn
at 8x and scaled down with a Lanczos filter, so edges are smooth at 32 pixels.
"""

from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw

ACCENT = "#2c3e50"  # manifest.yml's background_color, so Slack and Teams show the same colour
NIB = "#e69f00"  # the charts' Okabe-Ito orange
COLOR_SIZE = 192
OUTLINE_SIZE = 32
SUPERSAMPLE = 8
WHITE = (255, 255, 255)

# The quill in unit coordinates (0..1, y down): the vane along a slightly curved axis from its base
# (bottom left) to its tip (top right), then the bare shaft beyond the base.
_BASE, _TIP = (0.30, 0.74), (0.82, 0.16)
_SHAFT_END = (0.16, 0.90)
_HALF_WIDTH = 0.15
_NOTCHES = ((0.42, 1), (0.62, -1))  # (position along the vane, side): splits in the barbs


def _axis(t: float) -> tuple[float, float]:
    """The point at `t` (0 base .. 1 tip) of the vane's axis, bowed a little to the upper left."""
    x = _BASE[0] + (_TIP[0] - _BASE[0]) * t
    y = _BASE[1] + (_TIP[1] - _BASE[1]) * t
    bow = 0.05 * math.sin(math.pi * t)
    return x - bow * 0.7, y - bow * 0.7


def _normal() -> tuple[float, float]:
    """The unit vector across the vane."""
    dx, dy = _TIP[0] - _BASE[0], _TIP[1] - _BASE[1]
    length = math.hypot(dx, dy)
    return -dy / length, dx / length


def _vane(steps: int = 48) -> list[tuple[float, float]]:
    """The vane's outline: widest a third of the way up, pointed at the tip, rounded at the base."""
    nx, ny = _normal()
    left, right = [], []
    for i in range(steps + 1):
        t = i / steps
        width = _HALF_WIDTH * math.sin(math.pi * t**0.75) ** 0.9
        x, y = _axis(t)
        left.append((x + nx * width, y + ny * width))
        right.append((x - nx * width * 0.8, y - ny * width * 0.8))
    return left + right[::-1]


def _notch(t: float, side: int) -> list[tuple[float, float]]:
    """A thin wedge cut into one edge of the vane at `t`, slanting towards the base like a split barb."""
    nx, ny = _normal()
    reach = _HALF_WIDTH * 1.4 * side
    apex = _axis(t)
    outer_high, outer_low = _axis(t - 0.06), _axis(t - 0.11)
    return [
        (apex[0] + nx * 0.015 * side, apex[1] + ny * 0.015 * side),
        (outer_high[0] + nx * reach, outer_high[1] + ny * reach),
        (outer_low[0] + nx * reach, outer_low[1] + ny * reach),
    ]


def _mask(size: int, *, groove: bool = True) -> Image.Image:
    """The quill as an 8-bit coverage mask of `size` pixels (255 = quill); without the groove of the
    shaft along the vane, which at 32 pixels would only grey the mark."""
    big = size * SUPERSAMPLE
    canvas = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(canvas)

    def scaled(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        return [(x * big, y * big) for x, y in points]

    draw.polygon(scaled(_vane()), fill=255)
    for t, side in _NOTCHES:
        draw.polygon(scaled(_notch(t, side)), fill=0)
    shaft = scaled([_SHAFT_END, _axis(0.0), _axis(0.85)])
    draw.line(shaft[:2], fill=255, width=max(1, round(big * 0.035)), joint="curve")
    if groove:  # the rachis, a groove along the vane
        draw.line(shaft[1:], fill=0, width=max(1, round(big * 0.012)))
    return canvas.resize((size, size), Image.Resampling.LANCZOS)


def _png(image: Image.Image) -> bytes:
    """PNG bytes with nothing that varies between runs (no time, no text chunks)."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False, compress_level=9)
    return buffer.getvalue()


def color_icon() -> bytes:
    """192 x 192 full-colour PNG: the white quill with an orange nib on Plume's accent colour."""
    size = COLOR_SIZE
    image = Image.new("RGB", (size, size), ACCENT)
    image.paste(Image.new("RGB", (size, size), WHITE), mask=_mask(size))
    nib = Image.new("L", (size * SUPERSAMPLE,) * 2, 0)
    end, start = _SHAFT_END, _axis(-0.12)
    big = size * SUPERSAMPLE
    ImageDraw.Draw(nib).line(
        [(end[0] * big, end[1] * big), (start[0] * big, start[1] * big)], fill=255, width=round(big * 0.045)
    )
    image.paste(Image.new("RGB", (size, size), NIB), mask=nib.resize((size, size), Image.Resampling.LANCZOS))
    return _png(image)


def outline_icon() -> bytes:
    """32 x 32 PNG: the quill in white on transparent (every pixel white; only its alpha varies)."""
    image = Image.new("RGBA", (OUTLINE_SIZE, OUTLINE_SIZE), (*WHITE, 0))
    image.putalpha(_mask(OUTLINE_SIZE, groove=False))
    return _png(image)
