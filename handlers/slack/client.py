"""The Slack Web API client every part of the Slack package uses: SLACK_API_URL, retries, shared 429s."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import Settings
from handlers.slack.pacing import GatedRateLimitRetryHandler, RateLimitGate


def web_client(
    settings: Settings,
    token: str | None = None,
    *,
    rate_limit_retries: int = 3,
    gate: RateLimitGate | None = None,
) -> WebClient:
    """A WebClient on SLACK_API_URL that retries 429 (after Retry-After) and connection errors. With a
    `gate`, a 429 makes every thread using that gate wait, not only the one refused."""
    rate_limited = (
        RateLimitErrorRetryHandler(max_retry_count=rate_limit_retries)
        if gate is None
        else GatedRateLimitRetryHandler(gate, max_retry_count=rate_limit_retries)
    )
    handlers = [
        ConnectionErrorRetryHandler(max_retry_count=2),
        rate_limited,
        ServerErrorRetryHandler(max_retry_count=2),
    ]
    return WebClient(token=token, base_url=settings.SLACK_API_URL, retry_handlers=handlers)
