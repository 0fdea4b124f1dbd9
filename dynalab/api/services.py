"""The wire endpoint's work: authenticate a call, throttle it, run it on the sandbox.

Views stay thin: they read the request (protocol.read_request), call ``handle`` and write the
answer. The Connect page's details (keys, endpoint URLs, ready-to-copy snippets) come from
``connection_details``.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from dynalab.api import conf, protocol, sigv4
from dynalab.api.throttling import RateLimiter
from dynalab.sandboxes import services as sandboxes
from dynalab.sandboxes.errors import SandboxUnavailable, SerializationException
from dynalab.sandboxes.models import Sandbox

#: The Region the Connect page suggests until the visitor picks one in the workbench.
DEFAULT_REGION = sandboxes.DEFAULT_REGION
#: Longest access key id taken in accept-any mode (the sandbox's label holds it).
MAX_ACCESS_KEY_ID_LENGTH = 128

_limiter: RateLimiter | None = None
_limiter_lock = threading.Lock()


def handle(
    wire: protocol.WireRequest,
    *,
    now: datetime | None = None,
    through_dax: str | None = None,
    dax_node: str | None = None,
) -> dict[str, Any]:
    """Run one parsed call and return the response body, or raise the service's error.

    ``through_dax`` (and ``dax_node``): the call came to a DAX cluster's endpoint
    (``/dax/<cluster>/``), so it goes through that cluster's caches.
    """
    sandbox, remembered = authenticate(wire, now=now)
    if not rate_limiter().allow(sandbox.pk):
        raise protocol.throttled()
    if wire.payload is None:
        raise SerializationException(
            "The request body is empty: send a JSON object, {} when the operation takes "
            "no parameters"
        )
    route = {"through_dax": through_dax, "dax_node": dax_node} if through_dax else {}
    try:
        response = sandboxes.execute(
            sandbox, wire.operation, wire.payload, source="api", region=region_of(wire), **route
        )
    except SandboxUnavailable:
        # Reset or deleted since this worker remembered which sandbox the key opens.
        if not remembered:
            raise
        return _again_with_a_fresh_lookup(wire, now=now, route=route)
    if remembered and not sandbox.is_active:
        return _again_with_a_fresh_lookup(wire, now=now, route=route)
    if wire.target_prefix == protocol.DAX_PREFIX:
        return protocol.absolute_dax_endpoints(response, wire)
    return response


def authenticate(
    wire: protocol.WireRequest, *, now: datetime | None = None
) -> tuple[Sandbox, bool]:
    """The sandbox the request's access key opens, after checking its SigV4 signature, and
    whether this worker remembered it (see KnownKeys) rather than looking it up.

    In accept-any mode (``DYNALAB_API_ACCEPT_ANY_KEY``) the signature is not checked: the
    access key id alone picks the sandbox, created on first use.
    """
    credentials = wire.credentials
    accept_any = conf.accept_any_key()
    access_key_id = credentials.access_key_id
    if accept_any:
        if not access_key_id or len(access_key_id) > MAX_ACCESS_KEY_ID_LENGTH:
            raise sigv4.UnrecognizedClientException(sigv4.UNRECOGNIZED_CLIENT_MESSAGE)
    else:
        sigv4.check_time_and_scope(credentials, now=now or datetime.now(UTC), service=wire.service)
    sandbox = KNOWN_KEYS.sandbox(accept_any, access_key_id)
    remembered = sandbox is not None
    if sandbox is None:
        if accept_any:
            sandbox = sandboxes.keyless_sandbox(access_key_id)
        else:
            sandbox = sandboxes.sandbox_for_access_key(access_key_id)
            if sandbox is None:
                raise sigv4.UnrecognizedClientException(sigv4.UNRECOGNIZED_CLIENT_MESSAGE)
        KNOWN_KEYS.remember(accept_any, access_key_id, sandbox)
    if not accept_any:
        sigv4.verify_signature(
            credentials, wire.signed, secret_access_key=sandbox.secret_access_key
        )
    return sandbox, remembered


def _again_with_a_fresh_lookup(
    wire: protocol.WireRequest, *, now: datetime | None, route: dict[str, Any]
) -> dict[str, Any]:
    """The remembered sandbox was reset or deleted meanwhile: forget it, look the key up again
    and rerun the call (a reset sandbox's old keys are unknown now; in accept-any mode the key
    id opens the sandbox that replaced it)."""
    KNOWN_KEYS.forget(conf.accept_any_key(), wire.credentials.access_key_id)
    sandbox, _ = authenticate(wire, now=now)
    response = sandboxes.execute(
        sandbox,
        wire.operation,
        wire.payload or {},
        source="api",
        region=region_of(wire),
        **route,
    )
    if wire.target_prefix == protocol.DAX_PREFIX:
        return protocol.absolute_dax_endpoints(response, wire)
    return response


def region_of(wire: protocol.WireRequest) -> str:
    """The AWS Region a call runs in: the one in its SigV4 credential scope (boto3's
    ``region_name``), as on AWS, where each Region has its own tables and DAX clusters (a
    call through ``/dax/<cluster>/`` goes to the cluster of that name in that Region)."""
    return wire.credentials.region


class KnownKeys:
    """This worker's memory of which sandbox an access key opens, for ``ttl`` seconds.

    Looking a key up costs one or two queries, more than running a GetItem. Using a remembered
    sandbox is safe: execute() reads the sandbox's row on every call, so a sandbox reset or
    deleted meanwhile is noticed by the very call that uses it (see ``handle``). At most
    ``max_keys`` keys are kept, the least recently used forgotten first.
    """

    def __init__(self, *, ttl: float = 60.0, max_keys: int = 10_000) -> None:
        self.ttl = ttl
        self.max_keys = max_keys
        self._entries: OrderedDict[tuple[bool, str], tuple[uuid.UUID, str, float]] = OrderedDict()
        self._lock = threading.Lock()

    def sandbox(self, accept_any: bool, access_key_id: str) -> Sandbox | None:
        key = (accept_any, access_key_id)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            sandbox_id, secret, expires_at = entry
            if time.monotonic() >= expires_at:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
        return Sandbox(
            id=sandbox_id, access_key_id=access_key_id, secret_access_key=secret, is_active=True
        )

    def remember(self, accept_any: bool, access_key_id: str, sandbox: Sandbox) -> None:
        key = (accept_any, access_key_id)
        with self._lock:
            self._entries[key] = (
                sandbox.pk,
                sandbox.secret_access_key,
                time.monotonic() + self.ttl,
            )
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_keys:
                self._entries.popitem(last=False)

    def forget(self, accept_any: bool, access_key_id: str) -> None:
        with self._lock:
            self._entries.pop((accept_any, access_key_id), None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


KNOWN_KEYS = KnownKeys()


def rate_limiter() -> RateLimiter:
    """This worker's limiter, rebuilt when the settings change (tests override them)."""
    global _limiter
    limit = conf.rate_limit()
    rate = limit.requests_per_second if limit.enabled else float("inf")
    limiter = _limiter
    if limiter is None or (limiter.rate, limiter.burst) != (rate, limit.burst):
        with _limiter_lock:
            if _limiter is None or (_limiter.rate, _limiter.burst) != (rate, limit.burst):
                _limiter = RateLimiter(rate, limit.burst)
            limiter = _limiter
    return limiter


