"""SigV4 verification of incoming requests, in the header form and the presigned form.

Canonicalisation follows the SigV4 specification as botocore's signer applies it
(botocore/auth.py: SigV4Auth, SigV4QueryAuth); the verification is ours. Problems
are reported as `SigV4Error(AuthProblem)`; the server words them per protocol.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import quote, unquote_plus

from gatehouse.lab.errors import AuthProblem
from gatehouse.lab.identity import Caller, CredentialLookup

logger = logging.getLogger(__name__)

ALGORITHM = "AWS4-HMAC-SHA256"
TERMINATOR = "aws4_request"
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
# AWS Common Errors (RequestExpired): a request must arrive within 15 minutes of its
# signing time, either way.
MAX_CLOCK_SKEW = timedelta(minutes=15)
# SigV4 presigned URLs may live at most 7 days (604800 s).
MAX_PRESIGN_EXPIRES = 604800
_PRESIGN_PARAMS = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
)


@dataclass(frozen=True)
class HttpRequest:
    """The parts of an HTTP request that a signature covers."""

    method: str
    path: str  # as sent, still percent-encoded
    query: str  # as sent, still percent-encoded
    headers: Mapping[str, Sequence[str]]  # lower-case names, values in order
    body: bytes

    def header(self, name: str) -> str | None:
        values = self.headers.get(name)
        return values[0] if values else None


@dataclass(frozen=True)
class CredentialScope:
    access_key_id: str
    date: str
    region: str
    service: str

    @property
    def text(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/{TERMINATOR}"


@dataclass(frozen=True)
class Signature:
    """What a request claims: who signed, when, over which headers, and the result."""

    scope: CredentialScope
    amz_date: str
    signed_headers: tuple[str, ...]
    signature: str
    security_token: str | None
    expires: int | None  # presigned URLs only


@dataclass(frozen=True)
class Authenticated:
    caller: Caller
    scope: CredentialScope
    signed_at: datetime


class SigV4Error(Exception):
    def __init__(self, problem: AuthProblem, **fields: object) -> None:
        self.problem = problem
        self.fields = fields
        super().__init__(problem.value)


def verify(
    request: HttpRequest, lookup: CredentialLookup, now: datetime
) -> Authenticated:
    """Check the request's signature; return whose credential signed it."""
    claim = read_signature(request)
    signed_at = _signing_time(claim)

    _check_clock(claim, signed_at, now)
    credential = _find_credential(claim, lookup)

    expected = _signature(request, claim, credential.secret_access_key)
    if not hmac.compare_digest(expected, claim.signature):
        logger.debug("signature mismatch for access key %s", claim.scope.access_key_id)
        raise SigV4Error(AuthProblem.BAD_SIGNATURE)

    if credential.expiration is not None and credential.expiration <= now:
        raise SigV4Error(AuthProblem.EXPIRED_TOKEN)
    return Authenticated(caller=credential, scope=claim.scope, signed_at=signed_at)


def scope_of(request: HttpRequest) -> CredentialScope | None:
    """The credential scope a request claims, if it can be read; for routing only."""
    try:
        return read_signature(request).scope
    except SigV4Error:
        return None


def read_signature(request: HttpRequest) -> Signature:
    authorization = request.header("authorization")
    if authorization is not None:
        return _from_header(request, authorization)
    query = _query_pairs(request.query)
    if any(
        name == "X-Amz-Algorithm" or name == "X-Amz-Credential" for name, _ in query
    ):
        return _from_query(dict(query))
    raise SigV4Error(AuthProblem.MISSING)


