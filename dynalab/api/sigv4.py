"""AWS Signature Version 4, verified on the server: our own reading of the published algorithm.

A client signs a canonical form of its request (method, path, query, the headers it names,
the SHA-256 of the body) with a key derived from its secret access key by chaining HMAC-SHA256
over the date, region, service and ``aws4_request``. The server rebuilds the same canonical
request from what it received, derives the same key from the secret it holds, and compares
the two signatures in constant time. Nothing here touches Django: callers pass plain values.

Checks run in the service's order, and each failure carries the service's code and wording
(pinned in tests/api/test_sigv4.py): a missing or non-SigV4 Authorization header, missing
parameters, the date's format, the 15-minute clock skew, ``host`` among the signed headers,
the algorithm, the credential's shape and scope, then (by the caller, who holds the keys) the
access key id, and last the signature itself.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache
from urllib.parse import quote, unquote

from dynalab.sandboxes.errors import ServiceError

ALGORITHM = "AWS4-HMAC-SHA256"
TERMINATOR = "aws4_request"
SERVICE = "dynamodb"
MAX_CLOCK_SKEW = timedelta(minutes=15)
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"

#: Region names as AWS spells them: us-east-1, eu-central-2, us-gov-west-1, cn-north-1, ...
REGION_PATTERN = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d{1,2}")
AMZ_DATE_PATTERN = re.compile(r"\d{8}T\d{6}Z")
#: RFC 3986 unreserved characters, which SigV4 never percent-encodes.
UNRESERVED = "-_.~"


class MissingAuthenticationTokenException(ServiceError):
    code = "MissingAuthenticationTokenException"


class IncompleteSignatureException(ServiceError):
    code = "IncompleteSignatureException"


class InvalidSignatureException(ServiceError):
    code = "InvalidSignatureException"


class UnrecognizedClientException(ServiceError):
    code = "UnrecognizedClientException"


MISSING_TOKEN_MESSAGE = "Request is missing Authentication Token"
UNRECOGNIZED_CLIENT_MESSAGE = "The security token included in the request is invalid."
SIGNATURE_MISMATCH_MESSAGE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)


@dataclass(frozen=True)
class Credentials:
    """What the Authorization header says about who signed, when, and what."""

    header: str
    algorithm: str
    access_key_id: str
    scope_date: str
    region: str
    service: str
    terminator: str
    signed_headers: tuple[str, ...]
    signature: str
    #: The request's time in ISO-8601 basic format (from X-Amz-Date, else from Date).
    amz_date: str | None

    @property
    def scope(self) -> str:
        return f"{self.scope_date}/{self.region}/{self.service}/{self.terminator}"


@dataclass(frozen=True)
class SignedRequest:
    """The parts of an HTTP request that SigV4 signs, as received."""

    method: str
    #: The path as it travelled on the wire, still percent-encoded.
    raw_path: str
    #: The raw query string, without the "?".
    query_string: str
    #: Lower-case header name -> value (repeated headers already joined with ",").
    headers: Mapping[str, str]
    body: bytes


# ---------------------------------------------------------------------- parsing
def parse_authorization(
    header: str | None, *, amz_date: str | None, http_date: str | None
) -> Credentials:
    """Read the Authorization header; raise the service's error if it is absent or incomplete.

    Only the header's shape is checked here (parameters, date format, algorithm, credential
    of five parts); time, scope and signature are checked by ``check_request``.
    """
    if not header or not header.strip().startswith("AWS4-"):
        raise MissingAuthenticationTokenException(MISSING_TOKEN_MESSAGE)
    header = header.strip()
    algorithm, _, rest = header.partition(" ")
    parameters: dict[str, str] = {}
    for part in rest.split(","):
        part = part.strip()
        if not part:
            continue
        name, equals, value = part.partition("=")
        if not equals:
            raise IncompleteSignatureException(
                f"'{name}' not a valid key=value pair (missing equal-sign) in Authorization "
                f"header: '{header}'."
            )
        parameters[name.strip()] = value.strip()

    problems = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if not parameters.get(name)
    ]
    if not amz_date and not http_date:
        problems.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    if problems:
        raise IncompleteSignatureException(" ".join(problems) + f" Authorization={header}")

    request_date = _basic_format_date(amz_date, http_date)
    signed_headers = tuple(
        name.strip().lower() for name in parameters["SignedHeaders"].split(";") if name.strip()
    )
    if algorithm != ALGORITHM:
        raise IncompleteSignatureException(
            f"Unsupported AWS 'algorithm': '{algorithm}' (only {ALGORITHM} for now). "
        )
    credential = parameters["Credential"]
    parts = credential.rstrip("/").split("/")
    if len(parts) != 5:
        raise IncompleteSignatureException(
            "Credential must have exactly 5 slash-delimited elements, e.g. "
            f"keyid/date/region/service/term, got '{credential}'"
        )
    access_key_id, scope_date, region, service, terminator = parts
    return Credentials(
        header=header,
        algorithm=algorithm,
        access_key_id=access_key_id,
        scope_date=scope_date,
        region=region,
        service=service,
        terminator=terminator,
        signed_headers=tuple(sorted(set(signed_headers))),
        signature=parameters["Signature"],
        amz_date=request_date,
    )


def _basic_format_date(amz_date: str | None, http_date: str | None) -> str:
    """X-Amz-Date as sent, or the Date header turned into ISO-8601 basic format."""
    if amz_date:
        if not AMZ_DATE_PATTERN.fullmatch(amz_date) or _parse_amz_date(amz_date) is None:
            raise IncompleteSignatureException(_bad_date_message(amz_date))
        return amz_date
    try:
        parsed = parsedate_to_datetime(http_date or "")
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is None:
        raise IncompleteSignatureException(_bad_date_message(http_date or ""))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime(AMZ_DATE_FORMAT)


def _bad_date_message(value: str) -> str:
    return (
        f"Date must be in ISO-8601 'basic format'. Got '{value}'. "
        "See http://en.wikipedia.org/wiki/ISO_8601"
    )


def _parse_amz_date(value: str) -> datetime | None:
    try:
        if len(value) == 16 and value[8] == "T" and value[15] == "Z":
            # The form every SDK sends, read directly (strptime costs ~40 us a call).
            digits = value[:8] + value[9:15]
            if digits.isascii() and digits.isdigit():
                return datetime(
                    int(value[0:4]),
                    int(value[4:6]),
                    int(value[6:8]),
                    int(value[9:11]),
                    int(value[11:13]),
                    int(value[13:15]),
                    tzinfo=UTC,
                )
        return datetime.strptime(value, AMZ_DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


# ---------------------------------------------------------------------- checking
def check_time_and_scope(
    credentials: Credentials, *, now: datetime, service: str = SERVICE
) -> None:
    """The request's time within 15 minutes of ``now``, host signed, the scope right (for
    ``service``: ``dax`` for DAX's control plane)."""
    signed_at = _parse_amz_date(credentials.amz_date or "")
    if signed_at is None:  # parse_authorization guarantees a valid date
        raise IncompleteSignatureException(_bad_date_message(credentials.amz_date or ""))
    now = now.astimezone(UTC).replace(microsecond=0)
    if signed_at < now - MAX_CLOCK_SKEW:
        raise InvalidSignatureException(
            f"Signature expired: {credentials.amz_date} is now earlier than "
            f"{_basic(now - MAX_CLOCK_SKEW)} ({_basic(now)} - 15 min.)"
        )
    if signed_at > now + MAX_CLOCK_SKEW:
        raise InvalidSignatureException(
            f"Signature not yet current: {credentials.amz_date} is still later than "
            f"{_basic(now + MAX_CLOCK_SKEW)} ({_basic(now)} + 15 min.)"
        )
    if "host" not in credentials.signed_headers:
        raise InvalidSignatureException("'Host' must be a 'SignedHeader' in the AWS Authorization.")
    problems = []
    if not REGION_PATTERN.fullmatch(credentials.region):
        problems.append(
            f"Credential should be scoped to a valid region, not '{credentials.region}'."
        )
    if credentials.service != service:
        problems.append(f"Credential should be scoped to correct service: '{service}'.")
    if credentials.terminator != TERMINATOR:
        problems.append(
            f"Credential should be scoped with a valid terminator: '{TERMINATOR}', "
            f"not '{credentials.terminator}'."
        )
    request_day = (credentials.amz_date or "")[:8]
    if credentials.scope_date != request_day:
        problems.append(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{credentials.scope_date}' != '{request_day}', from "
            f"'{credentials.amz_date}'."
        )
    if problems:
        raise InvalidSignatureException(" ".join(problems))


