"""The debug endpoint: off by default, and a thin wrapper over execute() when on."""

from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from dynalab.sandboxes.models import Activity, Sandbox
from tests.support import sandboxes as helpers

pytestmark = pytest.mark.django_db(transaction=True)


def _post(client: Client, sandbox: Sandbox, operation: str, request: object) -> object:
    return client.post(
        reverse("sandboxes:execute", args=[sandbox.pk]),
        data=json.dumps({"Operation": operation, "Request": request}),
        content_type="application/json",
    )


def test_the_debug_api_is_off_by_default(client: Client, sandbox: Sandbox) -> None:
    response = _post(client, sandbox, "ListTables", {})

    assert response.status_code == 404
    assert not Activity.objects.exists()


@override_settings(DYNALAB_SANDBOX_DEBUG_API=True)
def test_the_debug_api_runs_calls_and_answers_errors_as_the_service(
    client: Client, sandbox: Sandbox
) -> None:
    created = _post(client, sandbox, "CreateTable", helpers.create_table())
    duplicate = _post(client, sandbox, "CreateTable", helpers.create_table())
    moved = _post(client, sandbox, "AdvanceClock", {"seconds": 60})
    garbled = client.post(
        reverse("sandboxes:execute", args=[sandbox.pk]), data="{", content_type="application/json"
    )

    assert created.status_code == 200
    assert created.json()["TableDescription"]["TableName"] == "Music"
    assert duplicate.status_code == 400
    assert duplicate.json() == {
        "__type": "ResourceInUseException",
        "message": "Table already exists: Music",
    }
    assert moved.status_code == 200 and moved.json()["Now"] > 0
    assert garbled.status_code == 400
    assert garbled.json()["__type"] == "SerializationException"
    assert set(Activity.objects.values_list("source", flat=True)) == {"api"}
