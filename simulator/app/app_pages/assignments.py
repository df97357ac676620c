"""Assignments: give a scenario to a person or a team with a due date and a mode, and see
who has completed it. Trainees see their assignments first on the Practice page."""

import streamlit as st
from pydantic import ValidationError

from simulator.app import components, routes, state
from simulator.app.services import get_services
from simulator.store import assignments as work

services = get_services()
user = routes.guard("assignments")
db = services.store.db
st.title("Assignments")

scenarios = {s.id: s for s in services.catalog.active_scenarios()}
teams = work.teams(db)

with st.form(state.ASSIGN_FORM, clear_on_submit=True):
    st.markdown("**Assign a scenario**")
    scenario_id = st.selectbox("Scenario", sorted(scenarios, key=lambda i: scenarios[i].title),
                               format_func=lambda i: f"{scenarios[i].title} ({scenarios[i].language})")
    who, name = st.columns([1, 2])
    kind = who.radio("To", ["person", "team"], horizontal=True)
    assignee = name.text_input("Name of the person or team", help=f"Teams: {', '.join(teams) or 'none yet'}")
    due_col, mode_col = st.columns(2)
    due = due_col.date_input("Due", value=None)
    mode = mode_col.radio("Mode", ["practice", "assessment"], horizontal=True,
                          help="Assessment: no coach and no feedback until the end.")
    note = st.text_input("Note for the trainee", max_chars=500)
    if st.form_submit_button("Assign", type="primary", icon=":material/assignment_add:"):
        try:
            new = work.NewAssignment(scenario_id=scenario_id or "", assignee_kind=kind, assignee=assignee,
                                     due=due, mode=mode, note=note)
        except ValidationError as exc:
            st.warning("; ".join(e["msg"] for e in exc.errors()), icon=":material/warning:")
        else:
            if kind == "team" and new.assignee not in teams:
                st.warning(f"There is no team '{components.escape_markdown(new.assignee)}' yet: add it below first.")
            else:
                work.create(db, new, created_by=state.trainee())
                st.success(f"Assigned to {components.escape_markdown(new.assignee)}.")

st.markdown("**Completion**")
rows = work.completion(db)
if not rows:
    st.caption("No open assignments.")
else:
    st.dataframe(
        [{"Scenario": scenarios[r["scenario_id"]].title if r["scenario_id"] in scenarios else r["scenario_id"],
          "To": f"{r['assignee_kind']}: {r['assignee']}", "Mode": r["mode"], "Due": r["due"] or "—",
          "Done": f"{len(r['done'])}/{len(r['members'])}", "Not yet": ", ".join(r["open"]),
          "Overdue": r["overdue"] and bool(r["open"])}
         for r in rows],
        hide_index=True, width="stretch",
    )

with st.form(state.TEAM_FORM):
    st.markdown("**Teams**")
    team = st.text_input("Team name")
    people = st.text_area("Members' user names, one per line", height=100)
    coaches = st.text_area("Trainers' user names, one per line (they see the members' sessions)", height=70)
    if st.form_submit_button("Save team", icon=":material/group:"):
        if not team.strip():
            st.warning("Give the team a name.")
        else:
            work.set_team(db, team, people.splitlines(), coaches.splitlines())
            st.success(f"Saved team {components.escape_markdown(team.strip())}.")
            st.rerun()
for name, members in teams.items():
    st.caption(f"{components.escape_markdown(name)}: {components.escape_markdown(', '.join(members))}")
