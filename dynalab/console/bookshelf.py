"""The bookshelf: a table's partitions as shelves, its items as books in sort-key order.

One shelf per partition-key value, in the order a Scan visits them; on each shelf the items in
sort-key order, each book as wide as the item is large. Arriving from a Query, the books the
key condition read are marked, so the learner sees that a Query touches one shelf, and one
contiguous run of books on it, while a Scan sweeps every shelf.

Drawn through the sandbox's inspection view (uncharged, unrecorded). Big tables are cut: the first ``MAX_SHELVES``
shelves and ``MAX_BOOKS`` books of each (the queried shelf is always drawn, around its range).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dynalab.console import values as value_text
from dynalab.console.calls import url_json
from dynalab.console.tables import TableSummary
from dynalab.sandboxes import selectors
from dynalab.sandboxes.errors import ServiceError
from dynalab.sandboxes.models import Sandbox

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
    #: Set by the Indexes tab: the book's membership of an index (IndexMember.status).
    membership: str | None = None


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


def draw(
    sandbox: Sandbox,
    table: TableSummary,
    *,
    region: str,
    index: str | None = None,
    read: tuple[str, dict[str, Any]] | None = None,
) -> Bookshelf:
    """The picture of ``table`` (or one of its indexes), marking what ``read`` covers.

    Drawn from one consistent inspection of the sandbox: the first ``MAX_SHELVES`` shelves in
    scan order, and for a Query the queried shelf wherever it is, its window around the
    range the key condition covers.
    """
    partition, sort = table.keys_for(index)
    table_keys = table.key_names
    empty = Bookshelf(table.name, index, partition.name, sort and sort.name, [], 0, 0)
    with selectors.inspecting(sandbox, region=region) as view:
        try:
            shelf_count = view.shelf_count(table.name, index)
        except ServiceError:
            return empty
        traced: set[str] | None = None
        truncated = False
        queried = None
        if read is not None:
            try:
                covered = view.covered_keys(read[0], read[1], limit=MAX_TRACED)
            except ServiceError:
                covered = None
            if covered is not None:
                traced = {traced_key(key, table_keys) for key in covered.keys}
                truncated = covered.truncated
                if read[0] == "Query" and covered.keys:
                    queried = view.shelf_of(
                        table.name, index, covered.keys[0], books=MAX_BOOKS, before=3
                    )
        found = list(view.shelves(table.name, index, count=MAX_SHELVES, books=MAX_BOOKS))
        item_count = _item_count(view.describe_table(table.name), index)
    if queried is not None:
        found = [queried if s.position == queried.position else s for s in found]
        if all(s.position != queried.position for s in found):
            found.append(queried)
    shelves = []
    for stored in found:
        visited = None
        if traced is not None:
            visited = read[0] == "Scan" or (queried is not None and stored is queried)
        books = []
        for book in stored.books:
            item = book.item
            sort_text = (
                value_text.cell_text(item[sort.name], typed=False)
                if sort is not None and sort.name in item
                else value_text.cell_text(item[partition.name], typed=False)
            )
            marked = Book(
                key={n: item[n] for n in table_keys if n in item},
                label=sort_text,
                size_bytes=book.size_bytes,
            )
            if traced is not None:
                marked.read = read[0] == "Scan" or traced_key(item, table_keys) in traced
            books.append(marked)
        shelves.append(
            Shelf(
                position=stored.position + 1,
                label=value_text.cell_text(stored.partition_key[partition.name], typed=False),
                item_count=stored.item_count,
                size_bytes=stored.size_bytes,
                books=books,
                skipped_before=stored.offset,
                visited=visited,
            )
        )
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
    return Bookshelf(
        table=table.name,
        index=index,
        partition_key=partition.name,
        sort_key=sort.name if sort else None,
        shelves=shelves,
        shelf_count=shelf_count,
        item_count=item_count,
        read_operation=read[0] if read else None,
        read_count=len(traced) if traced is not None else 0,
        truncated_trace=truncated,
    )


def _item_count(description: dict[str, Any], index: str | None) -> int:
    if index is None:
        return description.get("ItemCount", 0)
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        for described in description.get(key, []):
            if described["IndexName"] == index:
                return described.get("ItemCount", 0)
    return 0


def traced_key(item: dict[str, Any], table_keys: list[str]) -> str:
    """An item's table key as text, to match books against keys from elsewhere."""
    return url_json(dict(sorted((n, item[n]) for n in table_keys if n in item)))
