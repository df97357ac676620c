"""The app as served by `empathy-sim app`: the Streamlit pages (main.py) plus the routes
of the customer's live voice (voice_routes.py). `streamlit run` finds `app` here."""

from pathlib import Path

import streamlit as st

from simulator.app import voice_routes

voice_routes.MOUNTED = True
app = st.App(Path(__file__).with_name("main.py"), routes=voice_routes.ROUTES)
