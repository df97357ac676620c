"""Assignments: give a scenario to a person or a team with a due date and a mode, and see
who has completed it. Trainees see their assignments first on the Practice page."""

import streamlit as st
from pydantic import ValidationError

from simulator import accounts
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
people = work.account_names(db)
names = {u.username: u.display_name for u in accounts.list_users(db)}


def person_label(username: str) -> str:
    shown = names.get(username) or ""
    return f"{shown} ({username})" if shown and shown != username else username


st.markdown(f"**{_('Assign a scenario')}**")
# Outside the form: the list to pick from follows the choice at once.
kind = st.radio(_("To"), ["person", "team"], horizontal=True, key=state.ASSIGN_KIND,
                format_func=components.option_labels(components.ASSIGNEE_KINDS))
choices = people if kind == "person" else sorted(teams)
with st.form(state.ASSIGN_FORM, clear_on_submit=True):
    scenario_id = st.selectbox(_("Scenario"), sorted(scenarios, key=lambda i: scenarios[i].title),
                               format_func=lambda i: f"{scenarios[i].title} ({scenarios[i].language})")
    if kind == "person":
        assignee = st.selectbox(_("Person"), choices, index=None, format_func=person_label,
                                placeholder=_("Pick a person who has an account"))
    else:
        assignee = st.selectbox(_("Team"), choices, index=None, placeholder=_("Pick a team"),
                                help=None if choices else _("No teams yet: create one below first."))
    due_col, mode_col = st.columns(2)
    due = due_col.date_input(_("Due"), value=None, format=components.date_format())
    mode = mode_col.radio(_("Mode"), ["practice", "assessment"], horizontal=True,
                          format_func=components.option_labels(components.MODE_NAMES),
                          help=_("Assessment: no coach and no feedback until the end."))
    note = st.text_input(_("Note for the trainee"), max_chars=500)
    if st.form_submit_button(_("Assign"), type="primary", icon=":material/assignment_add:"):
        if not assignee:
            st.warning(_("Pick the person or team to assign it to."), icon=":material/warning:")
        else:
            try:
                new = work.NewAssignment(scenario_id=scenario_id or "", assignee_kind=kind, assignee=assignee,
                                         due=due, mode=mode, note=note)
                work.check(db, new)
            except ValidationError as exc:
                st.warning("; ".join(e["msg"] for e in exc.errors()), icon=":material/warning:")
            except work.UnknownAssignee as exc:  # gone since the page was drawn
                st.warning(components.error_text(exc), icon=":material/warning:")
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

st.markdown(f"**{_('Teams')}**")
editing = st.selectbox(_("Team to edit"), [None, *sorted(teams)], key=state.TEAM_CHOICE,
                       format_func=lambda t: _("A new team") if t is None else t)
current_trainers = work.trainers(db).get(editing, []) if editing else []
trainer_names = [u.username for u in accounts.list_users(db) if u.has("trainer", "admin")]
with st.form(state.TEAM_FORM):
    team = st.text_input(_("Team name"), value=editing or "")
    members = st.multiselect(_("Members"), people, default=teams.get(editing, []) if editing else [],
                             format_func=person_label, placeholder=_("Pick people who have an account"))
    coaches = st.multiselect(_("Trainers (they see the members' sessions)"), trainer_names,
                             default=[t for t in current_trainers if t in trainer_names], format_func=person_label,
                             placeholder=components.choose_prompt())
    if st.form_submit_button(_("Save team"), icon=":material/group:"):
        if not team.strip():
            st.warning(_("Give the team a name."))
        else:
            try:
                work.set_team(db, team, members, coaches)
            except work.UnknownAssignee as exc:
                st.warning(components.error_text(exc), icon=":material/warning:")
            else:
                st.success(_("Saved team {team}.").format(team=components.escape_markdown(team.strip())))
                st.rerun()
if not people:
    st.caption(_("No accounts yet: an admin creates them on the Account page."))
for name, team_members in teams.items():
    st.caption(f"{components.escape_markdown(name)}: {components.escape_markdown(', '.join(team_members))}")
