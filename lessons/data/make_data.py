"""Writes the JSON files the lessons' setups load: run ``python lessons/data/make_data.py``.

The data is generated rather than typed so that item sizes are exact (lesson 7's 3 KB, 8 KB
and 25 KB items) and the order table is realistic yet deterministic. Each file is a list of
``{"operation", "request"}`` objects (optionally ``"capacity"``, which ``check_lessons``
verifies); see lessons/README.md.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent


def capacity_items() -> list[dict]:
    """CapacityLab: one item of exactly 3 KB, 8 KB and 25 KB (1 KB = 1,024 bytes)."""
    requests: list[dict] = [
        {
            "operation": "CreateTable",
            "request": {
                "TableName": "CapacityLab",
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "BillingMode": "PAY_PER_REQUEST",
            },
        }
    ]
    for label, kilobytes in (("item-3kb", 3), ("item-8kb", 8), ("item-25kb", 25)):
        # Item size = names + values: "id" + the id, then "body" + the body text.
        body_length = kilobytes * 1024 - len("id") - len(label) - len("body")
        requests.append(
            {
                "operation": "PutItem",
                "request": {
                    "TableName": "CapacityLab",
                    "Item": {"id": {"S": label}, "body": {"S": "x" * body_length}},
                },
                # A write costs 1 WCU per started 1 KB: exactly N KB costs N.
                "capacity": kilobytes,
            }
        )
    return requests


STATUSES = ["PENDING", "SHIPPED", "DELIVERED", "DELIVERED", "SHIPPED"]
CITIES = ["Lisbon", "Oslo", "Dublin", "Nairobi", "Lima", "Osaka", "Quebec", "Perth", "Tartu"]
SKUS = ["BOOK-101", "MUG-220", "LAMP-310", "PEN-004", "BAG-550", "CARD-017"]
NOTES = [
    "Leave the parcel with a neighbour if nobody answers the door; the blue house on the "
    "left has agreed to take deliveries for us during the week. Thank you!",
    "Please ring twice. If there is no answer, the parcel fits through the letterbox only "
    "if it is folded, so do not fold it: bring it back the next working day instead.",
    "Gift order: please do not include the invoice or any prices in the box, and write "
    "'Happy birthday, Sam' on the card if there is room for a short handwritten message.",
]


def orders() -> list[dict]:
    """ShopOrders: 10 customers x 10 orders, keyed by customer and order date + number."""
    requests: list[dict] = [
        {
            "operation": "CreateTable",
            "request": {
                "TableName": "ShopOrders",
                "AttributeDefinitions": [
                    {"AttributeName": "customer", "AttributeType": "S"},
                    {"AttributeName": "orderId", "AttributeType": "S"},
                ],
                "KeySchema": [
                    {"AttributeName": "customer", "KeyType": "HASH"},
                    {"AttributeName": "orderId", "KeyType": "RANGE"},
                ],
                "BillingMode": "PAY_PER_REQUEST",
            },
        }
    ]
    items = []
    number = 0
    for customer in range(1, 11):
        for order in range(10):
            number += 1
            month = 1 + (customer * 3 + order * 5) % 12
            day = 1 + (customer * 7 + order * 11) % 28
            year = 2023 if order < 4 else 2024
            lines = [
                {
                    "M": {
                        "sku": {"S": SKUS[(customer + order + line) % len(SKUS)]},
                        "qty": {"N": str(1 + (order + line) % 3)},
                    }
                }
                for line in range(1 + (customer + order) % 3)
            ]
            items.append(
                {
                    "customer": {"S": f"c{customer:02d}"},
                    "orderId": {"S": f"{year}-{month:02d}-{day:02d}#{number:04d}"},
                    "status": {"S": STATUSES[(customer + order) % len(STATUSES)]},
                    "total": {
                        "N": f"{(customer * 13 + order * 29) % 180 + 9}.{order * 7 % 100:02d}"
                    },
                    "lines": {"L": lines},
                    "shipTo": {
                        "M": {
                            "city": {"S": CITIES[(customer + order) % len(CITIES)]},
                            "postcode": {"S": f"{10000 + customer * 311 + order * 17}"},
                        }
                    },
                    "note": {"S": NOTES[(customer * 2 + order) % len(NOTES)]},
                }
            )
    for start in range(0, len(items), 25):
        batch = items[start : start + 25]
        requests.append(
            {
                "operation": "BatchWriteItem",
                "request": {
                    "RequestItems": {"ShopOrders": [{"PutRequest": {"Item": i}} for i in batch]}
                },
                # Each item is under 1 KB: 1 WCU apiece.
                "capacity": len(batch),
            }
        )
    return requests


TELEMETRY_ITEMS = 100
TELEMETRY_ITEM_BYTES = 10 * 1024


def telemetry() -> list[dict]:
    """Telemetry: 100 items of exactly 10 KB (1,024,000 bytes in all, under one 1 MB page),
    so one strongly consistent Scan costs 250 RCU, one eventually consistent Scan 125.
    Provisioned at 1 RCU, so a Scan must be paid from the burst pool (at most 300 units);
    with 1,000 WCU, so the setup's writes go through at once."""
    requests: list[dict] = [
        {
            "operation": "CreateTable",
            "request": {
                "TableName": "Telemetry",
                "AttributeDefinitions": [{"AttributeName": "device", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "device", "KeyType": "HASH"}],
                "BillingMode": "PROVISIONED",
                "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1000},
            },
        }
    ]
    items = []
    for number in range(1, TELEMETRY_ITEMS + 1):
        device = f"d-{number:03d}"
        # Item size = names + values: "device" + the id, then "data" + the padding.
        padding = TELEMETRY_ITEM_BYTES - len("device") - len(device) - len("data")
        items.append({"device": {"S": device}, "data": {"S": "x" * padding}})
    for start in range(0, len(items), 25):
        batch = items[start : start + 25]
        requests.append(
            {
                "operation": "BatchWriteItem",
                "request": {
                    "RequestItems": {"Telemetry": [{"PutRequest": {"Item": i}} for i in batch]}
                },
                # 10 KB apiece: 10 WCU each.
                "capacity": 10 * len(batch),
            }
        )
    return requests


