"""Every session-state key the app uses, and the only code that reads or writes them.

Pages never touch `st.session_state` or `st.query_params` directly, so a key cannot be
misspelt in one page or silently shared by two.
"""

from __future__ import annotations

import time

import streamlit as st

from simulator import i18n
from simulator.i18n import N_
from simulator.voice.live import LINES, VoiceLine

DEFAULT_TRAINEE = "trainee"
USER_ID = "signed_in_user_id"
SIGNED_IN_AT = "signed_in_at"
LAST_SEEN = "signed_in_last_seen"
SIGN_OUT_REASON = "sign_out_reason"

# Widget and value keys (st.session_state).
TRAINEE = "trainee_name"
SESSION_ID = "current_session_id"
SCENARIO_CHOICE = "practice_scenario_choice"
HISTORY_TRAINEE = "history_trainee_filter"
HISTORY_SESSION = "history_selected_session"
REVIEW_RUBRIC = "review_rubric_choice"
REVIEW_ONLY_FLAGGED = "review_only_flagged"
REVIEW_UNLABELLED_ONLY = "review_unlabelled_only"
REVIEW_TURN = "review_selected_turn"
REVIEW_NOTE = "review_note"
REVIEW_SAVED = "review_last_saved_turn"
PAUSED = "practice_paused_session"
LIBRARY_KIND = "library_kind"
LIBRARY_SEARCH = "library_search"
LIBRARY_SHOW_ARCHIVED = "library_show_archived"
LIBRARY_CHOICE = "library_choice"
LIBRARY_UPLOAD = "library_upload"
EDIT_KIND = "editor_kind"
EDIT_YAML = "editor_yaml"  # the document being edited: the one source of truth
EDIT_BASE = "editor_base"  # (label, yaml) of the stored version it started from
EDIT_TEXT = "editor_text_widget"
EDIT_PENDING = "editor_text_pending"  # a new text for the widget, applied before it is drawn
EDIT_NOTE = "editor_note"
EDIT_BRIEF = "editor_brief"
EDIT_MESSAGE = "editor_message"
ASSIGN_FORM = "assign_form"
ASSIGN_KIND = "assign_kind"
TEAM_CHOICE = "team_choice"
DASHBOARD_INCLUDE_PRACTICE = "dashboard_include_practice"
DASHBOARD_TEAM = "dashboard_team"
DASHBOARD_SCENARIO = "dashboard_scenario"
DASHBOARD_GROUP_BY = "dashboard_group_by"
DASHBOARD_PERSON = "dashboard_person"
TEAM_FORM = "team_form"
EMAIL_FORM = "practice_email_form"
UNSENT = "practice_unsent_reply"  # a reply the database could not take: kept to send again
SPOKEN = "practice_spoken_reply"  # (session, recording id, SpokenReply): heard, not sent yet
SPOKEN_FORM = "practice_spoken_form"
SAID_ALOUD = "practice_said_aloud"  # customer messages drawn: when first (time.monotonic())
#: How long reruns after a customer message still count as its arrival.
ARRIVAL_SECONDS = 10.0
VOICE_LINE = "practice_voice_line"  # this tab's token of the customer's live voice
ACCOUNT_LANGUAGE = "account_language"

# The URL keeps the running session so that a browser reload continues it.
QUERY_SESSION = "session"


def init() -> None:
    """Defaults for keys that widgets read their first value from."""
    st.session_state.setdefault(REVIEW_UNLABELLED_ONLY, True)


def trainee() -> str:
    """The signed-in user's name: what sessions, labels and saves are stored under."""
    user = st.session_state.get(CURRENT_USER)
    return user.username if user is not None else DEFAULT_TRAINEE


CURRENT_USER = "current_user"  # the User of this run, loaded fresh from the database


def default_language() -> str:
    """The configured interface language (EMPATHY_SIM_LANGUAGE): for the sign-in page and
    for accounts created from now on. English when the settings cannot be read (the page
    says so)."""
    from simulator.config import load_settings

    try:
        return load_settings().language
    except ValueError:
        return i18n.DEFAULT_LANGUAGE