def _from_header(request: HttpRequest, authorization: str) -> Signature:
    algorithm, _, rest = authorization.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise _incomplete(f"Unsupported AWS 'algorithm': '{algorithm}'")
    fields = {}
    for item in rest.split(","):
        name, _, value = item.strip().partition("=")
        fields[name] = value
    missing = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if not fields.get(name)
    ]
    amz_date = request.header("x-amz-date") or _from_http_date(request.header("date"))
    if amz_date is None:
        missing.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    if missing:
        raise _incomplete(" ".join([*missing, f"Authorization={authorization}"]))
    assert amz_date is not None
    return Signature(
        scope=_scope(fields["Credential"]),
        amz_date=amz_date,
        signed_headers=tuple(fields["SignedHeaders"].split(";")),
        signature=fields["Signature"],
        security_token=request.header("x-amz-security-token"),
        expires=None,
    )


def _from_query(params: Mapping[str, str]) -> Signature:
    for name in _PRESIGN_PARAMS:
        if not params.get(name):
            raise _incomplete(
                f"AWS query-string parameters must include '{name}'. "
                "Re-examine the query-string parameters."
            )
    if params["X-Amz-Algorithm"] != ALGORITHM:
        raise _incomplete(f"Unsupported AWS 'algorithm': '{params['X-Amz-Algorithm']}'")
    expires = _expires(params.get("X-Amz-Expires"))
    return Signature(
        scope=_scope(params["X-Amz-Credential"]),
        amz_date=params["X-Amz-Date"],
        signed_headers=tuple(params["X-Amz-SignedHeaders"].split(";")),
        signature=params["X-Amz-Signature"],
        security_token=params.get("X-Amz-Security-Token"),
        expires=expires,
    )


def _expires(raw: str | None) -> int:
    if raw is None or not raw.isdigit():
        raise _incomplete(
            "X-Amz-Expires must be a non-negative integer number of seconds."
        )
    if int(raw) > MAX_PRESIGN_EXPIRES:
        raise _incomplete(
            f"X-Amz-Expires must be less than a week (in seconds) that is {MAX_PRESIGN_EXPIRES}"
        )
    return int(raw)


def _scope(credential: str) -> CredentialScope:
    parts = credential.split("/")
    if len(parts) != 5:
        raise _incomplete(
            "Credential must have exactly 5 slash-delimited elements, "
            f"e.g. keyid/date/region/service/term, got '{credential}'"
        )
    key, date, region, service, terminator = parts
    if terminator != TERMINATOR:
        raise _incomplete(
            f"Credential should be scoped with a valid terminator: '{TERMINATOR}', "
            f"not '{terminator}'."
        )
    return CredentialScope(access_key_id=key, date=date, region=region, service=service)


def _incomplete(detail: str) -> SigV4Error:
    return SigV4Error(AuthProblem.INCOMPLETE, detail=detail)


