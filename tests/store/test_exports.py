"""HR exports: filters, scores of record, formula injection, xAPI, the audit log, the CLI."""

from __future__ import annotations

import csv
import json
import uuid
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from tests.support import people
from simulator import export_files, exports
from simulator.exports import ExportFilter
from simulator.session import TrainingSession, summarise
from simulator.store import audit
from simulator.store.labels import add_labels

GOOD = json.dumps({"evidence": ["sorry we declined"], "rationale": "specific", "level": 2})
FEEDBACK = json.dumps({"tip": "Keep going.", "better_reply": "Sorry we declined your card."})
MIDDLING = json.dumps({"evidence": ["sorry"], "rationale": "some", "level": 1})
FORMULA = "=SUM(1,2)"
OLD_DAY = "2024-03-05"


def play(session, reply):
    pending = session.submit(reply)
    "".join(pending.stream_customer())
    return pending.result()


@pytest.fixture
def world(services, judge_model, customer_model, scenario):
    """ana: a practice session (an unscored reply, the formula reply, a perfect reply that
    resolves it); ben: an unfinished assessment session back-dated to OLD_DAY; a session
    ana left early and a trial of a draft (both never exported); team North is ana alone."""
    db = services.store.db
    people.set_team(db, "North", ["ana"])

    ana = TrainingSession.start(services, "mini-en", trainee="ana", mode="practice")
    judge_model.enqueue(*["garbage"] * 4)  # both criteria fail twice: unscored
    unscored = play(ana, "Okay.")
    play(ana, FORMULA)  # default scripted answers: a deterministic verdict
    judge_model.enqueue(GOOD, GOOD, FEEDBACK)
    customer_model.enqueue("(scripted) Thank you, that's a relief.")  # resolved needs a relieved customer
    perfect = play(ana, "I am sorry we declined your card: I will unblock it by 5 pm.")
    ana.refresh()
    assert ana.record.outcome == "resolved"

    ben = TrainingSession.start(services, "mini-en", trainee="ben", mode="assessment")
    judge_model.enqueue(MIDDLING, MIDDLING, FEEDBACK)  # a score of 50: the session goes on
    play(ben, "-1 is what I owe you; sorry, fixed by 5 pm.")
    db["sessions"].update(ben.id, {"started_at": f"{OLD_DAY}T09:00:00.000+00:00"})

    left = TrainingSession.start(services, "mini-en", trainee="ana")
    play(left, "Hello.")
    left.end("left")

    trial = TrainingSession.start(services, "draft", trainee="ana", scenario=scenario.model_copy(update={"id": "draft"}))
    play(trial, "Hello from a trial.")

    assert perfect.verdict.score == 100.0 and unscored.verdict.status == "unscored"
    return {"db": db, "ana": ana, "ben": ben, "left": left, "trial": trial, "services": services}


def test_only_counted_sessions_are_exported(world):
    db = world["db"]
    sessions = exports.session_rows(db, ExportFilter())
    assert {s["session_id"] for s in sessions} == {world["ana"].id, world["ben"].id}
    replies = exports.reply_rows(db, ExportFilter())
    assert {r["session_id"] for r in replies} == {world["ana"].id, world["ben"].id}
    assert len(replies) == 4


def test_reply_rows_carry_versions_levels_and_the_score_of_record(world):
    db = world["db"]
    ana = world["ana"]
    replies = exports.reply_rows(db, ExportFilter(person="ana"))
    assert [r["turn"] for r in replies] == [1, 2, 3]
    unscored, formula, first = replies
    assert unscored["customer_message"] == "My card was declined at the till. Why?"
    assert first["customer_message"] and first["customer_message"] != unscored["customer_message"]
    assert first["reply"].startswith("I am sorry we declined")
    assert first["verdict_status"] == "scored" and first["score"] == first["judge_score"] == 100.0
    assert first["level:emotional_reaction"] == 2 and first["judge_level:ownership_next_step"] == 2
    assert first["teams"] == "North" and first["mode"] == "practice"
    assert first["scenario_version"] == 1 and first["scenario_hash"] == ana.record.scenario_hash
    assert first["rubric_id"] == "mini" and first["rubric_hash"] == ana.record.rubric_hash
    assert first["judge_model"] == "scripted" and first["prompt_hash"]
    assert unscored["verdict_status"] == "unscored" and unscored["unscored_reason"]
    assert unscored["score"] is None and unscored["judge_score"] is None, "unscored is no score, never 0"
    assert formula["reply"] == FORMULA

    # A trainer's label is the score of record; the judge's level stays next to it.
    add_labels(db, first["turn_id"], {"ownership_next_step": 0}, "trainer-tom")
    first = exports.reply_rows(db, ExportFilter(person="ana"))[2]
    assert first["score"] == 25.0 and first["judge_score"] == 100.0 and first["score_source"] == "trainer"
    assert first["level:ownership_next_step"] == 0 and first["judge_level:ownership_next_step"] == 2


