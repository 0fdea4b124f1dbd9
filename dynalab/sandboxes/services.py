"""The sandboxes service: find a visitor's sandbox, and run calls on it durably.

``execute`` is the one way to touch a sandbox's engine. A state-changing call runs inside one
database transaction that locks the sandbox row, catches the worker's cached engine up with
the journal, runs the call, and appends it to the journal; the call is acknowledged only once
that transaction commits, so an acknowledged write survives any crash and every worker (on
any machine sharing the database) sees it before serving its next call on that sandbox.

Calling these functions inside an outer ``transaction.atomic()`` is correct but slower: the
worker's cache is refilled only when the outer transaction commits (so a rollback can never
leave a cached engine ahead of the database), and until then each call rebuilds the engine.
"""

from __future__ import annotations

import contextlib
import math
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest

from dynalab.sandboxes import activity, conf, fastsql, journal, limits, memory, summaries
from dynalab.sandboxes.cache import EngineCache
from dynalab.sandboxes.capacity import asking_for_capacity
from dynalab.sandboxes.errors import (
    InternalServerError,
    SandboxCreationThrottled,
    SandboxDeleted,
    SandboxReplaced,
    SerializationException,
    ServiceError,
    ValidationException,
)
from dynalab.sandboxes.fastsql import SandboxRow
from dynalab.sandboxes.models import Activity, JournalEntry, Sandbox
from dynalab.sandboxes.throttling import RateLimiter
from engine import DEFAULT_REGION, MultiRegionEngine
from engine.inspect import Inspector
from engine.regions import check_region, is_region


def _weigh(engine: MultiRegionEngine) -> int:
    # Every Region's tables live in the one cached engine.
    return memory.estimate(engine.inspect.usage())


#: The worker's engines; ``ENGINES.clear()`` makes a process behave as if freshly started.
ENGINES = EngineCache(conf.cache_size, conf.cache_bytes, _weigh)

#: Session key holding the anonymous visitor's sandbox id (it survives login's cycle_key()).
SESSION_SANDBOX_ID = "dynalab_sandbox_id"
#: Session key holding the AWS Region the visitor works in (the workbench's switcher, the
#: Connect page's snippets); us-east-1 until they choose another.
SESSION_REGION = "dynalab_region"

#: The furthest one advance_clock() may move: ten years of simulated time.
MAX_ADVANCE_SECONDS = 10 * 366 * 24 * 3600

#: What U+0000 becomes in an Activity row: PostgreSQL's jsonb and text columns cannot hold it.
#: The journal keeps the exact request (models.JSONTextField); Activity is only its log.
NUL_IN_ACTIVITY = "\ufffd"


# ---------------------------------------------------------------------- finding a sandbox
def sandbox_for_request(request: HttpRequest) -> Sandbox:
    """The visitor's active sandbox, created at once if they have none.

    A signed-in user's sandbox follows them across sessions and devices; an anonymous
    visitor's lives in their session (created here if needed) and becomes theirs when they
    sign in (see signals.py). Two concurrent first requests still share one sandbox.
    """
    user = getattr(request, "user", None)
    client = client_address(request)
    if user is not None and user.is_authenticated:
        return sandbox_for_user(user, client=client)
    session = request.session
    if session.session_key is None:
        session.save()
    session_key = session.session_key
    sandbox = _active_successor(_session_sandbox(request))
    if sandbox is None:
        sandbox = _get_or_create(
            lambda: Sandbox.objects.filter(
                session_key=session_key, owner__isnull=True, is_active=True
            ).first(),
            lambda: Sandbox.objects.create(session_key=session_key),
            client=client,
        )
    if session.get(SESSION_SANDBOX_ID) != str(sandbox.pk):
        session[SESSION_SANDBOX_ID] = str(sandbox.pk)
    return sandbox


def sandbox_for_user(user: AbstractBaseUser, *, client: str | None = None) -> Sandbox:
    """The user's active sandbox, created at once if they have none (``client``: the address
    whose creation rate it counts against, see ``client_address``)."""
    return _get_or_create(
        lambda: Sandbox.objects.filter(owner=user, is_active=True).first(),
        lambda: Sandbox.objects.create(owner=user),
        client=client,
    )


def client_address(request: HttpRequest) -> str:
    """The address a request came from, as the server saw it (behind a proxy, the server
    setup must put the client's address there: uvicorn does with its proxy headers)."""
    return str(request.META.get("REMOTE_ADDR") or "")


