"""Dashboard: a trainee's own progress per criterion; for trainers and HR the figures per
person, team, scenario and criterion, first against latest, the spread of scores, the
unscored and reviewed shares, and who has completed their assignments.

Figures come from the export rows (`simulator.exports`), so trials and sessions left early
never count, and scores are scores of record (a trainer's label wins). Unscored replies
are counted and shown, never averaged as zeros. Everyone sees only the people they may
see (`accounts.visible_people`); trainers' and HR figures count assessment sessions only
unless practice is switched on.
"""

import altair as alt
import streamlit as st

from simulator import accounts, dashboards, exports
from simulator.app import components, routes, state
from simulator.app.services import get_services
from simulator.app.text import N_, _, ngettext
from simulator.store import assignments as work
from simulator.store.fits import fit_state

# Widget keys of this page.

# Internal values of the "everyone" options (shown translated).
ALL_TEAMS = "All teams"
ALL_SCENARIOS = "All scenarios"
GROUP_LABELS = {"person": N_("Person"), "team": N_("Team"), "scenario": N_("Scenario"), "criterion": N_("Criterion")}
# "By person" etc. as headings: whole phrases, since German needs its own word order.
GROUP_HEADINGS = {"person": N_("By person"), "team": N_("By team"), "scenario": N_("By scenario"),
                  "criterion": N_("By criterion")}
FIRST_LATEST_HEADINGS = {"person": N_("First against latest session, by person"),
                         "team": N_("First against latest session, by team"),
                         "scenario": N_("First against latest session, by scenario")}
TRENDS = {"up": N_("↑ improving"), "down": N_("↓ declining"), "flat": N_("→ steady"),
          None: N_("— needs two sessions")}

services = get_services()
user = routes.guard("dashboard")
db = services.store.db
st.title(_("Dashboard"))

rubrics = list(services.library.rubrics.values())
TITLES = {c.id: c.title for r in rubrics for c in r.criteria}
MAX_LEVELS: dict[str, int] = {}
for _rubric in rubrics:
    for _c in _rubric.criteria:
        MAX_LEVELS[_c.id] = max(MAX_LEVELS.get(_c.id, 0), _c.max_level)


def criterion_title(criterion: str) -> str:
    return TITLES.get(criterion, criterion)


def scenario_title(scenario_id: str) -> str:
    scenario = services.library.scenarios.get(scenario_id)
    return scenario.title if scenario is not None else scenario_id


def group_name(by: str, group: str) -> str:
    return {"criterion": criterion_title, "scenario": scenario_title}.get(by, str)(group)


def percent(share: float | None) -> str:
    return "—" if share is None else f"{share:.0%}"


