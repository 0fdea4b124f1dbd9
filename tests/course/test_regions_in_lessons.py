"""Lessons in several Regions: a request's ``region``, checks' ``region`` argument, and the
global-table checks, each against sandboxes prepared to pass and to fail them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from dynalab.course import checks, selectors, validation
from dynalab.course.blocks import Report, parse_request_block, parse_request_entry
from dynalab.course.lessons import load_course
from dynalab.course.rehearsal import Rehearsal
from dynalab.sandboxes import selectors as sandbox_selectors
from dynalab.sandboxes import services as sandbox_services
from tests.support.course import CREATE_BOOKS, QUIZ_BLOCK, request_block, write_lesson
from tests.support.workbench import sandbox_of

HTMX = {"HTTP_HX_REQUEST": "true"}
ZOE = {"userId": {"S": "zoe"}}
PROFILES = {
    "TableName": "Profiles",
    "AttributeDefinitions": [{"AttributeName": "userId", "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": "userId", "KeyType": "HASH"}],
    "BillingMode": "PAY_PER_REQUEST",
}


def run(
    rehearsal: Rehearsal, check_name: str, *, at_step: int = 1, **args: Any
) -> checks.CheckResult:
    assert checks.REGISTRY[check_name].argument_errors(args) == []
    return rehearsal.check(at_step, lambda context: checks.run_check(check_name, context, args))


def global_profiles(lag: float = 30) -> Rehearsal:
    """Profiles in us-east-1 with an ACTIVE replica in eu-west-1, and a replication lag."""
    rehearsal = Rehearsal()
    rehearsal.execute("CreateTable", PROFILES)
    rehearsal.execute(
        "UpdateTable",
        {"TableName": "Profiles", "ReplicaUpdates": [{"Create": {"RegionName": "eu-west-1"}}]},
    )
    rehearsal.wait(30)
    rehearsal.execute("UpdateReplicationSettings", {"ReplicationLagSeconds": lag})
    return rehearsal


def set_tier(rehearsal: Rehearsal, tier: str, region: str | None = None) -> None:
    rehearsal.execute(
        "UpdateItem",
        {
            "TableName": "Profiles",
            "Key": ZOE,
            "UpdateExpression": "SET tier = :t",
            "ExpressionAttributeValues": {":t": {"S": tier}},
        },
        region=region,
    )


# --------------------------------------------------------------------------- blocks
def test_a_request_names_its_region_in_a_fence_or_in_yaml() -> None:
    report = Report("x.md")
    block = parse_request_block(
        'DescribeTable\n{"TableName": "Books"}',
        "request region=eu-west-1",
        key="request-1",
        line=3,
        report=report,
    )
    entry = parse_request_entry(
        {"operation": "GetItem", "region": "ap-southeast-2", "request": {"TableName": "Books"}},
        key="s-1",
        line=9,
        report=report,
    )
    assert report.problems == []
    assert block is not None and block.region == "eu-west-1"
    assert entry is not None and entry.region == "ap-southeast-2"


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        (
            {"operation": "GetItem", "region": "eu-west-9", "request": {}},
            "region 'eu-west-9' is not an AWS Region DynaLab answers (did you mean eu-west-",
        ),
        ({"operation": "GetItem", "region": 3, "request": {}}, "region must be an AWS Region"),
        (
            {"operation": "AdvanceClock", "region": "eu-west-1", "request": {"seconds": 5}},
            "AdvanceClock moves the whole sandbox's clock: it takes no region",
        ),
    ],
)
def test_a_bad_region_is_reported(entry: dict[str, Any], problem: str) -> None:
    report = Report("x.md")
    parse_request_entry(entry, key="s-1", line=4, report=report)
    assert any(problem in p.message for p in report.problems), report.problems


def test_check_lessons_runs_each_request_in_its_region(lessons_dir: Path) -> None:
    body = (
        "## Two Regions\n\n"
        + request_block("CreateTable", CREATE_BOOKS, "region=eu-west-1")
        + "\n"
        + request_block("DescribeTable", {"TableName": "Books"}, "region=eu-west-1")
        + "\n"
        + request_block("DescribeTable", {"TableName": "Books"}, "expect=ResourceNotFoundException")
        + "\n"
        + QUIZ_BLOCK
    )
    write_lesson(lessons_dir, "01-regions.md", body)
    assert validation.check_course(load_course([lessons_dir])) == []


def test_a_fork_replays_each_call_in_its_region() -> None:
    rehearsal = Rehearsal()
    rehearsal.execute("CreateTable", CREATE_BOOKS, region="eu-west-1")
    fork = rehearsal.fork()
    with fork.sandbox.inspecting(region="eu-west-1") as view:
        assert view.table_names() == ["Books"]
    with fork.sandbox.inspecting() as view:
        assert view.table_names() == []
    assert fork.tables() == [("eu-west-1", "Books")]


# --------------------------------------------------------------------------- checks
def test_every_check_takes_a_region_and_looks_there() -> None:
    rehearsal = Rehearsal()
    rehearsal.execute("CreateTable", CREATE_BOOKS, region="eu-west-1")
    rehearsal.execute(
        "PutItem", {"TableName": "Books", "Item": {"isbn": {"S": "1"}}}, region="eu-west-1"
    )
    rehearsal.execute("Scan", {"TableName": "Books"}, region="eu-west-1")
    key = {"isbn": {"S": "1"}}
    assert not run(rehearsal, "item_exists", table="Books", key=key).passed
    assert run(rehearsal, "item_exists", table="Books", key=key, region="eu-west-1").passed
    # Calls count in the Region they were made in.
    assert not run(rehearsal, "scan_was_run", table="Books").passed
    assert run(rehearsal, "scan_was_run", table="Books", region="eu-west-1").passed
    errors = checks.REGISTRY["item_exists"].argument_errors(
        {"table": "Books", "key": key, "region": "mars-1"}
    )
    assert errors == ["argument 'region' must be an AWS Region such as eu-west-1, not 'mars-1'"]


def test_global_table_replicas_waits_for_each_replica() -> None:
    rehearsal = Rehearsal()
    rehearsal.execute("CreateTable", PROFILES)
    args = {"table": "Profiles", "regions": ["us-east-1", "eu-west-1"]}
    lone = run(rehearsal, "global_table_replicas", **args)
    assert not lone.passed and "is not a global table yet" in lone.message
    rehearsal.execute(
        "UpdateTable",
        {"TableName": "Profiles", "ReplicaUpdates": [{"Create": {"RegionName": "eu-west-1"}}]},
    )
    with rehearsal.sandbox.inspecting() as view:  # a check pressed at once
        context = checks.CheckContext(view=view, activities=list(rehearsal.activities))
        creating = checks.run_check("global_table_replicas", context, args)
    assert not creating.passed and "still CREATING" in creating.message
    assert run(rehearsal, "global_table_replicas", **args).passed
    elsewhere = run(rehearsal, "global_table_replicas", **args, region="eu-west-1")
    assert elsewhere.passed  # the same global table, seen from its other replica
    missing = run(rehearsal, "global_table_replicas", table="Profiles", regions=["ap-south-1"])
    assert not missing.passed and "no replica in ap-south-1" in missing.message
    assert checks.REGISTRY["global_table_replicas"].argument_errors(
        {"table": "T", "regions": []}
    ) == ["give at least one Region in regions, e.g. [eu-west-1]"]


def test_get_item_found_sees_the_read_that_came_before_the_write() -> None:
    rehearsal = global_profiles()
    args = {"table": "Profiles", "key": ZOE, "region": "eu-west-1"}
    rehearsal.execute("PutItem", {"TableName": "Profiles", "Item": ZOE})
    rehearsal.execute("GetItem", {"TableName": "Profiles", "Key": ZOE}, region="eu-west-1")
    assert run(rehearsal, "get_item_found", **args, found=False).passed
    assert not run(rehearsal, "get_item_found", **args, found=True).passed
    rehearsal.wait(30)
    rehearsal.execute("GetItem", {"TableName": "Profiles", "Key": ZOE}, region="eu-west-1")
    assert run(rehearsal, "get_item_found", **args, found=True).passed
    assert not run(rehearsal, "get_item_found", **args, found=False).passed
    assert run(rehearsal, "get_item_found", **args, found=False, latest=False).passed
    # In us-east-1 zoe was never read.
    assert not run(rehearsal, "get_item_found", table="Profiles", key=ZOE, found=True).passed


def test_write_lost_needs_crossing_writes() -> None:
    rehearsal = global_profiles()
    rehearsal.execute("PutItem", {"TableName": "Profiles", "Item": ZOE})
    rehearsal.wait(31)
    set_tier(rehearsal, "pro")
    set_tier(rehearsal, "team")  # the same Region: the later write replaces the earlier
    rehearsal.wait(31)
    assert not run(rehearsal, "write_lost", table="Profiles", key=ZOE).passed
    set_tier(rehearsal, "pro")
    set_tier(rehearsal, "max", region="eu-west-1")  # a change there too (it holds team)
    rehearsal.wait(31)
    result = run(rehearsal, "write_lost", table="Profiles", key=ZOE)
    assert result.passed
    assert "kept the write made in eu-west-1 and discarded the one made in us-east-1" in (
        result.message
    )
    assert run(rehearsal, "write_lost", table="Profiles", key=ZOE, region="eu-west-1").passed
    assert not run(rehearsal, "write_lost", table="Profiles", key={"userId": {"S": "x"}}).passed
    assert not run(rehearsal, "write_lost", table="Profiles", key=ZOE, concurrent=False).passed


# --------------------------------------------------------------------------- live
@pytest.mark.django_db
def test_a_lesson_request_runs_in_its_region_and_opens_the_workbench_there(
    client: Client, lessons_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = "## R\n\n" + request_block("CreateTable", CREATE_BOOKS, "region=eu-west-1")
    write_lesson(lessons_dir, "01-r.md", body + "\n" + QUIZ_BLOCK)
    monkeypatch.setattr(selectors, "workbench_path", lambda: "/run/")
    page = client.get("/learn/r/").content.decode()
    assert 'DynamoDB request in <span class="font-mono">eu-west-1</span>' in page
    result = client.post("/learn/r/requests/request-1/run/", **HTMX).content.decode()
    assert "CreateTable succeeded in your sandbox, in eu-west-1." in result
    sandbox = sandbox_of(client)
    assert sandbox_selectors.table_names(sandbox, region="eu-west-1") == ["Books"]
    assert sandbox_selectors.table_names(sandbox) == []
    response = client.get("/learn/r/requests/request-1/workbench/")
    assert response.status_code == 302 and response["Location"].startswith("/run/?")
    assert client.session[sandbox_services.SESSION_REGION] == "eu-west-1"
