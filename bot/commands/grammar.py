"""The Plume command grammar: what a person typed -> one frozen Command, or a CommandError.

Pure and platform-neutral (no I/O, no storage, no permissions). It reads neutral tokens
(`bot.commands.tokens`): each platform's listener turns its own syntax for people and channels into
references first. Usage lines and suggestions are command hints (`bot.messages.text.Hint`), which each
platform renders its own way (`/plume me` on Slack, `me` on Teams). Whatever comes in, the result is a
Command or a CommandError whose text echoes at most 40 inert characters of the input.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from functools import partial

from bot.commands.parsed import (
    AdminChannel,
    AdminDigestPreview,
    AdminInvite,
    AdminSettings,
    AdminStatus,
    Command,
    Export,
    Forget,
    Help,
    Highlights,
    Hours,
    Join,
    Leave,
    Me,
    Nudges,
    Recap,
    Topics,
)
from bot.commands.settings_specs import ADMIN_SETTINGS, canonical_zone, zone_map
from bot.commands.tokens import ChannelRef, Token, UserRef, shown
from bot.errors import InvalidInput
from bot.messages.text import (
    SLASH_PREFIX,
    Code,
    Hint,
    LinkRun,
    Plain,
    Text,
    as_text,
    code,
    hint,
    markdown,
    text,
)
from bot.metrics.weeks import parse_week, week_label
from bot.schedule import parse_days, parse_hours, parse_topics
from bot.services.people.ambassadors import normalize_handle

MAX_TEXT = 2000  # the longest valid command (20 topics of 50 characters) is about 1,050 characters
MAX_TOPIC_LENGTH = 50
MAX_TOPICS_PER_COMMAND = 20
MAX_SNOOZE_DAYS = 90
ECHO_LIMIT = 40


# Usage lines keyed by command path, as commands without a platform's prefix (rendered as hints);
# every CommandError.usage is one of these values.
_USAGE: dict[str, str] = {
    "help": "help",
    "join": "join @handle",
    "leave": "leave",
    "me": "me [YYYY-Www]",
    "hours": "hours HH:MM-HH:MM [days] [Area/City]",
    "nudges": "nudges on|off|log",
    "nudges snooze": "nudges snooze Nd|Nw",
    "topics": "topics add|remove topic[, topic…]",
    "topics list": "topics list",
    "export": "export",
    "forget": "forget",
    "highlights": "highlights on|off",
    "recap": "recap on|off",
    "admin channel": "admin channel #channel",
    "admin invite": "admin invite @user @handle",
    "admin status": "admin status",
    "admin settings": "admin settings [KEY VALUE]",
    "admin digest preview": "admin digest preview",
}

# (command, what it does): the help's lines, in order; HELP_LINES pairs each with its usage line.
_HELP: tuple[tuple[str, str], ...] = (
    ("help", "Show these commands."),
    ("join", "Join the program with your X handle; Plume reads its public posts and metrics."),
    ("leave", "Leave the program; your data is deleted."),
    ("me", "Your own figures, visible only to you, optionally for one ISO week."),
    ("hours", "Set your work hours, and optionally your work days and timezone."),
    ("nudges", "Turn work-hours nudges on or off, or see the ones you were sent."),
    ("nudges snooze", f"Pause nudges for 1 to {MAX_SNOOZE_DAYS} days, e.g. 7d or 2w."),
    (
        "topics",
        f"Declare or drop topics you post about, comma-separated (up to {MAX_TOPICS_PER_COMMAND}).",
    ),
    ("topics list", "Show your declared topics."),
    ("export", "Get everything Plume holds about you as a file."),
    ("forget", "Erase everything Plume holds about you."),
    ("highlights", "Allow or stop your best posts appearing in the weekly digest."),
    ("recap", "Turn your private weekly recap on or off."),
    ("admin channel", "Admins only: choose the channel for the weekly digest."),
    ("admin invite", "Admins only: invite a colleague to join with their X handle."),
    ("admin status", "Admins only: see how the program is doing."),
    ("admin settings", "Admins only: list the workspace settings, or change one."),
    ("admin digest preview", "Admins only: preview the weekly digest privately."),
)
HELP_LINES: tuple[tuple[str, str], ...] = tuple((_USAGE[key], description) for key, description in _HELP)


def help_lines(changes: Sequence[tuple[str, str, str]] = ()) -> tuple[tuple[str, str], ...]:
    """HELP_LINES, with a platform's own (command, usage, description) for the commands it says
    differently (Teams: `admin channel` is typed in the channel itself)."""
    own = {key: (usage, description) for key, usage, description in changes}
    return tuple(own.get(key, (_USAGE[key], description)) for key, description in _HELP)


class CommandError(InvalidInput):
    """A command that does not parse: a short, inert message and the closest valid usage line (a
    command, shown as a hint)."""

    def __init__(self, message: str | Text, usage: str = _USAGE["help"]) -> None:
        """Keep message and usage apart for renderers; `text` gives both, usage on its own line."""
        # Echoes are already made inert where they are built; this pass guards against a future slip.
        self.message_text = _inert_text(as_text(message))
        self.usage = _inert(usage)
        super().__init__(text(self.message_text, "\nTry: ", hint(self.usage)))

    @property
    def message(self) -> str:
        """The message in the default rendering (hints as `/plume …`)."""
        return markdown(self.message_text)


def help_text(prefix: str = SLASH_PREFIX) -> str:
    """Every command and what it does, one per line, as plain text."""
    return "\n".join(f"{prefix}{usage} — {description}" for usage, description in HELP_LINES)


# --- making echoed text harmless -------------------------------------------------------------------

# Mention and markup characters become lookalikes, so an echo can never ping, link or break a code span.
_ECHO_LOOKALIKES = str.maketrans({"<": "‹", ">": "›", "&": "＆", "`": "'", "@": "＠"})
_INERT_LOOKALIKES = str.maketrans({"<": "‹", ">": "›", "&": "＆"})


def _inert(value: str) -> str:
    """Text without control, format or unassigned characters, and with `<`, `>`, `&` swapped out."""
    return "".join(ch for ch in value if unicodedata.category(ch)[0] != "C").translate(_INERT_LOOKALIKES)


def _inert_text(value: Text) -> Text:
    """Every run of a message made inert (a link or mention never comes from what was typed)."""
    runs = []
    for run in value.runs:
        if isinstance(run, Plain | Code):
            runs.append(type(run)(_inert(run.text)))
        elif isinstance(run, Hint):
            runs.append(Hint(_inert(run.command), run.code))
        elif not isinstance(run, LinkRun):
            runs.append(run)
    return Text(tuple(runs))


def _quoted_as_code(message: str) -> Text:
    """`Hours '25:00' are…` -> the quoted part as a code span (schedule errors quote their value)."""
    parts = message.split("'")
    return text(*(code(part) if i % 2 else part for i, part in enumerate(parts)))


def _echo(typed: Token, limit: int = ECHO_LIMIT) -> str:
    """At most `limit` characters of what the person typed, made inert for any chat renderer."""
    clean = _inert(" ".join(shown(typed).split())).translate(_ECHO_LOOKALIKES)
    if not clean:
        return "…"
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


# --- entry point ---------------------------------------------------------------------------------

def parse_command(tokens: Sequence[Token] | str) -> Command:
    """Parse a command from neutral tokens (a plain string is split into words); anything that is
    not a command raises CommandError."""
    if isinstance(tokens, str):
        tokens = tokens.split()
    if not isinstance(tokens, list | tuple) or not all(isinstance(t, Token) for t in tokens):
        raise CommandError("I could not read that command.")
    words = [t for t in tokens if not isinstance(t, str) or t.split()]
    if sum(len(shown(t)) + 1 for t in words) - 1 > MAX_TEXT:
        raise CommandError(f"That is too long for a command (at most {MAX_TEXT} characters).")
    if words and isinstance(words[0], str) and words[0].casefold() == "/plume":
        words = words[1:]
    if not words:
        return Help()
    handler = _VERBS.get(words[0].casefold()) if isinstance(words[0], str) else None
    if handler is None:
        raise _unknown(words[0], words[1:], (), _TOP_CHOICES, "a Plume command")
    return handler(words[1:])


def _plain_words(args: Sequence[Token]) -> list[str] | None:
    """The words, or None when a person or channel reference is among them."""
    return None if any(not isinstance(a, str) for a in args) else list(args)


def _parses(command: str) -> bool:
    """Whether a corrected command would parse (used to decide how much to suggest)."""
    try:
        parse_command(command)
    except CommandError:
        return False
    return True


def _usage_for(path: str) -> str:
    """The usage line of a command path, or of the first command under it, or help."""
    if path in _USAGE:
        return _USAGE[path]
    under = [usage for key, usage in _USAGE.items() if key.startswith(path + " ")]
    above = [key for key in _USAGE if path.startswith(key + " ")]
    if path and under:
        return under[0]
    if above:
        return _USAGE[max(above, key=len)]
    return _USAGE["help"]


_WORD = re.compile(r"[a-z][a-z0-9_-]{0,29}")


def _closest(word: Token, choices: Mapping[str, object]) -> list[str]:
    """The closest choice to a mistyped word, if any; `<!channel>` or a 30-letter blob is nobody's typo."""
    if not isinstance(word, str):
        return []
    typed = word.casefold()
    return difflib.get_close_matches(typed, list(choices), n=1) if _WORD.fullmatch(typed) else []


