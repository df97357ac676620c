"""The Streamlit entry point: `streamlit run simulator/app/main.py` (or `empathy-sim app`).

Page config, the signed-in user (checked on every run), the sidebar shared by every page,
and `st.navigation` over the pages that user's roles allow.
"""

import streamlit as st

from simulator.app import components, routes, state
from simulator.app.services import get_services
from simulator.app.text import N_, _

st.set_page_config(page_title=_("Empathy simulator"), page_icon=":material/forum:", layout="centered")
state.init()
services = get_services()
user = state.current_user(services.store.db)
if user is None:
    state.remember_session_from_url()
page = routes.navigation(user)
if user is not None:
    with st.sidebar:
        st.caption(_("Signed in as **{name}** ({roles})").format(
            name=components.escape_markdown(user.display_name), roles=", ".join(components.named(components.ROLE_NAMES, r) for r in user.roles)))
        if st.button(_("Sign out"), icon=":material/logout:"):
            state.sign_out(N_("You are signed out."))
            st.rerun()
page.run()
