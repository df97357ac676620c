import pytest

from simulator.config import load_settings
from simulator.llm.base import ModelUnavailable
from simulator.llm.registry import OPENAI_BASE_URL, SpecError, build_model, get_model
from simulator.llm.scripted import ScriptedModel


def test_openai_spec_needs_a_key_and_says_how_to_set_it(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ModelUnavailable, match="set OPENAI_API_KEY"):
        build_model("openai:gpt-4o-mini")


def test_openai_base_url_is_pinned_even_if_the_environment_redirects(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://evil.example/v1")
    model = build_model("openai:gpt-4o-mini")
    assert model.base_url == OPENAI_BASE_URL and model.model == "gpt-4o-mini"


def test_compatible_server_never_gets_the_openai_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    monkeypatch.delenv("EMPATHY_SIM_COMPAT_API_KEY", raising=False)
    model = build_model("openai-compatible:qwen2.5@http://127.0.0.1:11434/v1/")
    assert model.base_url == "http://127.0.0.1:11434/v1"
    assert model.client.api_key != "sk-secret"
    monkeypatch.setenv("EMPATHY_SIM_COMPAT_API_KEY", "local-key")
    assert build_model("openai-compatible:m@http://127.0.0.1:1/v1").client.api_key == "local-key"


@pytest.mark.parametrize("spec", ["gpt-4o", "openai:", "openai-compatible:qwen", "openai-compatible:q@ftp://x"])
def test_bad_specs_explain_the_forms(spec):
    with pytest.raises(SpecError, match="openai-compatible:<model>@"):
        build_model(spec)


def test_embedded_is_the_default_and_is_cheap_to_build():
    settings = load_settings()
    assert settings.customer_model == settings.judge_model == "embedded"
    model = build_model("embedded")
    assert model.spec == "embedded:default" and model.local


def test_scripted_models_are_fresh_per_use_others_shared():
    assert isinstance(get_model("scripted"), ScriptedModel)
    assert get_model("scripted") is not get_model("scripted")
    assert get_model("embedded") is get_model("embedded:default")


def test_settings_from_file_and_environment(tmp_path, monkeypatch):
    config = tmp_path / "sim.toml"
    config.write_text('db = "x.db"\njudge_model = "scripted"\njudge_samples = 3\n')
    monkeypatch.setenv("EMPATHY_SIM_CONFIG", str(config))
    monkeypatch.setenv("EMPATHY_SIM_JUDGE_MODEL", "openai:gpt-4o-mini")
    settings = load_settings(db="cli.db")
    assert str(settings.db) == "cli.db"  # the command line wins
    assert settings.judge_model == "openai:gpt-4o-mini"  # then the environment
    assert settings.judge_samples == 3  # then the file


def test_broken_config_file_says_what_to_do(tmp_path, monkeypatch):
    config = tmp_path / "sim.toml"
    config.write_text("db = \n")
    monkeypatch.setenv("EMPATHY_SIM_CONFIG", str(config))
    with pytest.raises(ValueError, match="Fix it or unset EMPATHY_SIM_CONFIG"):
        load_settings()


def test_only_a_rejected_response_format_switches_to_json_object():
    from simulator.llm.openai_backend import _rejects_response_format

    assert _rejects_response_format(Exception("Error code: 400 - 'response_format' json_schema is not supported"))
    assert not _rejects_response_format(Exception("Error code: 400 - the prompt is longer than the context"))


def test_the_drafting_model_keeps_its_old_names_with_a_deprecation_warning(tmp_path, monkeypatch):
    monkeypatch.delenv("EMPATHY_SIM_DRAFTING_MODEL", raising=False)
    monkeypatch.setenv("EMPATHY_SIM_COACH_MODEL", "scripted")
    with pytest.warns(DeprecationWarning, match="EMPATHY_SIM_DRAFTING_MODEL"):
        assert load_settings().drafting_model == "scripted"
    monkeypatch.setenv("EMPATHY_SIM_DRAFTING_MODEL", "openai:gpt-4o-mini")  # the new name wins
    assert load_settings().drafting_model == "openai:gpt-4o-mini"
    monkeypatch.delenv("EMPATHY_SIM_COACH_MODEL")
    monkeypatch.delenv("EMPATHY_SIM_DRAFTING_MODEL")
    config = tmp_path / "sim.toml"
    config.write_text('coach_model = "scripted"\n')
    monkeypatch.setenv("EMPATHY_SIM_CONFIG", str(config))
    with pytest.warns(DeprecationWarning, match="'drafting_model'"):
        assert load_settings().drafting_model == "scripted"
    with pytest.warns(DeprecationWarning):
        assert load_settings(coach_model="embedded").drafting_model == "embedded"
