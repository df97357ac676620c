"""What the commands share: the --db option's settings, the content and stores read from
it, and how a command fails."""

from __future__ import annotations

import sys

import click

from simulator.config import load_settings


class Context:
    def __init__(self, db: str | None):
        self.db = db

    def settings(self, **overrides):
        return load_settings(db=self.db, **overrides)


def _library():
    from simulator.content.library import default_content_dirs, load_library

    return load_library(*default_content_dirs())


def _catalog(obj: Context):
    """The seed files plus the versions stored in the --db database (no model is loaded)."""
    from simulator.catalog import Catalog
    from simulator.content.library import default_content_dirs, load_library
    from simulator.store.repository import Store

    seeds, _ = load_library(*default_content_dirs())
    return Catalog(seeds, Store(obj.settings().db))


def _users_db(obj: Context):
    from simulator.store.repository import Store

    return Store(obj.settings().db).db


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)