def _unknown(
    word: Token, rest: Sequence[Token], path: tuple[str, ...], choices: Mapping[str, str], what: str
) -> CommandError:
    """An error for a word that is not valid here, suggesting the closest one when there is one."""
    close = _closest(word, choices)
    if not close:
        return CommandError(text(code(_echo(word, 30)), f" is not {what}."), _usage_for(" ".join(path)))
    fixed = " ".join([*path, choices[close[0]]])
    echoed = _echo(word, 20)
    example = _example(fixed, rest, ECHO_LIMIT - len(echoed))
    message = text(code(echoed), f" is not {what}. Did you mean ", hint(example), "?")
    # The words after the typo often name the sub-command (`admn settings …`): use them for the usage.
    usage = _usage_for(" ".join([fixed, *(shown(w).casefold() for w in rest[:2])]))
    return CommandError(message, _usage_for(fixed) if usage == _USAGE["help"] else usage)


def _example(fixed: str, rest: Sequence[Token], budget: int) -> str:
    """The corrected command to suggest: with the rest of the line when that works, else its keywords."""
    # A picked person or channel cannot be typed back as a word: then only the keywords are suggested.
    tail = " ".join(rest) if _plain_words(rest) is not None else ""
    # The rest is repeated only within the echo budget, when it can be pasted back exactly (nothing was
    # neutralized) and makes the corrected command work.
    if tail and len(tail) <= budget and _echo(tail) == tail and _parses(f"{fixed} {tail}"):
        return f"{fixed} {tail}"
    for size in (2, 1):
        longer = " ".join([fixed, *(shown(w).casefold() for w in rest[:size])])
        if len(rest) >= size and any(key == longer or key.startswith(longer + " ") for key in _USAGE):
            return longer
    return fixed