def verify_signature(
    credentials: Credentials, request: SignedRequest, *, secret_access_key: str
) -> None:
    """Recompute the signature with ``secret_access_key``; raise InvalidSignatureException
    (with the canonical request and string to sign, as the service does) if it differs."""
    canonical = canonical_request(request, credentials.signed_headers)
    to_sign = string_to_sign(credentials, canonical)
    key = signing_key(
        secret_access_key, credentials.scope_date, credentials.region, credentials.service
    )
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), credentials.signature.encode("utf-8")):
        raise InvalidSignatureException(
            f"{SIGNATURE_MISMATCH_MESSAGE}\n\n"
            f"The Canonical String for this request should have been\n'{canonical}'\n\n"
            f"The String-to-Sign should have been\n'{to_sign}'\n"
        )


# ---------------------------------------------------------------------- the algorithm
def canonical_request(request: SignedRequest, signed_headers: tuple[str, ...]) -> str:
    """Method, URI, query, headers, signed header names and body hash, one per line."""
    header_lines = "".join(
        f"{name}:{_canonical_header_value(request.headers.get(name, ''))}\n"
        for name in signed_headers
    )
    return "\n".join(
        [
            request.method.upper(),
            canonical_uri(request.raw_path),
            canonical_query_string(request.query_string),
            header_lines,
            ";".join(signed_headers),
            hashlib.sha256(request.body).hexdigest(),
        ]
    )


