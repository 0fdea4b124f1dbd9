"""The bookshelf: a table's partitions as shelves, its items as books in sort-key order.

One shelf per partition-key value, in the order a Scan visits them; on each shelf the items in
sort-key order, each book as wide as the item is large. Arriving from a Query, the books the
key condition read are marked, so the learner sees that a Query touches one shelf, and one
contiguous run of books on it, while a Scan sweeps every shelf.

Drawn from the sandbox's engine, read-only. Big tables are cut: the first ``MAX_SHELVES``
shelves and ``MAX_BOOKS`` books of each (the queried shelf is always drawn, around its range).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dynalab.console import services
from dynalab.console import values as value_text
from dynalab.console.reads import _engine_reader, _Uncharged
from dynalab.sandboxes.models import Sandbox
from engine import DynamoDBError
from engine.core import OPERATIONS

MAX_SHELVES = 30
MAX_BOOKS = 50
#: The most items a key condition's range is traced through (pages of the re-read).
MAX_TRACED = 5000
MIN_BOOK_PX = 3
MAX_BOOK_PX = 24
#: Width a full shelf may take, in pixels, so a shelf of 50 books fits without scrolling.
SHELF_PX = 620


@dataclass
class Book:
    key: dict[str, Any]
    label: str
    size_bytes: int
    width_px: int = MIN_BOOK_PX
    #: True: the read touched it; False: it did not; None: no read to compare with.
    read: bool | None = None


@dataclass
class Segment:
    """A run of neighbouring books that the read touched, or did not."""

    read: bool | None
    books: list[Book]


@dataclass
class Shelf:
    position: int
    label: str
    item_count: int
    size_bytes: int
    books: list[Book]
    skipped_before: int = 0
    #: The read visited this shelf (None: no read to compare with).
    visited: bool | None = None

    @property
    def skipped_after(self) -> int:
        return self.item_count - self.skipped_before - len(self.books)

    @property
    def segments(self) -> list[Segment]:
        segments: list[Segment] = []
        for book in self.books:
            if segments and segments[-1].read == book.read:
                segments[-1].books.append(book)
            else:
                segments.append(Segment(book.read, [book]))
        return segments


@dataclass
class Bookshelf:
    table: str
    index: str | None
    partition_key: str
    sort_key: str | None
    shelves: list[Shelf]
    shelf_count: int
    item_count: int
    #: "Query", "Scan" or None: what the marks show.
    read_operation: str | None = None
    read_count: int = 0
    truncated_trace: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def hidden_shelves(self) -> int:
        return self.shelf_count - len(self.shelves)


def _trace(
    engine: Any, operation: str, request: dict[str, Any], table_keys: list[str]
) -> tuple[set[str], bool]:
    """Keys of every item the read's key condition covers (all pages), uncharged."""
    from dynalab.console.reads import _reread_request

    keys: set[str] = set()
    page_request = _reread_request(request, MAX_TRACED)
    page_request.pop("ExclusiveStartKey", None)
    handler = OPERATIONS[operation]
    while True:
        page = handler(_Uncharged(engine), page_request)
        for item in page.get("Items", []):
            keys.add(_traced_key(item, table_keys))
        last = page.get("LastEvaluatedKey")
        if not last or len(keys) >= MAX_TRACED:
            return keys, bool(last)
        page_request = {**page_request, "ExclusiveStartKey": last}


def draw(
    sandbox: Sandbox,
    table: services.TableSummary,
    *,
    index: str | None = None,
    read: tuple[str, dict[str, Any]] | None = None,
) -> Bookshelf:
    """The picture of ``table`` (or one of its indexes), marking what ``read`` covers."""
    partition, sort = table.keys_for(index)
    table_keys = table.key_names
    with _engine_reader(sandbox) as engine:
        stored = engine.tables.get(table.name)
        source = stored.indexes.get(index) if (stored is not None and index) else stored
        if source is None:
            return Bookshelf(table.name, index, partition.name, sort and sort.name, [], 0, 0)
        traced: set[str] | None = None
        truncated = False
        if read is not None:
            try:
                traced, truncated = _trace(engine, read[0], read[1], table_keys)
            except DynamoDBError:
                traced = None
        order = list(source.partition_order)
        shelves: list[Shelf] = []
        for position, (_, partition_value) in enumerate(order, 1):
            if len(shelves) >= MAX_SHELVES and (traced is None or read[0] == "Scan"):
                continue
            entries = _entries(source.partitions[partition_value])
            visited = None
            if traced is not None:
                visited = read[0] == "Scan" or any(
                    _traced_key(item, table_keys) in traced for item, _ in entries
                )
            if len(shelves) >= MAX_SHELVES and not visited:
                continue
            start = 0
            if visited and read[0] == "Query" and len(entries) > MAX_BOOKS:
                first = next(
                    (
                        i
                        for i, (item, _) in enumerate(entries)
                        if _traced_key(item, table_keys) in traced
                    ),
                    0,
                )
                start = max(0, min(first - 3, len(entries) - MAX_BOOKS))
            window = entries[start : start + MAX_BOOKS]
            books = []
            for item, size in window:
                sort_text = (
                    value_text.cell_text(item[sort.name], typed=False)
                    if sort is not None and sort.name in item
                    else value_text.cell_text(item[partition.name], typed=False)
                )
                book = Book(
                    key={n: item[n] for n in table_keys if n in item},
                    label=sort_text,
                    size_bytes=size,
                )
                if traced is not None:
                    book.read = read[0] == "Scan" or _traced_key(item, table_keys) in traced
                books.append(book)
            first_item = entries[0][0]
            shelves.append(
                Shelf(
                    position=position,
                    label=value_text.cell_text(first_item[partition.name], typed=False),
                    item_count=len(entries),
                    size_bytes=sum(size for _, size in entries),
                    books=books,
                    skipped_before=start,
                    visited=visited,
                )
            )
        item_count = source.item_count
    # One scale for the whole picture, so widths compare across shelves: the largest book is
    # MAX_BOOK_PX wide, unless that would push the fullest shelf past SHELF_PX.
    largest = max((b.size_bytes for s in shelves for b in s.books), default=1)
    fullest = max((sum(b.size_bytes for b in s.books) for s in shelves), default=1)
    most_books = max((len(s.books) for s in shelves), default=1)
    room = max(SHELF_PX - most_books * (MIN_BOOK_PX + 1), 1)
    pixels_per_byte = min(MAX_BOOK_PX / max(largest, 1), room / max(fullest, 1))
    for shelf in shelves:
        for book in shelf.books:
            book.width_px = MIN_BOOK_PX + round(book.size_bytes * pixels_per_byte)
    picture = Bookshelf(
        table=table.name,
        index=index,
        partition_key=partition.name,
        sort_key=sort.name if sort else None,
        shelves=shelves,
        shelf_count=len(order),
        item_count=item_count,
        read_operation=read[0] if read else None,
        read_count=len(traced) if traced is not None else 0,
        truncated_trace=truncated,
    )
    return picture


def _traced_key(item: dict[str, Any], table_keys: list[str]) -> str:
    return services.url_json(dict(sorted((n, item[n]) for n in table_keys if n in item)))


def _entries(partition: Any) -> list[tuple[dict[str, Any], int]]:
    """A partition's stored entries in sort order: a SortedDict, or one (item, size) entry."""
    if isinstance(partition, tuple):
        return [partition]
    return list(partition.values())
