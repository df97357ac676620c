"""Accounts: Argon2 hashes, the first admin, rate-limited sign-in, and who sees whom."""

from datetime import datetime, timedelta, timezone

import pytest

from tests.support import people
from simulator import accounts
from simulator.accounts import AccountError, LoginRefused
from simulator.store.database import open_db

PASSWORD = "correct horse battery"


@pytest.fixture
def db(tmp_path):
    return open_db(tmp_path / "accounts.db")


def test_the_first_admin_is_created_once_and_no_password_is_stored_in_clear(db):
    assert accounts.needs_first_admin(db)
    admin = accounts.create_first_admin(db, "Ada", PASSWORD)
    assert admin.username == "ada" and admin.roles == ["admin"]
    stored = db["users"].get(admin.id)["password_hash"]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    with pytest.raises(AccountError, match="exists already"):
        accounts.create_first_admin(db, "eve", PASSWORD)


def test_sign_in_and_the_message_never_says_which_part_was_wrong(db):
    accounts.create_user(db, "ben", PASSWORD, ["trainee"])
    assert accounts.authenticate(db, "BEN", PASSWORD).username == "ben"
    with pytest.raises(LoginRefused) as wrong_password:
        accounts.authenticate(db, "ben", "nope nope nope")
    with pytest.raises(LoginRefused) as unknown_name:
        accounts.authenticate(db, "nobody", PASSWORD)
    assert str(wrong_password.value) == str(unknown_name.value) == "Wrong user name or password."


def test_five_failures_lock_the_account_for_a_while(db):
    accounts.create_user(db, "ben", PASSWORD, ["trainee"])
    now = datetime.now(timezone.utc)
    for _ in range(accounts.MAX_FAILURES):
        with pytest.raises(LoginRefused):
            accounts.authenticate(db, "ben", "wrong password!", now=now)
    with pytest.raises(LoginRefused, match="locked"):
        accounts.authenticate(db, "ben", PASSWORD, now=now + timedelta(minutes=1))
    later = now + timedelta(minutes=accounts.LOCK_MINUTES + 1)
    assert accounts.authenticate(db, "ben", PASSWORD, now=later).username == "ben"


def test_weak_passwords_bad_names_and_unknown_roles_are_refused(db):
    with pytest.raises(AccountError, match="at least 10"):
        accounts.create_user(db, "ben", "short", ["trainee"])
    with pytest.raises(AccountError, match="user name"):
        accounts.create_user(db, "Ben Smith!", PASSWORD, ["trainee"])
    with pytest.raises(AccountError, match="unknown: boss"):
        accounts.create_user(db, "ben", PASSWORD, ["boss"])


def test_a_password_change_needs_the_current_password(db):
    ben = accounts.create_user(db, "ben", PASSWORD, ["trainee"])
    with pytest.raises(AccountError, match="current password"):
        accounts.change_password(db, ben, "not it at all", "a brand new password")
    accounts.change_password(db, ben, PASSWORD, "a brand new password")
    assert accounts.authenticate(db, "ben", "a brand new password").id == ben.id


def test_who_sees_whom(db):
    trainee = accounts.create_user(db, "ana", PASSWORD, ["trainee"])
    trainer = accounts.create_user(db, "tess", PASSWORD, ["trainer"])
    hr = accounts.create_user(db, "hugo", PASSWORD, ["hr"])
    people.set_team(db, "north", ["ana", "ben"], trainers=["tess"])
    assert accounts.visible_people(db, trainee) == {"ana"}
    assert accounts.visible_people(db, trainer) == {"tess", "ana", "ben"}
    assert accounts.visible_people(db, hr) is None
    assert not accounts.may_see(db, trainee, "ben") and accounts.may_see(db, trainer, "ben")
    assert accounts.may_export(hr) and not accounts.may_export(trainer)
    assert accounts.may_edit_content(trainer) and not accounts.may_edit_content(trainee)