def _no_args(command: Command, key: str, args: Sequence[Token]) -> Command:
    """A command that takes nothing after it; extra words are refused (leave and forget are final)."""
    if args:
        raise CommandError(text(hint(key), " takes nothing after it."), _USAGE[key])
    return command


# --- people's commands ---------------------------------------------------------------------------


def _help(args: Sequence[Token]) -> Help:
    """Help ignores anything after it: asking for help should never fail."""
    return Help()


def _handle(token: Token, key: str) -> str:
    """An X handle without its @, or a CommandError in the words of `key`'s usage."""
    try:
        if not isinstance(token, str):
            raise InvalidInput(shown(token))
        return normalize_handle(token)
    except InvalidInput:
        message = text(code(_echo(token, 30)), " is not an X handle (1-15 letters, digits or _).")
        raise CommandError(message, _USAGE[key]) from None


def _join(args: Sequence[Token]) -> Join:
    """`join @handle`."""
    if len(args) != 1:
        raise CommandError(text("Give your X handle, like ", hint("join @your_handle"), "."), _USAGE["join"])
    return Join(_handle(args[0], "join"))


def _me(args: Sequence[Token]) -> Me:
    """`me [YYYY-Www]`, keeping the week's canonical label."""
    if not args:
        return Me()
    if len(args) > 1:
        raise CommandError(text("Give at most one week, like ", code("2026-W46"), "."), _USAGE["me"])
    token = args[0]
    try:
        if not isinstance(token, str) or not token.isascii():  # Unicode digits parse, nobody means them
            raise InvalidInput(shown(token))
        return Me(week_label(parse_week(token)))
    except (InvalidInput, ValueError):  # ValueError: a year pandas cannot hold
        message = text(code(_echo(token)), " is not an ISO week like 2026-W46.")
        raise CommandError(message, _USAGE["me"]) from None