def test_session_rows_agree_with_the_session_summary(world):
    db = world["db"]
    ana = world["ana"]
    add_labels(db, ana.turns()[3].id, {"ownership_next_step": 0}, "trainer-tom")
    [row] = exports.session_rows(db, ExportFilter(person="ana"))
    ana.refresh()
    summary = summarise(ana.record, ana.turns(), ana.rubric)
    assert row["replies"] == 3 and row["scored"] == summary["scored"] == 2 and row["unscored"] == 1
    assert row["mean_score"] == summary["mean_score"]
    assert row["status"] == "finished" and row["outcome"] == "resolved" and row["ended_at"]
    assert row["customer_model"] == "scripted" and row["judge_model"] == "scripted"
    assert row["scenario_title"] == "Mini scenario"


def test_filters(world):
    db = world["db"]
    ana, ben = world["ana"].id, world["ben"].id

    def ids(**fields):
        return [s["session_id"] for s in exports.session_rows(db, ExportFilter(**fields))]

    assert ids(person="ben") == [ben]
    assert ids(mode="practice") == [ana] and ids(mode="assessment") == [ben]
    assert ids(team="North") == [ana] and ids(team="Nobody") == []
    assert ids(scenario_id="mini-en") == [ben, ana] and ids(scenario_id="draft") == []
    old = date.fromisoformat(OLD_DAY)
    assert ids(date_from=old, date_to=old) == [ben]
    assert ids(date_from=old + timedelta(days=1)) == [ana]
    assert ids(date_to=old - timedelta(days=1)) == []
    assert ids(person="ana", mode="assessment") == []
    with pytest.raises(ValueError, match="before the start date"):
        ExportFilter(date_from=old, date_to=old - timedelta(days=1))


@pytest.mark.parametrize("value, expected", [
    ("=SUM(1,2)", "'=SUM(1,2)"), ("+1", "'+1"), ("-1", "'-1"), ("@cmd", "'@cmd"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("fine", "fine"), ("", ""), (None, None), (-1, -1), (2.5, 2.5),
])
def test_neutralise_cell(value, expected):
    assert export_files.neutralise_cell(value) == expected


def test_csv_is_neutralised_and_unscored_stays_empty(world, tmp_path):
    db = world["db"]
    out = tmp_path / "replies.csv"
    written = exports.export(db, "csv", out, ExportFilter(), actor="hr-helen")
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert written == len(rows) == 4
    replies = {r["reply"]: r for r in rows}
    assert "'=SUM(1,2)" in replies and FORMULA not in replies
    assert any(reply.startswith("'-1 is what I owe you") for reply in replies)
    unscored = replies["Okay."]
    assert unscored["verdict_status"] == "unscored" and unscored["score"] == "" and unscored["judge_score"] == ""

    sessions_csv = tmp_path / "sessions.csv"
    assert exports.export(db, "csv", sessions_csv, ExportFilter(), actor="hr-helen", rows="sessions") == 2
    with open(sessions_csv, encoding="utf-8-sig", newline="") as handle:
        sessions = list(csv.DictReader(handle))
    assert {s["trainee"] for s in sessions} == {"ana", "ben"} and "mean_score" in sessions[0]


def test_xlsx_has_two_neutralised_sheets(world, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "hr.xlsx"
    assert exports.export(world["db"], "xlsx", out, ExportFilter(), actor="hr-helen") == 4 + 2
    book = load_workbook(out)
    assert book.sheetnames == ["replies", "sessions"]
    sheet = book["replies"]
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, (cell.value for cell in row))) for row in sheet.iter_rows(min_row=2)]
    assert len(rows) == 4
    replies = {r["reply"]: r for r in rows}
    assert "'=SUM(1,2)" in replies
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row), "no formula cells"
    assert replies["Okay."]["score"] is None and replies["Okay."]["verdict_status"] == "unscored"
    assert isinstance(replies["'=SUM(1,2)"]["score"], (int, float))  # numbers stay numbers
    sessions = book["sessions"]
    assert sessions.max_row == 3 and "mean_score" in [cell.value for cell in sessions[1]]


