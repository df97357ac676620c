"""Export (hr and admin): graded replies or sessions as CSV, XLSX or xAPI, with filters.
Every export is recorded in the audit log."""

import tempfile
from pathlib import Path

import streamlit as st
from pydantic import ValidationError

from simulator.app import components, routes
from simulator.app.services import get_services
from simulator.exports import ExportFilter, export
from simulator.store import assignments as work

services = get_services()
db = services.store.db
user = routes.guard("export")
st.title("Export")
st.caption("Trials and sessions left early are never exported. Unscored replies have an empty score, never 0.")

MIME = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xapi": "application/json"}
SUFFIX = {"csv": "csv", "xlsx": "xlsx", "xapi": "json"}

with st.form("export_form"):
    fmt = st.radio("Format", ["csv", "xlsx", "xapi"], horizontal=True,
                   format_func={"csv": "CSV", "xlsx": "Excel (XLSX)", "xapi": "xAPI statements (JSON)"}.get)
    rows = st.radio("CSV rows", ["replies", "sessions"], horizontal=True, help="XLSX has both sheets.")
    start, end = st.columns(2)
    date_from = start.date_input("From", value=None)
    date_to = end.date_input("To", value=None)
    team_col, person_col = st.columns(2)
    team = team_col.selectbox("Team", ["", *work.teams(db)], format_func=lambda t: t or "all")
    person = person_col.text_input("Person (user name)")
    scenario = st.selectbox("Scenario", ["", *sorted(services.library.scenarios)], format_func=lambda s: s or "all")
    mode = st.radio("Mode", ["assessment", "practice", ""], horizontal=True,
                    format_func=lambda m: m or "both")
    submitted = st.form_submit_button("Prepare the export", type="primary", icon=":material/download:")

if submitted:
    try:
        chosen = ExportFilter(date_from=date_from, date_to=date_to, team=team or None, person=person or None,
                              scenario_id=scenario or None, mode=mode or None)
    except ValidationError as exc:
        st.warning("; ".join(e["msg"] for e in exc.errors()))
        st.stop()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / f"empathy-sim-export.{SUFFIX[fmt]}"
        written = export(db, fmt, out, chosen, actor=user.username, rows=rows, catalog=services.catalog)
        data = out.read_bytes()
    st.success(f"{written} row(s) ready; the export is recorded in the audit log.")
    st.download_button(f"Download {out.name}", data, file_name=out.name, mime=MIME[fmt],
                       icon=":material/download:")
    if not written:
        st.caption(components.escape_markdown("Nothing matched these filters."))