_HOURS_LEAD = re.compile(r"([0-9]{1,2}:[0-9]{2}) ?- ?([0-9]{1,2}:[0-9]{2})(?: (.+))?")


def _hours(args: Sequence[Token]) -> Hours:
    """`hours HH:MM-HH:MM` then optional days and timezone in any order."""
    words = _plain_words(args)
    rest = " ".join(words or ()).replace("–", "-").replace("—", "-")  # dashes from autocorrect
    match = _HOURS_LEAD.fullmatch(rest) if words is not None else None
    if not match:
        message = text("Give your hours like ", code("09:00-18:00"), ", then days and timezone if needed.")
        raise CommandError(message, _USAGE["hours"])
    try:
        start, end = parse_hours(f"{match[1]}-{match[2]}")
    except InvalidInput as exc:  # its message quotes only the 11 characters matched above
        raise CommandError(_quoted_as_code(_echo(str(exc), 80)), _USAGE["hours"]) from None
    days, tz = _days_and_zone((match[3] or "").split())
    return Hours(start, end, days, tz)


def _days_and_zone(tokens: Sequence[str]) -> tuple[tuple[int, ...] | None, str | None]:
    """Split what follows the hours into work days and one timezone (anything with a `/` is a zone)."""
    zones = [t for t in tokens if "/" in t or t.casefold() in zone_map()]
    day_words = [t for t in tokens if t not in zones]
    if len(zones) > 1:
        raise CommandError(text("Give one timezone, like ", code("Europe/Paris"), "."), _USAGE["hours"])
    tz = None
    if zones:
        try:
            tz = canonical_zone(zones[0])
        except InvalidInput:
            message = text(code(_echo(zones[0])), " is not a timezone like Europe/Paris.")
            raise CommandError(message, _USAGE["hours"]) from None
    return (_days(" ".join(day_words)) if day_words else None), tz


def _days(days_text: str) -> tuple[int, ...]:
    """Work days written `mon-fri`, `mon, wed, fri`, `mon wed fri` or `sun - thu`."""
    compact = re.sub(r"[ ,]+", ",", re.sub(r" ?- ?", "-", days_text)).strip(",")
    try:
        return parse_days(compact)
    except InvalidInput:
        message = text(code(_echo(days_text)), " are not days like mon-fri or mon,wed,fri.")
        raise CommandError(message, _USAGE["hours"]) from None


_SNOOZE = re.compile(r"([0-9]{1,3})(d|days?|w|weeks?)?")


def _nudges(args: Sequence[Token]) -> Nudges:
    """`nudges on|off|log` or `nudges snooze Nd|Nw`."""
    if not args:
        options = (code("on"), ", ", code("off"), ", ", code("log"), " or ", code("snooze 7d"))
        message = text("Say ", *options, ".")
        raise CommandError(message, _USAGE["nudges"])
    action = shown(args[0]).casefold()
    if action in ("on", "off", "log") and isinstance(args[0], str):
        if len(args) > 1:
            message = text(hint(f"nudges {action}"), " takes nothing after it.")
            raise CommandError(message, _USAGE["nudges"])
        return Nudges(action)
    if action == "snooze" and isinstance(args[0], str):
        return Nudges("snooze", _snooze_days(args[1:]))
    choices = {word: word for word in ("on", "off", "log", "snooze")}
    raise _unknown(args[0], args[1:], ("nudges",), choices, "a nudges option")


def _snooze_days(args: Sequence[Token]) -> int:
    """`7d`, `7`, `7 days`, `2w` -> days, within 1 to 90."""
    typed = "".join(shown(a) for a in args).casefold()
    match = _SNOOZE.fullmatch(typed) if _plain_words(args) is not None else None
    if not match:
        message = text("Snooze for some days or weeks, like ", code("7d"), " or ", code("2w"), ".")
        raise CommandError(message, _USAGE["nudges snooze"])
    days = int(match[1]) * (7 if (match[2] or "d").startswith("w") else 1)
    if not 1 <= days <= MAX_SNOOZE_DAYS:
        message = text(f"Snooze for 1 to {MAX_SNOOZE_DAYS} days; ", code(_echo(typed)), f" is {days} days.")
        raise CommandError(message, _USAGE["nudges snooze"])
    return days