REQUIRED = {"id", "version", "actor", "verb", "object", "result", "timestamp", "context"}


def test_xapi_statements_are_well_formed_and_stable(world, tmp_path):
    db = world["db"]
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    count = exports.export(db, "xapi", first, ExportFilter(), actor="hr-helen")
    assert exports.export(db, "xapi", second, ExportFilter(), actor="hr-helen") == count
    statements = json.loads(first.read_text())
    assert [s["id"] for s in statements] == [s["id"] for s in json.loads(second.read_text())]
    assert len({s["id"] for s in statements}) == len(statements)
    # 2 sessions + the scored replies (3 of 4: "Okay." is unscored and has none)
    assert count == len(statements) == 2 + 3
    for statement in statements:
        assert REQUIRED <= set(statement), statement
        uuid.UUID(statement["id"])
        assert statement["version"] == "1.0.3"
        assert statement["actor"]["objectType"] == "Agent"
        assert statement["actor"]["account"]["homePage"] == "urn:empathy-sim"
        assert statement["actor"]["account"]["name"] in {"ana", "ben"}
        assert statement["verb"]["id"].startswith("http://adlnet.gov/expapi/verbs/")
        assert statement["object"]["objectType"] == "Activity"
        assert statement["object"]["id"].startswith("urn:empathy-sim:scenario:mini-en:v1")
        assert statement["object"]["definition"]["name"]
        score = statement["result"].get("score")
        if score is not None:
            assert 0 <= score["scaled"] <= 1 and score["min"] == 0 and score["max"] == 100
            assert score["scaled"] == pytest.approx(score["raw"] / 100)
        uuid.UUID(statement["context"]["registration"])
        assert all(key.startswith("urn:empathy-sim:") for key in statement["context"]["extensions"])
    by_verb = {}
    for statement in statements:
        by_verb.setdefault(statement["verb"]["id"].rsplit("/", 1)[1], []).append(statement)
    assert len(by_verb["responded"]) == 3 and all("score" in s["result"] for s in by_verb["responded"])
    ana = next(s for s in by_verb["completed"] if s["actor"]["account"]["name"] == "ana")
    assert ana["result"]["completion"] is True
    assert ana["context"]["extensions"]["urn:empathy-sim:extension:rubric-id"] == "mini"
    ben = by_verb["attempted"][0]  # ben's session was never finished
    assert ben["result"]["completion"] is False and ben["object"]["id"] == "urn:empathy-sim:scenario:mini-en:v1"


def test_xapi_session_without_a_score_has_no_score(services, judge_model):
    session = TrainingSession.start(services, "mini-en", trainee="cleo")
    judge_model.enqueue(*["garbage"] * 4)
    play(session, "Okay.")
    session.end("ended")
    db = services.store.db
    statements = exports.xapi_statements(exports.session_rows(db), exports.reply_rows(db), homepage="https://lms.example")
    assert len(statements) == 1, "no responded statement for an unscored reply"
    assert "score" not in statements[0]["result"] and statements[0]["result"]["completion"] is True
    assert statements[0]["actor"]["account"]["homePage"] == "https://lms.example"
    [row] = exports.session_rows(db)
    assert row["mean_score"] is None and row["scored"] == 0 and row["unscored"] == 1


def test_every_export_is_audited(world, tmp_path):
    db = world["db"]
    exports.export(db, "csv", tmp_path / "a.csv", ExportFilter(person="ana"), actor="hr-helen")
    exports.export(db, "xlsx", tmp_path / "b.xlsx", ExportFilter(mode="assessment"), actor="hr-hugo")
    exports.export(db, "xapi", tmp_path / "c.json", ExportFilter(date_from=date.fromisoformat(OLD_DAY)), actor="lms")
    entries = audit.entries(db)
    assert [e["actor"] for e in entries] == ["hr-helen", "hr-hugo", "lms"]
    assert all(e["action"] == "export" and e["at"] for e in entries)
    assert [e["rows"] for e in entries] == [3, 1 + 1, 2 + 3]
    assert entries[0]["detail"]["filter"]["person"] == "ana" and entries[0]["detail"]["format"] == "csv"
    assert entries[0]["detail"]["file"].endswith("a.csv") and entries[0]["detail"]["rows"] == "replies"
    assert entries[1]["detail"]["filter"]["mode"] == "assessment"
    assert entries[2]["detail"]["filter"]["date_from"] == OLD_DAY


