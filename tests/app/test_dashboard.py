"""The Dashboard page (AppTest, scripted models): everyone sees only the people they may
see; trainers' and HR figures count assessment sessions unless practice is switched on."""

from __future__ import annotations

from pathlib import Path

from tests.support import people
from simulator.content.library import load_library
from simulator.judge.grader import Judge
from simulator.llm.scripted import ScriptedModel
from simulator.session import Services, TrainingSession
from simulator.store import assignments as work
from simulator.store.repository import Store
from tests.support.pages import FIXTURES, app, ok, reply, start, texts

DASHBOARD = "app_pages/dashboard.py"
ANA_SAYS = "Ana here: I'm sorry, that sounds embarrassing. I will lift the block now."
BEA_SAYS = "Bea here: I understand, let me look into the payment for you."


def dashboard(at):
    return ok(at.switch_page(DASHBOARD).run())


def played(db: Path, trainee: str, *replies: str, mode: str = "assessment", end: bool = True,
           assignment_id: int | None = None) -> str:
    """A session played through the core with scripted models; its id."""
    library, _ = load_library(FIXTURES / "scenarios", FIXTURES / "rubrics")
    services = Services(Store(db), library, ScriptedModel(), Judge(ScriptedModel()))
    session = TrainingSession.start(services, "frozen-card", trainee=trainee, mode=mode,
                                    assignment_id=assignment_id)
    for text in replies:
        session.submit(text).result()
    if end:
        session.end("ended")
    return session.id


def table(at, first_column: str) -> list:
    """The values of the first column of the first table that has that column."""
    for frame in at.dataframe:
        if first_column in frame.value.columns:
            return list(frame.value[first_column])
    raise AssertionError(f"no table with a {first_column!r} column")


def everything(at) -> str:
    """All the text on the page, tables and chart data included."""
    parts = [*texts(at), *(m.value for m in at.markdown), *(c.value for c in at.caption),
             *(i.value for i in at.info), *(str(m.value) for m in at.metric),
             *(frame.value.to_csv() for frame in at.dataframe),
             *(str(chart.proto) for chart in at.get("vega_lite_chart"))]
    return "\n".join(parts)


def test_a_trainee_sees_their_own_progress_and_nobody_elses(db):
    reply(start(app("ana", roles=("trainee",))), ANA_SAYS)
    reply(start(app("bea", roles=("trainee",))), BEA_SAYS)

    at = dashboard(ok(app("ana", roles=("trainee",)).run()))
    assert not at.toggle, "a trainee's own view needs no mode filter"
    assert table(at, "Criterion") == ["Warmth", "Next step"]
    assert at.get("vega_lite_chart"), "the progress chart"
    assert ANA_SAYS in texts(at), "a reply that shows a strength or a focus"
    assert any(m.value.startswith("**Your strength: ") for m in at.markdown)
    shown = everything(at)
    assert BEA_SAYS not in shown and "bea" not in shown.casefold()
    assert not any(s.label == "Person" for s in at.selectbox), "no one else to choose"


def test_the_progress_chart_is_readable_without_colour(db):
    reply(start(app("ana", roles=("trainee",))), ANA_SAYS)
    at = dashboard(ok(app("ana", roles=("trainee",)).run()))
    spec = at.get("vega_lite_chart")[0].proto.spec
    for channel in ('"shape"', '"strokeDash"', '"color"'):
        assert channel in spec
    assert '"Criterion"' in spec


def test_hr_sees_every_trainee_in_assessments_by_default(db):
    played(db, "ana", ANA_SAYS, "And I will call you back by five.")
    played(db, "bea", BEA_SAYS)
    played(db, "carl", "Only practice.", mode="practice")

    at = dashboard(ok(app("hugo", roles=("hr",)).run()))
    assert at.toggle(key="dashboard_include_practice").value is False
    assert table(at, "Person") == ["ana", "bea"], "carl only practised"
    assert at.selectbox(key="dashboard_person").options == ["ana", "bea"]
    assert at.get("vega_lite_chart"), "the score distribution"
    assert "Assignment completion" in [s.value for s in at.subheader]

    ok(at.selectbox(key="dashboard_person").set_value("bea").run())
    assert BEA_SAYS in texts(at) and ANA_SAYS not in texts(at)

    ok(at.radio(key="dashboard_group_by").set_value("criterion").run())
    assert table(at, "Criterion") == ["Warmth", "Next step"]

    ok(at.toggle(key="dashboard_include_practice").set_value(True).run())
    assert table(at, "Criterion") == ["Warmth", "Next step"]
    ok(at.radio(key="dashboard_group_by").set_value("person").run())
    assert table(at, "Person") == ["ana", "bea", "carl"]


def test_practice_only_shows_nothing_for_hr_until_practice_is_switched_on(db):
    reply(start(app("ana", roles=("trainee",))), ANA_SAYS)
    reply(start(app("bea", roles=("trainee",))), BEA_SAYS)

    at = dashboard(ok(app("hugo", roles=("hr",)).run()))
    assert any("no assessment sessions" in i.value and "Include practice sessions" in i.value for i in at.info)
    assert not any("Person" in frame.value.columns for frame in at.dataframe)

    ok(at.toggle(key="dashboard_include_practice").set_value(True).run())
    assert not any("no assessment sessions" in i.value for i in at.info)
    assert table(at, "Person") == ["ana", "bea"]


def test_a_trainer_sees_only_the_teams_they_train(db):
    store = Store(db)
    people.set_team(store.db, "north", ["ana", "dora"], trainers=["tess"])
    people.set_team(store.db, "south", ["carl"])
    north = work.create(store.db, work.NewAssignment(scenario_id="frozen-card", assignee_kind="team",
                                                     assignee="north", mode="assessment"), "tess")
    work.create(store.db, work.NewAssignment(scenario_id="frozen-card", assignee_kind="person", assignee="carl"), "tess")
    played(db, "ana", ANA_SAYS, assignment_id=north)
    played(db, "carl", "Carl's reply nobody in north should read.")

    at = dashboard(ok(app("tess", roles=("trainer",)).run()))
    assert table(at, "Person") == ["ana"]
    assert at.selectbox(key="dashboard_team").options == ["All teams", "north"]
    assert table(at, "To") == ["team: north"], "completion of the assignments of the people tess sees"
    assert (table(at, "Done"), table(at, "Not yet")) == (["1/2"], ["dora"])
    assert "carl" not in everything(at).casefold()

    ok(at.radio(key="dashboard_group_by").set_value("team").run())
    assert table(at, "Team") == ["north"]


def test_a_running_assessment_shows_nothing_until_it_is_over(db):
    played(db, "ana", ANA_SAYS, end=False)
    at = dashboard(ok(app("ana", roles=("trainee",)).run()))
    assert any("No graded replies yet" in i.value for i in at.info)
    assert ANA_SAYS not in everything(at)

    Store(db).db.execute("update sessions set status = 'finished', outcome = 'ended'")
    Store(db).db.conn.commit()
    ok(at.run())
    assert ANA_SAYS in texts(at)


def test_replies_and_names_are_shown_as_text(db):
    sneaky = "<b>bold</b> **stars** :red[red] [link](http://example.com)"
    reply(start(app("ana", roles=("trainee",))), sneaky)
    at = dashboard(ok(app("ana", roles=("trainee",)).run()))
    assert sneaky in texts(at)
    for element in [*at.markdown, *at.caption]:
        assert "<b>" not in element.value and "[link](" not in element.value
        assert not element.proto.allow_html
