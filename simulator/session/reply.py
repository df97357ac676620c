"""The trainee's reply before it is stored: cleaned of invisible characters, limited in
length, and the errors a page shows when a reply is not taken (nothing typed is lost)."""

from __future__ import annotations

import unicodedata

from simulator.i18n import N_, Translatable


MAX_REPLY_CHARS = 4000


#: The same text sent again this soon after is a double submit (two clicks, two tabs).
DUPLICATE_SECONDS = 30


class ReplyRejected(Translatable, ValueError):
    """The reply cannot be accepted as it is; the message says why (`exc.translated(language)`
    for the interface)."""


class SessionClosed(Translatable, ValueError):
    """The session has ended; start a new one."""


class DuplicateReply(ReplyRejected):
    """The same reply was just stored: a double submit, which makes no second turn."""


class GradingBusy(ReplyRejected):
    """The reply is being graded right now (in this or another process): its verdict is
    on its way, so it is not graded a second time."""


class TurnBusy(ReplyRejected):
    """Another reply holds this turn (the customer is still answering it, or another tab
    just sent one): this reply was not stored, and may be sent again in a moment."""


# Zero-width (non-)joiners hold emoji sequences (👩‍💻) and some scripts together.
KEEP_INVISIBLE = "\n\t\u200c\u200d"


def _clean_char(ch: str) -> str:
    """What one typed character becomes: spaces of any kind a space, line separators a
    newline, control and formatting characters (bidi overrides among them, which would make
    the transcript show other text than was graded) nothing."""
    if ch in KEEP_INVISIBLE or ch.isprintable():
        return ch
    category = unicodedata.category(ch)
    if category == "Zs":
        return " "
    if category in ("Zl", "Zp"):
        return "\n"
    return ch if category == "Cn" else ""  # Cn: characters newer than this Python's Unicode


def clean_reply(reply: str) -> str:
    text = reply.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(_clean_char(ch) for ch in text).strip()


def check_reply(reply: str) -> str:
    text = clean_reply(reply)
    if not text:
        raise ReplyRejected(N_("Your reply is empty. Write what you would say to the customer."))
    if len(text) > MAX_REPLY_CHARS:
        raise ReplyRejected(N_("Your reply has {length} characters; the limit is {limit}. Shorten it."),
                            length=len(text), limit=MAX_REPLY_CHARS)
    return text
