"""What an Activity row keeps of a call: small facts for feedback and lab checks.

A summary is a flat dict with the service's names where there is one::

    {"TableName": "Music", "IndexName": "ByGenre", "Count": 3, "ScannedCount": 10,
     "UsedScan": False, "Filtered": True, "MorePages": False, "CapacityUnits": 0.5}

Keys appear only when they apply: ``Count``/``ScannedCount``/``UsedScan``/``Filtered``/
``MorePages``/``Limit`` for Query and Scan, ``QueryWouldFit`` for a Scan whose filter pins a
partition key with ``=`` (the table's, ``"(table)"``, or an index's name: a Query could have
read just that partition), ``Found`` for GetItem, ``Seconds``/``Now`` for
AdvanceClock, ``TableNames`` for batches and transactions, ``CapacityUnits`` (the total over
the table and its indexes) whenever the engine reported consumed capacity.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from dynalab.sandboxes.capacity import total_units

PREVIEW_CHARACTERS = 2048


def consumed_capacity(response: dict[str, Any] | None) -> Any:
    """The response's ConsumedCapacity (a dict, or a list for batches), or None."""
    if not response:
        return None
    return response.get("ConsumedCapacity")


def summarize(
    operation: str, request: dict[str, Any], response: dict[str, Any] | None
) -> dict[str, Any]:
    """The facts the console and the course read back; see the module docstring."""
    summary: dict[str, Any] = {}
    if not isinstance(request, dict):
        return summary
    table_name = request.get("TableName")
    if isinstance(table_name, str):
        summary["TableName"] = table_name
    index_name = request.get("IndexName")
    if isinstance(index_name, str):
        summary["IndexName"] = index_name
    table_names = _table_names(request)
    if table_names:
        summary["TableNames"] = table_names
    if operation in ("Query", "Scan"):
        summary["UsedScan"] = operation == "Scan"
        summary["Filtered"] = bool(request.get("FilterExpression"))
        if isinstance(request.get("Limit"), int):
            summary["Limit"] = request["Limit"]
        if response is not None:
            summary["Count"] = response.get("Count")
            summary["ScannedCount"] = response.get("ScannedCount")
            summary["MorePages"] = "LastEvaluatedKey" in response
    if operation == "AdvanceClock":
        seconds = request.get("seconds")
        if isinstance(seconds, int | float) and math.isfinite(seconds):
            summary["Seconds"] = seconds
        if response is not None:
            summary["Now"] = response.get("Now")
    if operation == "GetItem" and response is not None:
        summary["Found"] = "Item" in response
    units = total_units(consumed_capacity(response))
    if units is not None:
        summary["CapacityUnits"] = units
    return summary


def stored_request(request: dict[str, Any], text: str, limit: int) -> dict[str, Any]:
    """The request to keep in Activity: itself, or a preview when its JSON is over ``limit``."""
    if len(text) <= limit:
        return request
    kept: dict[str, Any] = {"Truncated": True, "SizeBytes": len(text.encode())}
    for name in ("TableName", "IndexName"):
        if isinstance(request.get(name), str):
            kept[name] = request[name]
    kept["Preview"] = text[:PREVIEW_CHARACTERS]
    return kept


#: Responses whose JSON is longer than this are kept as a preview.
RESPONSE_CHARACTERS = 4096


def stored_response(response: dict[str, Any] | None) -> tuple[Any, str]:
    """The response to keep in Activity (itself, or a preview when its JSON is long) and its
    JSON text (to look for what a database cannot store). O(size of the response)."""
    if response is None:
        return None, ""
    try:
        text = json.dumps(response, separators=(",", ":"), ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return {"Unserializable": True}, ""
    if len(text) <= RESPONSE_CHARACTERS:
        return response, text
    preview = text[:PREVIEW_CHARACTERS]
    return {"Truncated": True, "SizeBytes": len(text), "Preview": preview}, preview


def _table_names(request: dict[str, Any]) -> list[str]:
    names: set[str] = set()
    request_items = request.get("RequestItems")
    if isinstance(request_items, dict):
        names.update(name for name in request_items if isinstance(name, str))
    transact_items = request.get("TransactItems")
    if isinstance(transact_items, list):
        for element in transact_items:
            if not isinstance(element, dict):
                continue
            for action in element.values():
                if isinstance(action, dict) and isinstance(action.get("TableName"), str):
                    names.add(action["TableName"])
    return sorted(names)


#: What ``QueryWouldFit`` names when the table's own partition key is pinned.
TABLE_KEY = "(table)"
_CONJUNCTION = re.compile(r"\s+AND\s+", re.IGNORECASE)
_EQUALITY = re.compile(r"^\s*([#A-Za-z_][\w]*)\s*=\s*(:[\w]+)\s*$")
_EQUALITY_REVERSED = re.compile(r"^\s*(:[\w]+)\s*=\s*([#A-Za-z_][\w]*)\s*$")


def query_would_fit(request: dict[str, Any], description: dict[str, Any]) -> str | None:
    """For a Scan: the table (``"(table)"``) or index whose partition key the filter pins
    with ``=``, so a Query on it would have read one partition instead of every item; None
    when none is pinned, or when the filter is anything but plain ``AND``-ed comparisons
    (an OR, NOT or parentheses make no such promise). O(length of the filter)."""
    expression = request.get("FilterExpression")
    if not isinstance(expression, str) or re.search(r"[()]|\b(OR|NOT)\b", expression, re.I):
        return None
    names = request.get("ExpressionAttributeNames") or {}
    pinned: set[str] = set()
    for part in _CONJUNCTION.split(expression):
        match = _EQUALITY.match(part)
        path = match.group(1) if match else None
        if match is None:
            reversed_match = _EQUALITY_REVERSED.match(part)
            path = reversed_match.group(2) if reversed_match else None
        if path is None:
            continue
        if path.startswith("#"):
            path = names.get(path) if isinstance(names, dict) else None
        if isinstance(path, str):
            pinned.add(path)
    if not pinned:
        return None
    if _partition_key(description.get("KeySchema")) in pinned:
        return TABLE_KEY
    for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        for index in description.get(kind) or []:
            if _partition_key(index.get("KeySchema")) in pinned:
                return index.get("IndexName")
    return None


def _partition_key(schema: Any) -> str | None:
    for element in schema or []:
        if isinstance(element, dict) and element.get("KeyType") == "HASH":
            return element.get("AttributeName")
    return None