def number(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


# -- a person's progress --------------------------------------------------------------


def progress_chart(found: list[dashboards.CriterionProgress]) -> None:
    data = [
        {"Session": p.session, "Level": p.level, "Criterion": criterion_title(c.criterion),
         "Started (UTC)": p.started_at[:16].replace("T", " "), "Scenario": scenario_title(p.scenario_id),
         "Mode": components.named(components.MODE_NAMES, p.mode)}
        for c in found for p in c.points
    ]
    if not data:
        return
    top = max([MAX_LEVELS.get(c.criterion, 0) for c in found] + [p["Level"] for p in data])
    # The data's field names stay fixed; what the chart shows of them is titled in the interface language.
    # Each criterion has its own colour, point shape and line dash: readable without colour.
    series = alt.Chart(alt.Data(values=data)).encode(
        x=alt.X("Session:O", title=_("Session (oldest first)"), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("Level:Q", title=_("Mean level of record"), scale=alt.Scale(domain=[0, top])),
        color=alt.Color("Criterion:N", legend=alt.Legend(title=_("Criterion"), symbolSize=120)),
        shape=alt.Shape("Criterion:N", title=_("Criterion")),
        strokeDash=alt.StrokeDash("Criterion:N", title=_("Criterion")),
        tooltip=[alt.Tooltip("Criterion:N", title=_("Criterion")), alt.Tooltip("Session:O", title=_("Session")),
                 alt.Tooltip("Started (UTC):N", title=_("Started (UTC)")),
                 alt.Tooltip("Scenario:N", title=_("Scenario")), alt.Tooltip("Mode:N", title=_("Mode")),
                 alt.Tooltip("Level:Q", title=_("Level"))],
    )
    chart = (series.mark_line(strokeWidth=2) + series.mark_point(size=90, filled=True, opacity=1)).properties(
        height=280, title=_("Level per criterion over sessions"))
    st.altair_chart(chart, width="stretch", alt=_("Mean level of record per criterion in each session, oldest "
                                                  "first; the same figures are in the table below."))


def progress_table(found: list[dashboards.CriterionProgress]) -> None:
    st.dataframe(
        [
            {_("Criterion"): criterion_title(c.criterion),
             _("Sessions"): len(c.points),
             _("First"): c.first, _("Best"): c.best, _("Latest"): c.latest,
             _("Change"): c.change,
             _("Trend"): _(TRENDS[c.trend]),
             _("Unscored"): c.unscored}
            for c in found
        ],
        hide_index=True, width="stretch",
        column_config={
            _("First"): st.column_config.NumberColumn(format="%.2f", help=_("Mean level in the first session")),
            _("Best"): st.column_config.NumberColumn(format="%.2f", help=_("Best session's mean level")),
            _("Latest"): st.column_config.NumberColumn(format="%.2f", help=_("Mean level in the latest session")),
            _("Change"): st.column_config.NumberColumn(format="%+.2f", help=_("Latest minus first")),
            _("Trend"): st.column_config.TextColumn(help=_("Direction of a straight line through all sessions")),
            _("Unscored"): st.column_config.NumberColumn(help=_("Replies without a level for this criterion; "
                                                                "not counted as 0")),
        },
    )


def examples(summary: dashboards.CriterionSummary) -> None:
    for example in summary.examples:
        with st.container(border=True):
            st.text(example.text)
            top = MAX_LEVELS.get(summary.criterion)
            shown = f"{example.level:g}" + (f"/{top}" if top else "")
            st.caption(_("Level {level} · {scenario} · {date}").format(
                level=shown, scenario=components.escape_markdown(scenario_title(example.scenario_id)),
                date=example.started_at[:10]))


def level_text(summary: dashboards.CriterionSummary) -> str:
    top = MAX_LEVELS.get(summary.criterion)
    return f"{summary.mean_level:g}" + (f"/{top}" if top else "")


def strengths(rows: list[dict], person: str, own: bool) -> None:
    found = dashboards.strengths_and_focus(rows, person, MAX_LEVELS)
    if found.strength is None:
        return
    strong, focus = st.columns(2)
    with strong:
        strength = _("**Your strength: {criterion}**") if own else _("**Strength: {criterion}**")
        st.markdown(strength.format(criterion=components.escape_markdown(criterion_title(found.strength.criterion))))
        st.caption(_("Mean level {level} over {n} replies. Replies that show it:").format(
            level=level_text(found.strength), n=found.strength.replies))
        examples(found.strength)
    with focus:
        if not found.focus:
            st.markdown(_("**To work on:** nothing stands out"))
        for summary in found.focus:
            st.markdown(_("**To work on: {criterion}**").format(
                criterion=components.escape_markdown(criterion_title(summary.criterion))))
            st.caption(_("Mean level {level} over {n} replies. Replies to do better:").format(
                level=level_text(summary), n=summary.replies))
            examples(summary)


def person_progress(rows: list[dict], person: str, own: bool) -> None:
    found = dashboards.progress(rows, person)
    if not any(c.points for c in found):
        st.info(_("No scored replies yet.") if own else _("No scored replies for this person with these filters."))
        return
    mine = [r for r in rows if r["trainee"] == person]
    total = dashboards.totals(mine)
    sessions, mean, unscored = st.columns(3)
    sessions.metric(_("Sessions"), total["sessions"])
    mean.metric(_("Mean score"), "—" if total["mean_score"] is None else f"{total['mean_score']:.0f}/100",
                help=_("Averaged over scored replies only."))
    unscored.metric(_("Unscored replies"), total["unscored"], help=_("Not graded; counted here, never averaged as 0."))
    progress_chart(found)
    progress_table(found)
    strengths(rows, person, own)


# -- trainers and HR --------------------------------------------------------------------


def overview_table(rows: list[dict], sessions: list[dict], by: str, teams: dict[str, list[str]]) -> None:
    found = dashboards.overview(rows, sessions, by=by, teams=teams)
    label = _(GROUP_LABELS[by])
    table = []
    for row in found:
        item = {label: group_name(by, row["group"]), _("Sessions"): row["sessions"], _("Replies"): row["replies"]}
        if by == "criterion":
            top = MAX_LEVELS.get(row["group"])
            item[_("Mean level")] = "—" if row["mean_level"] is None else (
                f"{row['mean_level']:.2f}" + (f"/{top}" if top else ""))
        else:
            item[_("Mean score")] = row["mean_score"]
        item |= {_("Scored"): row["scored"], _("Unscored"): row["unscored"],
                 _("Unscored share"): percent(row["share_unscored"]),
                 _("Flagged for review"): percent(row["share_needs_review"]),
                 _("Reviewed by a trainer"): percent(row["share_trainer_reviewed"])}
        table.append(item)
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        _("Mean score"): st.column_config.NumberColumn(
            format="%.1f", help=_("Over scored replies only; empty when none is scored")),
        _("Unscored"): st.column_config.NumberColumn(help=_("Replies without a score; never averaged as 0")),
        _("Flagged for review"): st.column_config.TextColumn(help=_("Verdicts the grading checks flagged for a human")),
        _("Reviewed by a trainer"): st.column_config.TextColumn(
            help=_("Replies whose score of record is a trainer's label")),
    })