_creations: RateLimiter | None = None


def _creation_allowed(client: str) -> bool:
    """Whether ``client`` may create one more sandbox now (a token bucket per address)."""
    global _creations
    per_minute, burst = conf.sandboxes_per_client()
    if per_minute <= 0:
        return True
    rate = per_minute / 60
    limiter = _creations
    if limiter is None or (limiter.rate, limiter.burst) != (rate, burst):
        limiter = _creations = RateLimiter(rate, burst)
    return limiter.allow(client)


def adopt_session_sandbox(request: HttpRequest, user: AbstractBaseUser) -> Sandbox | None:
    """Give the session's anonymous sandbox to ``user`` if they have no sandbox yet.

    Called at login (signals.py); returns the adopted sandbox, or None when there was
    nothing to adopt or the user already had one (their own sandbox wins; the anonymous one
    stays as it was).
    """
    sandbox = _active_successor(_session_sandbox(request))
    if sandbox is None or Sandbox.objects.filter(owner=user, is_active=True).exists():
        return None
    try:
        with transaction.atomic():
            adopted = Sandbox.objects.filter(pk=sandbox.pk, owner__isnull=True, is_active=True)
            if not adopted.update(owner=user):
                return None
    except IntegrityError:  # a concurrent login created the user's sandbox first
        return None
    sandbox.refresh_from_db()
    return sandbox


def sandbox_for_access_key(access_key_id: str) -> Sandbox | None:
    """The active sandbox holding these access keys (a reset sandbox's old keys stop working)."""
    if "\x00" in access_key_id:  # no key holds one, and PostgreSQL refuses it in a query
        return None
    return Sandbox.objects.filter(access_key_id=access_key_id, is_active=True).first()


def keyless_sandbox(access_key_id: str) -> Sandbox:
    """For the single-user "accept any key" mode: one sandbox per access key id.

    A key that belongs to a sandbox (one shown in the console) opens that sandbox, so the CLI
    sees the tables the browser shows; any other key gets its own sandbox, created on first
    use and labelled with the key. A key id no label can hold (longer than the column, or with
    U+0000, which PostgreSQL refuses) raises ValidationException.
    """
    longest = Sandbox._meta.get_field("label").max_length
    if len(access_key_id) > longest or "\x00" in access_key_id:
        raise ValidationException(
            f"The access key id must be at most {longest} characters, none of them U+0000"
        )
    own = sandbox_for_access_key(access_key_id)
    if own is not None:
        return own
    return _get_or_create(
        lambda: Sandbox.objects.filter(
            label=access_key_id, owner__isnull=True, session_key="", is_active=True
        ).first(),
        lambda: Sandbox.objects.create(label=access_key_id),
    )


def session_region(request: HttpRequest) -> str:
    """The AWS Region the visitor chose for the workbench (kept in their session), or
    us-east-1. A value no Region has (an old or tampered session) counts as us-east-1."""
    session = getattr(request, "session", None)
    region = session.get(SESSION_REGION) if session is not None else None
    return region if is_region(region) else DEFAULT_REGION


def remember_region(request: HttpRequest, region: str) -> str:
    """Keep ``region`` as the visitor's Region; ValidationException when it is not one."""
    request.session[SESSION_REGION] = check_region(region)
    return region


def reset_sandbox(sandbox: Sandbox, *, reset_by: str = "") -> Sandbox:
    """Replace ``sandbox`` with a fresh, empty one for the same owner, session and label.

    The old sandbox is kept (inactive, ``replaced_by`` set, its journal and activity intact)
    and its access keys stop working; the new one has new keys. Resetting a sandbox that was
    already replaced returns its active successor instead of resetting twice. ``reset_by``
    (say, "instructor") is kept in the new sandbox's first activity row.
    """
    with transaction.atomic():
        old = Sandbox.objects.select_for_update().get(pk=sandbox.pk)
        if not old.is_active:
            successor = _active_successor(old)
            if successor is not None:
                return successor
        old.is_active = False
        old.save(update_fields=["is_active", "updated_at"])
        new = Sandbox.objects.create(owner=old.owner, session_key=old.session_key, label=old.label)
        old.replaced_by = new
        old.save(update_fields=["replaced_by", "updated_at"])
        Activity.objects.create(
            sandbox=new,
            operation="ResetSandbox",
            source=Activity.Source.SYSTEM,
            summary={"ReplacedSandbox": str(old.pk), **({"ResetBy": reset_by} if reset_by else {})},
            at=time.time(),
        )
    ENGINES.discard(old.pk)
    sandbox.is_active, sandbox.replaced_by = False, new
    return new


