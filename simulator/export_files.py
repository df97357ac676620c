"""Writing export rows to files: CSV and XLSX (cells that a spreadsheet would run as a
formula are neutralised) and xAPI JSON. A file is written to a temporary name and moved
into place, so a failed export never leaves half a file under the real name."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: Text starting with one of these is read as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading apostrophe; other values
    are returned as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def columns(rows: Iterable[dict[str, Any]]) -> list[str]:
    """Every key of every row, in the order first seen (rows of different rubrics differ)."""
    return list(dict.fromkeys(key for row in rows for key in row))


@contextmanager
def _replacing(path: Path | str, suffix: str):
    """A temporary file next to `path` that replaces it once written completely."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(handle)
    try:
        yield Path(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_csv(rows: list[dict[str, Any]], path: Path | str) -> int:
    """UTF-8 with a byte-order mark (Excel reads the accents right); returns the row count."""
    header = columns(rows)
    with _replacing(path, ".csv") as temporary:
        with open(temporary, "w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            writer.writerow([neutralise_cell(name) for name in header])
            for row in rows:
                writer.writerow(["" if row.get(k) is None else neutralise_cell(row.get(k)) for k in header])
    return len(rows)


def _xlsx_text(value: Any) -> Any:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        return neutralise_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def write_xlsx(replies: list[dict[str, Any]], sessions: list[dict[str, Any]], path: Path | str) -> int:
    """Two sheets, "replies" and "sessions"; returns the number of data rows written."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for title, rows in (("replies", replies), ("sessions", sessions)):
        sheet = book.create_sheet(title)
        header = columns(rows)
        sheet.append([_xlsx_text(name) for name in header])
        for row in rows:
            sheet.append([_xlsx_text(row.get(key)) for key in header])
    with _replacing(path, ".xlsx") as temporary:
        book.save(temporary)
    return len(replies) + len(sessions)


def write_xapi(statements: list[dict[str, Any]], path: Path | str) -> int:
    import json

    with _replacing(path, ".json") as temporary:
        temporary.write_text(json.dumps(statements, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return len(statements)
