"""Sign in; on a fresh installation, create the admin account first (no default password)."""

import streamlit as st

from simulator import accounts
from simulator.app import components, state
from simulator.app.services import get_services
from simulator.app.text import _

services = get_services()
db = services.store.db
reason = state.take_sign_out_reason()
if reason:
    st.info(reason, icon=":material/info:")

if accounts.needs_first_admin(db):
    st.title(_("Create the admin account"))
    st.caption(_("This installation has no accounts yet. The admin creates everyone else's."))
    with st.form("first_admin"):
        username = st.text_input(_("User name"))
        name = st.text_input(_("Your name (shown to others)"))
        password = st.text_input(_("Password"), type="password",
                                 help=_("At least {minimum} characters.").format(minimum=accounts.MIN_PASSWORD))
        again = st.text_input(_("Password again"), type="password")
        if st.form_submit_button(_("Create and sign in"), type="primary"):
            if password != again:
                st.warning(_("The two passwords differ."))
            else:
                try:
                    user = accounts.create_first_admin(db, username, password, name,
                                                       language=state.default_language())
                except accounts.AccountError as exc:
                    st.warning(components.error_text(exc))
                else:
                    state.sign_in(user)
                    st.rerun()
    st.stop()

st.title(_("Sign in"))
if state.sso_configured():
    if st.button(_("Sign in with your organisation"), type="primary", icon=":material/domain:"):
        st.login()
    st.caption(_("Or with a local account:"))
with st.form("sign_in"):
    username = st.text_input(_("User name"))
    password = st.text_input(_("Password"), type="password")
    if st.form_submit_button(_("Sign in"), type="primary", icon=":material/login:"):
        try:
            user = accounts.authenticate(db, username, password)
        except accounts.LoginRefused as exc:
            st.warning(components.error_text(exc), icon=":material/warning:")
        else:
            state.sign_in(user)
            st.rerun()
st.caption(_("No account? Ask your trainer or an admin to create one."))
