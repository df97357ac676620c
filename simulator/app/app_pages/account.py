"""Your account: interface language and password. Admins also create accounts and set roles."""

import streamlit as st

from simulator import accounts, i18n
from simulator.app import components, routes, state
from simulator.app.services import get_services
from simulator.app.text import N_, _

# What an erasure counts (the keys privacy.erase_person returns).
ERASED = {"sessions": N_("sessions"), "turns": N_("turns"), "verdicts": N_("verdicts"), "labels": N_("labels"),
          "labels_anonymised": N_("labels_anonymised"), "memberships": N_("memberships"),
          "assignments": N_("assignments"), "accounts": N_("accounts")}

services = get_services()
db = services.store.db
user = routes.guard("account")


def roles_text(roles: list[str]) -> str:
    return ", ".join(components.named(components.ROLE_NAMES, r) for r in roles)


def save_language() -> None:
    """on_change of the language picker: saved at once, so the whole next run (menu
    included) is in the new language."""
    chosen = state.chosen_language()
    if chosen and chosen != user.language:
        accounts.set_language(db, user, chosen)


st.title(_("Account"))
st.caption(_("{name} · user name {username} · roles: {roles}").format(
    name=components.escape_markdown(user.display_name), username=components.escape_markdown(user.username),
    roles=roles_text(user.roles)))

languages = list(i18n.LANGUAGES)
st.selectbox(_("Interface language"), languages, index=languages.index(i18n.normalise(user.language)),
             format_func=i18n.LANGUAGE_NAMES.get, key=state.ACCOUNT_LANGUAGE, on_change=save_language,
             help=_("Menus, buttons, messages and the coach. Scenarios and rubrics keep the language they "
                    "were written in."))

with st.form("change_password", clear_on_submit=True):
    st.markdown(f"**{_('Change your password')}**")
    old = st.text_input(_("Current password"), type="password")
    new = st.text_input(_("New password"), type="password",
                        help=_("At least {minimum} characters.").format(minimum=accounts.MIN_PASSWORD))
    again = st.text_input(_("New password again"), type="password")
    if st.form_submit_button(_("Change password")):
        if new != again:
            st.warning(_("The two new passwords differ."))
        else:
            try:
                accounts.change_password(db, user, old, new)
            except accounts.AccountError as exc:
                st.warning(components.error_text(exc))
            else:
                st.success(_("Password changed."))

if user.has("admin"):
    st.divider()
    st.subheader(_("Accounts"))
    st.dataframe([{_("User name"): u.username, _("Name"): u.display_name, _("Roles"): roles_text(u.roles),
                   _("Language"): i18n.LANGUAGE_NAMES.get(u.language, u.language)}
                  for u in accounts.list_users(db)], hide_index=True, width="stretch")
    with st.form("create_user", clear_on_submit=True):
        st.markdown(f"**{_('Create an account')}**")
        username = st.text_input(_("User name"))
        name = st.text_input(_("Name"))
        roles = st.multiselect(_("Roles"), list(accounts.ROLES), default=["trainee"],
                               format_func=components.option_labels(components.ROLE_NAMES),
                               placeholder=components.choose_prompt())
        password = st.text_input(_("First password (tell it to them; they change it)"), type="password")
        if st.form_submit_button(_("Create")):
            try:
                # New accounts start in the configured interface language; they can change it here.
                created = accounts.create_user(db, username, password, roles, name,
                                               language=state.default_language())
            except accounts.AccountError as exc:
                st.warning(components.error_text(exc))
            else:
                st.success(_("Created {username}.").format(username=components.escape_markdown(created.username)))
    with st.form("set_roles"):
        st.markdown(f"**{_('Change roles or reset a password')}**")
        who = st.selectbox(_("User"), [u.username for u in accounts.list_users(db)])
        new_roles = st.multiselect(_("Roles"), list(accounts.ROLES),
                                   format_func=components.option_labels(components.ROLE_NAMES),
                                   placeholder=components.choose_prompt())
        reset = st.text_input(_("New password (leave empty to keep it)"), type="password")
        if st.form_submit_button(_("Save")):
            try:
                if new_roles:
                    accounts.set_roles(db, who, new_roles)
                if reset:
                    accounts.reset_password(db, who, reset)
            except accounts.AccountError as exc:
                st.warning(components.error_text(exc))
            else:
                st.success(_("Saved {username}.").format(username=components.escape_markdown(who)))

if user.has("admin"):
    from simulator.store import privacy

    st.divider()
    st.subheader(_("Data protection"))
    people = sorted({u.username for u in accounts.list_users(db)} |
                    {r[0] for r in db.execute("select distinct trainee from sessions")})
    person = st.selectbox(_("Person"), people, key="privacy_person")
    prepare, erase = st.columns(2)
    if prepare.button(_("Prepare their data (JSON)"), icon=":material/folder_zip:"):
        data = privacy.export_person(db, person, actor=user.username)  # recorded in the audit log
        st.download_button(_("Download"), privacy.to_json(data), file_name=f"{person}-data.json",
                           mime="application/json", icon=":material/download:", on_click="ignore")
    with erase.form("erase_person"):
        typed = st.text_input(_("Type the user name to erase this person"))
        if st.form_submit_button(_("Erase for good"), type="primary"):
            if typed.strip() != person:
                st.warning(_("The typed name does not match the chosen person; nothing was erased."))
            elif person == user.username:
                st.warning(_("You cannot erase yourself while signed in."))
            else:
                counts = privacy.erase_person(db, person, actor=user.username)
                st.success(_("Erased: {counts}").format(counts=", ".join(
                    f"{n} {components.named(ERASED, what)}" for what, n in counts.items())))
