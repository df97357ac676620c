"""Assignments: give a scenario to a person or a team with a due date and a mode, and see
who has completed it. Trainees see their assignments first on the Practice page."""

import streamlit as st
from pydantic import ValidationError

from simulator.app import components, routes, state
from simulator.app.services import get_services
from simulator.app.text import _
from simulator.store import assignments as work

services = get_services()
user = routes.guard("assignments")
db = services.store.db
st.title(_("Assignments"))

scenarios = {s.id: s for s in services.catalog.active_scenarios()}
teams = work.teams(db)

with st.form(state.ASSIGN_FORM, clear_on_submit=True):
    st.markdown(f"**{_('Assign a scenario')}**")
    scenario_id = st.selectbox(_("Scenario"), sorted(scenarios, key=lambda i: scenarios[i].title),
                               format_func=lambda i: f"{scenarios[i].title} ({scenarios[i].language})")
    who, name = st.columns([1, 2])
    kind = who.radio(_("To"), ["person", "team"], horizontal=True,
                     format_func=components.option_labels(components.ASSIGNEE_KINDS))
    assignee = name.text_input(_("Name of the person or team"),
                               help=_("Teams: {teams}").format(teams=", ".join(teams) or _("none yet")))
    due_col, mode_col = st.columns(2)
    due = due_col.date_input(_("Due"), value=None)
    mode = mode_col.radio(_("Mode"), ["practice", "assessment"], horizontal=True,
                          format_func=components.option_labels(components.MODE_NAMES),
                          help=_("Assessment: no coach and no feedback until the end."))
    note = st.text_input(_("Note for the trainee"), max_chars=500)
    if st.form_submit_button(_("Assign"), type="primary", icon=":material/assignment_add:"):
        try:
            new = work.NewAssignment(scenario_id=scenario_id or "", assignee_kind=kind, assignee=assignee,
                                     due=due, mode=mode, note=note)
        except ValidationError as exc:
            st.warning("; ".join(e["msg"] for e in exc.errors()), icon=":material/warning:")
        else:
            if kind == "team" and new.assignee not in teams:
                st.warning(_("There is no team '{team}' yet: add it below first.").format(
                    team=components.escape_markdown(new.assignee)))
            else:
                work.create(db, new, created_by=state.trainee())
                st.success(_("Assigned to {assignee}.").format(assignee=components.escape_markdown(new.assignee)))

st.markdown(f"**{_('Completion')}**")
rows = work.completion(db)
if not rows:
    st.caption(_("No open assignments."))
else:
    st.dataframe(
        [{_("Scenario"): scenarios[r["scenario_id"]].title if r["scenario_id"] in scenarios else r["scenario_id"],
          _("To"): components.assignee(r["assignee_kind"], r["assignee"]),
          _("Mode"): components.named(components.MODE_NAMES, r["mode"]), _("Due"): r["due"] or "—",
          _("Done"): f"{len(r['done'])}/{len(r['members'])}", _("Not yet"): ", ".join(r["open"]),
          _("Overdue"): r["overdue"] and bool(r["open"])}
         for r in rows],
        hide_index=True, width="stretch",
    )

with st.form(state.TEAM_FORM):
    st.markdown(f"**{_('Teams')}**")
    team = st.text_input(_("Team name"))
    people = st.text_area(_("Members' user names, one per line"), height=100)
    coaches = st.text_area(_("Trainers' user names, one per line (they see the members' sessions)"), height=70)
    if st.form_submit_button(_("Save team"), icon=":material/group:"):
        if not team.strip():
            st.warning(_("Give the team a name."))
        else:
            work.set_team(db, team, people.splitlines(), coaches.splitlines())
            st.success(_("Saved team {team}.").format(team=components.escape_markdown(team.strip())))
            st.rerun()
for name, members in teams.items():
    st.caption(f"{components.escape_markdown(name)}: {components.escape_markdown(', '.join(members))}")