# ---------------------------------------------------------------------- running calls
def execute(
    sandbox: Sandbox,
    operation: str,
    request: dict[str, Any],
    *,
    source: str = "console",
    region: str = DEFAULT_REGION,
    through_dax: str | None = None,
    dax_node: str | None = None,
) -> dict[str, Any]:
    """Run one DynamoDB operation in one AWS Region of the sandbox and record it; return the
    engine's response. Tables belong to a Region (the wire endpoint passes the one the
    request was signed for); an unknown Region is a ValidationException.

    Raises the service's errors (``errors.ServiceError`` and subclasses) unchanged, the wire
    endpoint turns them into the service's error envelope; ``errors.SandboxDeleted`` and
    ``errors.SandboxReplaced`` when the sandbox cannot take calls any more. Every call records an Activity row, failures included;
    state-changing calls are journaled in the transaction that acknowledges them.

    Limits (``DYNALAB_SANDBOX_LIMITS``, limits.py): the request's size and nesting, the table
    count and the most the call could add (items, bytes, memory) are checked before the call,
    which costs nothing. What no bound foresees is checked after it from the engine's running
    totals: if the sandbox grew past a limit the engine is thrown away (not put back in the
    cache, nothing journaled) and ValidationException is raised, so the next call rebuilds the
    unchanged sandbox, before it takes the database's write lock.

    ConsumedCapacity is always recorded in the Activity: when the caller did not ask for it,
    execute asks the engine for the INDEXES form and removes it from the response.

    ``through_dax`` names a DAX cluster to send the call through (``dax_node``: one of its
    nodes), as an application using the DAX client would: the engine runs it as its
    ``CallThroughDax`` operation, which is what the journal keeps, while the Activity keeps
    the DynamoDB operation and request, with the cluster, the node and the cache's outcome
    (hit, miss, pass-through, write-through) added to its summary. A read through DAX
    changes the cluster's caches (``Engine.revision`` moves), so it is journaled after it
    ran, as any read that changed state.
    """
    started = time.perf_counter()
    if request is None:
        request = {}
    call = _Call(sandbox, operation, request, source, started, region=region)
    try:
        if not isinstance(request, dict):
            raise SerializationException("Start of list found where not expected")
        # Before anything measures, stores or runs it: a request nested past any valid one
        # could exhaust the recursion of whatever reads it later (journal replay included).
        limits.check_nesting(request)
        call.request_text = limits.request_text(request)
        check_region(region)
        engine_request, _ = asking_for_capacity(operation, request)
        if through_dax is None:
            engine_operation, engine_payload = operation, engine_request
            run = partial(_call_engine, operation, engine_request, region)
        else:
            engine_operation, engine_payload = _through_dax(
                call, operation, engine_request, through_dax, dax_node
            )
            run = partial(_call_through_dax, call, engine_payload, region)
        if journal.is_journaled(engine_operation, engine_payload):
            response = _run_write(
                sandbox,
                journaled_as=engine_operation,
                journaled_request=engine_payload,
                run=run,
                call=call,
                region=region,
            )
        else:
            response = _run_read(
                sandbox,
                run,
                call,
                operation=engine_operation,
                journaled_request=engine_payload,
                region=region,
            )
    except ServiceError as error:
        _record_failure(call, error)
        raise
    if engine_request is not request:
        response = {k: v for k, v in response.items() if k != "ConsumedCapacity"}
    return response


def _call_engine(
    operation: str, request: dict[str, Any], region: str, engine: MultiRegionEngine
) -> dict[str, Any]:
    return engine.call(operation, request, region=region)


#: The engine's operation that sends one DynamoDB call through a DAX cluster.
CALL_THROUGH_DAX = "CallThroughDax"