def test_audit_record_and_entries(services):
    db = services.store.db
    entry = audit.record(db, "  sam  ", "export", {"day": date(2025, 1, 2)}, 7)
    [row] = audit.entries(db)
    assert row["id"] == entry and row["actor"] == "sam" and row["rows"] == 7
    assert row["detail"] == {"day": "2025-01-02"}
    assert audit.entries(db, action="other") == []


def test_export_command_end_to_end(world, tmp_path):
    from simulator.cli import cli

    db_path = str(world["services"].store.path)
    out = tmp_path / "out" / "ana.csv"
    result = CliRunner().invoke(cli, ["--db", db_path, "export", "--format", "csv", "--out", str(out),
                                      "--person", "ana", "--mode", "practice", "--by", "hr-helen"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"wrote 3 rows to {out}"
    with open(out, encoding="utf-8-sig", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == 3

    xlsx = tmp_path / "all.xlsx"
    result = CliRunner().invoke(cli, ["--db", db_path, "export", "--format", "xlsx", "--out", str(xlsx),
                                      "--from", OLD_DAY, "--to", OLD_DAY, "--by", "hr-hugo"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"wrote 2 rows to {xlsx}"  # ben: one reply, one session

    sessions = tmp_path / "sessions.csv"
    result = CliRunner().invoke(cli, ["--db", db_path, "export", "--format", "csv", "--rows", "sessions",
                                      "--out", str(sessions), "--team", "North"])
    assert result.exit_code == 0 and result.stdout.strip() == f"wrote 1 rows to {sessions}"

    result = CliRunner().invoke(cli, ["--db", db_path, "export", "--format", "xapi", "--out",
                                      str(tmp_path / "x.json"), "--scenario", "mini-en", "--by", "lms"])
    assert result.exit_code == 0 and json.loads((tmp_path / "x.json").read_text())

    entries = audit.entries(world["db"])
    assert [(e["actor"], e["rows"], e["detail"]["format"]) for e in entries][:2] == [
        ("hr-helen", 3, "csv"), ("hr-hugo", 2, "xlsx")]
    assert len(entries) == 4 and entries[2]["actor"]  # the login name by default
    assert entries[2]["detail"]["filter"]["team"] == "North"


def test_export_command_refuses_bad_input(world, tmp_path):
    from simulator.cli import cli

    db_path = str(world["services"].store.path)
    result = CliRunner().invoke(cli, ["--db", db_path, "export", "--format", "csv", "--out", str(tmp_path / "x.csv"),
                                      "--from", "2025-02-01", "--to", "2025-01-01"])
    assert result.exit_code == 1 and "before the start date" in result.output
    result = CliRunner().invoke(cli, ["--db", db_path, "export", "--format", "pdf", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    result = CliRunner().invoke(cli, ["--db", db_path, "export", "--format", "csv", "--out", str(tmp_path / "t.csv"),
                                      "--team", "Nobody"])
    assert result.exit_code == 0 and "no team named 'Nobody'" in result.output
    assert audit.entries(world["db"])[-1]["rows"] == 0


# -- token counts and estimated cost (include_tokens, --tokens) ----------------------------


def record_ana_calls(world) -> float:
    """Only these calls are stored (whatever the session recorded itself): ana's first reply
    cost OpenAI calls and an estimated scripted one; ben has none. Returns ana's cost."""
    from simulator.prices import load_prices
    from simulator.store import usage

    db = world["db"]
    db.execute("delete from llm_calls")
    db.conn.commit()
    turn_id = world["ana"].turns()[1].id
    calls = [
        usage.CallRecord(role="customer", model="openai:gpt-4o-mini", prompt_tokens=1000, completion_tokens=100),
        usage.CallRecord(role="judge", model="openai:gpt-4o-mini", prompt_tokens=2000, completion_tokens=50),
        usage.CallRecord(role="judge", model="openai:gpt-4o-mini", prompt_tokens=2000, completion_tokens=60),
        usage.CallRecord(role="feedback", model="scripted", prompt_tokens=300, completion_tokens=40,
                         counted_by="estimate:chars/4"),
    ]
    usage.record_calls(db, world["ana"].id, turn_id, calls, prices=load_prices())
    return (5000 * 0.15 + 210 * 0.60) / 1e6


TOKEN_COLUMNS = ["llm_calls", "prompt_tokens", "completion_tokens", "tokens_estimated",
                 "prompt_tokens:customer", "completion_tokens:customer", "prompt_tokens:judge",
                 "completion_tokens:judge", "prompt_tokens:feedback", "completion_tokens:feedback",
                 "estimated_cost_usd", "cost_covers_all_calls"]


def test_session_rows_carry_tokens_only_when_asked(world):
    cost = record_ana_calls(world)
    db = world["db"]
    assert not {"prompt_tokens", "estimated_cost_usd"} & set(exports.session_rows(db)[0])
    rows = {r["session_id"]: r for r in exports.session_rows(db, include_tokens=True)}
    ana, ben = rows[world["ana"].id], rows[world["ben"].id]
    assert [k for k in ana if k in TOKEN_COLUMNS] == TOKEN_COLUMNS == [k for k in ben if k in TOKEN_COLUMNS]
    assert (ana["llm_calls"], ana["prompt_tokens"], ana["completion_tokens"]) == (4, 5300, 250)
    assert (ana["prompt_tokens:customer"], ana["completion_tokens:customer"]) == (1000, 100)
    assert (ana["prompt_tokens:judge"], ana["completion_tokens:judge"]) == (4000, 110)
    assert ana["estimated_cost_usd"] == round(cost, 6) and ana["cost_covers_all_calls"] is False
    assert ana["tokens_estimated"] is True, "the scripted call's counts were estimated"
    assert all(ben[k] is None for k in TOKEN_COLUMNS), "no calls recorded: empty, never 0"
    assert not any(k in TOKEN_COLUMNS for r in exports.reply_rows(db) for k in r)


def test_csv_and_xlsx_exports_with_tokens(world, tmp_path):
    from openpyxl import load_workbook

    cost = record_ana_calls(world)
    db = world["db"]
    out = tmp_path / "sessions.csv"
    assert exports.export(db, "csv", out, rows="sessions", actor="hr-helen", include_tokens=True) == 2
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = {r["trainee"]: r for r in csv.DictReader(handle)}
    assert rows["ana"]["prompt_tokens"] == "5300" and rows["ana"]["completion_tokens:judge"] == "110"
    assert float(rows["ana"]["estimated_cost_usd"]) == pytest.approx(cost)
    assert rows["ben"]["prompt_tokens"] == rows["ben"]["estimated_cost_usd"] == rows["ben"]["llm_calls"] == ""
    assert audit.entries(db)[-1]["detail"]["tokens"] is True

    plain = tmp_path / "plain.csv"
    exports.export(db, "csv", plain, rows="sessions", actor="hr-helen")
    with open(plain, encoding="utf-8-sig", newline="") as handle:
        assert "prompt_tokens" not in next(csv.reader(handle))
    assert "tokens" not in audit.entries(db)[-1]["detail"]

    book_path = tmp_path / "hr.xlsx"
    assert exports.export(db, "xlsx", book_path, actor="hr-helen", include_tokens=True) == 4 + 2
    book = load_workbook(book_path)
    header = [cell.value for cell in book["sessions"][1]]
    sessions = [dict(zip(header, (c.value for c in row))) for row in book["sessions"].iter_rows(min_row=2)]
    by_trainee = {s["trainee"]: s for s in sessions}
    assert set(TOKEN_COLUMNS) <= set(header)
    assert by_trainee["ana"]["prompt_tokens"] == 5300 and by_trainee["ana"]["estimated_cost_usd"] == pytest.approx(cost)
    assert by_trainee["ben"]["prompt_tokens"] is None and by_trainee["ben"]["estimated_cost_usd"] is None
    assert "prompt_tokens" not in [cell.value for cell in book["replies"][1]], "replies have no token columns"
    plain_book = tmp_path / "plain.xlsx"
    exports.export(db, "xlsx", plain_book, actor="hr-helen")
    assert "prompt_tokens" not in [cell.value for cell in load_workbook(plain_book)["sessions"][1]]


def test_export_command_with_tokens(world, tmp_path):
    from simulator.cli import cli

    record_ana_calls(world)
    db_path = str(world["services"].store.path)
    out = tmp_path / "sessions.csv"
    result = CliRunner().invoke(cli, ["--db", db_path, "export", "--format", "csv", "--rows", "sessions",
                                      "--out", str(out), "--tokens", "--by", "hr-helen"])
    assert result.exit_code == 0, result.output
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = {r["trainee"]: r for r in csv.DictReader(handle)}
    assert rows["ana"]["prompt_tokens"] == "5300" and rows["ben"]["prompt_tokens"] == ""

    result = CliRunner().invoke(cli, ["--db", db_path, "export", "--format", "csv", "--out",
                                      str(tmp_path / "replies.csv"), "--tokens", "--by", "hr-helen"])
    assert result.exit_code == 0 and "--tokens adds columns to session rows only" in result.stderr
    assert "tokens" not in audit.entries(world["db"])[-1]["detail"]
