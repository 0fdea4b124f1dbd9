"""Primary-key schemas: which attributes form a key, their types, and how keys are ordered."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from engine.errors import ValidationException
from engine.values import AttributeValue, Item, binary_length, decode_binary, key_sort_value

MAX_PARTITION_KEY_BYTES = 2048
MAX_SORT_KEY_BYTES = 1024

KEY_MISMATCH = "The provided key element does not match the schema"


class KeyShapeError(ValidationException):
    """A key attribute missing, extra or of the wrong type (as opposed to an empty or
    oversized key value). Transactions cancel on it where they refuse bad values outright."""


@dataclass(frozen=True)
class KeySchema:
    """A HASH attribute and an optional RANGE attribute, each with its type (S, N or B)."""

    partition_key: str
    partition_type: str
    sort_key: str | None = None
    sort_type: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (
            (self.partition_key,) if self.sort_key is None else (self.partition_key, self.sort_key)
        )

    def to_wire(self) -> list[dict[str, str]]:
        schema = [{"AttributeName": self.partition_key, "KeyType": "HASH"}]
        if self.sort_key is not None:
            schema.append({"AttributeName": self.sort_key, "KeyType": "RANGE"})
        return schema

    def key_of(self, item: Item) -> Item:
        """The key attributes of a stored item."""
        if self.sort_key is None:
            return {self.partition_key: item[self.partition_key]}
        return {self.partition_key: item[self.partition_key], self.sort_key: item[self.sort_key]}

    def check_key(self, key: Item, *, message: str = KEY_MISMATCH) -> tuple[Any, Any]:
        """Validate a Key parameter (exactly the key attributes, right types); return sort values."""
        if len(key) != len(self.names) or any(name not in key for name in self.names):
            raise KeyShapeError(message)
        partition_value = key[self.partition_key]
        if self.partition_type not in partition_value:
            raise KeyShapeError(message)
        check_key_value(self.partition_key, partition_value, MAX_PARTITION_KEY_BYTES)
        if self.sort_key is None:
            return key_sort_value(partition_value), None
        sort_value = key[self.sort_key]
        if self.sort_type not in sort_value:
            raise KeyShapeError(message)
        check_key_value(self.sort_key, sort_value, MAX_SORT_KEY_BYTES)
        return key_sort_value(partition_value), key_sort_value(sort_value)

    def check_item(self, item: Item) -> tuple[Any, Any]:
        """Validate the key attributes of a whole item (PutItem); return its sort values."""
        for name, kind in (
            (self.partition_key, self.partition_type),
            (self.sort_key, self.sort_type),
        ):
            if name is None:
                continue
            if name not in item:
                raise KeyShapeError(
                    f"One or more parameter values were invalid: Missing the key {name} in the item"
                )
            actual = next(iter(item[name]))
            if actual != kind:
                raise KeyShapeError(
                    "One or more parameter values were invalid: Type mismatch for key "
                    f"{name} expected: {kind} actual: {actual}"
                )
            check_key_value(
                name,
                item[name],
                MAX_PARTITION_KEY_BYTES if name == self.partition_key else MAX_SORT_KEY_BYTES,
            )
        partition = key_sort_value(item[self.partition_key])
        if self.sort_key is None:
            return partition, None
        return partition, key_sort_value(item[self.sort_key])

    def dump(self) -> dict[str, Any]:
        return {
            "partition_key": self.partition_key,
            "partition_type": self.partition_type,
            "sort_key": self.sort_key,
            "sort_type": self.sort_type,
        }


def check_key_value(name: str, value: AttributeValue, limit: int) -> None:
    """Key values may not be empty and have size limits (2048 bytes partition, 1024 sort)."""
    kind, data = next(iter(value.items()))
    if kind == "S":
        size = len(data.encode("utf-8"))
    elif kind == "B":
        size = binary_length(data)
    else:
        return
    if size == 0:
        raise ValidationException(
            "One or more parameter values are not valid. The AttributeValue for a key attribute "
            f"cannot contain an empty {'string' if kind == 'S' else 'binary'} value. Key: {name}"
        )
    if size > limit:
        if limit == MAX_PARTITION_KEY_BYTES:
            raise ValidationException(
                "One or more parameter values were invalid: Size of hashkey has exceeded the "
                "maximum size limit of2048 bytes"
            )
        raise ValidationException(
            "One or more parameter values were invalid: Aggregated size of all range keys has "
            "exceeded the size limit of 1024 bytes"
        )


def partition_hash(value: AttributeValue) -> int:
    """A stable 64-bit hash of a partition-key value: the order a Scan visits partitions in.

    The service scans in the order of its internal hash of the partition key, not in key
    order; a stable hash gives the same shuffled-looking but deterministic order, and lets
    parallel scan split the hash space into segments as the service does.
    """
    kind, data = next(iter(value.items()))
    return _hash_of(kind, data)


@lru_cache(maxsize=8192)
def _hash_of(kind: str, data: str) -> int:
    """``partition_hash`` of one typed value, remembered: index partitions (a status, an
    owner) are hashed again on nearly every write that lands in them."""
    raw = data.encode("utf-8") if kind in ("S", "N") else decode_binary(data)
    return int.from_bytes(
        hashlib.md5(kind.encode() + raw, usedforsecurity=False).digest()[:8], "big"
    )


def composite_hash(values: list[AttributeValue]) -> int:
    """A stable 64-bit hash of several partition-key values (multi-attribute GSI keys)."""
    if len(values) == 1:
        return partition_hash(values[0])
    digest = hashlib.md5(usedforsecurity=False)
    for value in values:
        kind, data = next(iter(value.items()))
        raw = data.encode("utf-8") if kind in ("S", "N") else decode_binary(data)
        digest.update(kind.encode() + len(raw).to_bytes(4, "big") + raw)
    return int.from_bytes(digest.digest()[:8], "big")


HASH_SPACE = 1 << 64
