"""`empathy-sim`: validate content, grade replies in batch, simulate sessions, run the app."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click

from simulator.config import load_settings


class Context:
    def __init__(self, db: str | None):
        self.db = db

    def settings(self, **overrides):
        return load_settings(db=self.db, **overrides)


@click.group()
@click.option("--db", type=click.Path(dir_okay=False), default=None,
              help="SQLite file for every command (default: EMPATHY_SIM_DB, the config file, or data/empathy-sim.db).")
@click.version_option(package_name="empathy-sim")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """Practise hard customer conversations with an LLM customer and an empathy judge."""
    ctx.obj = Context(db)


def _library():
    from simulator.content.library import default_content_dirs, load_library

    return load_library(*default_content_dirs())


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@cli.command()
@click.option("--scenarios", type=click.Path(file_okay=False, exists=True), default=None)
@click.option("--rubrics", type=click.Path(file_okay=False, exists=True), default=None)
def validate(scenarios: str | None, rubrics: str | None) -> None:
    """Check every scenario and rubric; print file:line: field: message per problem."""
    from simulator.content.library import default_content_dirs, load_library

    default_scenarios, default_rubrics = default_content_dirs()
    library, problems = load_library(Path(scenarios or default_scenarios), Path(rubrics or default_rubrics))
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problem(s) found.", err=True)
        sys.exit(1)
    click.echo(f"OK: {len(library.scenarios)} scenario(s), {len(library.rubrics)} rubric(s).")


@cli.command()
@click.option("--rubric", "rubric_id", required=True, help="Rubric id, e.g. empathy-core.")
@click.option("--input", "input_path", type=click.Path(dir_okay=False, exists=True), required=True,
              help='JSONL: {"id": ..., "context": "<customer>", "reply": "<agent reply>"} per line.')
@click.option("--output", "output_path", type=click.Path(dir_okay=False), required=True)
@click.option("--judge", "judge_spec", default=None, help="Judge model spec (default from configuration).")
@click.pass_obj
def grade(obj: Context, rubric_id: str, input_path: str, output_path: str, judge_spec: str | None) -> None:
    """Grade a file of replies; one verdict line per input line."""
    from simulator.batch import grade_file, make_judge

    library, problems = _library()
    if rubric_id not in library.rubrics:
        _fail(f"No rubric {rubric_id!r}; known: {', '.join(sorted(library.rubrics)) or 'none'}.")
    judge = make_judge(obj.settings(judge_model=judge_spec))
    counts = grade_file(judge, library.rubric(rubric_id), Path(input_path), Path(output_path))
    click.echo(json.dumps(counts), err=True)


@cli.command()
@click.option("--scenario", "scenario_id", required=True)
@click.option("--agent", "agent_path", type=click.Path(dir_okay=False, exists=True), required=True,
              help="Trainee replies, one per line.")
@click.option("--customer", "customer_spec", default=None, help="Customer model spec.")
@click.option("--judge", "judge_spec", default=None, help="Judge model spec.")
@click.option("--trainee", default="simulate", help="Name stored as the session's trainee.")
@click.pass_obj
def simulate(obj: Context, scenario_id: str, agent_path: str, customer_spec, judge_spec, trainee: str) -> None:
    """Play the given replies against a scenario, store the session, print it as JSON."""
    from simulator.batch import simulate_session
    from simulator.session import Services

    settings = obj.settings(customer_model=customer_spec, judge_model=judge_spec)
    library, problems = _library()
    if scenario_id not in library.scenarios:
        _fail(f"No scenario {scenario_id!r}; known: {', '.join(sorted(library.scenarios)) or 'none'}.")
    replies = [line.strip() for line in Path(agent_path).read_text(encoding="utf-8").splitlines() if line.strip()]
    services = Services.from_settings(settings, library)
    click.echo(json.dumps(simulate_session(services, scenario_id, replies, trainee), ensure_ascii=False))


@cli.command()
@click.option("--rubric", "rubric_id", required=True)
@click.option("--gold", "gold_path", type=click.Path(dir_okay=False, exists=True), default=None,
              help='JSONL: the grade input plus "labels": {"<criterion or label>": level}.')
@click.option("--from-db", "from_db", is_flag=True,
              help="Use the trainers' labels stored in the database (--db) instead of a --gold file.")
@click.option("--judge", "judge_spec", default=None, help="Judge model spec.")
@click.option("--map", "maps", multiple=True, metavar="LABEL=CRITERION", help="Rename a label to a criterion id.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None, help="Also write the report as JSON.")
@click.option("--limit", type=int, default=None, help="Only the first N gold items.")
@click.option("--workers", type=int, default=1, show_default=True, help="Items graded at once.")
@click.option("--fit", "fit", is_flag=True,
              help="Fit the judge's level thresholds from the rubric's worked examples and the trainers' "
                   "labels in the database, and store the fit for every grade from now on.")
@click.pass_obj
def calibrate(obj: Context, rubric_id, gold_path, from_db, judge_spec, maps, json_path, limit, workers, fit) -> None:
    """Agreement of the judge with human labels: kappa, exact, within-one, macro-F1, confusion.

    The labels come from a --gold file or, with --from-db, from the labels trainers saved
    on the app's Review page (the newest label per reply and criterion).

    With --fit: fit the thresholds that turn the judge's expected level into a level, per
    criterion, from the rubric's worked examples plus the trainers' labels (and a --gold
    file if given), and store the fit with the rubric version and the judge model. A
    criterion with too few labels keeps its previous thresholds.
    """
    from simulator.batch import make_judge, read_items
    from simulator.judge.calibration import GoldItem, calibrate as run_calibration, format_report, parse_mapping

    if fit:
        _fit(obj, rubric_id, gold_path, judge_spec, maps, json_path, workers)
        return
    if bool(gold_path) == bool(from_db):
        _fail("Give exactly one source of labels: --gold FILE or --from-db.")
    library, _ = _library()
    if rubric_id not in library.rubrics:
        _fail(f"No rubric {rubric_id!r}; known: {', '.join(sorted(library.rubrics)) or 'none'}.")
    if from_db:
        from simulator.store.database import open_db
        from simulator.store.labels import gold_from_labels

        settings = obj.settings()
        items = gold_from_labels(open_db(settings.db), rubric_id)
        if not items:
            _fail(f"No labels for rubric {rubric_id!r} in {settings.db}. Label replies on the app's Review "
                  "page first, or pass --db with the database that holds them.")
    else:
        parsed, problems = read_items(Path(gold_path), GoldItem)
        for problem in problems:
            click.echo(problem, err=True)
        items = [item for _, item in parsed]
    items = items[:limit]
    try:
        mapping = parse_mapping(maps)
        judge = make_judge(obj.settings(judge_model=judge_spec))
        with click.progressbar(length=len(items), label="grading", file=sys.stderr, show_pos=True) as bar:
            report = run_calibration(judge, library.rubric(rubric_id), items, mapping, workers, bar.update)
    except ValueError as exc:
        _fail(str(exc))
    click.echo(format_report(report))
    if json_path:
        Path(json_path).write_text(report.model_dump_json(indent=2), encoding="utf-8")


def _fit(obj: Context, rubric_id, gold_path, judge_spec, maps, json_path, workers) -> None:
    """`calibrate --fit`: see `calibrate`."""
    from simulator.batch import make_judge, read_items
    from simulator.judge.calibration import FitRefused, GoldItem, example_items, fit_levels, format_fit, relabel
    from simulator.judge.calibration import parse_mapping
    from simulator.store.database import open_db
    from simulator.store.fits import current_fit, save_fit
    from simulator.store.labels import gold_from_labels

    library, _ = _library()
    if rubric_id not in library.rubrics:
        _fail(f"No rubric {rubric_id!r}; known: {', '.join(sorted(library.rubrics)) or 'none'}.")
    rubric = library.rubric(rubric_id)
    settings = obj.settings(judge_model=judge_spec)
    db = open_db(settings.db)
    sources = {"rubric examples": example_items(rubric), "trainer labels": gold_from_labels(db, rubric_id)}
    try:
        if gold_path:
            parsed, problems = read_items(Path(gold_path), GoldItem)
            for problem in problems:
                click.echo(problem, err=True)
            mapping = parse_mapping(maps)
            sources["labelled file"] = [item.model_copy(update={"labels": relabel(item, mapping)}) for _, item in parsed]
        judge = make_judge(settings)
        total = sum(len(items) for items in sources.values())
        with click.progressbar(length=total, label="reading levels", file=sys.stderr, show_pos=True) as bar:
            result = fit_levels(judge, rubric, sources, previous=current_fit(db, rubric, judge.model.spec),
                                workers=workers, progress=bar.update)
    except FitRefused as exc:
        _fail(f"No fit stored: {exc}")
    except ValueError as exc:
        _fail(str(exc))
    save_fit(db, result)
    click.echo(format_fit(result))
    click.echo(f"Stored in {settings.db}: every grade of {rubric_id} by {result.model} uses it from now on.")
    if json_path:
        Path(json_path).write_text(result.model_dump_json(indent=2), encoding="utf-8")


@cli.command()
@click.option("--session", "session_id", default=None, help="Only this session's replies.")
@click.option("--dry-run", is_flag=True, help="List what would be graded again; grade nothing.")
@click.option("--judge", "judge_spec", default=None, help="Judge model spec (default from configuration).")
@click.pass_obj
def regrade(obj: Context, session_id: str | None, dry_run: bool, judge_spec: str | None) -> None:
    """Grade again every reply whose verdict is unscored (or missing), and report what changed."""
    from simulator import regrade as regrading
    from simulator.session import Services

    services = Services.from_settings(obj.settings(judge_model=judge_spec))
    if dry_run:
        rows = regrading.waiting(services, session_id)
        for row in rows:
            before = f"unscored: {row['reason']}" if row["status"] else "no verdict"
            click.echo(f"session {row['session_id']} reply {row['idx']}: {before}")
        click.echo(f"{len(rows)} replies would be graded again.")
        return
    results = regrading.regrade(services, session_id)
    for item in results:
        click.echo(regrading.report_line(item))
    scored = sum(item.changed for item in results)
    click.echo(f"{len(results)} graded again: {scored} now scored, {len(results) - scored} still unscored.")
    if results and scored < len(results):
        sys.exit(1)


@cli.command()
@click.pass_obj
def migrate(obj: Context) -> None:
    """Create or upgrade the database schema (also done on every open)."""
    from simulator.store.database import open_db
    from simulator.store.migrations import migrations

    settings = obj.settings()
    db = open_db(settings.db)
    for applied in migrations.applied(db):
        click.echo(f"{applied.name}  {applied.applied_at}")


def _catalog(obj: Context):
    """The seed files plus the versions stored in the --db database (no model is loaded)."""
    from simulator.catalog import Catalog
    from simulator.content.library import default_content_dirs, load_library
    from simulator.store.repository import Store

    seeds, _ = load_library(*default_content_dirs())
    return Catalog(seeds, Store(obj.settings().db))


def _kind_of_file(path: Path, text: str) -> str:
    """'rubric' or 'scenario', from the file's top-level keys (else its folder's name)."""
    from simulator.content.editing import kind_of

    return kind_of(text, "rubric" if path.resolve().parent.name.startswith("rubric") else "scenario")


@cli.command("export-content")
@click.option("--to", "to_dir", type=click.Path(file_okay=False), default=None,
              help="Write to DIR/scenarios and DIR/rubrics (default: the seed folders the library is read from).")
@click.option("--kind", type=click.Choice(["scenario", "rubric", "all"]), default="all", show_default=True)
@click.option("--include-seeds", is_flag=True, help="Also write the items that are unchanged seed files.")
@click.pass_obj
def export_content(obj: Context, to_dir: str | None, kind: str, include_seeds: bool) -> None:
    """Write the scenarios and rubrics created or changed in the database as YAML files.

    Each item is written in its current (newest) version to <id>.yaml, as the trainer
    typed it when that text is stored, so the files can be committed as seed content.
    """
    from simulator.content.editing import text_for
    from simulator.content.library import default_content_dirs, load_library
    from simulator.hashing import content_hash
    from simulator.store import content as versions

    catalog = _catalog(obj)
    library = catalog.library()
    folders = default_content_dirs() if to_dir is None else (Path(to_dir) / "scenarios", Path(to_dir) / "rubrics")
    kinds = ["scenario", "rubric"] if kind == "all" else [kind]
    written: list[Path] = []
    for current in kinds:
        pool = library.scenarios if current == "scenario" else library.rubrics
        seed_pool = catalog.seeds.scenarios if current == "scenario" else catalog.seeds.rubrics
        folder = folders[0] if current == "scenario" else folders[1]
        for content_id, item in sorted(pool.items()):
            seed = seed_pool.get(content_id)
            changed = seed is None or content_hash(seed) != content_hash(item)
            if not changed and not include_seeds:
                continue
            target = folder / f"{content_id}.yaml"
            if changed:
                row = versions.find(catalog.store.db, current, content_id, content_hash(item))
                text = text_for(item, row["yaml"] if row else None)
            else:
                source = catalog.seeds.sources.get(f"{current}:{content_id}")
                if source is not None and source.resolve() == target.resolve():
                    continue  # the seed file itself; nothing to write
                text = source.read_text(encoding="utf-8") if source is not None else text_for(item, None)
            try:
                folder.mkdir(parents=True, exist_ok=True)
                target.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
            except OSError as exc:
                raise click.ClickException(f"Cannot write {target}: {exc.strerror or exc}. "
                                           "Pass --to with a folder you can write to.") from None
            written.append(target)
            archived = " (archived)" if catalog.is_archived(current, content_id) else ""
            click.echo(f"wrote {target}  ({current} {content_id} version {item.version}){archived}")
    if not written and include_seeds:
        click.echo("Nothing to write: the seed folders hold these files already.")
        return
    if not written:
        click.echo("Nothing to export: no " + ("scenario or rubric" if kind == "all" else kind)
                   + " was created or changed in the database. Pass --include-seeds to write the seed files too.")
        return
    click.echo(f"{len(written)} file(s) written.")
    # Check the written files as `validate` would; a partial export (--to a new folder) is
    # checked against the seed rubrics it will be used with.
    rubric_folder = folders[1] if folders[1].is_dir() else default_content_dirs()[1]
    _, problems = load_library(folders[0], rubric_folder)
    mine = {str(path) for path in written}
    for problem in problems:
        if problem.path in mine:
            click.echo(f"warning: {problem}", err=True)
    if any(problem.path in mine for problem in problems):
        click.echo("The folders do not validate yet; export the missing rubrics too (--kind all) "
                   "and run `empathy-sim validate`.", err=True)


@cli.command("import-content")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--author", default=None, help="Stored as the versions' author (default: your login name).")
@click.option("--new-version", is_flag=True,
              help="Store a file whose id is already in the library as that id's next version.")
@click.pass_obj
def import_content(obj: Context, files: tuple[Path, ...], author: str | None, new_version: bool) -> None:
    """Validate scenario and rubric YAML files and store each as a new version in the database.

    Problems are printed as file:line: field: message, like `empathy-sim validate`; a file
    with problems is not stored. Rubrics are stored before scenarios, so a new scenario can
    use a rubric imported in the same run.
    """
    import getpass

    from simulator.catalog import ContentRejected
    from simulator.content.editing import parse

    if author is None:
        try:
            author = getpass.getuser()
        except Exception:  # noqa: BLE001 - no login name in some containers
            author = "import"
    catalog = _catalog(obj)
    loaded = []
    failed = 0
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            click.echo(f"{path}: cannot read the file: {exc.strerror or exc}")
            failed += 1
            continue
        text = data.decode("utf-8-sig", errors="replace")
        kind = _kind_of_file(path, text)
        item, problems = parse(kind, data, source=str(path))
        if item is None:
            for problem in problems:
                click.echo(str(problem))
            failed += 1
            continue
        loaded.append((kind, path, item, text))
    loaded.sort(key=lambda entry: entry[0] != "rubric")
    for kind, path, item, text in loaded:
        library = catalog.library()
        existing = (library.scenarios if kind == "scenario" else library.rubrics).get(item.id)
        if existing is not None and not new_version:
            click.echo(f"{path}: {kind} '{item.id}' is already in the library (version {existing.version}); "
                       "not stored. Pass --new-version to store the file as its next version, "
                       "or change its id to add it as a new one.")
            failed += 1
            continue
        try:
            saved = catalog.save(item, text, author, note=f"imported from {path.name}", origin="import")
        except ContentRejected as exc:
            click.echo(f"{path}: {exc}")
            failed += 1
            continue
        click.echo(f"stored {kind} {saved.id} version {saved.version}")
    if failed:
        raise click.ClickException(f"{failed} of {len(files)} file(s) not imported; fix what is named above "
                                   "and run the command again for those files.")


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--port", default=8501, show_default=True)
@click.pass_context
def app(ctx: click.Context, port: int) -> None:
    """Start the Streamlit app (extra options go to `streamlit run`)."""
    settings = ctx.obj.settings()
    entry = Path(__file__).parent / "app" / "main.py"
    env = {**os.environ, "EMPATHY_SIM_DB": str(Path(settings.db).resolve())}
    command = [sys.executable, "-m", "streamlit", "run", str(entry), "--server.port", str(port), *ctx.args]
    sys.exit(subprocess.call(command, env=env))


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "xapi"]), required=True,
              help="csv: one table; xlsx: sheets 'replies' and 'sessions'; xapi: JSON statements for an LRS.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="File to write.")
@click.option("--rows", type=click.Choice(["replies", "sessions"]), default="replies", show_default=True,
              help="CSV only: one row per graded reply or one per session.")
@click.option("--from", "date_from", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Sessions started on or after this date (YYYY-MM-DD, UTC).")
@click.option("--to", "date_to", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Sessions started on or before this date (YYYY-MM-DD, UTC).")
@click.option("--team", default=None, help="Only the team's current members.")
@click.option("--person", default=None, help="Only this trainee.")
@click.option("--scenario", "scenario_id", default=None, help="Only this scenario id.")
@click.option("--mode", type=click.Choice(["practice", "assessment"]), default=None, help="Only this mode (default: both).")
@click.option("--by", "actor", default=None, help="Your name for the audit log (default: your login name).")
@click.option("--homepage", default="urn:empathy-sim", show_default=True,
              help="xAPI only: the actor accounts' homePage (your LMS's address).")
@click.option("--tokens", "include_tokens", is_flag=True, default=False,
              help="Session rows (CSV --rows sessions, the XLSX sessions sheet) get the tokens in and out of "
                   "their model calls, per role, and the estimated cost in USD of priced (OpenAI) models.")
@click.pass_obj
def export(obj: Context, fmt: str, out: Path, rows: str, date_from, date_to, team, person, scenario_id, mode,
           actor: str | None, homepage: str, include_tokens: bool) -> None:
    """Export graded replies and sessions for HR: CSV, XLSX or xAPI statements.

    Scores are the scores of record (a trainer's label wins over the judge); unscored
    replies have no score, never 0. Trial sessions and sessions left early are never
    exported. Every export is recorded in the audit log.
    """
    import getpass

    from pydantic import ValidationError

    from simulator.exports import ExportFilter, export as run_export
    from simulator.store.assignments import teams

    try:
        export_filter = ExportFilter(
            date_from=date_from.date() if date_from else None, date_to=date_to.date() if date_to else None,
            team=team, person=person, scenario_id=scenario_id, mode=mode,
        )
    except ValidationError as exc:
        _fail("; ".join(error["msg"].removeprefix("Value error, ") for error in exc.errors()))
    if actor is None:
        try:
            actor = getpass.getuser()
        except Exception:  # noqa: BLE001 - no login name in some containers
            actor = "unknown"
    if rows != "replies" and fmt != "csv":
        click.echo("note: --rows applies to CSV only; XLSX holds both tables, xAPI both kinds of statement.", err=True)
    if include_tokens and (fmt == "xapi" or (fmt == "csv" and rows == "replies")):
        click.echo("note: --tokens adds columns to session rows only: use --rows sessions (CSV) or --format xlsx.",
                   err=True)
    catalog = _catalog(obj)
    db = catalog.store.db
    if export_filter.team and export_filter.team not in teams(db):
        click.echo(f"warning: no team named {export_filter.team!r} (known: {', '.join(sorted(teams(db))) or 'none'}).",
                   err=True)
    try:
        written = run_export(db, fmt, out, export_filter, actor=actor, rows=rows, catalog=catalog, homepage=homepage,
                             include_tokens=include_tokens)
    except OSError as exc:
        _fail(f"Cannot write {out}: {exc.strerror or exc}. Pass --out with a file you can write to.")
    click.echo(f"wrote {written} rows to {out}")


def main() -> None:
    from simulator.llm.base import LLMError
    from simulator.llm.registry import SpecError
    from simulator.store.database import StoreError

    try:
        cli(prog_name="empathy-sim")
    except (LLMError, SpecError, StoreError) as exc:
        _fail(str(exc))




@cli.group()
def user() -> None:
    """Local accounts: add, list, reset a password (for admins with shell access)."""


def _users_db(obj: Context):
    from simulator.store.repository import Store

    return Store(obj.settings().db).db


@user.command("add")
@click.argument("username")
@click.option("--role", "roles", multiple=True, type=click.Choice(["trainee", "trainer", "hr", "admin"]),
              required=True, help="Repeat for several roles.")
@click.option("--name", default="", help="The name shown to others.")
@click.option("--language", type=click.Choice(["en", "de"]), default=None,
              help="Interface language of the account; default: the configured one (EMPATHY_SIM_LANGUAGE).")
@click.password_option(help="Asked for when not given (never echoed).")
@click.pass_obj
def user_add(obj: Context, username: str, roles: tuple[str, ...], name: str, language: str | None,
             password: str) -> None:
    from simulator import accounts

    try:
        created = accounts.create_user(_users_db(obj), username, password, list(roles), name,
                                       language=language or obj.settings().language)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {created.username} ({', '.join(created.roles)})")


@user.command("list")
@click.pass_obj
def user_list(obj: Context) -> None:
    from simulator import accounts

    for account in accounts.list_users(_users_db(obj)):
        click.echo(f"{account.username}\t{', '.join(account.roles)}\t{account.display_name}")


@user.command("reset-password")
@click.argument("username")
@click.password_option(help="The new password (asked for when not given).")
@click.pass_obj
def user_reset(obj: Context, username: str, password: str) -> None:
    """Set a new password and unlock the account (e.g. a locked-out admin)."""
    from simulator import accounts

    try:
        accounts.reset_password(_users_db(obj), username, password)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"new password set for {username}; the account is unlocked")


@cli.group()
def privacy() -> None:
    """Data protection: a person's data, erasing a person, retention."""


@privacy.command("export-person")
@click.argument("username")
@click.option("--out", "out", type=click.Path(dir_okay=False), required=True)
@click.option("--by", default=None, help="Who asks (for the audit log; default: your login name).")
@click.pass_obj
def privacy_export(obj: Context, username: str, out: str, by: str | None) -> None:
    """Write everything stored about one person as JSON."""
    from simulator.store.privacy import export_person, to_json

    data = export_person(_users_db(obj), username, by or _login_name())
    Path(out).write_text(to_json(data), encoding="utf-8")
    click.echo(f"wrote {len(data['sessions'])} session(s) of {username} to {out}")


@privacy.command("erase")
@click.argument("username")
@click.option("--yes", is_flag=True, help="Confirm: this cannot be undone.")
@click.option("--by", default=None)
@click.pass_obj
def privacy_erase(obj: Context, username: str, yes: bool, by: str | None) -> None:
    """Delete a person's sessions, turns, verdicts, labels and account."""
    from simulator.store.privacy import erase_person

    if not yes:
        raise click.ClickException(f"Erasing {username} cannot be undone; pass --yes to confirm.")
    counts = erase_person(_users_db(obj), username, by or _login_name())
    click.echo("erased " + ", ".join(f"{n} {what}" for what, n in counts.items()))


@privacy.command("retention")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Default: EMPATHY_SIM_RETENTION_DAYS / retention_days in the config.")
@click.pass_obj
def privacy_retention(obj: Context, days: int | None) -> None:
    """Delete practice sessions older than the retention period."""
    from simulator.store.privacy import apply_retention

    days = days or obj.settings().retention_days
    if not days:
        raise click.ClickException("No retention period: pass --days N or set EMPATHY_SIM_RETENTION_DAYS.")
    click.echo(f"deleted {apply_retention(_users_db(obj), days)} practice session(s) older than {days} days")


def _login_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "cli"


if __name__ == "__main__":
    main()