CANDIDATE_ITEM_BYTES = 39 * 1024


def votes() -> list[dict]:
    """Votes: the candidates of a live poll. Candidate c1's item carries a long profile, 39 KB
    in all, so every vote (an update that rewrites the whole item) costs 40 WCU: 25 votes
    in one second fill the 1,000 WCU a partition can take."""
    requests: list[dict] = [
        {
            "operation": "CreateTable",
            "request": {
                "TableName": "Votes",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "BillingMode": "PAY_PER_REQUEST",
            },
        }
    ]
    for number, name in ((1, "Candidate One"), (2, "Candidate Two")):
        pk = f"candidate#c{number}"
        padding = CANDIDATE_ITEM_BYTES - len("pk") - len(pk) - len("name") - len(name)
        padding -= len("profile")
        requests.append(
            {
                "operation": "PutItem",
                "request": {
                    "TableName": "Votes",
                    "Item": {
                        "pk": {"S": pk},
                        "name": {"S": name},
                        "profile": {
                            "S": "A long campaign profile. " * (padding // 25)
                            + "." * (padding % 25)
                        },
                    },
                },
                "capacity": 39,
            }
        )
    return requests


SUBJECTS = [
    "Parcel arrived damaged",
    "Wrong size sent",
    "Refund not received",
    "Cannot log in",
    "Invoice address is wrong",
    "Tracking link does not work",
]


def tickets() -> list[dict]:
    """Tickets: support tickets keyed by id, three per customer c01-c10, plus c07's long
    "saga" ticket T-0099 of about 8 KB (so that an update of it writes an 8 KB index entry).
    Provisioned at 10 RCU and 1,000 WCU: the table itself never throttles in the lesson."""
    requests: list[dict] = [
        {
            "operation": "CreateTable",
            "request": {
                "TableName": "Tickets",
                "AttributeDefinitions": [{"AttributeName": "ticketId", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "ticketId", "KeyType": "HASH"}],
                "BillingMode": "PROVISIONED",
                "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 1000},
            },
        }
    ]
    items = []
    for number in range(1, 31):
        customer = 1 + (number - 1) % 10
        items.append(
            {
                "ticketId": {"S": f"T-{number:04d}"},
                "customer": {"S": f"c{customer:02d}"},
                "openedAt": {"S": f"2024-{1 + number % 6:02d}-{1 + (number * 7) % 28:02d}"},
                "subject": {"S": SUBJECTS[number % len(SUBJECTS)]},
                "status": {"S": "OPEN" if number % 3 else "CLOSED"},
            }
        )
    saga = {
        "ticketId": {"S": "T-0099"},
        "customer": {"S": "c07"},
        "openedAt": {"S": "2024-06-30"},
        "subject": {"S": "The saga of the missing lamp"},
        "status": {"S": "OPEN"},
    }
    # About 8,000 bytes in all: updates stay under 8 KB, so each costs 8 write units.
    used = sum(len(name) + len(value["S"]) for name, value in saga.items())
    saga["history"] = {"S": "Called again; still waiting. " * ((8000 - used - 7) // 29)}
    items.append(saga)
    for start in range(0, len(items), 25):
        batch = items[start : start + 25]
        requests.append(
            {
                "operation": "BatchWriteItem",
                "request": {
                    "RequestItems": {"Tickets": [{"PutRequest": {"Item": i}} for i in batch]}
                },
            }
        )
    return requests


PRODUCTS = {
    "MUG-220": ("Blue enamel mug", "12.50"),
    "LAMP-310": ("Brass desk lamp", "48.00"),
    "BOOK-101": ("A field guide to moss", "22.00"),
    "PEN-004": ("Fountain pen", "30.00"),
}


def store() -> list[dict]:
    """Store: a shop in one table (lesson 16). Keys ``pk``/``sk`` hold typed prefixes:
    CUSTOMER#id with a PROFILE and ORDER#date#id items (so a customer's latest orders come
    first when read backwards, right after the profile); ORDER#id with one PRODUCT#sku line
    per product (an adjacency list); PRODUCT#sku with its DETAILS. The ``Inverted`` index
    swaps the keys, answering the many-to-many the other way: a product's orders."""
    requests: list[dict] = [
        {
            "operation": "CreateTable",
            "request": {
                "TableName": "Store",
                "AttributeDefinitions": [
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "sk", "AttributeType": "S"},
                ],
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
                "BillingMode": "PAY_PER_REQUEST",
                "GlobalSecondaryIndexes": [
                    {
                        "IndexName": "Inverted",
                        "KeySchema": [
                            {"AttributeName": "sk", "KeyType": "HASH"},
                            {"AttributeName": "pk", "KeyType": "RANGE"},
                        ],
                        "Projection": {"ProjectionType": "ALL"},
                    }
                ],
            },
        }
    ]
    items: list[dict] = []
    for sku, (name, price) in PRODUCTS.items():
        items.append(
            {
                "pk": {"S": f"PRODUCT#{sku}"},
                "sk": {"S": "DETAILS"},
                "name": {"S": name},
                "price": {"N": price},
            }
        )
    customers = {"ana": ("Ana Lima", 14), "raj": ("Raj Patel", 3)}
    number = 0
    skus = list(PRODUCTS)
    for customer, (full_name, count) in customers.items():
        items.append(
            {
                "pk": {"S": f"CUSTOMER#{customer}"},
                "sk": {"S": "PROFILE"},
                "name": {"S": full_name},
                "email": {"S": f"{customer}@example.com"},
            }
        )
        for index in range(count):
            number += 1
            order_id = f"{number:04d}"
            date = f"2024-{1 + index % 12:02d}-{1 + (index * 5) % 27:02d}"
            if index >= 12:
                date = f"2025-{index - 11:02d}-{1 + (index * 5) % 27:02d}"
            lines = [skus[(number + k) % len(skus)] for k in range(1 + number % 2)]
            total = sum(float(PRODUCTS[sku][1]) for sku in lines)
            items.append(
                {
                    "pk": {"S": f"CUSTOMER#{customer}"},
                    "sk": {"S": f"ORDER#{date}#{order_id}"},
                    "total": {"N": f"{total:.2f}"},
                    "status": {"S": "DELIVERED" if index < count - 1 else "PENDING"},
                }
            )
            for sku in lines:
                items.append(
                    {
                        "pk": {"S": f"ORDER#{order_id}"},
                        "sk": {"S": f"PRODUCT#{sku}"},
                        "quantity": {"N": "1"},
                        "price": {"N": PRODUCTS[sku][1]},
                    }
                )
    for start in range(0, len(items), 25):
        batch = items[start : start + 25]
        requests.append(
            {
                "operation": "BatchWriteItem",
                "request": {
                    "RequestItems": {"Store": [{"PutRequest": {"Item": i}} for i in batch]}
                },
            }
        )
    return requests


BOOKS = [
    ("Ursula K. Le Guin", "A Wizard of Earthsea", 1968),
    ("Ursula K. Le Guin", "The Left Hand of Darkness", 1969),
    ("Ursula K. Le Guin", "The Lathe of Heaven", 1971),
    ("Terry Pratchett", "Guards! Guards!", 1989),
    ("Terry Pratchett", "Mort", 1987),
    ("Terry Pratchett", "Small Gods", 1992),
    ("Terry Pratchett", "Night Watch", 2002),
    ("Octavia E. Butler", "Kindred", 1979),
    ("Octavia E. Butler", "Parable of the Sower", 1993),
    ("Frank Herbert", "Dune", 1965),
    ("Iain M. Banks", "The Player of Games", 1988),
    ("Iain M. Banks", "Use of Weapons", 1990),
    ("N. K. Jemisin", "The Fifth Season", 2015),
    ("N. K. Jemisin", "The Obelisk Gate", 2016),
    ("Ted Chiang", "Stories of Your Life and Others", 2002),
    ("Ann Leckie", "Ancillary Justice", 2013),
    ("Becky Chambers", "The Long Way to a Small, Angry Planet", 2014),
    ("Isaac Asimov", "Foundation", 1951),
    ("Isaac Asimov", "I, Robot", 1950),
    ("Arthur C. Clarke", "Childhood's End", 1953),
    ("Stanislaw Lem", "Solaris", 1961),
    ("Philip K. Dick", "Ubik", 1969),
    ("Kim Stanley Robinson", "Red Mars", 1992),
    ("Connie Willis", "Doomsday Book", 1992),
    ("William Gibson", "Neuromancer", 1984),
]


def library() -> list[dict]:
    """Library: 25 books keyed by author and title (lesson 22's PartiQL), each with a blurb of
    about 900 bytes, so that a statement the table must scan reads about 24 KB while one that
    names an author reads a few books."""
    requests: list[dict] = [
        {
            "operation": "CreateTable",
            "request": {
                "TableName": "Library",
                "AttributeDefinitions": [
                    {"AttributeName": "author", "AttributeType": "S"},
                    {"AttributeName": "title", "AttributeType": "S"},
                ],
                "KeySchema": [
                    {"AttributeName": "author", "KeyType": "HASH"},
                    {"AttributeName": "title", "KeyType": "RANGE"},
                ],
                "BillingMode": "PAY_PER_REQUEST",
            },
        }
    ]
    items = []
    for author, title, year in BOOKS:
        blurb = (f"{title} ({year}) by {author}. " * 40)[:900]
        items.append(
            {
                "author": {"S": author},
                "title": {"S": title},
                "year": {"N": str(year)},
                "blurb": {"S": blurb},
            }
        )
    for start in range(0, len(items), 25):
        batch = items[start : start + 25]
        requests.append(
            {
                "operation": "BatchWriteItem",
                "request": {
                    "RequestItems": {"Library": [{"PutRequest": {"Item": i}} for i in batch]}
                },
            }
        )
    return requests


def main() -> None:
    for name, data in (
        ("capacity-items.json", capacity_items()),
        ("orders.json", orders()),
        ("telemetry.json", telemetry()),
        ("votes.json", votes()),
        ("tickets.json", tickets()),
        ("store.json", store()),
        ("library.json", library()),
    ):
        (HERE / name).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