# ---------------------------------------------------------------------- the Connect page
@dataclass(frozen=True)
class ConnectionDetails:
    access_key_id: str
    secret_access_key: str
    region: str
    endpoint_url: str
    dedicated_endpoint_url: str
    accept_any_key: bool

    @property
    def boto3_snippet(self) -> str:
        return (
            "import boto3\n\n"
            "dynamodb = boto3.client(\n"
            '    "dynamodb",\n'
            f'    endpoint_url="{self.endpoint_url}",\n'
            f'    region_name="{self.region}",\n'
            f'    aws_access_key_id="{self.access_key_id}",\n'
            f'    aws_secret_access_key="{self.secret_access_key}",\n'
            ")\n"
            'print(dynamodb.list_tables()["TableNames"])\n'
        )

    @property
    def cli_configure_snippet(self) -> str:
        return (
            "$ aws configure --profile dynalab\n"
            f"AWS Access Key ID [None]: {self.access_key_id}\n"
            f"AWS Secret Access Key [None]: {self.secret_access_key}\n"
            f"Default region name [None]: {self.region}\n"
            "Default output format [None]: json\n"
        )

    @property
    def cli_command_snippet(self) -> str:
        return f"aws dynamodb list-tables --profile dynalab --endpoint-url {self.endpoint_url}\n"

    @property
    def dax_endpoint_example(self) -> str:
        """Where calls through a cluster named my-cache go: its ClusterDiscoveryEndpoint."""
        return f"{self.endpoint_url}dax/my-cache/"

    @property
    def dax_control_snippet(self) -> str:
        return (
            "import boto3\n\n"
            "dax = boto3.client(\n"
            '    "dax",\n'
            f'    endpoint_url="{self.endpoint_url}",\n'
            f'    region_name="{self.region}",\n'
            f'    aws_access_key_id="{self.access_key_id}",\n'
            f'    aws_secret_access_key="{self.secret_access_key}",\n'
            ")\n"
            "dax.create_cluster(\n"
            '    ClusterName="my-cache",\n'
            '    NodeType="dax.t3.small",\n'
            "    ReplicationFactor=1,\n"
            '    IamRoleArn="arn:aws:iam::000000000000:role/DAXServiceRole",\n'
            ")\n"
            "# creating for a minute of simulated time, then available\n"
            'cluster = dax.describe_clusters(ClusterNames=["my-cache"])["Clusters"][0]\n'
        )

    @property
    def dax_data_snippet(self) -> str:
        return (
            "# DynaLab's stand-in for the DAX client SDK: a DynamoDB client pointed at the\n"
            f"# cluster's endpoint, {self.dax_endpoint_example}\n"
            "cached = boto3.client(\n"
            '    "dynamodb",\n'
            '    endpoint_url=cluster["ClusterDiscoveryEndpoint"]["URL"],\n'
            f'    region_name="{self.region}",\n'
            f'    aws_access_key_id="{self.access_key_id}",\n'
            f'    aws_secret_access_key="{self.secret_access_key}",\n'
            ")\n"
            'cached.get_item(TableName="Music", Key={"artist": {"S": "Arturus"}})\n'
        )

    @property
    def dax_cli_snippet(self) -> str:
        return f"aws dax describe-clusters --profile dynalab --endpoint-url {self.endpoint_url}\n"

    @property
    def environment_snippet(self) -> str:
        return (
            f"export AWS_ACCESS_KEY_ID={self.access_key_id}\n"
            f"export AWS_SECRET_ACCESS_KEY={self.secret_access_key}\n"
            f"export AWS_DEFAULT_REGION={self.region}\n"
            f"export AWS_ENDPOINT_URL_DYNAMODB={self.endpoint_url}\n"
        )


def connection_details(request: HttpRequest) -> ConnectionDetails:
    """The visitor's sandbox keys and this server's endpoint URLs, as the browser sees them."""
    sandbox = request.sandbox  # type: ignore[attr-defined]
    return ConnectionDetails(
        access_key_id=sandbox.access_key_id,
        secret_access_key=sandbox.secret_access_key,
        region=sandboxes.session_region(request),
        endpoint_url=request.build_absolute_uri("/"),
        dedicated_endpoint_url=request.build_absolute_uri(reverse("api:endpoint")),
        accept_any_key=conf.accept_any_key(),
    )