def _through_dax(
    call: _Call, operation: str, request: dict[str, Any], cluster: str, node: str | None
) -> tuple[str, dict[str, Any]]:
    """The engine's CallThroughDax request for ``operation``, and the cluster noted in the
    call's Activity (so a refused call records it too)."""
    payload: dict[str, Any] = {"ClusterName": cluster, "Operation": operation, "Request": request}
    if node is not None:
        payload["NodeId"] = node
    call.fields["DaxCluster"] = cluster
    return CALL_THROUGH_DAX, payload


def _call_through_dax(
    call: _Call, payload: dict[str, Any], region: str, engine: MultiRegionEngine
) -> dict[str, Any]:
    """Run a call through DAX; keep which node answered and how for the Activity; answer
    what the DynamoDB operation answers. A cluster belongs to a Region, as on AWS: the call
    runs in ``region``, through a cluster of that Region, to that Region's tables."""
    answer = engine.call(CALL_THROUGH_DAX, payload, region=region)
    facts = answer["Dax"]
    call.fields.update(
        DaxCluster=facts["ClusterName"], DaxNode=facts["NodeId"], DaxOutcome=facts["Outcome"]
    )
    return answer["Response"]


def advance_clock(sandbox: Sandbox, seconds: float, *, source: str = "console") -> float:
    """Move the sandbox's simulated clock forward; return the new simulated now.

    Journaled as ``AdvanceClock`` ``{"seconds": s}`` at the time before the move, so replay
    is ``clock.freeze(at); clock.advance(s)`` and whatever became due (TTL deletions, ...)
    happens again identically. Raises ValidationException for a negative, non-finite or
    larger-than-ten-years move.
    """
    started = time.perf_counter()
    call = _Call(sandbox, journal.ADVANCE_CLOCK, {"seconds": seconds}, source, started)
    try:
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int | float)
            or not math.isfinite(seconds)
            or not 0 <= seconds <= MAX_ADVANCE_SECONDS
        ):
            raise ValidationException(
                f"The clock moves forward only: seconds must be a number from 0 to "
                f"{MAX_ADVANCE_SECONDS:,} (ten years), not {seconds!r}"
            )
        seconds = float(seconds)
        response = _run_write(
            sandbox,
            journaled_as=journal.ADVANCE_CLOCK,
            journaled_request={"seconds": seconds},
            run=lambda engine: {"Now": engine.clock.advance(seconds)},
            call=call,
            clock_offset_change=seconds,
        )
    except ServiceError as error:
        _record_failure(call, error)
        raise
    return response["Now"]


def simulated_now(sandbox: Sandbox) -> float:
    """The sandbox's simulated time now, in epoch seconds: wall time plus its clock offset."""
    with contextlib.suppress(SandboxDeleted):
        _current_row(sandbox, reuse=True)  # keeps sandbox.clock_offset as the database has it
    return time.time() + sandbox.clock_offset


@contextmanager
def inspecting(sandbox: Sandbox, *, region: str = DEFAULT_REGION) -> Iterator[Inspector]:
    """The engine's read-only view of one Region of the sandbox as of its simulated now
    (engine/inspect.py); ``view.table_regions(name)`` and ``view.regions()`` see the others.

    Uncharged and recorded nowhere, so looking costs the learner nothing and does not crowd
    their activity. What became due by now (a TTL deletion, a finished backfill) is applied
    first, as every call does, and journaled as a zero clock move when it changed state, so
    every worker rebuilds the same sandbox. The sandbox's lock is held in this worker until
    the block ends: keep the block short, and do not keep what it yields.
    """
    check_region(region)
    with ENGINES.lock(sandbox.pk):
        row = _current_row(sandbox, reuse=True)
        engine, sequence = _checked_out(row)
        at = _call_time(row, engine)
        engine.clock.freeze(at)
        before = engine.revision
        engine.apply_due()
        if engine.revision == before:
            _check_in(row.pk, engine, sequence)
        else:
            _journal_read(row, engine, sequence, journal.ADVANCE_CLOCK, {"seconds": 0.0}, at)
            _copy_row(row, sandbox)
            _forget_row(sandbox)
        yield engine.inspector(region)


def engine_state(sandbox: Sandbox) -> dict[str, Any]:
    """The sandbox's whole state as JSON-compatible data (``Engine.dump()``): for comparing
    two workers' views of one sandbox, and for keeping a picture of it with a report."""
    with ENGINES.lock(sandbox.pk):
        row = _current_row(sandbox, reuse=True)
        engine, sequence = _checked_out(row)
        _check_in(row.pk, engine, sequence)
        return engine.dump()


