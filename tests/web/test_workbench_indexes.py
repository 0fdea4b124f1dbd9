"""Reads through a global secondary index: the builder, its receipt and the bookshelf."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse

from tests.support.workbench import HTMX, by_testid


@pytest.fixture
def learner(transactional_db: None) -> Client:
    """Real commits, so the worker's engine cache behaves as in production."""
    return Client()


def load_scores(client: Client) -> None:
    """The scores sample's table and its first 300 items (the first three loading steps)."""
    url = reverse("console:load_sample", args=["scores"])
    for step in range(4):
        client.post(url, {"step": str(step)}, **HTMX)


def test_a_leaderboard_query_through_the_index(learner: Client) -> None:
    load_scores(learner)
    time.sleep(1.1)  # the index shows writes after its simulated propagation delay (1 s)

    response = learner.get(
        reverse("console:query"),
        {
            "table": "GameScores",
            "index": "GameLeaderboard",
            "mode": "query",
            "pk": "Meteor Blaster",
            "order": "desc",
            "limit": "10",
        },
    )

    outcome = response.context["outcome"]
    assert outcome.result.ok, outcome.result.error
    assert outcome.result.request["IndexName"] == "GameLeaderboard"
    assert outcome.result.request["KeyConditionExpression"] == "game = :pk"
    scores = [int(item["top_score"]["N"]) for item in outcome.result.response["Items"]]
    assert len(scores) == 10 and scores == sorted(scores, reverse=True)
    assert "index GameLeaderboard of GameScores" in response.content.decode()
    assert by_testid(response.content, "scanned-count") == "10"
    assert outcome.receipt.itemised


def test_the_bookshelf_of_an_index_has_one_shelf_per_game(learner: Client) -> None:
    load_scores(learner)
    time.sleep(1.1)

    response = learner.get(
        reverse("console:bookshelf", args=["GameScores"]),
        {"index": "GameLeaderboard", "mode": "query", "pk": "Starship X"},
    )

    picture = response.context["picture"]
    assert picture.shelf_count == 5
    assert picture.partition_key == "game"
    starship = next(shelf for shelf in picture.shelves if shelf.label == "Starship X")
    assert starship.visited
    assert all(not shelf.visited for shelf in picture.shelves if shelf is not starship)
