"""Local accounts: passwords, roles, teams and who may see whose sessions.

Passwords are hashed with Argon2id (memory-hard; argon2-cffi's defaults). A login that
fails five times in a row locks that account for fifteen minutes; the message never says
whether the name or the password was wrong. There is no default password anywhere: the
first person to open a fresh installation creates the admin account.

Roles: a trainee sees their own sessions; a trainer also sees the people in the teams
they train; hr and admin see everyone. The checks live here, in the core, and every page
calls them on the server for every run.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel
from sqlite_utils import Database

from simulator.i18n import LANGUAGES, N_, Translatable
from simulator.store.database import fetch_rows, write_transaction

Role = Literal["trainee", "trainer", "hr", "admin"]
ROLES: tuple[str, ...] = ("trainee", "trainer", "hr", "admin")
MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 10
# E-mail addresses are valid user names, so a single sign-on identity can match one.
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@+-]{1,79}$")

_hasher = PasswordHasher()
# Verified against when the name is unknown, so an unknown name costs the same time as
# a wrong password and response times do not tell which names exist.
_DUMMY_HASH = _hasher.hash("not a real password, only here to spend the same time")


class AccountError(Translatable, ValueError):
    """A request about an account that cannot be done; the message says what to do (in
    English as `str(exc)`, in the interface language via `exc.translated(language)`)."""


class LoginRefused(AccountError):
    """Wrong name or password, or the account is locked for a while."""


class User(BaseModel):
    id: int
    username: str
    display_name: str
    roles: list[str]
    language: str = "en"

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def sees_everyone(self) -> bool:
        return self.has("hr", "admin")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _user(row: dict[str, Any]) -> User:
    return User(id=row["id"], username=row["username"], display_name=row["display_name"] or row["username"],
                roles=json.loads(row["roles"]), language=row["language"] or "en")


def needs_first_admin(db: Database) -> bool:
    """True on a fresh installation: nobody can sign in until an admin is created."""
    return db["users"].count == 0


def check_new_password(password: str, username: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(N_("Use a password of at least {minimum} characters."), minimum=MIN_PASSWORD)
    if password.casefold() == username.casefold():
        raise AccountError(N_("The password must not be the user name."))


def create_user(db: Database, username: str, password: str, roles: list[str], display_name: str = "",
                language: str = "en") -> User:
    """`language`: the interface language of the new account (the configured default in
    the app and the CLI); the person can change it on the Account page."""
    username = username.strip().casefold()
    if not USERNAME.match(username):
        raise AccountError(N_("A user name has 2-80 characters: lower-case letters, digits, dots, dashes, "
                              "underscores, @ or +, starting with a letter or digit (an e-mail address works)."))
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        if unknown:
            raise AccountError(N_("Give at least one role out of {roles}; unknown: {unknown}"),
                               roles=", ".join(ROLES), unknown=", ".join(unknown))
        raise AccountError(N_("Give at least one role out of {roles}."), roles=", ".join(ROLES))
    check_language(language)
    check_new_password(password, username)
    with write_transaction(db):
        if list(db["users"].rows_where("username = ?", [username])):
            raise AccountError(N_("The user name '{username}' is taken; choose another."), username=username)
        user_id = db["users"].insert({
            "username": username, "display_name": display_name.strip() or username,
            "password_hash": _hasher.hash(password), "roles": json.dumps(sorted(set(roles), key=ROLES.index)),
            "language": language, "failed_logins": 0, "locked_until": None,
            "created_at": _now().isoformat(timespec="seconds"),
        }).last_pk
    return get_user(db, user_id)


def create_first_admin(db: Database, username: str, password: str, display_name: str = "",
                       language: str = "en") -> User:
    """Only while there is no account at all; afterwards admins create accounts."""
    if not needs_first_admin(db):
        raise AccountError(N_("An admin account exists already. Sign in instead."))
    return create_user(db, username, password, ["admin"], display_name, language=language)


def user_for_identity(db: Database, email: str | None) -> User | None:
    """The local account for a single sign-on identity: the user whose name is the
    identity's e-mail address. Nobody is created here: an admin decides who gets which
    role, so an unknown identity gets no access."""
    if not email:
        return None
    return find_user(db, email)


def get_user(db: Database, user_id: int) -> User | None:
    found = fetch_rows(db, "select * from users where id = ?", [user_id])
    return _user(found[0]) if found else None


def find_user(db: Database, username: str) -> User | None:
    rows = list(db["users"].rows_where("username = ?", [username.strip().casefold()]))
    return _user(rows[0]) if rows else None


def list_users(db: Database) -> list[User]:
    return [_user(r) for r in db["users"].rows_where(order_by="username")]


def authenticate(db: Database, username: str, password: str, now: datetime | None = None) -> User:
    """The user, or LoginRefused with a message that does not tell which part was wrong."""
    now = now or _now()
    rows = list(db["users"].rows_where("username = ?", [username.strip().casefold()]))
    if not rows:
        _verify(_DUMMY_HASH, password)
        raise LoginRefused(N_("Wrong user name or password."))
    row = rows[0]
    if row["locked_until"] and datetime.fromisoformat(row["locked_until"]) > now:
        raise LoginRefused(N_("Too many failed sign-ins: this account is locked for {minutes} minutes. "
                              "Try again later or ask an admin."), minutes=LOCK_MINUTES)
    if not _verify(row["password_hash"], password):
        failures = (row["failed_logins"] or 0) + 1
        locked = (now + timedelta(minutes=LOCK_MINUTES)).isoformat(timespec="seconds") if failures >= MAX_FAILURES else None
        db["users"].update(row["id"], {"failed_logins": 0 if locked else failures, "locked_until": locked})
        raise LoginRefused(N_("Wrong user name or password."))
    db["users"].update(row["id"], {"failed_logins": 0, "locked_until": None,
                                   "last_login": now.isoformat(timespec="seconds")})
    if _hasher.check_needs_rehash(row["password_hash"]):
        db["users"].update(row["id"], {"password_hash": _hasher.hash(password)})
    return _user(row)


def _verify(digest: str, password: str) -> bool:
    try:
        return _hasher.verify(digest, password)
    except (VerificationError, InvalidHashError):
        return False


def change_password(db: Database, user: User, old: str, new: str) -> None:
    row = db["users"].get(user.id)
    if not _verify(row["password_hash"], old):
        raise AccountError(N_("The current password is not right."))
    check_new_password(new, user.username)
    db["users"].update(user.id, {"password_hash": _hasher.hash(new)})


def reset_password(db: Database, username: str, new: str) -> None:
    """An admin's reset (or the CLI's): no old password needed; unlocks the account."""
    user = find_user(db, username)
    if user is None:
        raise AccountError(N_("No user '{username}'."), username=username)
    check_new_password(new, user.username)
    db["users"].update(user.id, {"password_hash": _hasher.hash(new), "failed_logins": 0, "locked_until": None})


def set_roles(db: Database, username: str, roles: list[str]) -> None:
    user = find_user(db, username)
    if user is None:
        raise AccountError(N_("No user '{username}'."), username=username)
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        raise AccountError(N_("Give at least one role out of {roles}."), roles=", ".join(ROLES))
    db["users"].update(user.id, {"roles": json.dumps(sorted(set(roles), key=ROLES.index))})


def check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise AccountError(N_("Choose an interface language out of {languages}."), languages=", ".join(LANGUAGES))


def set_language(db: Database, user: User | str, language: str) -> User:
    """Set the interface language of `user` (a User or a user name); returns the updated
    user. Scenarios and rubrics in any language work in either interface."""
    found = find_user(db, user) if isinstance(user, str) else get_user(db, user.id)
    if found is None:
        raise AccountError(N_("No user '{username}'."), username=user if isinstance(user, str) else user.username)
    check_language(language)
    db["users"].update(found.id, {"language": language})
    return found.model_copy(update={"language": language})


# -- who sees whom ------------------------------------------------------------------


def trained_teams(db: Database, user: User) -> list[str]:
    return [r["team"] for r in db["team_members"].rows_where("member = ? and role = 'trainer'", [user.username])]


def visible_people(db: Database, user: User) -> set[str] | None:
    """The trainees whose sessions `user` may see; None means everyone (hr, admin)."""
    if user.sees_everyone:
        return None
    people = {user.username}
    if user.has("trainer"):
        teams = trained_teams(db, user)
        if teams:
            marks = ", ".join("?" for _ in teams)
            people |= {r[0] for r in db.execute(f"select member from team_members where team in ({marks})", teams)}
    return people


def may_see(db: Database, user: User, trainee: str) -> bool:
    people = visible_people(db, user)
    return people is None or trainee in people


def may_continue(user: User, trainee: str) -> bool:
    """Only the trainee who started a session may reply in it."""
    return trainee == user.username


def may_edit_content(user: User) -> bool:
    return user.has("trainer", "admin")


def may_export(user: User) -> bool:
    return user.has("hr", "admin")


# -- sign-in sessions ------------------------------------------------------------------

IDLE_MINUTES = 60
MAX_HOURS = 12


def expired(signed_in_at: datetime, last_seen: datetime, now: datetime | None = None) -> bool:
    """A browser sign-in ends after an hour without activity or twelve hours in all."""
    now = now or _now()
    return now - last_seen > timedelta(minutes=IDLE_MINUTES) or now - signed_in_at > timedelta(hours=MAX_HOURS)
