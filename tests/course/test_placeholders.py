"""Placeholders in lesson requests (``{{now+600}}``, ``{{stream-arn T}}``...): how they are
found, checked when a lesson loads, filled in from a sandbox, and run from a lesson page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from dynalab.course import placeholders, selectors, validation
from dynalab.course.lessons import load_course
from dynalab.course.rehearsal import Rehearsal
from dynalab.sandboxes import selectors as sandbox_selectors
from dynalab.sandboxes import services as sandbox_services
from dynalab.sandboxes.errors import ServiceError
from dynalab.sandboxes.scratch import SCRATCH_START
from tests.support.course import CREATE_BOOKS, QUIZ_BLOCK, request_block, write_lesson
from tests.support.workbench import sandbox_of

HTMX = {"HTTP_HX_REQUEST": "true"}
GAMES = {
    "TableName": "Games",
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "BillingMode": "PAY_PER_REQUEST",
    "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
}


def resolved(rehearsal: Rehearsal, body: Any) -> Any:
    with rehearsal.sandbox.inspecting() as view:
        return placeholders.resolve(body, view, rehearsal.sandbox.now())


# --------------------------------------------------------------------------- finding
def test_find_lists_each_placeholder_once_with_its_meaning() -> None:
    found, problems = placeholders.find(
        {"a": {"N": "{{now+600}}"}, "b": ["{{now+600}}", "x {{ stream-arn Games }} y"]}
    )
    assert problems == []
    assert [(p.name, p.offset, p.arguments) for p in found] == [
        ("now", 600, ()),
        ("stream-arn", 0, ("Games",)),
    ]
    assert found[0].meaning == "your sandbox's clock, in epoch seconds, plus 600 seconds"
    assert found[1].meaning == "the ARN of Games's stream"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{{tomorrow}}", "unknown placeholder '{{tomorrow}}'"),
        ("{{now+}}", "'{{now+}}' is not a placeholder"),
        ("{{stream-arn}}", "is written {{stream-arn <table>}}"),
        ("{{backup-arn Accounts}}", "is written {{backup-arn <table> <backup name>}}"),
        ("{{earliest-restorable+5 Accounts}}", "only now takes +N or -N seconds"),
    ],
)
def test_a_malformed_placeholder_is_reported(text: str, problem: str) -> None:
    found, problems = placeholders.find({"Value": text})
    assert found == []
    assert len(problems) == 1 and problem in problems[0]


def test_check_lessons_names_a_misspelt_placeholder_with_its_line(lessons_dir: Path) -> None:
    body = request_block("PutItem", {"TableName": "Books", "Item": {"t": {"N": "{{nwo}}"}}})
    path = write_lesson(lessons_dir, "01-a.md", "## A\n\n" + body + QUIZ_BLOCK)
    fence = path.read_text().split("\n").index("```request") + 1
    course = load_course([lessons_dir])
    messages = [str(p) for p in validation.check_course(course)]
    assert any(f"01-a.md:{fence}: unknown placeholder '{{{{nwo}}}}'" in m for m in messages)


# --------------------------------------------------------------------------- filling in
def test_times_are_numbers_except_where_dynamodb_json_writes_them_as_text() -> None:
    rehearsal = Rehearsal()
    body = {
        "RestoreDateTime": "{{now-600}}",
        "Item": {"expiresAt": {"N": "{{now+600}}"}, "all": {"NS": ["{{now}}", "1"]}},
        "Note": "written at {{now}}.",
    }
    now = int(SCRATCH_START)
    assert resolved(rehearsal, body) == {
        "RestoreDateTime": now - 600,
        "Item": {"expiresAt": {"N": str(now + 600)}, "all": {"NS": [str(now), "1"]}},
        "Note": f"written at {now}.",
    }
    rehearsal.wait(0.75)  # whole seconds: the clock's fraction is dropped
    assert resolved(rehearsal, {"At": "{{now}}"}) == {"At": now}


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(alphabet="abc{} :#"),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
        max_leaves=12,
    )
)
def test_a_body_without_placeholders_is_sent_as_written(body: Any) -> None:
    if placeholders.has_placeholders(body):
        return
    assert placeholders.resolve(body, view=None, now=0.0) is body  # type: ignore[arg-type]


def test_the_stream_arn_is_the_tables_current_stream() -> None:
    rehearsal = Rehearsal()
    with pytest.raises(ServiceError, match="no table Games in your sandbox yet"):
        resolved(rehearsal, {"StreamArn": "{{stream-arn Games}}"})
    rehearsal.execute("CreateTable", {**GAMES, "StreamSpecification": {"StreamEnabled": False}})
    with pytest.raises(ServiceError, match="Table Games has no stream yet"):
        resolved(rehearsal, {"StreamArn": "{{stream-arn Games}}"})
    rehearsal.execute("UpdateTable", {"TableName": "Games", **_stream("NEW_IMAGE")})
    arn = resolved(rehearsal, {"StreamArn": "{{stream-arn Games}}"})["StreamArn"]
    assert (
        arn
        == rehearsal.execute("DescribeTable", {"TableName": "Games"})["Table"]["LatestStreamArn"]
    )
    # The ARN is what a trigger needs.
    rehearsal.execute("CreateTable", {**CREATE_BOOKS, "TableName": "Copies"})
    rehearsal.execute(
        "CreateTrigger",
        {
            "StreamArn": "{{stream-arn Games}}",
            "HandlerName": "copy_to_table",
            "HandlerParameters": {"TableName": "Copies"},
            "StartingPosition": "TRIM_HORIZON",
        },
    )
    with rehearsal.sandbox.inspecting() as view:
        assert [t.stream_arn for t in view.triggers("Games")] == [arn]


def _stream(view_type: str) -> dict[str, Any]:
    return {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": view_type}}


def test_the_backup_arn_is_the_newest_backup_of_that_name() -> None:
    rehearsal = Rehearsal()
    rehearsal.execute("CreateTable", CREATE_BOOKS)
    with pytest.raises(ServiceError, match="no backup named nightly"):
        resolved(rehearsal, {"BackupArn": "{{backup-arn Books nightly}}"})
    arns = []
    for name in ("nightly", "weekly", "nightly"):
        details = rehearsal.execute("CreateBackup", {"TableName": "Books", "BackupName": name})
        arns.append(details["BackupDetails"]["BackupArn"])
        rehearsal.wait(600)  # one backup of a table at a time
    assert resolved(rehearsal, {"BackupArn": "{{backup-arn Books nightly}}"}) == {
        "BackupArn": arns[2]
    }


def test_the_recovery_window_in_whole_seconds_inside_it() -> None:
    rehearsal = Rehearsal()
    rehearsal.execute("CreateTable", CREATE_BOOKS)
    with pytest.raises(ServiceError, match="Point-in-time recovery is off for Books"):
        resolved(rehearsal, {"T": "{{earliest-restorable Books}}"})
    rehearsal.wait(0.5)
    rehearsal.execute(
        "UpdateContinuousBackups",
        {
            "TableName": "Books",
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        },
    )
    rehearsal.wait(600)
    window = rehearsal.execute("DescribeContinuousBackups", {"TableName": "Books"})[
        "ContinuousBackupsDescription"
    ]["PointInTimeRecoveryDescription"]
    body = resolved(
        rehearsal,
        {"From": "{{earliest-restorable Books}}", "To": "{{latest-restorable Books}}"},
    )
    assert (
        window["EarliestRestorableDateTime"]
        <= body["From"]
        < window["EarliestRestorableDateTime"] + 1
    )
    assert window["LatestRestorableDateTime"] - 1 < body["To"] <= window["LatestRestorableDateTime"]
    # Both are restorable seconds.
    for name, moment in (("First", body["From"]), ("Last", body["To"])):
        rehearsal.execute(
            "RestoreTableToPointInTime",
            {"SourceTableName": "Books", "TargetTableName": name, "RestoreDateTime": moment},
        )


def test_a_rehearsal_keeps_what_it_sent_so_a_fork_replays_it() -> None:
    rehearsal = Rehearsal()
    rehearsal.execute("CreateTable", CREATE_BOOKS)
    rehearsal.execute("PutItem", {"TableName": "Books", "Item": _book("1", "{{now+60}}")})
    sent_at = int(rehearsal.sandbox.now())
    fork = rehearsal.fork()
    fork.wait(3600)  # a fork that moved on still holds the value sent at the time
    with fork.sandbox.inspecting() as view:
        item = view.item("Books", {"isbn": {"S": "1"}})
    assert item is not None and item.item["expiresAt"] == {"N": str(sent_at + 60)}


def _book(isbn: str, expires: str) -> dict[str, Any]:
    return {"isbn": {"S": isbn}, "expiresAt": {"N": expires}}


# --------------------------------------------------------------------------- on a lesson page
@pytest.fixture
def timed_lesson(lessons_dir: Path) -> Path:
    body = (
        "## Expiring books\n\n"
        + request_block("CreateTable", CREATE_BOOKS)
        + "\n"
        + request_block("PutItem", {"TableName": "Books", "Item": _book("1", "{{now+600}}")})
        + "\n"
        + QUIZ_BLOCK
    )
    write_lesson(lessons_dir, "01-timed.md", body)
    return lessons_dir


@pytest.mark.django_db
def test_running_a_request_fills_in_the_sandboxs_time(client: Client, timed_lesson: Path) -> None:
    html = client.get("/learn/timed/").content.decode()
    assert "Filled in from your sandbox when you run it" in html
    assert "your sandbox&#x27;s clock, in epoch seconds, plus 600 seconds" in html
    client.post("/learn/timed/requests/request-1/run/", **HTMX)
    sandbox = sandbox_of(client)
    sandbox_services.advance_clock(sandbox, 3600)  # a clock the learner moved counts
    before = sandbox_services.simulated_now(sandbox)
    result = client.post("/learn/timed/requests/request-2/run/", **HTMX).content.decode()
    after = sandbox_services.simulated_now(sandbox)
    stored = sandbox_selectors.item(sandbox, "Books", {"isbn": {"S": "1"}})
    assert stored is not None
    expires = int(stored.item["expiresAt"]["N"])
    assert int(before) + 600 <= expires <= int(after) + 600
    assert "Sent, with your sandbox's values filled in" in result
    assert str(expires) in result


@pytest.mark.django_db
def test_a_placeholder_the_sandbox_cannot_fill_fails_the_run_with_advice(
    client: Client, lessons_dir: Path
) -> None:
    trigger = {
        "StreamArn": "{{stream-arn Books}}",
        "HandlerName": "copy_to_table",
        "HandlerParameters": {"TableName": "Copies"},
        "StartingPosition": "LATEST",
    }
    body = "## T\n\n" + request_block("CreateTrigger", trigger) + "\n" + QUIZ_BLOCK
    write_lesson(lessons_dir, "01-t.md", body)
    html = client.post("/learn/t/requests/request-1/run/", **HTMX).content.decode()
    assert "ResourceNotFoundException" in html
    assert "no table Books in your sandbox yet" in html


@pytest.mark.django_db
def test_open_in_workbench_fills_the_placeholders_in_when_followed(
    client: Client, timed_lesson: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "workbench_path", lambda: "/console/run/")
    html = client.get("/learn/timed/").content.decode()
    assert 'href="/learn/timed/requests/request-2/workbench/"' in html
    response = client.get("/learn/timed/requests/request-2/workbench/")
    assert response.status_code == 302
    sent = json.loads(parse_qs(urlsplit(response["Location"]).query)["request"][0])
    now = sandbox_services.simulated_now(sandbox_of(client))
    assert abs(int(sent["Item"]["expiresAt"]["N"]) - (now + 600)) < 5
    assert client.get("/learn/timed/requests/nope/workbench/").status_code == 404
    assert client.post("/learn/timed/requests/request-2/workbench/").status_code == 405
