"""The Streamlit entry point: `streamlit run simulator/app/main.py` (or `empathy-sim app`).

Page config, the sidebar shared by every page, and `st.navigation` over `app_pages/`.
"""

import streamlit as st

from simulator.app import routes, state

st.set_page_config(page_title="Empathy simulator", page_icon=":material/forum:", layout="centered")
state.init()
page = routes.navigation()
with st.sidebar:
    st.text_input("Your name", key=state.TRAINEE, max_chars=80,
                  help="Sessions are saved under this name. Accounts come later.")
page.run()
