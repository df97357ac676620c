"""Accounts in the app: the first admin, sign-in, and every access rule checked on the
server, including a trainee who tries another person's session id."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.support import people
from simulator import accounts
from simulator.app import state
from simulator.store.repository import Store, list_sessions
from tests.support.pages import app, click, ok, reply, start, texts

PASSWORD = "a long test password"


def test_a_fresh_installation_asks_for_the_admin_first(db):
    at = ok(app(user=None).run())
    assert any(t.value == "Create the admin account" for t in at.title)
    at.text_input[0].set_value("ada")
    at.text_input[2].set_value("correct horse battery")
    at.text_input[3].set_value("correct horse battery")
    click(at, "Create and sign in")
    assert any("Signed in as **ada** (admin)" in c.value for c in at.sidebar.caption)
    assert accounts.find_user(Store(db).db, "ada").roles == ["admin"]


def test_sign_in_refuses_a_wrong_password_without_saying_which_part(db):
    accounts.create_user(Store(db).db, "ben", PASSWORD, ["trainee"])
    at = ok(app(user=None).run())
    at.text_input[0].set_value("ben")
    at.text_input[1].set_value("wrong password here")
    click(at, "Sign in")
    assert [w.value for w in at.warning] == ["Wrong user name or password\\."]
    at.text_input[1].set_value(PASSWORD)
    click(at, "Sign in")
    assert any("Signed in as **ben**" in c.value for c in at.sidebar.caption)


def test_a_trainee_never_sees_the_studio(db):
    at = ok(app("tina", roles=("trainee",)).run())
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/library.py")


def test_a_trainee_cannot_open_another_persons_session(db):
    other = start(app("ana", roles=("trainee",)))
    reply(other, "Private words only Ana wrote.")
    [row] = list_sessions(Store(db).db)
    at = app("tina", roles=("trainee",))
    at.query_params["session"] = row["id"]
    ok(at.run())
    assert any("There is no session" in w.value for w in at.warning)
    assert "Private words only Ana wrote." not in texts(at)
    ok(at.switch_page("app_pages/history.py").run())
    assert any("No sessions yet" in i.value for i in at.info), "History shows only Tina's own sessions"


def test_a_trainer_sees_the_teams_they_train_and_no_one_else(db):
    start(app("ana", roles=("trainee",)))
    start(app("carl", roles=("trainee",)))
    people.set_team(Store(db).db, "north", ["ana"], trainers=["tess"])
    at = ok(app("tess", roles=("trainer",)).run())
    ok(at.switch_page("app_pages/history.py").run())
    assert list(at.dataframe[0].value["Trainee"]) == ["ana"]


def test_an_expired_sign_in_asks_to_sign_in_again(db):
    at = app("ben", roles=("trainee",))
    long_ago = datetime.now(timezone.utc) - timedelta(minutes=accounts.IDLE_MINUTES + 5)
    at.session_state[state.LAST_SEEN] = long_ago
    at.session_state[state.SIGNED_IN_AT] = long_ago
    ok(at.run())
    assert any(t.value == "Sign in" for t in at.title)
    assert any("expired" in i.value for i in at.info)


def test_sign_out(db):
    at = ok(app("ben", roles=("trainee",)).run())
    [button] = [b for b in at.sidebar.button if b.label == "Sign out"]
    ok(button.click().run())
    assert any(t.value == "Sign in" for t in at.title)


def test_an_admin_erases_a_person_after_typing_the_name(db):
    start(app("ana", roles=("trainee",)))
    at = ok(app("ada", roles=("admin",)).run())
    ok(at.switch_page("app_pages/account.py").run())
    at.selectbox(key="privacy_person").set_value("ana").run()
    [typed] = [t for t in at.text_input if t.label == "Type the user name to erase this person"]
    typed.set_value("ana")
    [erase] = [b for b in at.button if b.label == "Erase for good"]
    ok(erase.click().run())
    assert any(s.value.startswith("Erased: 1 sessions") for s in at.success)
    assert list_sessions(Store(db).db) == [] and accounts.find_user(Store(db).db, "ana") is None


def test_hr_exports_in_the_browser_and_a_trainer_cannot(db):
    start(app("ana", roles=("trainee",)))
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        ok(app("tess", roles=("trainer",)).run()).switch_page("app_pages/export.py")
    at = ok(app("hugo", roles=("hr",)).run())
    ok(at.switch_page("app_pages/export.py").run())
    [mode] = [r for r in at.radio if r.label == "Mode"]
    mode.set_value("")  # both modes
    [prepare] = [b for b in at.button if b.label == "Prepare the export"]
    ok(prepare.click().run())
    assert any("row(s) ready" in s.value for s in at.success)
    from simulator.store import audit

    [entry] = audit.entries(Store(db).db, "export")
    assert entry["actor"] == "hugo"


def test_single_sign_on_is_offered_only_when_configured(db):
    accounts.create_user(Store(db).db, "ben", PASSWORD, ["trainee"])
    plain = ok(app(user=None).run())
    assert not [b for b in plain.button if b.label == "Sign in with your organisation"]
    configured = app(user=None)
    configured.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                                  "client_id": "id", "client_secret": "secret",
                                  "server_metadata_url": "https://idp.example/.well-known/openid-configuration"}
    ok(configured.run())
    assert [b for b in configured.button if b.label == "Sign in with your organisation"]


def test_an_identity_matches_only_an_existing_account(db):
    store = Store(db).db
    accounts.create_user(store, "ana@example.org", PASSWORD, ["trainee"])
    assert accounts.user_for_identity(store, "Ana@Example.org").username == "ana@example.org"
    assert accounts.user_for_identity(store, "mallory@example.org") is None
    assert accounts.user_for_identity(store, None) is None


def test_a_trainer_reviews_only_the_replies_of_the_teams_they_train(db):
    reply(start(app("ana", roles=("trainee",))), "Ana's reply to review.")
    reply(start(app("carl", roles=("trainee",))), "Carl's reply, not Tess's business.")
    people.set_team(Store(db).db, "north", ["ana"], trainers=["tess"])
    at = ok(app("tess", roles=("trainer",)).run())
    ok(at.switch_page("app_pages/review.py").run())
    shown = "\n".join(texts(at)) + "\n".join(str(o) for o in at.selectbox[-1].options)
    assert "Ana's reply to review." in shown and "Carl's reply" not in shown
