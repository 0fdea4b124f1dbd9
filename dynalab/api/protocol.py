"""DynamoDB's JSON 1.0 protocol (and DAX's control plane, JSON 1.1): read a request once into
a WireRequest, write answers as the service does (its headers, its error envelope).

``read_request`` runs the transport-level checks in the service's order, each answered with the
service's error: a body over the size cap (refused before reading it), a method other than
POST or a body that is not JSON 1.0, malformed JSON, an unknown ``X-Amz-Target``. What is left
(credentials, throttling, the call itself) is services.py's business.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import zlib
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, cached_property
from typing import Any
from urllib.parse import quote

from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse

from dynalab.api import sigv4
from dynalab.sandboxes import selectors
from dynalab.sandboxes.errors import (
    DaxError,
    SerializationException,
    ServiceError,
    ThrottlingException,
    UnknownOperationException,
    ValidationException,
)

DYNAMODB_PREFIX = "DynamoDB_20120810"
STREAMS_PREFIX = "DynamoDBStreams_20120810"
#: DAX's control plane (boto3's ``dax`` client): JSON 1.1, signed for the service ``dax``.
DAX_PREFIX = "AmazonDAXV3"

JSON_CONTENT_TYPE = "application/x-amz-json-1.0"
JSON_11_CONTENT_TYPE = "application/x-amz-json-1.1"
#: The services also take plain JSON, and answer in the content type they were sent.
ACCEPTED_CONTENT_TYPES = frozenset({JSON_CONTENT_TYPE, JSON_11_CONTENT_TYPE, "application/json"})

#: The service's error namespaces: the request layer, its throttle, and DynamoDB itself.
CORAL_NAMESPACE = "com.amazon.coral.service"
AVAILABILITY_NAMESPACE = "com.amazon.coral.availability"
DYNAMODB_NAMESPACE = "com.amazonaws.dynamodb.v20120810"
CORAL_ERRORS = frozenset(
    {
        "SerializationException",
        "UnknownOperationException",
        "MissingAuthenticationTokenException",
        "IncompleteSignatureException",
        "InvalidSignatureException",
        "UnrecognizedClientException",
        "AccessDeniedException",
    }
)
THROTTLING_MESSAGE = "Rate of requests exceeds the allowed throughput."

HOW_TO_CALL = (
    "send a POST with an X-Amz-Target header such as DynamoDB_20120810.ListTables (or "
    "AmazonDAXV3.DescribeClusters for DAX) and a JSON body, as the AWS SDKs and CLI do (the "
    "Connect page shows how to point them here)"
)


@cache
def operations_by_prefix() -> dict[str, frozenset[str]]:
    """The operations each X-Amz-Target prefix reaches: DynamoDB Streams' four and DAX's
    control plane under their own prefixes; DynamoDB's, and DynaLab's own (documented as
    outside the service), under DynamoDB's."""
    streams = frozenset(f.name for f in selectors.operations(api=selectors.STREAMS_API))
    dax = frozenset(f.name for f in selectors.operations(api=selectors.DAX_API))
    others = frozenset(f.name for f in selectors.operations()) - streams - dax
    return {DYNAMODB_PREFIX: others, STREAMS_PREFIX: streams, DAX_PREFIX: dax}


@dataclass(frozen=True)
class WireRequest:
    """One DynamoDB call as received: parsed once, then passed around whole."""

    target_prefix: str
    operation: str
    #: The JSON body as sent (None for an empty body).
    payload: dict[str, Any] | None
    body: bytes
    #: The content type to answer in (the service mirrors the request's).
    content_type: str
    signed: sigv4.SignedRequest
    authorization: str | None
    amz_date: str | None
    http_date: str | None
    #: The Host the client reached and the scheme it used: where DAX's endpoints point.
    host: str = ""
    scheme: str = "http"

    @property
    def service(self) -> str:
        """The service the request is signed for: ``dax`` for DAX's control plane."""
        return "dax" if self.target_prefix == DAX_PREFIX else sigv4.SERVICE

    @cached_property
    def credentials(self) -> sigv4.Credentials:
        """The parsed Authorization header (raises the service's error if absent or broken)."""
        return sigv4.parse_authorization(
            self.authorization, amz_date=self.amz_date, http_date=self.http_date
        )