# ---------------------------------------------------------------------- internals
@dataclass
class _Call:
    """One call being executed, and how to record it as Activity."""

    sandbox: Sandbox
    operation: str
    request: dict[str, Any]
    source: str
    started: float
    request_text: str | None = None
    at: float | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    #: The AWS Region the call ran in (None for sandbox-wide calls: the clock).
    region: str | None = None

    def activity(
        self, *, response: dict[str, Any] | None = None, error: ServiceError | None = None
    ) -> Activity:
        return Activity(**self.activity_fields(response=response, error=error))

    def activity_fields(
        self, *, response: dict[str, Any] | None = None, error: ServiceError | None = None
    ) -> dict[str, Any]:
        """The Activity row recording this call, as field values (``fastsql.insert``)."""
        text = self.request_text
        # request_text is set once limits.request_text accepted the request, which proves it
        # encodes as UTF-8; otherwise it may hold lone surrogates, which no database stores.
        unchecked = text is None
        if isinstance(error, limits.NestedTooDeeply):
            text = None  # never serialized: only its table's name is kept
        elif text is None:
            try:
                text = limits.json_text(self.request)
            except (TypeError, ValueError):
                text = None
        if isinstance(error, limits.NestedTooDeeply):
            stored: Any = {"Truncated": True, "NestedTooDeeply": True}
            if isinstance(self.request.get("TableName"), str):
                stored["TableName"] = self.request["TableName"]
        elif text is None:
            stored = {"Unserializable": True, "Preview": repr(self.request)[:2048]}
        else:
            stored = summaries.stored_request(self.request, text, conf.activity_request_bytes())
        operation = self.operation[:64]
        message = error.message if error is not None else ""
        capacity = summaries.consumed_capacity(response)
        summary = {**summaries.summarize(self.operation, self.request, response), **self.fields}
        if is_region(self.region):
            summary["Region"] = self.region
        kept_response, response_text = summaries.stored_response(response)
        # The text is JSON, which writes U+0000 as \u0000: one scan finds any in the request,
        # and the summary and error message only repeat the request's strings.
        if (
            unchecked
            or "\\u0000" in (text or "")
            or "\x00" in message
            or "\x00" in operation
            or "\\u0000" in response_text  # JSON writes U+0000 escaped, even non-ASCII off
            or _UNSTORABLE.search(response_text)
        ):
            operation, message, stored, capacity, summary, kept_response = _storable(
                [operation, message, stored, capacity, summary, kept_response]
            )
        return {
            "sandbox_id": self.sandbox.pk,
            "operation": operation,
            "source": self.source,
            "status": error.code if error is not None else "ok",
            "error_message": message,
            "request": stored,
            "response": kept_response,
            "consumed_capacity": capacity,
            "summary": summary,
            "duration_ms": (time.perf_counter() - self.started) * 1000,
            "at": self.at if self.at is not None else time.time() + self.sandbox.clock_offset,
        }


def _storable(value: Any) -> Any:
    """``value`` with every U+0000 and lone surrogate in its strings (keys too) replaced by
    U+FFFD: PostgreSQL stores neither, and no database stores a lone surrogate. O(size)."""
    if isinstance(value, str):
        return _UNSTORABLE.sub(NUL_IN_ACTIVITY, value)
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_storable(item) for item in value]
    return value


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _record_failure(call: _Call, error: ServiceError) -> None:
    """Record a refused call; a sandbox deleted meanwhile has nothing to record it against."""
    try:
        with transaction.atomic():
            call.activity(error=error).save()
    except IntegrityError:
        return
    activity.added(call.sandbox.pk)


