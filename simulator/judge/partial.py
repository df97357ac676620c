"""The string fields of a JSON answer that is still being written.

The feedback answer streams as JSON ({"tip": "...", "better_reply": "..."}); the page
shows its words while they come, so the trainee reads the tip seconds after the levels
instead of after the whole answer. Only complete characters are returned: a half-written
escape sequence waits for the next chunk.
"""

from __future__ import annotations

import json
import re

_ESCAPE_TAIL = re.compile(r"\\(?:u[0-9a-fA-F]{0,3})?$")


def partial_strings(text: str, fields: tuple[str, ...]) -> dict[str, str]:
    """`fields` -> their text so far, for the fields whose value has begun."""
    found = {}
    for name in fields:
        match = re.search(rf'"{re.escape(name)}"\s*:\s*"((?:[^"\\]|\\.)*)', text)
        if match is None:
            continue
        raw = _ESCAPE_TAIL.sub("", match.group(1))
        try:
            found[name] = json.loads(f'"{raw}"')
        except json.JSONDecodeError:
            continue  # a broken escape: the whole answer will say what it is
    return found
