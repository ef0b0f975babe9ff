"""A small HTML page: escaped text, no scripts, no outside resources, nothing cached or referred."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

# The callback URL carries a one-time code: no Referer to anywhere, no cache, no framing, no scripts.
SAFE_HEADERS = (
    ("Content-Type", "text/html; charset=utf-8"),
    ("Cache-Control", "no-store"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"),
)
REASONS = {200: "OK", 302: "Found", 400: "Bad Request", 403: "Forbidden", 404: "Not Found"}
REASONS |= {405: "Method Not Allowed", 409: "Conflict", 410: "Gone", 502: "Bad Gateway"}
_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;"
    "line-height:1.5;color:#1d1c1d}h1{font-size:1.4rem}"
)


@dataclass(frozen=True, slots=True)
class Page:
    """An answer to a browser: status, every header but Content-Length, and the HTML body."""

    status: int
    html: str
    headers: tuple[tuple[str, str], ...] = SAFE_HEADERS

    @property
    def status_line(self) -> str:
        """`200 OK`, as WSGI wants it."""
        return f"{self.status} {REASONS.get(self.status, 'Error')}"

    @property
    def body(self) -> bytes:
        return self.html.encode("utf-8")


def page(status: int, title: str, *paragraphs: str, extra: tuple[tuple[str, str], ...] = ()) -> Page:
    """A page of a title and plain paragraphs, all escaped."""
    text = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Plume: {escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main><h1>{escape(title)}</h1>{text}</main></body></html>\n"
    )
    return Page(status, html, SAFE_HEADERS + extra)
