"""The consent wording a person agrees to when they join, built once for every way of joining."""

from __future__ import annotations

from bot.messages.text import Text, hint, markdown, text


def join_consent(handle: str, min_group: int) -> Text:
    """What joining means, shown to the person and stored, word for word, as their consent."""
    return text(
        "By typing ",
        hint(f"join @{handle}"),
        f" you agree that Plume reads the public posts and public metrics of @{handle} on X. Your "
        "figures (volume, work-hours share, bursts, engagement, followers, topics) are computed against "
        "your own hours and shown only to you. The program digest shows totals only, withheld below "
        f"{min_group} active people, and may highlight your best posts (",
        hint("highlights off"),
        " to opt out). Leave any time with ",
        hint("leave"),
        " (your data is deleted); ",
        hint("export"),
        " gives you everything we hold.",
    )


def invitation_consent(handle: str, min_group: int) -> Text:
    """The consent of someone who accepted an admin's invitation: the same terms, and how they came."""
    return text("Accepted an invitation. ", join_consent(handle, min_group))


def stored_consent(consent: Text, command_prefix: str) -> str:
    """The wording as the person read it on their platform (hints with that platform's prefix)."""
    return markdown(consent, command_prefix)