def language() -> str:
    """The interface language of this run: the signed-in user's, else the configured default."""
    user = st.session_state.get(CURRENT_USER)
    return i18n.normalise(user.language) if user is not None else default_language()


SSO = "signed_in_with_sso"


def sso_configured() -> bool:
    """True when `.streamlit/secrets.toml` has an [auth] section for st.login (OIDC)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: local accounts only
        return False


def chosen_language() -> str | None:
    """The Account page's language picker (read in its on_change callback)."""
    return st.session_state.get(ACCOUNT_LANGUAGE)


def sign_in(user, via_sso: bool = False) -> None:
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc)
    st.session_state[SSO] = via_sso
    st.session_state[USER_ID] = user.id
    st.session_state[SIGNED_IN_AT] = now
    st.session_state[LAST_SEEN] = now
    st.session_state[CURRENT_USER] = user


def sign_out(reason: str | None = None, **params) -> None:
    """`reason`: an English msgid (marked with N_) with `{placeholders}` filled from
    `params`; the sign-in page shows it in its own language."""
    via_sso = st.session_state.get(SSO)
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if reason:
        st.session_state[SIGN_OUT_REASON] = (reason, params)
    st.query_params.clear()
    if via_sso:
        st.logout()  # also ends the identity cookie (and the provider session, where it offers that)


def take_sign_out_reason() -> str | None:
    """Why the last user was signed out, in the language of the sign-in page (once)."""
    reason = st.session_state.pop(SIGN_OUT_REASON, None)
    if reason is None:
        return None
    msgid, params = reason
    text = i18n.translate(msgid, language())
    return text.format(**params) if params else text


def remember_session_from_url() -> None:
    """Before sign-in: keep the URL's session id, so a reload that asks to sign in again
    still continues that session afterwards (the sign-in page drops query params)."""
    from_url = st.query_params.get(QUERY_SESSION)
    if from_url:
        st.session_state[SESSION_ID] = from_url


def current_user(db):
    """The signed-in user, checked on the server on every run: the account must still
    exist (roles are read fresh) and the sign-in must not have expired."""
    from datetime import datetime, timezone

    from simulator import accounts

    user_id = st.session_state.get(USER_ID)
    if user_id is None and sso_configured() and st.user.get("is_logged_in"):
        # Signed in with the organisation's identity provider: use the matching account.
        user = accounts.user_for_identity(db, st.user.get("email"))
        if user is None:
            st.session_state[SIGN_OUT_REASON] = (
                N_("The identity {email} has no account here yet. Ask an admin to create the "
                   "user with that e-mail address as its name."), {"email": st.user.get("email")})
            return None
        sign_in(user, via_sso=True)
        user_id = user.id
    if user_id is None:
        st.session_state.pop(CURRENT_USER, None)
        return None
    now = datetime.now(timezone.utc)
    if accounts.expired(st.session_state[SIGNED_IN_AT], st.session_state[LAST_SEEN], now):
        sign_out(N_("Your sign-in expired. Sign in again; nothing you typed was lost."))
        return None
    user = accounts.get_user(db, user_id)
    if user is None:
        sign_out(N_("This account no longer exists."))
        return None
    st.session_state[LAST_SEEN] = now
    st.session_state[CURRENT_USER] = user
    return user


def session_id() -> str | None:
    """The session on the practice page: this browser session's, else the URL's (a reload)."""
    current = st.session_state.get(SESSION_ID)
    if current:
        return current
    from_url = st.query_params.get(QUERY_SESSION)
    if from_url:
        st.session_state[SESSION_ID] = from_url
    return from_url or None


def set_session_id(value: str) -> None:
    st.session_state[SESSION_ID] = value
    st.query_params[QUERY_SESSION] = value


def keep_session_in_url() -> None:
    """Put the current session back into the URL (switching pages drops query params)."""
    current = st.session_state.get(SESSION_ID)
    if current and st.query_params.get(QUERY_SESSION) != current:
        st.query_params[QUERY_SESSION] = current


def clear_session() -> None:
    st.session_state.pop(SESSION_ID, None)
    if QUERY_SESSION in st.query_params:
        del st.query_params[QUERY_SESSION]


# -- review page ----------------------------------------------------------------------