def _run_read(
    sandbox: Sandbox,
    run: Callable[[MultiRegionEngine], dict[str, Any]],
    call: _Call,
    *,
    operation: str,
    journaled_request: dict[str, Any],
    region: str = DEFAULT_REGION,
) -> dict:
    """Catch up, then run a read-only call on the cached engine; record it.

    A read is journaled only if it changed the engine's state (``Engine.revision`` moved:
    reads of items draw capacity from the table's buckets and counters, and due work such as a
    trigger may write items; describing or listing changes nothing), so every worker replays
    the same state. Such a read is appended after it ran; if another worker
    wrote in between, this worker's engine is dropped (the journal order is the truth) and
    rebuilt on its next call.
    """
    with ENGINES.lock(sandbox.pk):
        row = _current_row(sandbox, reuse=True)
        engine, sequence = _checked_out(row)
        call.at = _call_time(row, engine)
        engine.clock.freeze(call.at)
        before = engine.revision
        failure: ServiceError | None = None
        try:
            response = run(engine)
        except ServiceError as error:
            if isinstance(error, InternalServerError):
                raise
            failure = error
        if failure is None and operation == "Scan":
            _note_query_would_fit(engine, call)
        if engine.revision == before:
            _check_in(row.pk, engine, sequence)
        else:
            _journal_read(
                row, engine, sequence, operation, journaled_request, call.at, call, region=region
            )
            _copy_row(row, sandbox)
            _forget_row(sandbox)
        if failure is not None:
            raise failure
    try:
        fastsql.insert(Activity, call.activity_fields(response=response))
    except IntegrityError:  # the sandbox's row was deleted while the call ran
        raise SandboxDeleted() from None
    activity.added(sandbox.pk)
    return response


def _note_query_would_fit(engine: MultiRegionEngine, call: _Call) -> None:
    """Record on a Scan's activity which key a Query could have used (summaries.py)."""
    table = call.request.get("TableName")
    if not isinstance(table, str) or not call.request.get("FilterExpression"):
        return
    try:
        description = engine.inspector(call.region or DEFAULT_REGION).describe_table(table)
    except ServiceError:
        return
    fits = summaries.query_would_fit(call.request, description)
    if fits is not None:
        call.fields["QueryWouldFit"] = fits


def _journal_read(
    row: SandboxRow,
    engine: MultiRegionEngine,
    sequence: int,
    operation: str,
    request: dict[str, Any],
    at: float,
    call: _Call | None = None,
    *,
    region: str = DEFAULT_REGION,
) -> None:
    """Append a state-changing read to the journal (see ``_run_read``)."""
    size = journal.entry_bytes(call.request_text if call else None, request)
    snapshot_at = None
    with transaction.atomic():
        locked = Sandbox.objects.select_for_update().filter(pk=row.pk).first()
        if locked is None or not locked.is_active:
            return  # gone or replaced: nothing to keep, and the engine is not cached
        in_step = locked.last_sequence == sequence
        locked.last_sequence += 1
        locked.journal_bytes += size
        JournalEntry.objects.create(
            sandbox=locked,
            sequence=locked.last_sequence,
            operation=operation,
            request=request,
            at=at,
            region=region,
        )
        locked.save(update_fields=["last_sequence", "journal_bytes", "updated_at"])
        row.last_sequence = locked.last_sequence
        if in_step:
            _check_in(locked.pk, engine, locked.last_sequence)
            if journal.snapshot_due(locked, locked.last_sequence):
                snapshot_at = locked.last_sequence
    if snapshot_at is not None:
        _snapshot_after_commit(row.pk, engine, snapshot_at)


