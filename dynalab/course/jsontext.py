"""JSON as people write it: indented, with short objects kept on one line."""

from __future__ import annotations

import json
from typing import Any


def compact_json(value: Any, *, width: int = 76, indent: int = 0, used: int = 0) -> str:
    """JSON indented by two spaces, but with any object or list that fits in ``width``
    characters on one line: ``{"S": "Dune"}`` stays whole, as a person would write it.

    ``indent`` is the current block's indentation, ``used`` how much of the first line is
    already taken (by a key, say).
    """
    flat = json.dumps(value, ensure_ascii=False)
    if used + len(flat) <= width or not isinstance(value, dict | list) or not value:
        return flat
    inner = indent + 2
    if isinstance(value, dict):
        parts = []
        for key, item in value.items():
            prefix = " " * inner + json.dumps(key, ensure_ascii=False) + ": "
            parts.append(prefix + compact_json(item, width=width, indent=inner, used=len(prefix)))
        return "{\n" + ",\n".join(parts) + "\n" + " " * indent + "}"
    parts = [
        " " * inner + compact_json(item, width=width, indent=inner, used=inner) for item in value
    ]
    return "[\n" + ",\n".join(parts) + "\n" + " " * indent + "]"
