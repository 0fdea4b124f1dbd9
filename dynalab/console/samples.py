"""Sample data sets, generated in code: the same items every time (seeded, no files).

Each set is a CreateTable request and a list of items in DynamoDB JSON, loaded with
BatchWriteItem in batches of 25 (the service's maximum), a few batches per step so a progress
bar can follow a large set.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from dynalab.console.calls import FieldErrors, call
from dynalab.sandboxes.models import Sandbox

BATCH_SIZE = 25
BATCHES_PER_STEP = 4

_FIRST_NAMES = [
    "ann",
    "bob",
    "carla",
    "dev",
    "erin",
    "farid",
    "gita",
    "hugo",
    "ines",
    "jon",
    "kemal",
    "lena",
    "marco",
    "nia",
    "omar",
    "pia",
    "quinn",
    "rosa",
    "sami",
    "tara",
    "uma",
    "viktor",
    "wen",
    "xavi",
    "yara",
    "zane",
    "abel",
    "bea",
    "cyrus",
    "dina",
    "elif",
    "felix",
    "gus",
    "hana",
    "ivo",
    "jade",
    "kai",
    "luz",
    "mei",
    "nils",
    "olga",
    "paz",
    "raf",
    "sol",
    "teo",
    "ugo",
    "val",
    "wil",
    "yuki",
    "zoe",
]
_CITIES = ("Lisbon", "Oslo", "Austin", "Nairobi", "Osaka", "Lyon", "Quito", "Perth", "Tunis")


@dataclass(frozen=True)
class SampleSet:
    slug: str
    title: str
    description: str
    example_question: str
    table_request: dict[str, Any]
    #: How many items the generator makes, declared so that listing the sets on a page does
    #: not generate them (a test pins it to the generator).
    item_count: int

    @property
    def table_name(self) -> str:
        return self.table_request["TableName"]

    @property
    def items(self) -> list[dict[str, Any]]:
        return _items(self.slug)

    @property
    def steps(self) -> int:
        """Steps to load: the CreateTable call, then a few batches per step."""
        per_step = BATCH_SIZE * BATCHES_PER_STEP
        return 1 + -(-self.item_count // per_step)

    def batches(self, step: int) -> Iterator[dict[str, Any]]:
        """The BatchWriteItem requests of step ``step`` (1-based; step 0 creates the table)."""
        per_step = BATCH_SIZE * BATCHES_PER_STEP
        chunk = self.items[(step - 1) * per_step : step * per_step]
        for offset in range(0, len(chunk), BATCH_SIZE):
            yield {
                "RequestItems": {
                    self.table_name: [
                        {"PutRequest": {"Item": item}}
                        for item in chunk[offset : offset + BATCH_SIZE]
                    ]
                }
            }

    def matches(self, description: dict[str, Any]) -> bool:
        """True when a table's DescribeTable answer has this set's keys (the set, loaded)
        rather than another table that happens to share its name."""
        return description.get("KeySchema") == self.table_request["KeySchema"] and {
            (d["AttributeName"], d["AttributeType"])
            for d in description.get("AttributeDefinitions", [])
        } >= {
            (d["AttributeName"], d["AttributeType"])
            for d in self.table_request["AttributeDefinitions"]
        }

    def items_loaded_after(self, step: int) -> int:
        return min(self.item_count, max(0, step) * BATCH_SIZE * BATCHES_PER_STEP)


def _s(text: str) -> dict[str, str]:
    return {"S": text}


def _n(number: float | int | str) -> dict[str, str]:
    return {"N": str(number)}


def _table(name: str, keys: list[tuple[str, str, str]], **extra: Any) -> dict[str, Any]:
    definitions: dict[str, str] = {}
    for attribute, kind, _ in keys:
        definitions[attribute] = kind
    for index in extra.get("GlobalSecondaryIndexes", []):
        for element in index["KeySchema"]:
            definitions.setdefault(
                element["AttributeName"], extra["index_types"][element["AttributeName"]]
            )
    extra.pop("index_types", None)
    return {
        "TableName": name,
        "AttributeDefinitions": [
            {"AttributeName": attribute, "AttributeType": kind}
            for attribute, kind in definitions.items()
        ],
        "KeySchema": [{"AttributeName": a, "KeyType": role} for a, _, role in keys],
        "BillingMode": "PAY_PER_REQUEST",
        **extra,
    }


_WORDS = [
    "river",
    "glass",
    "winter",
    "orchard",
    "lantern",
    "signal",
    "harbor",
    "paper",
    "silent",
    "iron",
    "garden",
    "mirror",
    "northern",
    "velvet",
    "hollow",
    "amber",
    "distant",
    "city",
    "machine",
    "ocean",
    "letters",
    "shadow",
    "summer",
    "comet",
]
_GENRES = ("fiction", "mystery", "science", "history", "poetry", "fantasy", "cooking")


def _bookstore(rng: random.Random) -> list[dict[str, Any]]:
    items = []
    for author_number in range(60):
        author = f"{rng.choice(_FIRST_NAMES).title()} {rng.choice(_WORDS).title()}son"
        author = f"{author} {author_number:02d}" if author_number >= 40 else author
        titles: set[str] = set()
        for _ in range(rng.randint(6, 14)):
            title = f"The {rng.choice(_WORDS).title()} {rng.choice(_WORDS).title()}"
            if title in titles:
                continue
            titles.add(title)
            blurb_words = rng.randint(8, 160)
            items.append(
                {
                    "author": _s(author),
                    "title": _s(title),
                    "isbn": _s(
                        f"978-{rng.randint(0, 9)}-{rng.randint(10000, 99999)}-"
                        f"{rng.randint(100, 999)}-{rng.randint(0, 9)}"
                    ),
                    "genre": _s(rng.choice(_GENRES)),
                    "year": _n(rng.randint(1950, 2025)),
                    "price": _n(f"{rng.randint(5, 60)}.{rng.choice(['00', '50', '99'])}"),
                    "pages": _n(rng.randint(90, 900)),
                    "in_stock": {"BOOL": rng.random() > 0.2},
                    "formats": {
                        "SS": sorted(
                            rng.sample(
                                ["audio", "ebook", "hardcover", "paperback"], rng.randint(1, 3)
                            )
                        )
                    },
                    "blurb": _s(" ".join(rng.choice(_WORDS) for _ in range(blurb_words))),
                }
            )
    return items


def _orders(rng: random.Random) -> list[dict[str, Any]]:
    items = []
    start = datetime(2021, 1, 1, tzinfo=UTC)
    statuses = ("PLACED", "SHIPPED", "DELIVERED", "DELIVERED", "DELIVERED", "RETURNED")
    for number, customer in enumerate(_FIRST_NAMES):
        count = 48 if customer == "ann" else rng.randint(12, 60)
        moments = sorted(rng.randrange(0, 5 * 365 * 24 * 3600) for _ in range(count))
        for moment in moments:
            when = start + timedelta(seconds=moment)
            lines = [
                {
                    "M": {
                        "sku": _s(f"SKU-{rng.randint(1000, 9999)}"),
                        "quantity": _n(rng.randint(1, 4)),
                        "unit_price": _n(f"{rng.randint(2, 120)}.{rng.choice(['00', '49', '95'])}"),
                    }
                }
                for _ in range(rng.randint(1, 6))
            ]
            total = sum(
                float(line["M"]["unit_price"]["N"]) * int(line["M"]["quantity"]["N"])
                for line in lines
            )
            items.append(
                {
                    "customer": _s(customer),
                    "order_date": _s(when.strftime("%Y-%m-%dT%H:%M:%SZ")),
                    "order_id": _s(f"ORD-{number:02d}{moment % 1000000:06d}"),
                    "status": _s(rng.choice(statuses)),
                    "total": _n(f"{total:.2f}"),
                    "ship_city": _s(rng.choice(_CITIES)),
                    "lines": {"L": lines},
                }
            )
    return items


def _scores(rng: random.Random) -> list[dict[str, Any]]:
    games = ("Galaxy Invaders", "Meteor Blaster", "Starship X", "Attack Ships", "Alien Adventure")
    items = []
    for number in range(300):
        player = f"{rng.choice(_FIRST_NAMES)}{number:03d}"
        for game in games:
            if rng.random() < 0.15:
                continue
            wins = rng.randint(0, 120)
            losses = rng.randint(0, 120)
            item = {
                "player": _s(player),
                "game": _s(game),
                "top_score": _n(rng.randint(100, 99999)),
                "wins": _n(wins),
                "losses": _n(losses),
                "last_played": _s(f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"),
            }
            if wins > 100:
                item["badge"] = _s("champion")
            items.append(item)
    return items


SAMPLE_SETS: dict[str, SampleSet] = {
    sample.slug: sample
    for sample in (
        SampleSet(
            slug="bookstore",
            title="An online bookstore",
            description="Books by author and title, with genre, year, price and a blurb of "
            "very different lengths, so items range from a few hundred bytes to over 1 KB.",
            example_question="Every book by one author whose title begins with “The S”.",
            # Not "Bookstore": lesson 4 builds a table of that name with other keys.
            table_request=_table(
                "SampleBookstore", [("author", "S", "HASH"), ("title", "S", "RANGE")]
            ),
            item_count=629,
        ),
        SampleSet(
            slug="orders",
            title="Customer orders",
            description="Orders of 50 customers over five years: the customer is the "
            "partition key, the order's timestamp the sort key.",
            example_question="All of ann's orders placed in 2024 or later.",
            table_request=_table(
                "CustomerOrders", [("customer", "S", "HASH"), ("order_date", "S", "RANGE")]
            ),
            item_count=1881,
        ),
        SampleSet(
            slug="scores",
            title="A game's player scores",
            description="Each player's best score in each game, with a global secondary "
            "index by game and top score for leaderboards.",
            example_question="The top ten scores in Meteor Blaster, through the index.",
            table_request=_table(
                "GameScores",
                [("player", "S", "HASH"), ("game", "S", "RANGE")],
                GlobalSecondaryIndexes=[
                    {
                        "IndexName": "GameLeaderboard",
                        "KeySchema": [
                            {"AttributeName": "game", "KeyType": "HASH"},
                            {"AttributeName": "top_score", "KeyType": "RANGE"},
                        ],
                        "Projection": {"ProjectionType": "ALL"},
                    }
                ],
                index_types={"game": "S", "top_score": "N"},
            ),
            item_count=1265,
        ),
    )
}

_GENERATORS = {"bookstore": _bookstore, "orders": _orders, "scores": _scores}


@cache
def _items(slug: str) -> list[dict[str, Any]]:
    """The set's items, the same on every call and in every process (a fixed seed)."""
    return _GENERATORS[slug](random.Random(f"dynalab-sample-{slug}"))


def load_sample_step(
    sandbox: Sandbox, sample: SampleSet, step: int, *, endpoint: str, region: str
) -> FieldErrors | None:
    """Step 0 creates the sample's table in ``region``; each later step writes a few 25-item
    batches."""
    if step == 0:
        result = call(
            sandbox, "CreateTable", sample.table_request, endpoint=endpoint, region=region
        )
        if not result.ok and result.error.code == "ResourceInUseException":
            result.error.message = (
                f"Your sandbox already has a table named {sample.table_name} in {region}: "
                "delete it (or reset the sandbox) to load the sample again."
            )
        return result.error
    for batch in sample.batches(step):
        request = batch
        for _ in range(5):
            result = call(sandbox, "BatchWriteItem", request, endpoint=endpoint, region=region)
            if not result.ok:
                return result.error
            unprocessed = result.response.get("UnprocessedItems")
            if not unprocessed:
                break
            request = {"RequestItems": unprocessed}
    return None