def first_latest_table(rows: list[dict], by: str, teams: dict[str, list[str]]) -> None:
    found = dashboards.first_vs_latest(rows, by=by, teams=teams)
    label = _(GROUP_LABELS[by])
    st.dataframe(
        [{label: group_name(by, r["group"]), _("People"): r["people"], _("Compared"): r["compared"],
          _("First"): r["first"], _("Latest"): r["latest"], _("Change"): r["change"]} for r in found],
        hide_index=True, width="stretch",
        column_config={
            _("Compared"): st.column_config.NumberColumn(help=_("People with two or more scored sessions")),
            _("First"): st.column_config.NumberColumn(format="%.1f",
                                                      help=_("Mean score of each person's first session")),
            _("Latest"): st.column_config.NumberColumn(format="%.1f",
                                                       help=_("Mean score of each person's latest session")),
            _("Change"): st.column_config.NumberColumn(format="%+.1f", help=_("Latest minus first")),
        },
    )


def distribution_chart(rows: list[dict]) -> None:
    bins = dashboards.score_distribution(rows)
    data = [{"Score": b["bin"], "Replies": b["replies"], "low": b["low"]} for b in bins]
    bars = alt.Chart(alt.Data(values=data)).encode(
        x=alt.X("Score:N", sort=[b["bin"] for b in bins], title=_("Score of record"),
                axis=alt.Axis(labelAngle=0)),
        y=alt.Y("Replies:Q", title=_("Scored replies")),
        tooltip=[alt.Tooltip("Score:N", title=_("Score")), alt.Tooltip("Replies:Q", title=_("Replies"))],
    )
    # The count is written on each bar: the chart reads without colour.
    chart = (bars.mark_bar() + bars.mark_text(dy=-6, baseline="bottom").encode(text="Replies:Q")).properties(
        height=240, title=_("Distribution of scores"))
    st.altair_chart(chart, width="stretch", alt=_("Number of scored replies per score band of 10 points: {bands}.")
                    .format(bands=", ".join(f"{b['bin']}: {b['replies']}" for b in bins)))


def completion_table(people: set[str] | None, team: str | None, scenario_id: str | None,
                     teams: dict[str, list[str]]) -> None:
    st.subheader(_("Assignment completion"))
    in_team = set(teams.get(team, [])) if team else None
    table = []
    for row in work.completion(db):
        if scenario_id and row["scenario_id"] != scenario_id:
            continue
        members = [p for p in row["members"] if (people is None or p in people)
                   and (in_team is None or p in in_team)]
        if not members:
            continue
        done = [p for p in members if p in row["done"]]
        missing = [p for p in members if p not in done]
        table.append({_("Scenario"): scenario_title(row["scenario_id"]),
                      _("To"): components.assignee(row["assignee_kind"], row["assignee"]),
                      _("Mode"): components.named(components.MODE_NAMES, row["mode"]),
                      _("Due"): row["due"] or "—", _("Done"): f"{len(done)}/{len(members)}",
                      _("Not yet"): ", ".join(missing), _("Overdue"): bool(row["overdue"] and missing)})
    if table:
        st.dataframe(table, hide_index=True, width="stretch")
    else:
        st.caption(_("No open assignments for these people."))


def judge_reliability(rows: list[dict]) -> None:
    """How far the judge agrees with labelled replies, for each rubric these scores come from."""
    used = sorted({r["rubric_id"] for r in rows if r.get("rubric_id") in services.library.rubrics})
    for rubric_id in used:
        rubric = services.library.rubric(rubric_id)
        fit, word = fit_state(db, rubric, services.judge.model.spec)
        st.caption(_("Scores of rubric “{rubric}”:").format(rubric=rubric.title))
        components.judge_reliability(fit, rubric, stale=word == "stale")