def _topics(args: Sequence[Token]) -> Topics:
    """`topics add|remove T[, T…]`, `topics list`, and bare `topics` as list."""
    action = shown(args[0]).casefold() if args else "list"
    if action == "list":
        if args[1:]:
            message = text(hint("topics list"), " takes nothing after it.")
            raise CommandError(message, _USAGE["topics list"])
        return Topics("list")
    if action in ("add", "remove"):
        words = _plain_words(args[1:])
        if words is None:
            raise CommandError("Topics cannot contain mentions, links or angle brackets.", _USAGE["topics"])
        return Topics(action, _topic_list(" ".join(words)))
    choices = {word: word for word in ("add", "remove", "list")}
    raise _unknown(args[0], args[1:], ("topics",), choices, "a topics option")


# Bidirectional controls can make a stored topic display as something else (Trojan Source).
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _topic_list(typed: str) -> tuple[str, ...]:
    """Comma-separated topics, each at most 50 characters, at most 20, free of markup and controls."""
    if "<" in typed or ">" in typed:
        raise CommandError("Topics cannot contain mentions, links or angle brackets.", _USAGE["topics"])
    if any(ch in _BIDI or unicodedata.category(ch) in ("Cc", "Cs") for ch in typed):
        raise CommandError("Topics cannot contain control characters.", _USAGE["topics"])
    topics = parse_topics(typed)
    if not topics:
        message = text("Name at least one topic, like ", code("b2b, #marketing"), ".")
        raise CommandError(message, _USAGE["topics"])
    if len(topics) > MAX_TOPICS_PER_COMMAND:
        message = f"At most {MAX_TOPICS_PER_COMMAND} topics at a time; that was {len(topics)}."
        raise CommandError(message, _USAGE["topics"])
    for topic in topics:
        if len(topic) > MAX_TOPIC_LENGTH:
            message = text(code(_echo(topic, 30)), f" is longer than {MAX_TOPIC_LENGTH} characters.")
            raise CommandError(message, _USAGE["topics"])
    return topics


def _switch(make: Callable[[bool], Command], key: str, args: Sequence[Token]) -> Command:
    """`highlights on|off` and `recap on|off`."""
    if len(args) == 1 and isinstance(args[0], str) and args[0].casefold() in ("on", "off"):
        return make(args[0].casefold() == "on")
    if len(args) == 1:
        raise _unknown(args[0], (), (key,), {"on": "on", "off": "off"}, f"a {key} option")
    raise CommandError(text("Say ", code("on"), " or ", code("off"), "."), _USAGE[key])


# --- admin commands ------------------------------------------------------------------------------

_CHANNEL_NAME = re.compile(r"[\w-]{1,80}")


def _admin(args: Sequence[Token]) -> Command:
    """`admin channel|invite|status|settings|digest …` (who may run them is decided elsewhere)."""
    if not args:
        names = ("status", "channel", "invite", "settings")
        listed = [part for name in names for part in (code(name), ", ")][:-1]
        message = text("Which admin command: ", *listed, " or ", code("digest preview"), "?")
        raise CommandError(message, _USAGE["admin status"])
    handler = _ADMIN.get(args[0].casefold()) if isinstance(args[0], str) else None
    if handler is None:
        raise _unknown(args[0], args[1:], ("admin",), {w: w for w in _ADMIN}, "an admin command")
    return handler(args[1:])


def _admin_channel(args: Sequence[Token]) -> AdminChannel:
    """`admin channel #name`, or a channel picked with the platform's reference (id and name)."""
    usage = _USAGE["admin channel"]
    if len(args) != 1:
        raise CommandError(text("Name one channel, like ", code("#plume-digest"), "."), usage)
    token = args[0]
    picked = token if isinstance(token, ChannelRef) else None
    typed = token if isinstance(token, str) else ""
    name = picked.name if picked else typed.removeprefix("#") if typed.startswith("#") else None
    if name and not _CHANNEL_NAME.fullmatch(name):
        raise CommandError(text(code(_echo(name)), " is not a channel name."), usage)
    if picked:
        return AdminChannel(picked.channel_id, name or None)
    if name:
        return AdminChannel(None, name)
    raise CommandError(text(code(_echo(token)), " is not a channel; pick one with ", code("#"), "."), usage)


