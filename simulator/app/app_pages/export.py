"""Export (hr and admin): graded replies or sessions as CSV, XLSX or xAPI, with filters.
Every export is recorded in the audit log."""

import tempfile
from pathlib import Path

import streamlit as st
from pydantic import ValidationError

from simulator.app import components, routes
from simulator.app.services import get_services
from simulator.app.text import N_, _, ngettext, pgettext
from simulator.exports import ExportFilter, export
from simulator.store import assignments as work

services = get_services()
db = services.store.db
user = routes.guard("export")
st.title(_("Export"))
st.caption(_("Trials and sessions left early are never exported. Unscored replies have an empty score, never 0."))

MIME = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xapi": "application/json"}
SUFFIX = {"csv": "csv", "xlsx": "xlsx", "xapi": "json"}
FORMATS = {"csv": N_("CSV"), "xlsx": N_("Excel (XLSX)"), "xapi": N_("xAPI statements (JSON)")}
ROWS = {"replies": N_("replies"), "sessions": N_("sessions")}

with st.form("export_form"):
    fmt = st.radio(_("Format"), ["csv", "xlsx", "xapi"], horizontal=True,
                   format_func=components.option_labels(FORMATS))
    rows = st.radio(_("CSV rows"), ["replies", "sessions"], horizontal=True, help=_("XLSX has both sheets."),
                    format_func=components.option_labels(ROWS))
    start, end = st.columns(2)
    date_from = start.date_input(pgettext("date range", "From"), value=None, format=components.date_format())
    date_to = end.date_input(pgettext("date range", "To"), value=None, format=components.date_format())
    team_col, person_col = st.columns(2)
    team = team_col.selectbox(_("Team"), ["", *work.teams(db)],
                              format_func=components.option_labels({"": N_("all")}))
    person = person_col.text_input(_("Person (user name)"))
    scenario = st.selectbox(_("Scenario"), ["", *sorted(services.library.scenarios)],
                            format_func=components.option_labels({"": N_("all")}))
    mode = st.radio(_("Mode"), ["assessment", "practice", ""], horizontal=True,
                    format_func=components.option_labels({**components.MODE_NAMES, "": N_("both")}))
    tokens = st.checkbox(_("Include token counts and estimated cost"),
                         help=_("Session rows (CSV sessions, the XLSX sessions sheet) get the tokens in and out of "
                                "the model calls, per role, and the estimated cost in USD where the model has a "
                                "price. Empty for sessions without recorded calls."))
    submitted = st.form_submit_button(_("Prepare the export"), type="primary", icon=":material/download:")

if submitted:
    try:
        chosen = ExportFilter(date_from=date_from, date_to=date_to, team=team or None, person=person or None,
                              scenario_id=scenario or None, mode=mode or None)
    except ValidationError as exc:
        st.warning("; ".join(e["msg"] for e in exc.errors()))
        st.stop()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / f"empathy-sim-export.{SUFFIX[fmt]}"
        written = export(db, fmt, out, chosen, actor=user.username, rows=rows, catalog=services.catalog,
                         include_tokens=tokens)
        data = out.read_bytes()
    # English keeps its one form for both counts; languages with plural forms use them.
    st.success(ngettext("{n} row(s) ready; the export is recorded in the audit log.",
                        "{n} row(s) ready; the export is recorded in the audit log.", written).format(n=written))
    # No rerun on download: the count and the button stay, so HR can download again.
    st.download_button(_("Download {file}").format(file=out.name), data, file_name=out.name, mime=MIME[fmt],
                       icon=":material/download:", on_click="ignore")
    if not written:
        st.caption(components.escape_markdown(_("Nothing matched these filters.")))