def answer_content_type(request: HttpRequest) -> str:
    """The content type to answer in, even when the request is refused before it is read:
    the one it was sent in (JSON 1.0 for DynamoDB, 1.1 for DAX), else JSON 1.0."""
    media_type = request.META.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    return media_type if media_type in ACCEPTED_CONTENT_TYPES else JSON_CONTENT_TYPE


def read_request(request: HttpRequest, *, max_body_bytes: int) -> WireRequest:
    """Check and parse a Django request; raise the service's error for the first problem."""
    meta = request.META
    if request.method != "POST":
        raise _not_an_operation(f"The DynamoDB endpoint does not answer {request.method}: ")
    declared_length = _content_length(meta)
    if declared_length > max_body_bytes:
        raise _too_large(declared_length, max_body_bytes)
    if not meta.get("CONTENT_LENGTH") and _is_chunked(meta):
        body = _read_chunked(meta, max_body_bytes)
    else:
        # Read at most one byte past the cap, whatever Content-Length claimed.
        body = request.read(max_body_bytes + 1)
    if len(body) > max_body_bytes:
        raise _too_large(len(body), max_body_bytes)

    media_type = meta.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    if body and media_type not in ACCEPTED_CONTENT_TYPES:
        raise _not_an_operation(
            f"Content-Type {media_type or '(none)'!r} is not {JSON_CONTENT_TYPE}: "
        )
    payload = parse_json(body) if body else None

    target = meta.get("HTTP_X_AMZ_TARGET", "")
    target_prefix, dot, operation = target.partition(".")
    if not dot or not _is_known(target_prefix, operation):
        not_simulated = (
            selectors.not_simulated_message(operation) if target_prefix == DYNAMODB_PREFIX else None
        )
        if not_simulated is not None:
            raise UnknownOperationException(not_simulated)
        raise UnknownOperationException(
            f"Unknown operation {target!r} in the X-Amz-Target header: {HOW_TO_CALL}"
            if target
            else f"The X-Amz-Target header is missing: {HOW_TO_CALL}"
        )

    return WireRequest(
        target_prefix=target_prefix,
        operation=operation,
        payload=payload,
        body=body,
        content_type=media_type if media_type in ACCEPTED_CONTENT_TYPES else JSON_CONTENT_TYPE,
        signed=sigv4.SignedRequest(
            method=request.method,
            raw_path=_raw_path(request),
            query_string=meta.get("QUERY_STRING", ""),
            headers={name.lower(): value for name, value in request.headers.items()},
            body=body,
        ),
        authorization=meta.get("HTTP_AUTHORIZATION"),
        amz_date=meta.get("HTTP_X_AMZ_DATE"),
        http_date=meta.get("HTTP_DATE"),
        host=meta.get("HTTP_HOST")
        or f"{meta.get('SERVER_NAME', '')}:{meta.get('SERVER_PORT', '')}",
        scheme=request.scheme or "http",
    )


#: ``/dax/<cluster>/`` or ``/dax/<cluster>/<node id>/`` (the final slash optional).
DAX_PATH = re.compile(r"/dax/(?P<cluster>[A-Za-z0-9-]{1,64})(?:/(?P<node>[A-Za-z0-9-]{1,64}))?/?")


def dax_route(path: str) -> tuple[str, str | None]:
    """The cluster (and node) a DAX endpoint path names; a path that names none is not an
    operation (HTTP 404)."""
    match = DAX_PATH.fullmatch(path)
    if match is None:
        raise NotAnOperation(
            "Send calls through a DAX cluster to its endpoint, /dax/<cluster name>/ (the "
            "URL of ClusterDiscoveryEndpoint in DescribeClusters): " + HOW_TO_CALL
        )
    return match["cluster"], match["node"]


def check_dax_data_call(wire: WireRequest) -> None:
    """A cluster's endpoint answers DynamoDB's data calls; DAX's control plane is the
    server's root endpoint."""
    if wire.target_prefix != DYNAMODB_PREFIX:
        raise UnknownOperationException(
            f"A DAX cluster's endpoint answers DynamoDB calls, not {wire.target_prefix}."
            f"{wire.operation}: send DAX's control plane (boto3's dax client) to the server's "
            "root URL"
        )


