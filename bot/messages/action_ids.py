"""Every button's id, in the core: message builders set them and every platform's listeners route by
them, so a typo fails at import rather than in production."""

from enum import StrEnum


class ActionId(StrEnum):
    """Buttons."""

    LEAVE_CONFIRM = "leave_confirm"
    FORGET_CONFIRM = "forget_confirm"
    CANCEL = "cancel"
    INVITE_ACCEPT = "invite_accept"
    INVITE_DECLINE = "invite_decline"
    HOME_NUDGES_ON = "home_nudges_on"
    HOME_NUDGES_OFF = "home_nudges_off"
    HOME_SNOOZE_WEEK = "home_snooze_week"
    NUDGE_THANKS = "nudge_thanks"
    NUDGE_SNOOZE_WEEK = "nudge_snooze_week"
    NUDGE_NOT_USEFUL = "nudge_not_useful"
    NUDGE_TURN_OFF = "nudge_turn_off"
    X_CONNECT = "x_connect"  # a link button to Plume's Sign in with X page
