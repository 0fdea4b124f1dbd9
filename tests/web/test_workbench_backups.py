"""The Backups tab: PITR on, the window as dates, a restore to a chosen second, the diff of
the restored table against the live one; on-demand backups; the JSON twins."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse

from dynalab.console.backups import parse_date
from dynalab.sandboxes import services as sandbox_services
from tests.support.workbench import by_testid, create_table, execute, sandbox_of, text

pytestmark = pytest.mark.django_db(transaction=True)

BACKUPS = reverse("console:backups", args=["Books"])


def put(client: Client, key: str, **attributes: dict) -> None:
    execute(client, "PutItem", {"TableName": "Books", "Item": {"isbn": {"S": key}, **attributes}})


def books_with_history(client: Client) -> float:
    """Books with PITR on, three items, then ten minutes later a change of each kind.
    Returns the simulated moment between the two."""
    create_table(client, "Books", partition_key="isbn", sort_key="", pitr="on", pitr_days="7")
    for key in ("a", "b", "c"):
        put(client, key, copies={"N": "1"})
    client.post(reverse("console:advance_clock"), {"seconds": "300"})
    between = sandbox_services.simulated_now(sandbox_of(client))
    client.post(reverse("console:advance_clock"), {"seconds": "300"})
    put(client, "b", copies={"N": "2"}, note={"S": "reprint"})
    execute(client, "DeleteItem", {"TableName": "Books", "Key": {"isbn": {"S": "c"}}})
    put(client, "d", copies={"N": "1"})
    client.post(reverse("console:advance_clock"), {"seconds": "3600"})
    return between


def utc(epoch: float) -> str:
    return datetime.datetime.fromtimestamp(epoch, tz=datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")


def test_pitr_on_shows_its_window_as_dates(learner: Client) -> None:
    create_table(learner, "Books", partition_key="isbn", sort_key="")
    page = learner.get(BACKUPS)
    assert "off" in by_testid(page.content, "pitr-status")

    assert learner.post(BACKUPS, {"action": "pitr_on", "days": "7"}).status_code == 302
    page = learner.get(BACKUPS)
    assert "recovery period 7 days" in by_testid(page.content, "pitr-status")
    earliest = by_testid(page.content, "pitr-earliest")
    assert earliest.endswith(" UTC") and earliest[:2] == "20"  # a date, not epoch seconds
    assert "typically about five minutes behind the current time" in text(page.content)
    twin = learner.get(BACKUPS, {"format": "json"}).json()["PointInTimeRecovery"]
    assert twin["Enabled"] and twin["RecoveryPeriodInDays"] == 7
    refused = learner.post(BACKUPS, {"action": "pitr_on", "days": "x"})
    assert refused.status_code == 400
    assert "a whole number of days, 1 to 35" in refused.content.decode()  # shown, not lost


def test_a_recovery_period_out_of_range_is_refused_with_the_services_words(
    learner: Client,
) -> None:
    create_table(learner, "Books", partition_key="isbn", sort_key="")
    response = learner.post(BACKUPS, {"action": "pitr_on", "days": "36"})
    assert response.status_code == 400
    assert "ValidationException" in response.content.decode()


def test_restore_to_a_second_then_diff_against_the_live_table(learner: Client) -> None:
    between = books_with_history(learner)
    page = learner.get(BACKUPS)
    assert "PutItem at" in text(page.content)  # the writes are marked on the timeline

    response = learner.post(
        BACKUPS, {"action": "restore_pitr", "at": utc(between), "target": "BooksBefore"}
    )

    assert response.status_code == 302
    diff_url = response["Location"]
    assert diff_url == reverse("console:diff", args=["Books"]) + "?against=BooksBefore"
    waiting = learner.get(diff_url)
    assert "is still being restored (CREATING)" in by_testid(waiting.content, "restore-waiting")
    learner.post(reverse("console:advance_clock"), {"seconds": "3600"})
    page = learner.get(diff_url)
    summary = by_testid(page.content, "diff-summary")
    assert "1 item added" in summary and "1 item removed" in summary
    assert "1 item changed" in summary and "1 the same" in summary
    html = page.content.decode()
    assert 'data-kind="added"' in html and 'data-kind="removed"' in html
    rows = text(html.split('data-testid="diff-rows"')[1])
    assert "isbn = d" in rows and "isbn = c" in rows
    twin = learner.get(diff_url + "&format=json").json()
    assert (twin["OnlyInAgainst"], twin["OnlyInLive"], twin["Changed"], twin["Same"]) == (
        1,
        1,
        1,
        1,
    )
    changed = next(row for row in twin["Rows"] if row["Kind"] == "changed")
    assert changed["Key"] == "isbn = b"
    assert [a["Name"] for a in changed["Attributes"]] == ["copies", "note"]
    assert changed["Attributes"][1] == {"Name": "note", "Against": None, "Live": '{"S": "reprint"}'}


def test_a_moment_outside_the_window_is_refused(learner: Client) -> None:
    books_with_history(learner)
    response = learner.post(
        BACKUPS, {"action": "restore_pitr", "at": "2001-01-01 00:00:00", "target": "Old"}
    )
    assert response.status_code == 400
    assert "InvalidRestoreTimeException" in response.content.decode()
    garbled = learner.post(BACKUPS, {"action": "restore_pitr", "at": "yesterday", "target": "X"})
    assert garbled.status_code == 400
    assert "Give the moment as a UTC date and time" in garbled.content.decode()


def test_on_demand_backups_are_made_listed_restored_and_deleted(learner: Client) -> None:
    create_table(learner, "Books", partition_key="isbn", sort_key="")
    put(learner, "a")
    assert learner.post(BACKUPS, {"action": "backup", "backup_name": "first"}).status_code == 302
    page = learner.get(BACKUPS)
    listed = by_testid(page.content, "backup-list")
    assert "first" in listed and "CREATING" in listed and "1 item" in listed
    twin = learner.get(BACKUPS, {"format": "json"}).json()
    (backup,) = twin["Backups"]
    learner.post(reverse("console:advance_clock"), {"seconds": "300"})
    restored = learner.post(
        BACKUPS,
        {"action": "restore_backup", "backup_arn": backup["BackupArn"], "target": "BooksCopy"},
    )
    assert restored.status_code == 302
    names = execute(learner, "ListTables", {})["TableNames"]
    assert "BooksCopy" in names
    # A backup being restored from cannot be deleted yet; the service's words say so.
    busy = learner.post(BACKUPS, {"action": "delete_backup", "backup_arn": backup["BackupArn"]})
    assert busy.status_code == 400 and "BackupInUseException" in busy.content.decode()
    learner.post(reverse("console:advance_clock"), {"seconds": "3600"})
    deleted = learner.post(BACKUPS, {"action": "delete_backup", "backup_arn": backup["BackupArn"]})
    assert deleted.status_code == 302
    assert learner.get(BACKUPS, {"format": "json"}).json()["Backups"] == []
    short = learner.post(BACKUPS, {"action": "backup", "backup_name": "x"})
    assert short.status_code == 400
    assert "Member must have length greater than or equal to 3" in short.content.decode()


def test_what_a_restore_does_not_carry_over_is_listed(learner: Client) -> None:
    create_table(learner, "Books", partition_key="isbn", sort_key="")
    listed = by_testid(learner.get(BACKUPS).content, "not-restored")
    assert "the stream" in listed and "time to live" in listed
    assert "point-in-time recovery itself" in listed


def test_the_diff_page_refuses_tables_with_other_keys(learner: Client) -> None:
    create_table(learner, "Books", partition_key="isbn", sort_key="")
    create_table(learner, "Orders")
    url = reverse("console:diff", args=["Books"])
    response = learner.get(url, {"against": "Orders"})
    assert response.status_code == 400
    assert "different key schemas" in response.content.decode()
    missing = learner.get(url, {"against": "Nope"})
    assert missing.status_code == 404
    assert learner.get(url, {"against": "Nope", "format": "json"}).json()["Error"]
    chooser = learner.get(url)
    assert chooser.status_code == 200 and "Orders" in chooser.content.decode()


@pytest.mark.parametrize(
    "text",
    [
        "2025-06-15 15:06:40",
        "2025-06-15 15:06:40 UTC",
        "2025-06-15T15:06:40Z",
        " 2025-06-15T15:06:40 ",
    ],
)
def test_dates_are_read_as_people_and_the_page_write_them(text: str) -> None:
    assert (
        parse_date(text)
        == datetime.datetime(2025, 6, 15, 15, 6, 40, tzinfo=datetime.UTC).timestamp()
    )


def test_a_write_mark_restores_to_the_second_before_that_write(learner: Client) -> None:
    books_with_history(learner)
    html = learner.get(BACKUPS).content.decode()
    writes = re.findall(
        r'<li><span class="font-mono">(\w+)</span> at [^<]*?'
        r'(?: · <button type="submit" name="at_mark" value="([^"]+)"|'
        r' <span class="text-slate-500">\(the window starts with it\))',
        html,
    )
    # The writes of the window's first second may fall before its first whole second; the
    # three made ten minutes later are always there, the reprint of b first.
    assert [operation for operation, _ in writes][-3:] == ["PutItem", "DeleteItem", "PutItem"]
    moment = writes[-3][1]
    assert moment.endswith(" UTC")
    response = learner.post(
        BACKUPS,
        {"action": "restore_pitr", "at": "ignored", "at_mark": moment, "target": "BooksThen"},
    )
    assert response.status_code == 302
    learner.post(reverse("console:advance_clock"), {"seconds": "3600"})
    item = execute(learner, "GetItem", {"TableName": "BooksThen", "Key": {"isbn": {"S": "b"}}})
    assert item["Item"]["copies"] == {"N": "1"}
