"""Point-in-time recovery: UpdateContinuousBackups, DescribeContinuousBackups and
RestoreTableToPointInTime over a per-table change history, checked against a replay oracle."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Engine, SimClock
from tests.support.engine import FROZEN_AT, create_table, error_of, n, s

DAY = 86400


def enable(engine: Engine, table: str = "Books", **extra: Any) -> dict[str, Any]:
    specification = {"PointInTimeRecoveryEnabled": True, **extra}
    response = engine.call(
        "UpdateContinuousBackups",
        {"TableName": table, "PointInTimeRecoverySpecification": specification},
    )
    return response["ContinuousBackupsDescription"]


def recovery(engine: Engine, table: str = "Books") -> dict[str, Any]:
    response = engine.call("DescribeContinuousBackups", {"TableName": table})
    return response["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]


def put(engine: Engine, pk: str, value: int, table: str = "Books") -> None:
    engine.call("PutItem", {"TableName": table, "Item": {"pk": s(pk), "value": n(value)}})


def delete(engine: Engine, pk: str, table: str = "Books") -> None:
    engine.call("DeleteItem", {"TableName": table, "Key": {"pk": s(pk)}})


def contents(engine: Engine, table: str) -> dict[str, int]:
    items = engine.call("Scan", {"TableName": table, "ConsistentRead": True})["Items"]
    return {item["pk"]["S"]: int(item["value"]["N"]) for item in items}


def restore(engine: Engine, target: str, **request: Any) -> dict[str, Any]:
    request.setdefault("SourceTableName", "Books")
    response = engine.call("RestoreTableToPointInTime", {"TargetTableName": target, **request})
    return response["TableDescription"]


@pytest.fixture
def books(engine: Engine) -> Engine:
    create_table(engine)
    return engine


# ---------------------------------------------------------------------- describe / update
def test_pitr_is_disabled_until_enabled(books: Engine) -> None:
    response = books.call("DescribeContinuousBackups", {"TableName": "Books"})
    assert response == {
        "ContinuousBackupsDescription": {
            "ContinuousBackupsStatus": "ENABLED",
            "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"},
        }
    }


def test_enabling_pitr_starts_the_window_now(books: Engine) -> None:
    assert enable(books) == {
        "ContinuousBackupsStatus": "ENABLED",
        "PointInTimeRecoveryDescription": {
            "PointInTimeRecoveryStatus": "ENABLED",
            "RecoveryPeriodInDays": 35,
            "EarliestRestorableDateTime": FROZEN_AT,
            "LatestRestorableDateTime": FROZEN_AT,
        },
    }
    books.clock.advance(3600)
    described = recovery(books)
    assert described["EarliestRestorableDateTime"] == FROZEN_AT
    # The last five minutes cannot be restored.
    assert described["LatestRestorableDateTime"] == FROZEN_AT + 3600 - 300


def test_the_window_is_the_recovery_period(books: Engine) -> None:
    enable(books, RecoveryPeriodInDays=1)
    books.clock.advance(3 * DAY)
    described = recovery(books)
    assert described["RecoveryPeriodInDays"] == 1
    assert described["EarliestRestorableDateTime"] == FROZEN_AT + 2 * DAY
    assert described["LatestRestorableDateTime"] == FROZEN_AT + 3 * DAY - 300


def test_recovery_period_is_between_1_and_35_days(books: Engine) -> None:
    for days, constraint in (
        (0, "Member must have value greater than or equal to 1"),
        (36, "Member must have value less than or equal to 35"),
    ):
        error = error_of(
            books,
            "UpdateContinuousBackups",
            {
                "TableName": "Books",
                "PointInTimeRecoverySpecification": {
                    "PointInTimeRecoveryEnabled": True,
                    "RecoveryPeriodInDays": days,
                },
            },
        )
        assert error.message == (
            f"1 validation error detected: Value '{days}' at "
            "'pointInTimeRecoverySpecification.recoveryPeriodInDays' failed to satisfy "
            f"constraint: {constraint}"
        )


def test_update_continuous_backups_requires_the_specification(books: Engine) -> None:
    error = error_of(books, "UpdateContinuousBackups", {"TableName": "Books"})
    assert error.message == (
        "1 validation error detected: Value null at 'pointInTimeRecoverySpecification' failed "
        "to satisfy constraint: Member must not be null"
    )
    error = error_of(
        books,
        "UpdateContinuousBackups",
        {"TableName": "Books", "PointInTimeRecoverySpecification": {}},
    )
    assert "pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled" in error.message


def test_continuous_backups_of_a_missing_table(engine: Engine) -> None:
    for operation, request in (
        ("DescribeContinuousBackups", {"TableName": "Nope"}),
        (
            "UpdateContinuousBackups",
            {
                "TableName": "Nope",
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            },
        ),
    ):
        error = error_of(engine, operation, request)
        assert error.code == "TableNotFoundException"
        assert error.message == "Table not found: Nope"


def test_pitr_cannot_be_enabled_while_the_table_is_being_restored(books: Engine) -> None:
    enable(books)
    restore(books, "Copy", UseLatestRestorableTime=True)
    error = error_of(
        books,
        "UpdateContinuousBackups",
        {
            "TableName": "Copy",
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        },
    )
    assert error.code == "ContinuousBackupsUnavailableException"
    assert error.message == "Backups are being enabled for the table: Copy. Please retry later"
    books.clock.advance(1200)
    assert enable(books, "Copy")["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == (
        "ENABLED"
    )


def test_disabling_drops_the_history_and_reenabling_resets_the_start(books: Engine) -> None:
    enable(books)
    books.clock.advance(3600)
    disabled = books.call(
        "UpdateContinuousBackups",
        {
            "TableName": "Books",
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": False},
        },
    )
    assert disabled["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"] == {
        "PointInTimeRecoveryStatus": "DISABLED"
    }
    books.clock.advance(60)
    enable(books)
    assert recovery(books)["EarliestRestorableDateTime"] == FROZEN_AT + 3660
    books.clock.advance(3600)
    error = error_of(
        books,
        "RestoreTableToPointInTime",
        {"SourceTableName": "Books", "TargetTableName": "Old", "RestoreDateTime": FROZEN_AT + 60},
    )
    assert error.code == "InvalidRestoreTimeException"


def test_enabling_twice_keeps_the_start_and_changes_the_period(books: Engine) -> None:
    enable(books)
    books.clock.advance(3 * DAY)
    again = enable(books, RecoveryPeriodInDays=2)["PointInTimeRecoveryDescription"]
    assert again["RecoveryPeriodInDays"] == 2
    assert again["EarliestRestorableDateTime"] == FROZEN_AT + DAY


# ---------------------------------------------------------------------- restores
def test_restore_holds_exactly_the_items_of_that_second(books: Engine) -> None:
    put(books, "a", 1)
    enable(books)
    books.clock.advance(10)
    put(books, "b", 2)  # t0 + 10
    books.clock.advance(10)
    put(books, "a", 3)  # t0 + 20
    delete(books, "b")  # t0 + 20
    books.clock.advance(1000)
    expected = {
        FROZEN_AT: {"a": 1},
        FROZEN_AT + 9: {"a": 1},
        FROZEN_AT + 10: {"a": 1, "b": 2},
        FROZEN_AT + 19.5: {"a": 1, "b": 2},
        FROZEN_AT + 20: {"a": 3},
        FROZEN_AT + 700: {"a": 3},
    }
    for position, (moment, items) in enumerate(expected.items()):
        restore(books, f"At{position}", RestoreDateTime=moment)
        assert contents(books, f"At{position}") == items, moment


def test_restore_response_and_summary(books: Engine) -> None:
    enable(books)
    books.clock.advance(3600)
    description = restore(books, "Copy", RestoreDateTime=FROZEN_AT + 60)
    assert description["TableStatus"] == "CREATING"
    assert description["RestoreSummary"] == {
        "SourceTableArn": books.call("DescribeTable", {"TableName": "Books"})["Table"]["TableArn"],
        "RestoreDateTime": FROZEN_AT + 60,
        "RestoreInProgress": True,
    }
    # A point-in-time restore takes at least 20 minutes.
    books.clock.advance(1199)
    assert books.call("DescribeTable", {"TableName": "Copy"})["Table"]["TableStatus"] == (
        "CREATING"
    )
    books.clock.advance(1)
    table = books.call("DescribeTable", {"TableName": "Copy"})["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["RestoreSummary"]["RestoreInProgress"] is False


def test_use_latest_restorable_time(books: Engine) -> None:
    enable(books)
    put(books, "a", 1)
    books.clock.advance(200)
    put(books, "b", 2)  # within the last five minutes: not restorable yet
    books.clock.advance(200)
    description = restore(books, "Latest", UseLatestRestorableTime=True)
    assert description["RestoreSummary"]["RestoreDateTime"] == FROZEN_AT + 100
    assert contents(books, "Latest") == {"a": 1}


def test_right_after_enabling_only_the_latest_time_restores(books: Engine) -> None:
    put(books, "a", 1)
    enable(books)
    put(books, "b", 2)
    restore(books, "Now", UseLatestRestorableTime=True)
    assert contents(books, "Now") == {"a": 1, "b": 2}


def test_restore_times_outside_the_window(books: Engine) -> None:
    enable(books)
    books.clock.advance(3600)
    for moment in (FROZEN_AT - 1, FROZEN_AT + 3600 - 299):
        error = error_of(
            books,
            "RestoreTableToPointInTime",
            {"SourceTableName": "Books", "TargetTableName": "Copy", "RestoreDateTime": moment},
        )
        assert error.code == "InvalidRestoreTimeException"
        assert error.message == (
            "An invalid restore time was specified. RestoreDateTime must be between "
            "EarliestRestorableDateTime and LatestRestorableDateTime."
        )


def test_restore_without_pitr(books: Engine) -> None:
    error = error_of(
        books,
        "RestoreTableToPointInTime",
        {"SourceTableName": "Books", "TargetTableName": "Copy", "UseLatestRestorableTime": True},
    )
    assert error.code == "PointInTimeRecoveryUnavailableException"
    assert error.message == "Point in time recovery is not enabled for table 'Books'"


def test_restore_of_a_missing_table(engine: Engine) -> None:
    error = error_of(
        engine,
        "RestoreTableToPointInTime",
        {"SourceTableName": "Nope", "TargetTableName": "Copy", "UseLatestRestorableTime": True},
    )
    assert error.code == "TableNotFoundException"
    assert error.message == "Table not found: Nope"


def test_restore_onto_an_existing_table(books: Engine) -> None:
    enable(books)
    create_table(books, "Taken")
    error = error_of(
        books,
        "RestoreTableToPointInTime",
        {"SourceTableName": "Books", "TargetTableName": "Taken", "UseLatestRestorableTime": True},
    )
    assert error.code == "TableAlreadyExistsException"
    assert error.message == "Table already exists: Taken"


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (
            {"SourceTableName": "Books", "SourceTableArn": "arn:x"},
            "Exactly one of SourceTableName or SourceTableArn must be specified",
        ),
        ({"SourceTableName": "Books"}, "UseLatestRestorableTime"),
        (
            {
                "SourceTableName": "Books",
                "UseLatestRestorableTime": True,
                "RestoreDateTime": FROZEN_AT,
            },
            "Only one of RestoreDateTime or UseLatestRestorableTime can be specified",
        ),
    ],
)
def test_restore_parameters(books: Engine, request_: dict[str, Any], message: str) -> None:
    enable(books)
    error = error_of(books, "RestoreTableToPointInTime", {"TargetTableName": "Copy", **request_})
    assert error.code == "ValidationException"
    assert message in error.message


def test_restore_by_source_arn(books: Engine) -> None:
    put(books, "a", 1)
    enable(books)
    arn = books.call("DescribeTable", {"TableName": "Books"})["Table"]["TableArn"]
    restore(books, "ByArn", SourceTableName=None, SourceTableArn=arn, UseLatestRestorableTime=True)
    assert contents(books, "ByArn") == {"a": 1}


def test_restore_uses_the_settings_of_that_moment(engine: Engine) -> None:
    create_table(
        engine,
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 100, "WriteCapacityUnits": 100},
        Tags=[{"Key": "team", "Value": "lab"}],
    )
    enable(engine)
    engine.clock.advance(3600)
    engine.call(
        "UpdateTable",
        {
            "TableName": "Books",
            "ProvisionedThroughput": {"ReadCapacityUnits": 50, "WriteCapacityUnits": 50},
        },
    )
    engine.clock.advance(3600)
    before = restore(engine, "Before", RestoreDateTime=FROZEN_AT + 1800)
    after = restore(engine, "After", RestoreDateTime=FROZEN_AT + 5400)
    assert before["ProvisionedThroughput"]["ReadCapacityUnits"] == 100
    assert after["ProvisionedThroughput"]["ReadCapacityUnits"] == 50
    tags = engine.call("ListTagsOfResource", {"ResourceArn": before["TableArn"]})
    assert tags["Tags"] == []
    with_override = restore(
        engine, "OnDemand", RestoreDateTime=FROZEN_AT + 1800, BillingModeOverride="PAY_PER_REQUEST"
    )
    assert with_override["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_history_older_than_the_window_is_folded_away(books: Engine) -> None:
    enable(books, RecoveryPeriodInDays=1)
    for position in range(50):
        put(books, f"k{position % 5}", position)
        books.clock.advance(3600)
    history = books.extensions["backups"].histories["Books"]  # type: ignore[attr-defined]
    assert len(history.changes) <= 25
    earliest = recovery(books)["EarliestRestorableDateTime"]
    restore(books, "Edge", RestoreDateTime=earliest)
    expected = {f"k{p % 5}": p for p in range(50) if FROZEN_AT + p * 3600 <= earliest}
    assert contents(books, "Edge") == expected


def test_a_deleted_table_can_be_restored_while_its_window_lasts(books: Engine) -> None:
    put(books, "a", 1)
    enable(books, RecoveryPeriodInDays=2)
    books.clock.advance(600)
    put(books, "b", 2)
    arn = books.call("DescribeTable", {"TableName": "Books"})["Table"]["TableArn"]
    books.clock.advance(60)
    books.call("DeleteTable", {"TableName": "Books"})
    deleted_at = books.now()
    books.clock.advance(DAY)
    restore(
        books, "Revived", SourceTableName=None, SourceTableArn=arn, UseLatestRestorableTime=True
    )
    assert contents(books, "Revived") == {"a": 1, "b": 2}
    restore(books, "Earlier", RestoreDateTime=FROZEN_AT + 300)
    assert contents(books, "Earlier") == {"a": 1}
    error = error_of(
        books,
        "RestoreTableToPointInTime",
        {"SourceTableName": "Books", "TargetTableName": "Late", "RestoreDateTime": deleted_at + 1},
    )
    assert error.code == "InvalidRestoreTimeException"
    books.clock.advance(2 * DAY)
    error = error_of(
        books,
        "RestoreTableToPointInTime",
        {"SourceTableName": "Books", "TargetTableName": "Gone", "UseLatestRestorableTime": True},
    )
    assert error.code == "TableNotFoundException"


def test_a_new_table_with_a_deleted_tables_name_has_its_own_history(books: Engine) -> None:
    put(books, "old", 1)
    enable(books)
    books.call("DeleteTable", {"TableName": "Books"})
    create_table(books)
    error = error_of(
        books,
        "RestoreTableToPointInTime",
        {"SourceTableName": "Books", "TargetTableName": "Copy", "UseLatestRestorableTime": True},
    )
    assert error.code == "PointInTimeRecoveryUnavailableException"


def test_pitr_survives_dump_and_load(books: Engine) -> None:
    put(books, "a", 1)
    enable(books)
    books.clock.advance(100)
    put(books, "b", 2)
    books.clock.advance(100)
    delete(books, "a")
    loaded = Engine.loads(books.dumps())
    put(loaded, "c", 3)  # the listener is attached again after a load
    loaded.clock.advance(1000)
    for moment in (FROZEN_AT, FROZEN_AT + 100, FROZEN_AT + 200):
        target = f"At{int(moment - FROZEN_AT)}"
        restore(loaded, target, RestoreDateTime=moment)
    assert contents(loaded, "At0") == {"a": 1}
    assert contents(loaded, "At100") == {"a": 1, "b": 2}
    assert contents(loaded, "At200") == {"b": 2, "c": 3}
    assert recovery(loaded) == recovery(
        Engine.loads(loaded.dumps())
    )  # a second round trip changes nothing


# ---------------------------------------------------------------------- property
KEYS = ["a", "b", "c", "d"]
steps = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=12000),  # seconds to wait before the write
        st.sampled_from(KEYS),
        st.one_of(st.none(), st.integers(min_value=0, max_value=9)),  # None: delete
    ),
    max_size=25,
)


@settings(max_examples=40)
@given(
    initial=st.dictionaries(st.sampled_from(KEYS), st.integers(0, 9)),
    sequence=steps,
    picks=st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=1, max_size=4),
    reload=st.booleans(),
)
def test_a_restore_at_t_equals_a_replay_of_the_log_up_to_t(
    initial: dict[str, int],
    sequence: list[tuple[int, str, int | None]],
    picks: list[float],
    reload: bool,
) -> None:
    engine = Engine(SimClock(frozen_at=FROZEN_AT))
    create_table(engine)
    for pk, value in initial.items():
        put(engine, pk, value)
    enable(engine, RecoveryPeriodInDays=1)
    log: list[tuple[float, str, int | None]] = []
    for wait, pk, value in sequence:
        engine.clock.advance(wait)
        if value is None:
            delete(engine, pk)
        else:
            put(engine, pk, value)
        log.append((engine.now(), pk, value))
    engine.clock.advance(301)
    if reload:
        engine = Engine.loads(engine.dumps())
    window = recovery(engine)
    earliest = window["EarliestRestorableDateTime"]
    latest = window["LatestRestorableDateTime"]
    for position, pick in enumerate(picks):
        moment = earliest + (latest - earliest) * pick
        # The oracle: replay the initial items and every logged write up to the moment.
        expected = dict(initial)
        for when, pk, value in log:
            if when > moment:
                break
            if value is None:
                expected.pop(pk, None)
            else:
                expected[pk] = value
        restore(engine, f"Pick{position}", RestoreDateTime=moment)
        assert contents(engine, f"Pick{position}") == expected
