"""Your account: change your password. Admins also create accounts and set roles."""

import streamlit as st

from simulator import accounts
from simulator.app import components, routes
from simulator.app.services import get_services

services = get_services()
db = services.store.db
user = routes.guard("account")
st.title("Account")
st.caption(f"{components.escape_markdown(user.display_name)} · user name {components.escape_markdown(user.username)}"
           f" · roles: {', '.join(user.roles)}")

with st.form("change_password", clear_on_submit=True):
    st.markdown("**Change your password**")
    old = st.text_input("Current password", type="password")
    new = st.text_input("New password", type="password", help=f"At least {accounts.MIN_PASSWORD} characters.")
    again = st.text_input("New password again", type="password")
    if st.form_submit_button("Change password"):
        if new != again:
            st.warning("The two new passwords differ.")
        else:
            try:
                accounts.change_password(db, user, old, new)
            except accounts.AccountError as exc:
                st.warning(components.error_text(exc))
            else:
                st.success("Password changed.")

if user.has("admin"):
    st.divider()
    st.subheader("Accounts")
    st.dataframe([{"User name": u.username, "Name": u.display_name, "Roles": ", ".join(u.roles)}
                  for u in accounts.list_users(db)], hide_index=True, width="stretch")
    with st.form("create_user", clear_on_submit=True):
        st.markdown("**Create an account**")
        username = st.text_input("User name")
        name = st.text_input("Name")
        roles = st.multiselect("Roles", list(accounts.ROLES), default=["trainee"])
        password = st.text_input("First password (tell it to them; they change it)", type="password")
        if st.form_submit_button("Create"):
            try:
                created = accounts.create_user(db, username, password, roles, name)
            except accounts.AccountError as exc:
                st.warning(components.error_text(exc))
            else:
                st.success(f"Created {components.escape_markdown(created.username)}.")
    with st.form("set_roles"):
        st.markdown("**Change roles or reset a password**")
        who = st.selectbox("User", [u.username for u in accounts.list_users(db)])
        new_roles = st.multiselect("Roles", list(accounts.ROLES))
        reset = st.text_input("New password (leave empty to keep it)", type="password")
        if st.form_submit_button("Save"):
            try:
                if new_roles:
                    accounts.set_roles(db, who, new_roles)
                if reset:
                    accounts.reset_password(db, who, reset)
            except accounts.AccountError as exc:
                st.warning(components.error_text(exc))
            else:
                st.success(f"Saved {components.escape_markdown(who)}.")

if user.has("admin"):
    from simulator.store import privacy

    st.divider()
    st.subheader("Data protection")
    people = sorted({u.username for u in accounts.list_users(db)} |
                    {r[0] for r in db.execute("select distinct trainee from sessions")})
    person = st.selectbox("Person", people, key="privacy_person")
    prepare, erase = st.columns(2)
    if prepare.button("Prepare their data (JSON)", icon=":material/folder_zip:"):
        data = privacy.export_person(db, person, actor=user.username)  # recorded in the audit log
        st.download_button("Download", privacy.to_json(data), file_name=f"{person}-data.json",
                           mime="application/json", icon=":material/download:")
    with erase.form("erase_person"):
        typed = st.text_input("Type the user name to erase this person")
        if st.form_submit_button("Erase for good", type="primary"):
            if typed.strip() != person:
                st.warning("The typed name does not match the chosen person; nothing was erased.")
            elif person == user.username:
                st.warning("You cannot erase yourself while signed in.")
            else:
                counts = privacy.erase_person(db, person, actor=user.username)
                st.success("Erased: " + ", ".join(f"{n} {what}" for what, n in counts.items()))
