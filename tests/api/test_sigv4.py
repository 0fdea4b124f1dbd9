"""Our SigV4 verifier: AWS's published examples, botocore's signer as an independent client,
and every refusal worded as the service words it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dynalab.api import sigv4
from tests.support import api as helpers

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
KEY_ID = "AKIDEXAMPLE"
SIGNED_AT = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def sign(
    url: str = "http://localhost:8000/",
    body: bytes = b"{}",
    *,
    secret: str = SECRET,
    region: str = "us-east-1",
    service: str = "dynamodb",
    at: datetime = SIGNED_AT,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[dict[str, str], sigv4.SignedRequest]:
    """Sign with botocore at ``at``; return its headers and the request as our server sees it."""
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda: at)
    headers = helpers.signed_headers(
        url,
        body,
        target="DynamoDB_20120810.ListTables",
        access_key_id=KEY_ID,
        secret_access_key=secret,
        region=region,
        service=service,
    )
    path_and_query = url.split("//", 1)[1].partition("/")[2]
    path, _, query = path_and_query.partition("?")
    received = {name.lower(): value for name, value in headers.items()}
    received["host"] = url.split("//", 1)[1].split("/", 1)[0]
    return headers, sigv4.SignedRequest(
        method="POST", raw_path="/" + path, query_string=query, headers=received, body=body
    )


def credentials_of(headers: dict[str, str]) -> sigv4.Credentials:
    return sigv4.parse_authorization(
        headers.get("Authorization"), amz_date=headers.get("X-Amz-Date"), http_date=None
    )


# ---------------------------------------------------------------------- the algorithm
def test_signing_key_matches_the_aws_documentation_example() -> None:
    # "Derive a signing key" in the AWS General Reference: 20120215 / us-east-1 / iam.
    key = sigv4.signing_key(SECRET, "20120215", "us-east-1", "iam")

    assert key.hex() == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"


def test_get_vanilla_from_the_aws_signature_test_suite() -> None:
    request = sigv4.SignedRequest(
        method="GET",
        raw_path="/",
        query_string="",
        headers={"host": "example.amazonaws.com", "x-amz-date": "20150830T123600Z"},
        body=b"",
    )
    credentials = sigv4.parse_authorization(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=host;x-amz-date, "
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        amz_date="20150830T123600Z",
        http_date=None,
    )

    assert sigv4.canonical_request(request, credentials.signed_headers) == (
        "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
        "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    sigv4.verify_signature(credentials, request, secret_access_key=SECRET)


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8000/",
        "http://localhost:8000/dynamodb/",
        "http://127.0.0.1:8000/dynamodb",
        "http://localhost:8000/dynamodb/?b=2&a=1&a=0",
        "http://localhost:8000/a%20b/./c/../dynamodb/",
    ],
)
def test_botocore_signatures_verify(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    headers, request = sign(url, b'{"TableName": "Music"}', monkeypatch=monkeypatch)
    credentials = credentials_of(headers)

    sigv4.check_time_and_scope(credentials, now=SIGNED_AT + timedelta(minutes=3))
    sigv4.verify_signature(credentials, request, secret_access_key=SECRET)


@given(body=st.binary(max_size=300), secret=st.text(min_size=1, max_size=50))
def test_any_body_and_secret_verify(body: bytes, secret: str) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        headers, request = sign(body=body, secret=secret, monkeypatch=monkeypatch)

    sigv4.verify_signature(credentials_of(headers), request, secret_access_key=secret)


def test_a_changed_body_header_or_secret_does_not_verify(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    headers, request = sign(body=b'{"Limit": 1}', monkeypatch=monkeypatch)
    credentials = credentials_of(headers)
    changed_body = sigv4.SignedRequest(**{**request.__dict__, "body": b'{"Limit": 2}'})
    changed_target = sigv4.SignedRequest(
        **{
            **request.__dict__,
            "headers": {**request.headers, "x-amz-target": "DynamoDB_20120810.DeleteTable"},
        }
    )

    for candidate, secret in [
        (changed_body, SECRET),
        (changed_target, SECRET),
        (request, SECRET + "x"),
    ]:
        with pytest.raises(sigv4.InvalidSignatureException) as caught:
            sigv4.verify_signature(credentials, candidate, secret_access_key=secret)
        assert caught.value.message.startswith(
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. "
            "Consult the service documentation for details.\n\n"
            "The Canonical String for this request should have been\n'POST\n/\n"
        )
        assert "\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n" in (
            caught.value.message
        )


def test_header_values_are_trimmed_and_inner_spaces_collapsed() -> None:
    request = sigv4.SignedRequest(
        method="POST",
        raw_path="/",
        query_string="",
        headers={"host": "h", "x-note": "  a   b  "},
        body=b"",
    )

    assert "x-note:a b\n" in sigv4.canonical_request(request, ("host", "x-note"))


def test_canonical_uri_normalizes_then_encodes_again() -> None:
    assert sigv4.canonical_uri("") == "/"
    assert sigv4.canonical_uri("/") == "/"
    assert sigv4.canonical_uri("/dynamodb/") == "/dynamodb/"
    assert sigv4.canonical_uri("/a/./b/../c//d") == "/a/c/d"
    assert sigv4.canonical_uri("/a%20b") == "/a%2520b"


def test_canonical_query_string_sorts_and_encodes() -> None:
    assert sigv4.canonical_query_string("b=2&a=%7E&a=1&c") == "a=1&a=~&b=2&c="


# ---------------------------------------------------------------------- refusals, pinned
def test_no_authorization_header() -> None:
    for header in (None, "", "Bearer token", "AWS AKID:signature"):
        with pytest.raises(sigv4.MissingAuthenticationTokenException) as caught:
            sigv4.parse_authorization(header, amz_date="20260301T120000Z", http_date=None)
        assert caught.value.message == "Request is missing Authentication Token"


def test_missing_parameters_and_date_are_listed_together() -> None:
    header = "AWS4-HMAC-SHA256 Signature=abc"

    with pytest.raises(sigv4.IncompleteSignatureException) as caught:
        sigv4.parse_authorization(header, amz_date=None, http_date=None)

    assert caught.value.message == (
        "Authorization header requires 'Credential' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. "
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        "Authorization=AWS4-HMAC-SHA256 Signature=abc"
    )


def test_a_parameter_without_equals_sign() -> None:
    header = "AWS4-HMAC-SHA256 Credential, SignedHeaders=host, Signature=abc"

    with pytest.raises(sigv4.IncompleteSignatureException) as caught:
        sigv4.parse_authorization(header, amz_date="20260301T120000Z", http_date=None)

    assert caught.value.message == (
        "'Credential' not a valid key=value pair (missing equal-sign) in Authorization "
        f"header: '{header}'."
    )


def valid_header(credential: str = f"{KEY_ID}/20260301/us-east-1/dynamodb/aws4_request") -> str:
    return f"AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders=host;x-amz-date, Signature=ab"


def test_a_badly_formatted_date() -> None:
    with pytest.raises(sigv4.IncompleteSignatureException) as caught:
        sigv4.parse_authorization(valid_header(), amz_date="201", http_date=None)

    assert caught.value.message == (
        "Date must be in ISO-8601 'basic format'. Got '201'. "
        "See http://en.wikipedia.org/wiki/ISO_8601"
    )


def test_the_date_header_stands_in_for_x_amz_date() -> None:
    credentials = sigv4.parse_authorization(
        valid_header(), amz_date=None, http_date="Sun, 01 Mar 2026 12:00:00 GMT"
    )

    assert credentials.amz_date == "20260301T120000Z"


def test_an_unsupported_algorithm() -> None:
    header = valid_header().replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA25")

    with pytest.raises(sigv4.IncompleteSignatureException) as caught:
        sigv4.parse_authorization(header, amz_date="20260301T120000Z", http_date=None)

    assert caught.value.message == (
        "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA25' (only AWS4-HMAC-SHA256 for now). "
    )


def test_a_credential_without_five_parts() -> None:
    with pytest.raises(sigv4.IncompleteSignatureException) as caught:
        sigv4.parse_authorization(
            valid_header("a/b/c/d"), amz_date="20260301T120000Z", http_date=None
        )

    assert caught.value.message == (
        "Credential must have exactly 5 slash-delimited elements, e.g. "
        "keyid/date/region/service/term, got 'a/b/c/d'"
    )


def parsed(credential: str, amz_date: str = "20260301T120000Z") -> sigv4.Credentials:
    return sigv4.parse_authorization(valid_header(credential), amz_date=amz_date, http_date=None)


def test_signatures_older_or_newer_than_fifteen_minutes() -> None:
    credentials = parsed(f"{KEY_ID}/20260301/us-east-1/dynamodb/aws4_request")

    with pytest.raises(sigv4.InvalidSignatureException) as caught:
        sigv4.check_time_and_scope(credentials, now=SIGNED_AT + timedelta(minutes=16))
    assert caught.value.message == (
        "Signature expired: 20260301T120000Z is now earlier than 20260301T120100Z "
        "(20260301T121600Z - 15 min.)"
    )

    with pytest.raises(sigv4.InvalidSignatureException) as caught:
        sigv4.check_time_and_scope(credentials, now=SIGNED_AT - timedelta(minutes=16))
    assert caught.value.message == (
        "Signature not yet current: 20260301T120000Z is still later than 20260301T115900Z "
        "(20260301T114400Z + 15 min.)"
    )

    for skew in (timedelta(minutes=-15), timedelta(0), timedelta(minutes=15)):
        sigv4.check_time_and_scope(credentials, now=SIGNED_AT + skew)


def test_host_must_be_signed() -> None:
    header = valid_header().replace("host;x-amz-date", "x-amz-date")
    credentials = sigv4.parse_authorization(header, amz_date="20260301T120000Z", http_date=None)

    with pytest.raises(sigv4.InvalidSignatureException) as caught:
        sigv4.check_time_and_scope(credentials, now=SIGNED_AT)

    assert caught.value.message == "'Host' must be a 'SignedHeader' in the AWS Authorization."


def test_the_scope_must_name_a_region_dynamodb_the_terminator_and_the_request_date() -> None:
    credentials = parsed(f"{KEY_ID}/20260302/localhost/s3/aws4")

    with pytest.raises(sigv4.InvalidSignatureException) as caught:
        sigv4.check_time_and_scope(credentials, now=SIGNED_AT)

    assert caught.value.message == (
        "Credential should be scoped to a valid region, not 'localhost'. "
        "Credential should be scoped to correct service: 'dynamodb'. "
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4'. "
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
        "HTTP: '20260302' != '20260301', from '20260301T120000Z'."
    )


@pytest.mark.parametrize(
    "region", ["us-east-1", "eu-central-2", "us-gov-west-1", "cn-north-1", "ap-southeast-4"]
)
def test_aws_region_names_are_valid(region: str) -> None:
    sigv4.check_time_and_scope(
        parsed(f"{KEY_ID}/20260301/{region}/dynamodb/aws4_request"), now=SIGNED_AT
    )


@given(
    st.one_of(
        st.from_regex(r"\A[0-9]{8}T[0-9]{6}Z\Z"),
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)).map(
            lambda moment: moment.strftime("%Y%m%dT%H%M%SZ")
        ),
        st.text(alphabet="0123456789TZ", min_size=14, max_size=18),
    )
)
def test_the_fast_date_reader_agrees_with_strptime(value: str) -> None:
    """X-Amz-Date in the SDKs' form is read without strptime: same answers, invalid dates
    (month 13, second 60) refused the same way."""
    try:
        expected = datetime.strptime(value, sigv4.AMZ_DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        expected = None
    assert sigv4._parse_amz_date(value) == expected
