"""`empathy-sim calibrate --fit`: thresholds fitted from the rubric's examples and the
trainers' labels, stored for every later grade; refused, with what is missing, when the
backend has no log-probabilities or the labels are too few."""

from __future__ import annotations

import json

from click.testing import CliRunner

from simulator.cli import cli
from simulator.store.database import open_db
from simulator.store.fits import newest_fit
from tests.support.openai_test_server import OpenAITestServer


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_a_fit_is_stored_for_the_rubric_and_the_model(tmp_path):
    db_path = tmp_path / "sim.db"
    out = tmp_path / "fit.json"
    with OpenAITestServer() as server:  # an OpenAI-compatible server that sends log-probabilities
        spec = f"openai-compatible:test@{server.base_url}"
        result = run("--db", str(db_path), "calibrate", "--rubric", "authenticity", "--fit", "--judge", spec,
                     "--json", str(out))
    assert result.exit_code == 0, result.output
    assert "thresholds" in result.stdout and "leave-one-out" in result.stdout
    fit = json.loads(out.read_text())
    assert fit["sources"]["rubric examples"] >= 60 and fit["model"] == spec
    assert set(fit["criteria"]) == {"specific_language", "apology_quality", "natural_voice", "no_deflection"}
    for criterion in fit["criteria"].values():
        assert criterion["n"] >= 8 and len(criterion["thresholds"]) == 2
    stored = newest_fit(open_db(db_path), "authenticity", spec)
    assert stored is not None and stored.created_at == fit["created_at"]


def test_a_backend_without_log_probabilities_stores_nothing(tmp_path):
    db_path = tmp_path / "sim.db"
    result = CliRunner().invoke(cli, ["--db", str(db_path), "calibrate", "--rubric", "authenticity", "--fit",
                                      "--judge", "scripted"])
    assert result.exit_code != 0
    assert "no log-probabilities" in result.output and "No fit stored" in result.output
    assert newest_fit(open_db(db_path), "authenticity", "scripted") is None