def canonical_uri(raw_path: str) -> str:
    """The normalized path, each segment percent-encoded once more (services other than S3
    encode twice: once on the wire, once here)."""
    segments: list[str] = []
    for segment in (raw_path or "/").split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment not in ("", "."):
            segments.append(segment)
    path = "/" + "/".join(segments)
    if raw_path.endswith("/") and path != "/":
        path += "/"
    return quote(path, safe="/" + UNRESERVED)


def canonical_query_string(query_string: str) -> str:
    """Each name and value URI-encoded, sorted by name then value, joined with "&"."""
    pairs = [pair.partition("=") for pair in query_string.split("&") if pair]
    encoded = sorted((_uri_encode(name), _uri_encode(value)) for name, _, value in pairs)
    return "&".join(f"{name}={value}" for name, value in encoded)


def string_to_sign(credentials: Credentials, canonical: str) -> str:
    return "\n".join(
        [
            credentials.algorithm,
            credentials.amz_date or "",
            credentials.scope,
            hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        ]
    )


@lru_cache(maxsize=1024)
def signing_key(secret_access_key: str, date: str, region: str, service: str) -> bytes:
    """HMAC-SHA256 chained over date, region, service and ``aws4_request``.

    Cached: a key is valid for one day and one scope, and deriving it costs four HMACs.
    """
    key = ("AWS4" + secret_access_key).encode("utf-8")
    for part in (date, region, service, TERMINATOR):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def _canonical_header_value(value: str) -> str:
    """Trimmed, with runs of spaces inside collapsed to one."""
    return " ".join(value.split())


def _uri_encode(value: str) -> str:
    """Percent-decoded as received, then encoded the SigV4 way (everything but unreserved)."""
    return quote(unquote(value), safe=UNRESERVED)


def _basic(moment: datetime) -> str:
    return moment.strftime(AMZ_DATE_FORMAT)
