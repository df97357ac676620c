"""Commands on scenarios and rubrics: check the seed files, write the database's versions
out as files, store files as new versions."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from simulator.cli.context import Context, _catalog


@click.command()
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


def _kind_of_file(path: Path, text: str) -> str:
    """'rubric' or 'scenario', from the file's top-level keys (else its folder's name)."""
    from simulator.content.editing import kind_of

    return kind_of(text, "rubric" if path.resolve().parent.name.startswith("rubric") else "scenario")


@click.command("export-content")
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
    from simulator.content.library import default_content_dirs
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
    _warn_if_invalid(folders, written)


def _warn_if_invalid(folders: tuple[Path, Path], written: list[Path]) -> None:
    """Check the written files as `validate` would; a partial export (--to a new folder) is
    checked against the seed rubrics it will be used with."""
    from simulator.content.library import default_content_dirs, load_library

    rubric_folder = folders[1] if folders[1].is_dir() else default_content_dirs()[1]
    _, problems = load_library(folders[0], rubric_folder)
    mine = {str(path) for path in written}
    for problem in problems:
        if problem.path in mine:
            click.echo(f"warning: {problem}", err=True)
    if any(problem.path in mine for problem in problems):
        click.echo("The folders do not validate yet; export the missing rubrics too (--kind all) "
                   "and run `empathy-sim validate`.", err=True)


@click.command("import-content")
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
