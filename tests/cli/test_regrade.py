"""`empathy-sim regrade`: unscored verdicts are graded again once the judge works."""

from click.testing import CliRunner

from simulator.cli import cli
from simulator.config import load_settings
from simulator.judge.verdict import Verdict
from simulator.session import Services, TrainingSession
from simulator.store import repository as repo


def test_regrade_grades_unscored_replies_and_reports_the_change(tmp_path, monkeypatch):
    db = tmp_path / "sim.db"
    for role in ("CUSTOMER", "JUDGE", "DRAFTING"):
        monkeypatch.setenv(f"EMPATHY_SIM_{role}_MODEL", "scripted")
    services = Services.from_settings(load_settings(db=str(db)))
    session = TrainingSession.start(services, "frozen-account-en", trainee="ana")
    pending = session.submit("I'm so sorry your card was frozen. Can you tell me what happened at the till?")
    for _ in pending.stream_customer():
        pass
    pending.result()
    turn = session.turns()[1]
    # The judge was down when this reply was sent.
    repo.save_verdict(services.store.db, turn.id, session.id,
                      Verdict(status="unscored", reason="model unavailable: connection refused"))
    runner = CliRunner()

    listed = runner.invoke(cli, ["--db", str(db), "regrade", "--dry-run"], catch_exceptions=False)
    assert listed.exit_code == 0 and "reply 1: unscored: model unavailable" in listed.output
    assert "1 replies would be graded again." in listed.output
    assert session.turns()[1].verdict.status == "unscored"  # a dry run grades nothing

    result = runner.invoke(cli, ["--db", str(db), "regrade"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "unscored: model unavailable: connection refused -> scored" in result.output
    assert "1 graded again: 1 now scored, 0 still unscored." in result.output
    assert session.turns()[1].verdict.status == "scored"

    again = runner.invoke(cli, ["--db", str(db), "regrade"], catch_exceptions=False)
    assert "0 graded again" in again.output  # nothing left to do