def _admin_invite(args: Sequence[Token]) -> AdminInvite:
    """`admin invite @user @handle`; the two may come in either order, they cannot be confused."""
    usage = _USAGE["admin invite"]
    if len(args) != 2:
        raise CommandError("Mention the person, then give their X handle.", usage)
    users = [isinstance(token, UserRef) for token in args]
    if users[0] and not users[1]:
        return AdminInvite(args[0].user_id, _handle(args[1], "admin invite"))
    if users[1] and not users[0]:
        return AdminInvite(args[1].user_id, _handle(args[0], "admin invite"))
    raise CommandError("Mention one person (pick them with @) and give their X handle.", usage)


def _admin_digest(args: Sequence[Token]) -> AdminDigestPreview:
    """`admin digest preview`."""
    usage = _USAGE["admin digest preview"]
    if not args:
        raise CommandError(text("Say ", hint(usage), "."), usage)
    if shown(args[0]).casefold() != "preview" or not isinstance(args[0], str):
        raise _unknown(args[0], args[1:], ("admin", "digest"), {"preview": "preview"}, "a digest option")
    if args[1:]:
        raise CommandError(text(hint(usage), " takes nothing after it."), usage)
    return AdminDigestPreview()


def _admin_settings(args: Sequence[Token]) -> AdminSettings:
    """`admin settings` lists; `admin settings KEY VALUE` changes one, parsed and range-checked."""
    usage = _USAGE["admin settings"]
    if not args:
        return AdminSettings()
    key = shown(args[0]).casefold().replace("-", "_")
    spec = ADMIN_SETTINGS.get(key) if isinstance(args[0], str) else None
    if spec is None:
        raise _unknown_setting(args[0])
    if len(args) != 2:
        raise CommandError(text("Give ", code(key), f" one value: {spec.allowed}."), usage)
    try:
        if not isinstance(args[1], str):
            raise InvalidInput(shown(args[1]))
        value = spec.parse(args[1])
    except InvalidInput:
        message = text(code(key), f" must be {spec.allowed}; not ", code(_echo(args[1], 30)), ".")
        raise CommandError(message, usage) from None
    return AdminSettings(key, value)


def _unknown_setting(word: Token) -> CommandError:
    """An error for an unknown setting key that lists the valid ones."""
    close = _closest(word, ADMIN_SETTINGS)
    suggestion = text(" Did you mean ", code(close[0]), "?") if close else text()
    keys = ", ".join(ADMIN_SETTINGS)
    message = text(code(_echo(word, 30)), " is not a setting.", suggestion, f" Settings: {keys}.")
    return CommandError(message, _USAGE["admin settings"])


# --- dispatch ------------------------------------------------------------------------------------

_VERBS: dict[str, Callable[[Sequence[Token]], Command]] = {
    "help": _help,
    "join": _join,
    "leave": partial(_no_args, Leave(), "leave"),
    "me": _me,
    "hours": _hours,
    "nudges": _nudges,
    "topics": _topics,
    "export": partial(_no_args, Export(), "export"),
    "forget": partial(_no_args, Forget(), "forget"),
    "highlights": partial(_switch, Highlights, "highlights"),
    "recap": partial(_switch, Recap, "recap"),
    "admin": _admin,
}

_ADMIN: dict[str, Callable[[Sequence[Token]], Command]] = {
    "channel": _admin_channel,
    "invite": _admin_invite,
    "status": partial(_no_args, AdminStatus(), "admin status"),
    "settings": _admin_settings,
    "digest": _admin_digest,
}

# Typo targets at the top level: the verbs, plus sub-commands people type without their parent.
_TOP_CHOICES: dict[str, str] = {verb: verb for verb in _VERBS} | {
    "nudge": "nudges",
    "snooze": "nudges snooze",
    "topic": "topics",
    "highlight": "highlights",
    "settings": "admin settings",
    "status": "admin status",
    "invite": "admin invite",
    "channel": "admin channel",
    "digest": "admin digest",
    "preview": "admin digest preview",
}