def _from_http_date(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return parsedate_to_datetime(value).astimezone(UTC).strftime(AMZ_DATE_FORMAT)
    except (TypeError, ValueError):
        return None


def _signing_time(claim: Signature) -> datetime:
    try:
        signed_at = datetime.strptime(claim.amz_date, AMZ_DATE_FORMAT).replace(
            tzinfo=UTC
        )
    except ValueError:
        raise _incomplete(
            f"Date must be in ISO-8601 'basic format'. Got '{claim.amz_date}'. "
            "See http://en.wikipedia.org/wiki/ISO_8601"
        ) from None
    if claim.scope.date != claim.amz_date[:8]:
        raise SigV4Error(
            AuthProblem.SCOPE_DATE_MISMATCH,
            scope_date=claim.scope.date,
            request_date=claim.amz_date[:8],
            amz_date=claim.amz_date,
        )
    return signed_at


def _check_clock(claim: Signature, signed_at: datetime, now: datetime) -> None:
    # A presigned URL stays valid for X-Amz-Expires, but never less than the
    # 15-minute window: STS honours presigned GetCallerIdentity URLs signed with
    # X-Amz-Expires=60 for 15 minutes (observed with EKS tokens; Gatehouse choice).
    window = MAX_CLOCK_SKEW
    if claim.expires is not None:
        window = max(window, timedelta(seconds=claim.expires))
    if signed_at < now - window:
        raise SigV4Error(
            AuthProblem.SIGNATURE_EXPIRED,
            signed=claim.amz_date,
            earliest=_amz(now - MAX_CLOCK_SKEW),
            now=_amz(now),
        )
    if signed_at > now + MAX_CLOCK_SKEW:
        raise SigV4Error(
            AuthProblem.SIGNATURE_NOT_YET_CURRENT,
            signed=claim.amz_date,
            latest=_amz(now + MAX_CLOCK_SKEW),
            now=_amz(now),
        )


def _amz(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(AMZ_DATE_FORMAT)


def _find_credential(claim: Signature, lookup: CredentialLookup) -> Caller:
    credential = lookup(claim.scope.access_key_id)
    if credential is None:
        logger.debug("unknown access key %s", claim.scope.access_key_id)
        raise SigV4Error(AuthProblem.UNKNOWN_KEY)
    # Temporary keys need their session token and long-term keys take none; AWS
    # answers both mismatches as an invalid security token.
    token_ok = (
        claim.security_token is None
        if credential.session_token is None
        else claim.security_token is not None
        and hmac.compare_digest(claim.security_token, credential.session_token)
    )
    if not token_ok:
        raise SigV4Error(AuthProblem.UNKNOWN_KEY)
    return credential


def _signature(request: HttpRequest, claim: Signature, secret: str) -> str:
    canonical = _canonical_request(request, claim)
    string_to_sign = "\n".join(
        [ALGORITHM, claim.amz_date, claim.scope.text, _sha256(canonical.encode())]
    )
    key = _signing_key(secret, claim.scope)
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def _signing_key(secret: str, scope: CredentialScope) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (scope.date, scope.region, scope.service, TERMINATOR):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _canonical_request(request: HttpRequest, claim: Signature) -> str:
    presigned = claim.expires is not None
    headers = "".join(
        f"{name}:{_header_value(request.headers.get(name, ()))}\n"
        for name in claim.signed_headers
    )
    return "\n".join(
        [
            request.method.upper(),
            _canonical_path(request.path),
            _canonical_query(request.query, drop_signature=presigned),
            headers,
            ";".join(claim.signed_headers),
            _payload_hash(request),
        ]
    )


def _canonical_path(path: str) -> str:
    # Non-S3 services normalise the path (dot segments removed) and percent-encode
    # it once more, as botocore's signer does.
    if not path:
        return "/"
    normalised = posixpath.normpath(path)
    if normalised.startswith("//"):
        normalised = "/" + normalised.lstrip("/")
    if path.endswith("/") and normalised != "/":
        normalised += "/"
    return quote(normalised, safe="/~")


def _canonical_query(query: str, *, drop_signature: bool) -> str:
    # '+' in a query string is a space, as HTML forms and Python's urlencode
    # write it; botocore signs the space as %20.
    pairs = [
        (
            quote(unquote_plus(name), safe="-_.~"),
            quote(unquote_plus(value), safe="-_.~"),
        )
        for name, value in _raw_pairs(query)
        if not (drop_signature and name == "X-Amz-Signature")
    ]
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def _header_value(values: Sequence[str]) -> str:
    return ",".join(" ".join(value.split()) for value in values)


def _payload_hash(request: HttpRequest) -> str:
    if request.header("x-amz-content-sha256") == UNSIGNED_PAYLOAD:
        return UNSIGNED_PAYLOAD
    return hashlib.sha256(request.body).hexdigest()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _raw_pairs(query: str) -> list[tuple[str, str]]:
    pairs = []
    for item in query.split("&"):
        if item:
            name, _, value = item.partition("=")
            pairs.append((name, value))
    return pairs


def _query_pairs(query: str) -> list[tuple[str, str]]:
    return [
        (unquote_plus(name), unquote_plus(value)) for name, value in _raw_pairs(query)
    ]
