"""Streamlit pages, run by `st.navigation` in `simulator/app/main.py` (not imported)."""
