"""A sandbox is an engine rebuilt from its journal; these models are that journal and its log.

The journal (``JournalEntry``) and the ``Snapshot`` rows are the only shared state: an engine
in a worker's memory is a cache that any worker can rebuild from them. ``Activity`` records
every call, reads and failures included, for the console's feed and the course's checks.
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.core import exceptions
from django.db import connections, models
from django.db.models import Q

ACCESS_KEY_PREFIX = "DLAB"
_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def new_access_key_id() -> str:
    """``DLAB`` and 16 random base32 characters: the shape (20 characters) of an AWS key id."""
    return ACCESS_KEY_PREFIX + "".join(secrets.choice(_BASE32) for _ in range(16))


def new_secret_access_key() -> str:
    """40 random letters and digits, as long as an AWS secret key, safe to paste in a shell."""
    return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))


class Sandbox(models.Model):
    """One learner's DynamoDB: who owns it, its credentials, its clock and its journal head."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sandboxes",
    )
    #: The session that created it, for anonymous visitors (kept after adoption at login).
    session_key = models.CharField(max_length=64, blank=True, db_index=True)
    access_key_id = models.CharField(max_length=32, unique=True, default=new_access_key_id)
    secret_access_key = models.CharField(max_length=64, default=new_secret_access_key)
    #: Free text; in keyless local mode, the access key id the client sent.
    label = models.CharField(max_length=128, blank=True)
    #: False once a reset replaced it; an inactive sandbox keeps its state but takes no writes.
    is_active = models.BooleanField(default=True)
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: Simulated seconds added to wall time (the learner's fast-forwards).
    clock_offset = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    #: Sequence number of the newest journal entry (0: nothing journaled yet).
    last_sequence = models.PositiveBigIntegerField(default=0)
    #: Sequence of the newest snapshot (0: none), and the bytes journaled since it: a
    #: snapshot is taken when either the entries or the bytes since it pass their bound, and
    #: the journal behind the snapshot before it is deleted (journal.compact), so the journal
    #: a sandbox keeps is bounded in bytes as well as entries.
    snapshot_sequence = models.PositiveBigIntegerField(default=0)
    journal_bytes = models.PositiveBigIntegerField(default=0)
    #: Size of the newest snapshot (``Engine.dumps()``), what its whole state weighs: it
    #: counts what the items' totals do not see (backups, stream records, PITR history)
    #: against the sandbox's memory limit.
    state_bytes = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # At most one active sandbox per user, per anonymous session and per keyless key,
            # so concurrent first requests cannot create two.
            models.UniqueConstraint(
                fields=["owner"],
                condition=Q(is_active=True),
                name="sandbox_one_active_per_owner",
            ),
            models.UniqueConstraint(
                fields=["session_key"],
                condition=Q(is_active=True, owner__isnull=True) & ~Q(session_key=""),
                name="sandbox_one_active_per_session",
            ),
            models.UniqueConstraint(
                fields=["label"],
                condition=Q(is_active=True, owner__isnull=True, session_key="") & ~Q(label=""),
                name="sandbox_one_active_per_keyless_label",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label or self.access_key_id} ({'active' if self.is_active else 'replaced'})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Whatever this saves, the next look reads the row again.
        self.__dict__.pop("_row_seen", None)
        self.__dict__.pop("_loaded_at", None)
        super().save(*args, **kwargs)

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Sandbox:
        instance = super().from_db(db, field_names, values)
        # When its row was read: a read-only look in the same request may reuse it for a
        # moment instead of reading it again (sandboxes.services.ROW_REUSE_SECONDS).
        if not connections[db or "default"].in_atomic_block:
            instance.__dict__["_loaded_at"] = time.monotonic()
        return instance


class JSONTextField(models.TextField):
    """JSON kept as the text it was written as: what replay reads is what ran, on any database.

    PostgreSQL's jsonb cannot be that. It refuses U+0000 anywhere in a document, though a
    DynamoDB string may hold one (the engine applied such a PutItem, then the journal insert
    failed and the learner got a 500), and it stores an object's keys re-sorted, so a worker
    that rebuilt from the journal returned items' attributes in another order than the worker
    that ran the call. As text, the request keeps its keys' order, and ASCII-only JSON
    (U+0000 and every non-ASCII character escaped) is stored alike by SQLite and PostgreSQL.
    """

    description = "JSON stored as the text it was written as"

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return json.dumps(value, separators=(",", ":"), allow_nan=False)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        return None if value is None else json.loads(value)

    def to_python(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:  # serialized data (loaddata) holds the JSON text
            return json.loads(value)
        except ValueError:
            raise exceptions.ValidationError("Enter valid JSON.", code="invalid") from None

    def value_to_string(self, obj: models.Model) -> str | None:
        return self.get_prep_value(self.value_from_object(obj))

    def formfield(self, **kwargs: Any) -> forms.Field:
        return super().formfield(**{"form_class": forms.JSONField, **kwargs})


class JournalEntry(models.Model):
    """One acknowledged state-changing call, replayed at its simulated time ``at``."""

    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="journal")
    sequence = models.PositiveBigIntegerField()
    operation = models.CharField(max_length=64)
    #: Exactly the request the engine ran (what replay must run again), as JSON text.
    request = JSONTextField()
    #: Simulated epoch seconds the call ran at (for AdvanceClock: the time before the move).
    at = models.FloatField()
    #: The AWS Region the call ran in (entries from before Regions existed are us-east-1).
    region = models.CharField(max_length=32, default="us-east-1")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sandbox", "sequence"]
        verbose_name_plural = "journal entries"
        constraints = [
            models.UniqueConstraint(
                fields=["sandbox", "sequence"], name="journal_entry_unique_sequence"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.operation}"


class Snapshot(models.Model):
    """The whole engine (``Engine.dumps()``) after journal entry ``sequence``."""

    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="snapshots")
    sequence = models.PositiveBigIntegerField()
    state = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sandbox", "-sequence"]
        indexes = [models.Index(fields=["sandbox", "sequence"], name="snapshot_sandbox_sequence")]

    def __str__(self) -> str:
        return f"snapshot at #{self.sequence}"


class Activity(models.Model):
    """One call as the learner made it: what ran, from where, how it ended and what it cost."""

    class Source(models.TextChoices):
        CONSOLE = "console", "Console"
        API = "api", "Wire API"
        LESSON = "lesson", "Lesson"
        SYSTEM = "system", "System"

    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="activities")
    operation = models.CharField(max_length=64)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.CONSOLE)
    #: "ok", or the service's error code (e.g. "ConditionalCheckFailedException").
    status = models.CharField(max_length=64, default="ok")
    error_message = models.TextField(blank=True)
    #: The request as the caller sent it; a huge one is cut down (see summaries.py).
    request = models.JSONField(default=dict)
    #: The response as the caller got it, or a preview of a large one (summaries.py): what a
    #: learner's "report a problem" carries with the request.
    response = models.JSONField(null=True, blank=True)
    #: The response's ConsumedCapacity (recorded even when the caller did not ask for it).
    consumed_capacity = models.JSONField(null=True, blank=True)
    #: Small facts for feedback and lab checks: TableName, IndexName, Count, Scan, ...
    summary = models.JSONField(default=dict)
    duration_ms = models.FloatField(default=0)
    #: Simulated epoch seconds the call ran at.
    at = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "activities"
        indexes = [
            models.Index(fields=["sandbox", "created_at"], name="activity_sandbox_created"),
            # Pruning keeps a sandbox's newest rows by id (activity.prune).
            models.Index(fields=["sandbox", "id"], name="activity_sandbox_id"),
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.status}"

    @property
    def ok(self) -> bool:
        return self.status == "ok"