def review_level_key(turn_id: int, criterion: str) -> str:
    """One input per reply and criterion, so opening another reply starts with empty inputs."""
    return f"review_level:{turn_id}:{criterion}"


def review_note_key(turn_id: int) -> str:
    return f"{REVIEW_NOTE}:{turn_id}"


def saved_review() -> int | None:
    """The reply whose labels were just saved (shown once after the save)."""
    return st.session_state.get(REVIEW_SAVED)


def set_saved_review(turn_id: int | None) -> None:
    if turn_id is None:
        st.session_state.pop(REVIEW_SAVED, None)
    else:
        st.session_state[REVIEW_SAVED] = turn_id


def mark_paused(session: str) -> None:
    """Remember a paused session for one message on the next run."""
    st.session_state[PAUSED] = session


def take_paused() -> str | None:
    return st.session_state.pop(PAUSED, None)


def keep_unsent(session: str, reply: str, error: str) -> None:
    """A reply that could not be stored stays in the browser session, to be sent again."""
    st.session_state[UNSENT] = (session, reply, error)


def unsent(session: str) -> tuple[str, str] | None:
    """(reply, why it was not stored) for this session, if one is waiting."""
    kept = st.session_state.get(UNSENT)
    return (kept[1], kept[2]) if kept and kept[0] == session else None


def clear_unsent() -> None:
    st.session_state.pop(UNSENT, None)


def recording_key(session: str, turns: int) -> str:
    """A fresh recorder for every turn, so a sent recording is not offered again."""
    return f"practice_recording_{session}_{turns}"


def keep_spoken(session: str, recording_id: str, spoken) -> None:
    st.session_state[SPOKEN] = (session, recording_id, spoken)


def spoken(session: str, recording_id: str | None = None):
    """The heard reply of this session (and of this recording, if given), if one waits."""
    kept = st.session_state.get(SPOKEN)
    if not kept or kept[0] != session or (recording_id is not None and kept[1] != recording_id):
        return None
    return kept[2]


def clear_spoken() -> None:
    st.session_state.pop(SPOKEN, None)


def voice_line() -> VoiceLine:
    """This tab's line for the customer's live voice (a new one if it was dropped)."""
    line = LINES.open(st.session_state.get(VOICE_LINE))
    st.session_state[VOICE_LINE] = line.token
    return line


def arriving(turn_id: int) -> bool:
    """True while a customer message is arriving: the first run that draws it, and the
    reruns of the next few seconds (a verdict landing redraws the page). So it plays by
    itself when it arrives, and a later rerun leaves it to be played again by hand."""
    first_seen = st.session_state.setdefault(SAID_ALOUD, {}).setdefault(turn_id, time.monotonic())
    return time.monotonic() - first_seen < ARRIVAL_SECONDS


def open_in_editor(kind: str, yaml_text: str, base: tuple[str, str] | None) -> None:
    """Put a document into the editor (the editor page reads it on its next run)."""
    st.session_state[EDIT_KIND] = kind
    st.session_state[EDIT_YAML] = yaml_text
    st.session_state[EDIT_PENDING] = yaml_text
    st.session_state[EDIT_BASE] = base


def editor_document() -> tuple[str, str, tuple[str, str] | None]:
    """(kind, yaml text, base) of the document in the editor; an empty scenario at first.
    Call before the YAML text area is drawn: a widget's value can only be set before."""
    if EDIT_PENDING in st.session_state:
        st.session_state[EDIT_TEXT] = st.session_state.pop(EDIT_PENDING)
    return (st.session_state.get(EDIT_KIND, "scenario"), st.session_state.get(EDIT_YAML, ""),
            st.session_state.get(EDIT_BASE))


def set_editor_yaml(yaml_text: str) -> None:
    st.session_state[EDIT_YAML] = yaml_text
    st.session_state[EDIT_PENDING] = yaml_text


def take_editor_text() -> None:
    """on_change of the YAML text area: the typed text becomes the document."""
    st.session_state[EDIT_YAML] = st.session_state.get(EDIT_TEXT, "")


def flash(message: str) -> None:
    st.session_state[EDIT_MESSAGE] = message


def take_flash() -> str | None:
    return st.session_state.pop(EDIT_MESSAGE, None)
