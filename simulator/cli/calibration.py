"""`calibrate`: how well the judge agrees with human labels, and fitting its level
thresholds to them."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from simulator.cli.context import Context, _fail, _library


@click.command()
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
