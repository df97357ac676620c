"""`empathy-sim import-content` and `export-content`: YAML files in and out of the database."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.catalog import Catalog
from simulator.cli import cli
from simulator.content.editing import parse, to_yaml
from simulator.content.library import default_content_dirs, load_library
from simulator.content.loader import load_scenario
from simulator.store.repository import Store

ROOT = Path(__file__).resolve().parents[2]
FROZEN = ROOT / "scenarios/frozen-account-en.yaml"


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "content.db"


def catalog(db: Path) -> Catalog:
    return Catalog(load_library(*default_content_dirs())[0], Store(db))


def new_scenario_file(tmp_path: Path, content_id: str = "frozen-account-copy", title: str = "A copy") -> Path:
    text = FROZEN.read_text(encoding="utf-8")
    text = text.replace("id: frozen-account-en", f"id: {content_id}", 1)
    text = text.replace("title: Frozen account, salary out of reach", f"title: {title}", 1)
    path = tmp_path / "in" / f"{content_id}.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_import_a_new_scenario_stores_version_1(tmp_path, db):
    path = new_scenario_file(tmp_path)
    result = run("--db", str(db), "import-content", str(path), "--author", "kim")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "stored scenario frozen-account-copy version 1"
    item = catalog(db).library().scenario("frozen-account-copy")
    assert item.version == 1 and item.title == "A copy"
    [row] = catalog(db).history("scenario", "frozen-account-copy")
    assert (row["origin"], row["author"], row["note"]) == ("import", "kim", "imported from frozen-account-copy.yaml")
    assert row["yaml"] == path.read_text(encoding="utf-8")  # the file as written, comments and all


def test_import_refuses_an_existing_id_without_new_version(tmp_path, db):
    changed = tmp_path / "frozen-account-en.yaml"
    changed.write_text(FROZEN.read_text(encoding="utf-8").replace("difficulty: 3", "difficulty: 4", 1), encoding="utf-8")
    result = run("--db", str(db), "import-content", str(changed))
    assert result.exit_code != 0
    assert "--new-version" in result.output and "frozen-account-en" in result.output
    assert catalog(db).history("scenario", "frozen-account-en")[-1]["origin"] == "seed file"  # nothing stored

    seed_version = load_scenario(FROZEN).version
    result = run("--db", str(db), "import-content", str(changed), "--new-version")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"stored scenario frozen-account-en version {seed_version + 1}"
    assert catalog(db).library().scenario("frozen-account-en").difficulty == 4

    changed.write_text(changed.read_text(encoding="utf-8").replace("difficulty: 4", "difficulty: 5", 1), encoding="utf-8")
    result = run("--db", str(db), "import-content", str(changed), "--new-version")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"stored scenario frozen-account-en version {seed_version + 2}"


def test_import_of_an_unchanged_item_is_refused(db):
    result = run("--db", str(db), "import-content", str(FROZEN), "--new-version")
    assert result.exit_code == 1
    assert "Nothing changed" in result.output


def test_import_of_broken_yaml_names_file_and_line(tmp_path, db):
    broken = tmp_path / "broken.yaml"
    broken.write_text(FROZEN.read_text(encoding="utf-8").replace("difficulty: 3", "difficulty: [3", 1), encoding="utf-8")
    invalid = new_scenario_file(tmp_path, "too-hard")
    invalid.write_text(invalid.read_text(encoding="utf-8").replace("difficulty: 3", "difficulty: 9", 1), encoding="utf-8")
    good = new_scenario_file(tmp_path, "fine-one")
    result = run("--db", str(db), "import-content", str(broken), str(invalid), str(good))
    assert result.exit_code == 1
    line = invalid.read_text(encoding="utf-8").splitlines().index("difficulty: 9") + 1
    assert f"{invalid}:{line}: difficulty: Input should be less than or equal to 5" in result.output
    assert f"{broken}:" in result.output and ": (yaml): " in result.output
    assert "stored scenario fine-one version 1" in result.output  # the good file still goes in
    assert "2 of 3 file(s) not imported" in result.output
    library = catalog(db).library()
    assert "too-hard" not in library.scenarios and "fine-one" in library.scenarios


def test_import_a_rubric_and_a_scenario_that_uses_it_together(tmp_path, db):
    rubric = tmp_path / "new-rubric.yaml"
    rubric.write_text((ROOT / "rubrics/empathy-core.yaml").read_text(encoding="utf-8")
                      .replace("id: empathy-core", "id: new-rubric", 1), encoding="utf-8")
    scenario = new_scenario_file(tmp_path, "uses-new-rubric")
    scenario.write_text(scenario.read_text(encoding="utf-8").replace("rubric: empathy-core", "rubric: new-rubric"),
                        encoding="utf-8")
    result = run("--db", str(db), "import-content", str(scenario), str(rubric))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["stored rubric new-rubric version 1",
                                          "stored scenario uses-new-rubric version 1"]


def test_export_writes_only_content_changed_in_the_database(tmp_path, db):
    out = tmp_path / "out"
    result = run("--db", str(db), "export-content", "--to", str(out))
    assert result.exit_code == 0, result.output
    assert "Nothing to export" in result.output and not out.exists()

    assert run("--db", str(db), "import-content", str(new_scenario_file(tmp_path))).exit_code == 0
    changed = tmp_path / "frozen-account-en.yaml"
    changed.write_text(FROZEN.read_text(encoding="utf-8").replace("difficulty: 3", "difficulty: 4", 1), encoding="utf-8")
    assert run("--db", str(db), "import-content", str(changed), "--new-version").exit_code == 0

    result = run("--db", str(db), "export-content", "--to", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (out / "scenarios").iterdir()) == ["frozen-account-copy.yaml", "frozen-account-en.yaml"]
    assert not (out / "rubrics").exists()
    assert "2 file(s) written." in result.output
    assert sum(line.startswith("wrote ") for line in result.output.splitlines()) == 2

    # the files validate against the seed rubrics, and say what the database says
    library, problems = load_library(out / "scenarios", ROOT / "rubrics")
    assert problems == []
    current = catalog(db).library()
    assert library.scenarios["frozen-account-en"] == current.scenario("frozen-account-en")
    assert library.scenarios["frozen-account-en"].version == load_scenario(FROZEN).version + 1
    assert library.scenarios["frozen-account-copy"] == current.scenario("frozen-account-copy")
    # the stored text is kept (comments too), with the version it was stored as
    exported = (out / "scenarios/frozen-account-en.yaml").read_text(encoding="utf-8")
    assert "# Anger moves quickly" in exported and f"version: {load_scenario(FROZEN).version + 1}\n" in exported

    result = run("--db", str(db), "export-content", "--to", str(out), "--kind", "rubric")
    assert result.exit_code == 0 and "Nothing to export" in result.output


def test_export_uses_to_yaml_when_no_text_is_stored(tmp_path, db):
    cat = catalog(db)
    item = cat.library().scenario("frozen-account-en").model_copy(update={"title": "Saved without text"})
    saved = cat.save(item, None, author="kim")
    out = tmp_path / "out"
    result = run("--db", str(db), "export-content", "--to", str(out), "--kind", "scenario")
    assert result.exit_code == 0, result.output
    text = (out / "scenarios/frozen-account-en.yaml").read_text(encoding="utf-8")
    assert text == to_yaml(saved)
    assert parse("scenario", text)[0] == saved


def test_export_with_seeds_writes_a_library_that_validates(tmp_path, db):
    assert run("--db", str(db), "import-content", str(new_scenario_file(tmp_path))).exit_code == 0
    out = tmp_path / "out"
    result = run("--db", str(db), "export-content", "--to", str(out), "--include-seeds")
    assert result.exit_code == 0, result.output
    seeds, _ = load_library(*default_content_dirs())
    library, problems = load_library(out / "scenarios", out / "rubrics")
    assert problems == []
    assert set(library.scenarios) == set(seeds.scenarios) | {"frozen-account-copy"}
    assert set(library.rubrics) == set(seeds.rubrics)
    # unchanged seed files are copied as they are
    assert (out / "scenarios/frozen-account-en.yaml").read_text(encoding="utf-8") == FROZEN.read_text(encoding="utf-8")
    result = run("validate", "--scenarios", str(out / "scenarios"), "--rubrics", str(out / "rubrics"))
    assert result.exit_code == 0, result.output


def test_export_warns_when_a_scenario_needs_a_rubric_that_was_not_exported(tmp_path, db):
    rubric = tmp_path / "new-rubric.yaml"
    rubric.write_text((ROOT / "rubrics/empathy-core.yaml").read_text(encoding="utf-8")
                      .replace("id: empathy-core", "id: new-rubric", 1), encoding="utf-8")
    scenario = new_scenario_file(tmp_path, "uses-new-rubric")
    scenario.write_text(scenario.read_text(encoding="utf-8").replace("rubric: empathy-core", "rubric: new-rubric"),
                        encoding="utf-8")
    assert run("--db", str(db), "import-content", str(rubric), str(scenario)).exit_code == 0
    out = tmp_path / "out"
    shutil.copytree(ROOT / "rubrics", out / "rubrics")
    result = run("--db", str(db), "export-content", "--to", str(out), "--kind", "scenario")
    assert result.exit_code == 0
    assert "warning:" in result.output and "new-rubric" in result.output and "--kind all" in result.output


def test_export_defaults_to_the_seed_folders(tmp_path, db, monkeypatch):
    scenarios, rubrics = tmp_path / "seeds/scenarios", tmp_path / "seeds/rubrics"
    shutil.copytree(ROOT / "scenarios", scenarios)
    shutil.copytree(ROOT / "rubrics", rubrics)
    monkeypatch.setenv("EMPATHY_SIM_SCENARIOS", str(scenarios))
    monkeypatch.setenv("EMPATHY_SIM_RUBRICS", str(rubrics))
    changed = tmp_path / "frozen-account-en.yaml"
    changed.write_text(FROZEN.read_text(encoding="utf-8").replace("difficulty: 3", "difficulty: 4", 1), encoding="utf-8")
    assert run("--db", str(db), "import-content", str(changed), "--new-version").exit_code == 0

    result = run("--db", str(db), "export-content")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith(f"wrote {scenarios / 'frozen-account-en.yaml'}")
    assert load_scenario(scenarios / "frozen-account-en.yaml").difficulty == 4
    assert run("validate").exit_code == 0
    # the seed file now says what the database says: nothing left to export
    assert "Nothing to export" in run("--db", str(db), "export-content").output