def staff_filter(people: set[str] | None, teams: dict[str, list[str]]) -> exports.ExportFilter:
    """The filters above the figures: practice or not, team, scenario."""
    team_options = sorted(teams) if user.sees_everyone else sorted(
        t for t in accounts.trained_teams(db, user) if t in teams)
    every = [s for s in exports.sessions_matching(db, exports.ExportFilter())
             if people is None or s.trainee in people]
    scenario_options = sorted({s.scenario_id for s in every}, key=lambda i: scenario_title(i).casefold())
    include_practice = st.toggle(_("Include practice sessions"), value=False, key=state.DASHBOARD_INCLUDE_PRACTICE,
                                 help=_("Only assessment sessions count by default."))
    left, right = st.columns(2)
    team = left.selectbox(_("Team"), [ALL_TEAMS, *team_options], key=state.DASHBOARD_TEAM,
                          format_func=components.option_labels({ALL_TEAMS: N_("All teams")}))
    scenario = right.selectbox(_("Scenario"), [ALL_SCENARIOS, *scenario_options], key=state.DASHBOARD_SCENARIO,
                               format_func=components.option_labels({ALL_SCENARIOS: N_("All scenarios")},
                                                                    other=scenario_title))
    return exports.ExportFilter(mode=None if include_practice else "assessment",
                                team=None if team == ALL_TEAMS else team,
                                scenario_id=None if scenario == ALL_SCENARIOS else scenario)


def no_sessions(chosen: exports.ExportFilter, people: set[str] | None) -> None:
    """Why there is nothing to show: only practice sessions match, or none at all."""
    practice = [s for s in exports.sessions_matching(db, chosen.model_copy(update={"mode": "practice"}))
                if people is None or s.trainee in people]
    if chosen.mode == "assessment" and practice:
        st.info(ngettext("There are no assessment sessions with these filters ({n} practice session(s)). Only "
                         "assessment sessions count by default: switch on “{toggle}” to see practice too.",
                         "There are no assessment sessions with these filters ({n} practice session(s)). Only "
                         "assessment sessions count by default: switch on “{toggle}” to see practice too.",
                         len(practice)).format(n=len(practice), toggle=_("Include practice sessions")),
                icon=":material/info:")
    else:
        st.info(_("No sessions with these filters yet."), icon=":material/info:")


def headline(rows: list[dict], sessions: list[dict]) -> None:
    total = dashboards.totals(rows)
    a, b, c, d = st.columns(4)
    a.metric(_("Sessions"), len(sessions))
    b.metric(_("Mean score"), "—" if total["mean_score"] is None else f"{total['mean_score']:.0f}/100",
             help=_("Over scored replies only."))
    c.metric(_("Unscored"), f"{total['unscored']} ({percent(total['share_unscored'])})",
             help=_("Replies without a score: counted, never averaged as 0."))
    d.metric(_("Reviewed"), percent(total["share_trainer_reviewed"]),
             help=_("Scores of record set by a trainer. Flagged for review: {share}.").format(
                 share=percent(total["share_needs_review"])))


def staff_figures(rows: list[dict], sessions: list[dict], teams: dict[str, list[str]]) -> None:
    headline(rows, sessions)
    judge_reliability(rows)
    by = st.radio(_("Group by"), list(GROUP_LABELS), format_func=components.option_labels(GROUP_LABELS),
                  horizontal=True, key=state.DASHBOARD_GROUP_BY)
    st.subheader(_(GROUP_HEADINGS[by]))
    overview_table(rows, sessions, by, teams)
    compare_by = by if by != "criterion" else "person"
    st.markdown(f"**{_(FIRST_LATEST_HEADINGS[compare_by])}**")
    first_latest_table(rows, compare_by, teams)
    distribution_chart(rows)
    st.subheader(_("Progress of one person"))
    names = sorted({r["trainee"] for r in rows})
    if not names:
        st.caption(_("No graded replies with these filters."))
        return
    person = st.selectbox(_("Person"), names, key=state.DASHBOARD_PERSON)
    own = person == user.username
    # One's own running assessment shows nothing until it is over, here as on History.
    shown = dashboards.without_running_assessments(rows, sessions) if own else rows
    person_progress(shown, person, own=own)


def staff_view() -> None:
    people = accounts.visible_people(db, user)
    teams = work.teams(db)
    chosen = staff_filter(people, teams)

    def visible(found: list[dict]) -> list[dict]:
        return [r for r in found if people is None or r["trainee"] in people]

    sessions = visible(exports.session_rows(db, chosen, services.catalog))
    rows = visible(exports.reply_rows(db, chosen, services.catalog))
    if sessions:
        staff_figures(rows, sessions, teams)
    else:
        no_sessions(chosen, people)
    completion_table(people, chosen.team, chosen.scenario_id, teams)


def own_view() -> None:
    me = exports.ExportFilter(person=user.username)
    sessions = exports.session_rows(db, me, services.catalog)
    # Practice and assessments both count towards one's own progress; a running
    # assessment shows nothing until it is over.
    rows = dashboards.without_running_assessments(exports.reply_rows(db, me, services.catalog), sessions)
    st.caption(_("Your progress over your practice and assessment sessions."))
    if not rows:
        st.info(_("No graded replies yet. Start a session on the Practice page; your progress appears here."),
                icon=":material/info:")
        return
    person_progress(rows, user.username, own=True)


if user.has("trainer", "hr", "admin"):
    staff_view()
else:
    own_view()
