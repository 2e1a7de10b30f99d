"""SigV4 verification against requests signed by botocore's own signers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import botocore.credentials
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from hypothesis import given, settings
from hypothesis import strategies as st

from gatehouse.lab.errors import AuthProblem
from gatehouse.lab.identity import Caller, InMemoryCredentials
from gatehouse.lab.sigv4 import HttpRequest, SigV4Error, verify

from .conftest import ALICE, ALICE_KEY, SESSION_KEY

LOOKUP = InMemoryCredentials([ALICE_KEY, SESSION_KEY])


def signed(
    credential: Caller = ALICE_KEY,
    *,
    url: str = "http://127.0.0.1:8080/",
    body: bytes = b"Action=GetCallerIdentity&Version=2011-06-15",
    headers: dict[str, str] | None = None,
    presign: bool = False,
) -> HttpRequest:
    data = {"Action": "GetCallerIdentity", "Version": "2011-06-15"} if presign else body
    request = AWSRequest(
        method="GET" if presign else "POST", url=url, data=data, headers=headers or {}
    )
    keys = botocore.credentials.Credentials(
        credential.access_key_id, credential.secret_access_key, credential.session_token
    )
    signer = (
        SigV4QueryAuth(keys, "sts", "eu-west-1", 300)
        if presign
        else SigV4Auth(keys, "sts", "eu-west-1")
    )
    signer.add_auth(request)
    prepared = request.prepare()
    parts = urlsplit(prepared.url)
    sent = {name.lower(): [value] for name, value in prepared.headers.items()}
    sent["host"] = [parts.netloc]
    return HttpRequest(
        method=prepared.method,
        path=parts.path or "/",
        query=parts.query,
        headers=sent,
        body=prepared.body or b"",
    )


def problem_of(request: HttpRequest, now: datetime | None = None) -> AuthProblem:
    with pytest.raises(SigV4Error) as caught:
        verify(request, LOOKUP, now or datetime.now(UTC))
    return caught.value.problem


def test_a_botocore_signed_request_verifies_to_its_principal() -> None:
    authenticated = verify(signed(), LOOKUP, datetime.now(UTC))

    assert authenticated.caller == ALICE
    assert authenticated.scope.service == "sts"
    assert authenticated.scope.region == "eu-west-1"


def test_session_credentials_verify_with_their_token() -> None:
    authenticated = verify(signed(SESSION_KEY), LOOKUP, datetime.now(UTC))

    assert authenticated.caller.access_key_id == SESSION_KEY.access_key_id


def test_a_long_term_key_with_a_session_token_is_refused() -> None:
    with_token = replace(ALICE_KEY, session_token="tok")

    assert problem_of(signed(with_token)) is AuthProblem.UNKNOWN_KEY


def test_a_changed_body_breaks_the_signature() -> None:
    request = signed()
    tampered = HttpRequest(
        request.method,
        request.path,
        request.query,
        request.headers,
        request.body + b"&x=1",
    )

    assert problem_of(tampered) is AuthProblem.BAD_SIGNATURE


def test_a_presigned_url_verifies_and_expires() -> None:
    request = signed(presign=True)

    assert verify(request, LOOKUP, datetime.now(UTC)).caller == ALICE
    assert (
        problem_of(request, datetime.now(UTC) + timedelta(minutes=16))
        is AuthProblem.SIGNATURE_EXPIRED
    )


def test_missing_and_incomplete_authorization() -> None:
    bare = HttpRequest("POST", "/", "", {"host": ["x"]}, b"")
    partial = HttpRequest(
        "POST",
        "/",
        "",
        {"authorization": ["AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request"]},
        b"",
    )

    assert problem_of(bare) is AuthProblem.MISSING
    with pytest.raises(SigV4Error) as caught:
        verify(partial, LOOKUP, datetime.now(UTC))
    assert caught.value.problem is AuthProblem.INCOMPLETE
    assert "Authorization header requires 'Signature' parameter." in str(
        caught.value.fields["detail"]
    )


@settings(max_examples=40, deadline=None)
@given(
    path=st.lists(st.text(alphabet="abc-_.~ %é/", min_size=1, max_size=5), max_size=3),
    query=st.dictionaries(
        st.text(alphabet="abcXYZ-_.~ +=&é", min_size=1, max_size=6),
        st.text(alphabet="abc123-_.~ +=&/é", max_size=6),
        max_size=3,
    ),
    body=st.binary(max_size=64),
    extra=st.text(alphabet="ab  c\t", max_size=8),
)
def test_whatever_botocore_signs_verifies(
    path: list[str], query: dict[str, str], body: bytes, extra: str
) -> None:
    request = AWSRequest(
        method="POST",
        url="http://127.0.0.1:8080/" + "/".join(path),
        data=body,
        params=query,
        headers={"X-Amz-Meta": extra},
    )
    keys = botocore.credentials.Credentials(
        ALICE_KEY.access_key_id, ALICE_KEY.secret_access_key
    )
    SigV4Auth(keys, "iam", "us-east-1").add_auth(request)
    prepared = request.prepare()
    parts = urlsplit(prepared.url)
    headers = {name.lower(): [value] for name, value in prepared.headers.items()}
    headers["host"] = [parts.netloc]
    sent = HttpRequest(
        "POST", parts.path or "/", parts.query, headers, prepared.body or b""
    )

    assert verify(sent, LOOKUP, datetime.now(UTC)).caller == ALICE
