"""The clock page: what moving the simulated clock does, and what each step would bring."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from dynalab.sandboxes import services as sandbox_services
from tests.support.workbench import by_testid, create_table, execute, sandbox_of, text

pytestmark = pytest.mark.django_db(transaction=True)

CLOCK = reverse("console:clock")


def test_an_idle_sandbox_has_nothing_due(learner: Client) -> None:
    page = learner.get(CLOCK)
    assert page.status_code == 200
    assert "Nothing waits for the clock" in text(page.content)
    assert "TTL deletes expired items" not in text(page.content)
    assert "Time to live deletes expired items" in text(page.content)
    assert learner.get(CLOCK, {"format": "json"}).json()["Due"] == []


def test_each_step_says_what_it_would_bring(learner: Client) -> None:
    create_table(learner, "Sessions", partition_key="id", sort_key="", ttl_attribute="exp")
    execute(learner, "UpdateSimulationSettings", {"TtlDeletionMode": "IMMEDIATE"})
    now = sandbox_services.simulated_now(sandbox_of(learner))
    for key in ("a", "b", "c"):
        execute(
            learner,
            "PutItem",
            {
                "TableName": "Sessions",
                "Item": {"id": {"S": key}, "exp": {"N": str(int(now) + 5 * 3600)}},
            },
        )

    page = learner.get(CLOCK)

    steps = text(page.content.decode().split('data-testid="clock-steps"')[1].split("</ul>\n")[0])
    assert "+ 1 hour Nothing falls due" in steps
    assert "+ 6 hours in 5 h: TTL deletes 3 items from Sessions" in steps
    assert "in 5 h, TTL deletes 3 items from Sessions" in by_testid(page.content, "clock-next")
    twin = learner.get(CLOCK, {"format": "json"}).json()
    assert twin["Due"][0]["Kind"] == "ttl_delete"
    assert twin["SimulationSettings"]["TtlDeletionDelay"] == "immediate"

    moved = learner.post(reverse("console:advance_clock"), {"seconds": "21600", "next": CLOCK})
    assert moved.status_code == 302 and moved["Location"] == CLOCK
    assert execute(learner, "Scan", {"TableName": "Sessions"})["Count"] == 0


def test_the_clock_refuses_steps_it_does_not_offer(learner: Client) -> None:
    response = learner.post(reverse("console:advance_clock"), {"seconds": "12345"})
    assert response.status_code == 400
    assert "Advance the clock by one of" in response.content.decode()


def test_the_simulation_form_refuses_what_it_does_not_offer(learner: Client) -> None:
    response = learner.post(reverse("console:simulation"), {"gsi_lag": "7"}, follow=True)
    assert "Choose a lag from the list" in response.content.decode()
    nothing = learner.post(reverse("console:simulation"), {}, follow=True)
    assert "Nothing to change" in nothing.content.decode()
    outside = learner.post(
        reverse("console:simulation"), {"gsi_lag": "60", "next": "https://example.com/"}
    )
    assert outside["Location"] == CLOCK


def test_a_next_that_is_not_a_local_path_goes_to_the_default(learner: Client) -> None:
    for target in ("not-a-path", '{"a":', "//evil.example/x", "https://evil.example/"):
        moved = learner.post(reverse("console:advance_clock"), {"seconds": "60", "next": target})
        assert moved.status_code == 302 and moved["Location"] == reverse("console:tables")
        changed = learner.post(reverse("console:simulation"), {"gsi_lag": "0", "next": target})
        assert changed.status_code == 302 and changed["Location"] == CLOCK