def parse_json(body: bytes) -> dict[str, Any]:
    """The body as a JSON object, or SerializationException (never a Python error)."""
    try:
        text = body.decode("utf-8")
        payload = json.loads(text, parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        raise SerializationException("The request body is not valid UTF-8") from None
    except RecursionError:
        raise SerializationException("The request body is nested too deeply") from None
    except ValueError:
        # The service names no detail of what is wrong with the JSON: no message at all.
        raise SerializationException("") from None
    if not isinstance(payload, dict):
        if isinstance(payload, list):
            raise SerializationException("Start of list found where not expected")
        raise SerializationException("The request body must be a JSON object")
    # json.loads accepts "\ud800" escapes that make strings no database or encoder can hold.
    if "\\u" in text and _has_lone_surrogate(payload):
        raise SerializationException("The request body holds an unpaired UTF-16 surrogate")
    return payload


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _has_lone_surrogate(payload: Any) -> bool:
    try:
        json.dumps(payload, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _is_known(prefix: str, operation: str) -> bool:
    return operation in operations_by_prefix().get(prefix, frozenset())


def _is_chunked(meta: dict[str, Any]) -> bool:
    encodings = meta.get("HTTP_TRANSFER_ENCODING", "").lower()
    return "chunked" in (part.strip() for part in encodings.split(","))


def _read_chunked(meta: dict[str, Any], limit: int) -> bytes:
    """A ``Transfer-Encoding: chunked`` body (SDKs send one when they cannot know the length
    first), at most ``limit + 1`` bytes. Django reads only Content-Length bytes, so the body
    comes from the WSGI input: already dechunked where the server says so
    (``wsgi.input_terminated``, as gunicorn does), decoded here otherwise."""
    stream = meta["wsgi.input"]
    # Django's development server wraps the socket in a stream limited to Content-Length
    # (none here): read the socket itself, whose bytes are still the raw chunks.
    inner = getattr(getattr(stream, "_read", None), "__self__", None)
    if isinstance(stream, LimitedStream) and inner is not None:
        stream = inner
    if meta.get("wsgi.input_terminated"):
        parts, size = [], 0
        while size <= limit:
            chunk = stream.read(min(65536, limit + 1 - size))
            if not chunk:
                break
            parts.append(chunk)
            size += len(chunk)
        return b"".join(parts)
    parts, size = [], 0
    while True:
        line = stream.readline(1024)
        try:
            length = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise SerializationException("The chunked request body is malformed") from None
        if length < 0:
            raise SerializationException("The chunked request body is malformed")
        if length == 0:
            # Skip the trailers up to the blank line: nothing of ours is in them.
            trailer = stream.readline(1024)
            while trailer not in (b"\r\n", b"\n", b""):
                trailer = stream.readline(1024)
            return b"".join(parts)
        if size + length > limit:
            raise _too_large(size + length, limit)
        chunk = stream.read(length)
        if len(chunk) != length:
            raise SerializationException("The chunked request body ended early")
        parts.append(chunk)
        size += length
        stream.readline(1024)  # the CRLF after each chunk


def _content_length(meta: dict[str, Any]) -> int:
    try:
        return max(0, int(meta.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def _raw_path(request: HttpRequest) -> str:
    """The path as the client sent it (percent-encoded), as SigV4 signs it."""
    raw = request.META.get("RAW_URI") or request.META.get("REQUEST_URI")
    if raw:
        return raw.split("?", 1)[0] or "/"
    return quote(request.path, safe="/" + sigv4.UNRESERVED + "!$&'()*+,;=:@")


class RequestTooLarge(ValidationException):
    """A body over the size cap: ValidationException to clients, HTTP 413 on the wire."""

    status = 413


class HostNotServed(ValidationException):
    """A Host header outside ALLOWED_HOSTS: refused before anything else is read."""


class NotAnOperation(UnknownOperationException):
    """Not a JSON 1.0 POST at all: the service answers these with HTTP 404."""

    status = 404


def _too_large(size: int, limit: int) -> RequestTooLarge:
    return RequestTooLarge(
        f"Request size {size:,} bytes exceeds this server's limit of {limit:,} bytes "
        f"(DYNALAB_API_MAX_REQUEST_BYTES); send the items in smaller requests"
    )


def _not_an_operation(why: str) -> NotAnOperation:
    return NotAnOperation(why + HOW_TO_CALL)


def throttled() -> ThrottlingException:
    return ThrottlingException(THROTTLING_MESSAGE)


# ---------------------------------------------------------------------- answers
#: Each random byte to one of 32 letters and digits (256 is a multiple of 32: uniform).
_REQUEST_ID_ALPHABET = bytes(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[i % 32] for i in range(256))


def new_request_id() -> str:
    """52 upper-case letters and digits, the shape of the service's x-amzn-RequestId (260
    random bits; a C-level translation, where base32-encoding cost ~25 us a call)."""
    return secrets.token_bytes(52).translate(_REQUEST_ID_ALPHABET).decode("ascii")


def success_response(
    body: dict[str, Any], *, request_id: str, content_type: str, operation: str = ""
) -> HttpResponse:
    """The call's answer; an operation the service answers with no body (TagResource,
    UntagResource: the catalog's ``empty_body``) gets a zero-length one."""
    facts = selectors.operation(operation)
    empty = facts is not None and facts.empty_body
    return _json_response(body, 200, request_id=request_id, content_type=content_type, empty=empty)


def error_response(
    error: ServiceError, *, request_id: str, content_type: str = JSON_CONTENT_TYPE
) -> HttpResponse:
    """The service's envelope: ``{"__type": "<namespace>#<Code>", "message": ...}``; DAX's
    faults (JSON 1.1) carry the bare code, which botocore reads the same way."""
    if isinstance(error, DaxError):
        envelope = error.to_dict()
    else:
        envelope = {**error.to_dict(), "__type": f"{error_namespace(error.code)}#{error.code}"}
    response = _json_response(
        envelope, error.status, request_id=request_id, content_type=content_type
    )
    if isinstance(error, RequestTooLarge):
        # The unread body is still on the connection: do not reuse it.
        response["Connection"] = "close"
    return response


def fit_to_server(response: HttpResponse, request: HttpRequest) -> HttpResponse:
    """Django's development server (``make run``) refuses hop-by-hop headers from the
    application: there, leave closing the connection to the server."""
    if "Connection" in response and isinstance(request.META.get("wsgi.input"), LimitedStream):
        del response["Connection"]
    return response


def absolute_dax_endpoints(body: Any, wire: WireRequest) -> Any:
    """DAX's answers name endpoints by their path on this server (``{"URL": "/dax/c/"}``):
    complete each with the host and port the client reached, so that
    ``ClusterDiscoveryEndpoint["URL"]`` can be handed to a DynamoDB client as it is."""
    if isinstance(body, list):
        return [absolute_dax_endpoints(value, wire) for value in body]
    if not isinstance(body, dict):
        return body
    url = body.get("URL")
    if isinstance(url, str) and url.startswith("/dax/"):
        address, port = _address_and_port(wire.host, wire.scheme)
        return {
            **body,
            "Address": address,
            "Port": port,
            "URL": f"{wire.scheme}://{wire.host}{url}",
        }
    return {key: absolute_dax_endpoints(value, wire) for key, value in body.items()}


def _address_and_port(host: str, scheme: str) -> tuple[str, int]:
    """``127.0.0.1:8000`` -> ("127.0.0.1", 8000); an IPv6 literal keeps its brackets; no
    port means the scheme's."""
    default = 443 if scheme == "https" else 80
    if host.startswith("["):
        address, _, rest = host.partition("]")
        port = rest[1:] if rest.startswith(":") else ""
        return address + "]", int(port) if port.isdigit() else default
    address, _, port = host.partition(":")
    return address, int(port) if port.isdigit() else default


def error_namespace(code: str) -> str:
    if code in CORAL_ERRORS:
        return CORAL_NAMESPACE
    if code == "ThrottlingException":
        return AVAILABILITY_NAMESPACE
    return DYNAMODB_NAMESPACE


def encode_json(body: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON; Decimals (if any reach here) as JSON numbers."""
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=_json_default)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # an unpaired surrogate: escape it rather than fail
        return json.dumps(body, separators=(",", ":"), default=_json_default).encode("ascii")


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _json_response(
    body: dict[str, Any], status: int, *, request_id: str, content_type: str, empty: bool = False
) -> HttpResponse:
    data = b"" if empty else encode_json(body)
    response = HttpResponse(data, status=status, content_type=content_type)
    response["x-amzn-RequestId"] = request_id
    response["x-amz-crc32"] = str(zlib.crc32(data) & 0xFFFFFFFF)
    response["Content-Length"] = str(len(data))
    return response