def _run_write(
    sandbox: Sandbox,
    *,
    journaled_as: str,
    journaled_request: dict[str, Any],
    run: Callable[[MultiRegionEngine], dict[str, Any]],
    call: _Call,
    clock_offset_change: float = 0.0,
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    """Run a state-changing call and journal it, all in one transaction on a locked row.

    The engine is caught up before the transaction begins: a rebuild (a snapshot parsed and
    the journal after it replayed) can take a second for a large sandbox, and on SQLite the
    transaction holds the whole database's write lock, which every other learner's write
    would wait for. Inside it, only the entries another worker wrote meanwhile are replayed.
    A cached engine skips the read before the transaction: the locked read inside it says
    whether another worker moved on, and the sandbox was rebuilt before if it was not cached.
    A snapshot that became due is taken after the commit, for the same reason.
    """
    with ENGINES.lock(sandbox.pk):
        engine: MultiRegionEngine | None = None
        changed = False
        snapshot_at = None
        cached = ENGINES.take(sandbox.pk)
        if cached is not None:
            # The locked read below catches it up (or sees the sandbox replaced or gone).
            engine, sequence = cached.engine, cached.sequence
        else:
            prepared = _current_row(sandbox)
            if not prepared.is_active:
                raise SandboxReplaced()
            engine, sequence = _checked_out(prepared)
        try:
            with transaction.atomic():
                # Serialises writers to this sandbox across processes and machines (on SQLite
                # the IMMEDIATE transaction's database write lock does the same).
                row = fastsql.sandbox_row(sandbox.pk, lock=True)
                if row is None:
                    raise SandboxDeleted()
                _copy_row(row, sandbox)
                if not row.is_active:
                    raise SandboxReplaced()
                if row.last_sequence != sequence:
                    engine, sequence = _caught_up(row, engine, sequence)
                limits.check_before(
                    engine,
                    journaled_as,
                    journaled_request,
                    request_bytes=len(call.request_text or ""),
                    state_bytes=row.state_bytes,
                    region=region,
                )
                before = limits.usage(engine)
                call.at = _call_time(row, engine)
                engine.clock.freeze(call.at)
                changed = True  # from here on, an error leaves an engine we cannot trust
                try:
                    response = run(engine)
                except ServiceError as error:
                    # The engine validates before it mutates: a refused call changed nothing.
                    changed = isinstance(error, InternalServerError)
                    raise
                limits.check_after(before, limits.usage(engine), state_bytes=row.state_bytes)

                sequence += 1
                fastsql.insert(
                    JournalEntry,
                    {
                        "sandbox_id": row.pk,
                        "sequence": sequence,
                        "operation": journaled_as,
                        "request": journaled_request,
                        "at": call.at,
                        "region": region,
                    },
                )
                row.last_sequence = sequence
                row.clock_offset += clock_offset_change
                row.journal_bytes += journal.entry_bytes(call.request_text, journaled_request)
                fastsql.update_row(row)
                _copy_row(row, sandbox)
                if journal.snapshot_due(row, sequence):
                    snapshot_at = sequence
                fastsql.insert(Activity, call.activity_fields(response=response))
                _check_in(row.pk, engine, sequence)
        except BaseException:
            if engine is not None and not changed:
                _check_in(sandbox.pk, engine, sequence)
            raise
        finally:
            _forget_row(sandbox)  # the row read before the transaction is behind it now
        activity.added(sandbox.pk)
        if snapshot_at is not None:
            _snapshot_after_commit(sandbox.pk, engine, snapshot_at)
    return response


def _snapshot_after_commit(sandbox_id: uuid.UUID, engine: MultiRegionEngine, sequence: int) -> None:
    """Take a due snapshot once the call's transaction has committed (journal.take_snapshot).

    The caller holds the sandbox's lock in this worker, so the engine is still at
    ``sequence``. Inside an outer transaction (tests, scripts) the snapshot joins it.
    """
    journal.take_snapshot(sandbox_id, engine, sequence)


def _checked_out(row: SandboxRow) -> tuple[MultiRegionEngine, int]:
    """Take the worker's engine for this sandbox, caught up to ``row.last_sequence``.

    Rebuilt from the newest snapshot and the journal when the worker has none, when its
    engine is ahead of the database (a rolled-back outer transaction, say), or when the
    entries it lacks were compacted away behind a snapshot.
    """
    cached = ENGINES.take(row.pk)
    target = row.last_sequence
    if cached is not None and cached.sequence <= target:
        try:
            return cached.engine, journal.catch_up(cached.engine, row.pk, cached.sequence, target)
        except journal.JournalGap:
            pass
    return journal.rebuild(row.pk, target), target


def _caught_up(
    row: SandboxRow, engine: MultiRegionEngine, sequence: int
) -> tuple[MultiRegionEngine, int]:
    """The engine moved on to ``row.last_sequence`` (another worker wrote meanwhile)."""
    if sequence < row.last_sequence:
        try:
            return engine, journal.catch_up(engine, row.pk, sequence, row.last_sequence)
        except journal.JournalGap:
            pass
    return journal.rebuild(row.pk, row.last_sequence), row.last_sequence


def _check_in(sandbox_id: uuid.UUID, engine: MultiRegionEngine, sequence: int) -> None:
    """Give the engine back to the cache once the database has committed what it reflects."""
    transaction.on_commit(lambda: ENGINES.put(sandbox_id, engine, sequence))


#: How long a read-only look may reuse the sandbox's row as last read in this request
#: (seconds). A page reads the row in its middleware, runs a call, looks at the tables and
#: draws the clock: one read serves them all. Writes always read it locked.
ROW_REUSE_SECONDS = 0.5


def _current_row(sandbox: Sandbox, *, reuse: bool = False) -> SandboxRow:
    """The sandbox's row as the database has it now (another worker may have moved it).

    ``reuse=True`` (read-only looks: ``inspecting``, reads, the clock) accepts the row this
    same ``sandbox`` object read less than ``ROW_REUSE_SECONDS`` ago, when nothing this
    worker did has changed it since: at worst, another worker's write of that instant shows
    on the next page instead of this one."""
    if reuse:
        recent = _recent_row(sandbox)
        if recent is not None:
            return recent
    row = fastsql.sandbox_row(sandbox.pk)
    if row is None:
        raise SandboxDeleted()
    _copy_row(row, sandbox)
    if not connection.in_atomic_block:  # what a transaction saw may yet be rolled back
        sandbox.__dict__["_row_seen"] = (time.monotonic(), row)
    return row


def _recent_row(sandbox: Sandbox) -> SandboxRow | None:
    """The row ``sandbox`` read (or was loaded with) within ``ROW_REUSE_SECONDS``, if any."""
    if connection.in_atomic_block:
        return None
    fields = sandbox.__dict__
    now = time.monotonic()
    seen = fields.get("_row_seen")
    if seen is not None and now - seen[0] < ROW_REUSE_SECONDS:
        row = seen[1]
    else:
        loaded_at = fields.get("_loaded_at")
        if loaded_at is None or now - loaded_at >= ROW_REUSE_SECONDS:
            return None
        try:
            values = tuple(fields[name] for name in fastsql.ROW_FIELDS)
        except KeyError:  # loaded with some of them deferred
            return None
        row = fastsql.SandboxRow(sandbox.pk, values)
        fields["_row_seen"] = (loaded_at, row)
    # Another request in this worker may have written since: its engine, cached at a later
    # entry, must never be taken back to this row's (that would rebuild an older sandbox).
    cached = ENGINES.peek(sandbox.pk)
    if cached is not None and cached.sequence > row.last_sequence:
        return None
    return row


def _forget_row(sandbox: Sandbox) -> None:
    """This worker changed the sandbox's row: the next look reads it again."""
    sandbox.__dict__.pop("_row_seen", None)
    sandbox.__dict__.pop("_loaded_at", None)


def _copy_row(row: SandboxRow, sandbox: Sandbox) -> None:
    """Keep the caller's instance in step with what the database said."""
    if row is not sandbox:
        sandbox.last_sequence = row.last_sequence
        sandbox.clock_offset = row.clock_offset
        sandbox.is_active = row.is_active


def _call_time(row: SandboxRow, engine: MultiRegionEngine) -> float:
    """Simulated time for a call: wall time plus the offset, never behind the engine's clock.

    Never going backwards keeps TTL and point-in-time windows sane even if the wall clock
    steps back or two machines disagree slightly.
    """
    return max(time.time() + row.clock_offset, engine.clock.now())


def _session_sandbox(request: HttpRequest) -> Sandbox | None:
    """The anonymous sandbox whose id this session holds, if it still exists."""
    session = getattr(request, "session", None)
    stored = session.get(SESSION_SANDBOX_ID) if session is not None else None
    if not stored:
        return None
    try:
        sandbox_id = uuid.UUID(str(stored))
    except ValueError:
        return None
    return Sandbox.objects.filter(pk=sandbox_id, owner__isnull=True).first()


def _active_successor(sandbox: Sandbox | None) -> Sandbox | None:
    """``sandbox`` if active, else the active sandbox that replaced it (None if none)."""
    for _ in range(1000):
        if sandbox is None or sandbox.is_active:
            return sandbox
        if sandbox.replaced_by_id is None:
            return None
        sandbox = Sandbox.objects.filter(pk=sandbox.replaced_by_id).first()
    return None


def _get_or_create(
    find: Callable[[], Sandbox | None],
    create: Callable[[], Sandbox],
    *,
    client: str | None = None,
) -> Sandbox:
    """``find()``, else ``create()``; a concurrent creator wins through the unique constraints.

    A ``client`` that created too many sandboxes lately gets SandboxCreationThrottled.
    """
    sandbox = find()
    if sandbox is not None:
        return sandbox
    if client is not None and not _creation_allowed(client):
        raise SandboxCreationThrottled()
    try:
        with transaction.atomic():
            return create()
    except IntegrityError:
        sandbox = find()
        if sandbox is None:
            raise
        return sandbox
