"""`empathy-sim user ...`: accounts from the shell, for admins."""

from click.testing import CliRunner

from simulator import accounts
from simulator.cli import cli
from simulator.store.database import open_db


def test_add_list_and_reset_a_user(tmp_path):
    db = tmp_path / "users.db"
    runner = CliRunner()
    added = runner.invoke(cli, ["--db", str(db), "user", "add", "tess", "--role", "trainer", "--role", "trainee",
                                "--password", "a long cli password"])
    assert added.exit_code == 0, added.output
    assert "created tess (trainee, trainer)" in added.output
    listed = runner.invoke(cli, ["--db", str(db), "user", "list"])
    assert listed.output.startswith("tess\ttrainee, trainer")
    weak = runner.invoke(cli, ["--db", str(db), "user", "reset-password", "tess", "--password", "short"])
    assert weak.exit_code != 0 and "at least 10" in weak.output
    reset = runner.invoke(cli, ["--db", str(db), "user", "reset-password", "tess", "--password", "another long one"])
    assert reset.exit_code == 0
    assert accounts.authenticate(open_db(db), "tess", "another long one").username == "tess"


def test_a_taken_name_is_refused(tmp_path):
    db = tmp_path / "users.db"
    runner = CliRunner()
    args = ["--db", str(db), "user", "add", "tess", "--role", "trainee", "--password", "a long cli password"]
    assert runner.invoke(cli, args).exit_code == 0
    again = runner.invoke(cli, args)
    assert again.exit_code != 0 and "taken" in again.output
