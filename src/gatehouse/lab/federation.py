"""Identity providers of the lab: their keys, the tokens they mint, and checking them.

Each OIDC or SAML provider a world defines gets an RSA key pair when the world
is seeded (and, for SAML, a self-signed certificate standing in for the one in
the IdP's metadata). The private half stays in the lab's state: it lets
`gatehouse lab token` play the identity provider, minting OIDC ID tokens (RS256
JWTs, PyJWT) and SAML responses (an assertion signed with XML-DSig, signxml),
and the public half lets AssumeRoleWithWebIdentity and AssumeRoleWithSAML check
them as STS does. Keys never appear in logs or in `repr`.

Checking raises `FederationError` with a `Problem`; the STS handler turns each
problem into AWS's error (gatehouse.lab.errors) and decides the rest (trust
policy, durations, the session).
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import logging
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree  # type: ignore[import-untyped]
from signxml.exceptions import InvalidInput, InvalidSignature
from signxml.signer import XMLSigner
from signxml.verifier import XMLVerifier

from gatehouse.lab.state import Kind, LabState

logger = logging.getLogger(__name__)

# IAM User Guide, "OIDC federation": IAM accepts an ID token up to five minutes
# after its `exp`, to allow for clock skew.
OIDC_CLOCK_SKEW = timedelta(minutes=5)
# STS API reference (WebIdentityToken): tokens are signed with RSA or ECDSA
# keys using SHA-256, SHA-384 or SHA-512. The lab's keys are RSA.
OIDC_ALGORITHMS = ("RS256", "RS384", "RS512")
# The claims AWS reads for source identity and session tags (IAM User Guide,
# "Monitor and control actions taken with assumed roles"; "Passing session tags
# using AssumeRoleWithWebIdentity").
SOURCE_IDENTITY_CLAIM = "https://aws.amazon.com/source_identity"
TAGS_CLAIM = "https://aws.amazon.com/tags"

# SAML: what AWS expects of an authentication response (IAM User Guide,
# "Configure SAML assertions for the authentication response").
SAML_AUDIENCE = "https://signin.aws.amazon.com/saml"
SAML_RECIPIENT = "https://signin.aws.amazon.com/saml"
SAML_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/"
ROLE_ATTRIBUTE = SAML_ATTRIBUTE + "Role"
SESSION_NAME_ATTRIBUTE = SAML_ATTRIBUTE + "RoleSessionName"
SOURCE_IDENTITY_ATTRIBUTE = SAML_ATTRIBUTE + "SourceIdentity"
SESSION_DURATION_ATTRIBUTE = SAML_ATTRIBUTE + "SessionDuration"
PRINCIPAL_TAG_ATTRIBUTE = SAML_ATTRIBUTE + "PrincipalTag:"
TRANSITIVE_TAGS_ATTRIBUTE = SAML_ATTRIBUTE + "TransitiveTagKeys"
NAME_ID_FORMAT_PREFIX = "urn:oasis:names:tc:SAML:2.0:nameid-format:"

_PROTOCOL_NS = "urn:oasis:names:tc:SAML:2.0:protocol"
_ASSERTION_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
_DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
_NS = {"samlp": _PROTOCOL_NS, "saml": _ASSERTION_NS, "ds": _DSIG_NS}
_RSA_BITS = 2048


class Problem(enum.Enum):
    """What is wrong with a presented token or assertion."""

    MALFORMED = "malformed"
    MISSING_CLAIM = "missing claim"
    UNKNOWN_ISSUER = "unknown issuer"
    UNKNOWN_KEY = "unknown key"
    BAD_SIGNATURE = "bad signature"
    WRONG_AUDIENCE = "wrong audience"
    WRONG_RECIPIENT = "wrong recipient"
    EXPIRED = "expired"
    NOT_YET_VALID = "not yet valid"
    NO_SESSION_NAME = "no session name"
    BAD_SESSION_NAME = "bad session name"
    BAD_SOURCE_IDENTITY = "bad source identity"
    ROLE_NOT_GRANTED = "role not granted"
    NO_SUBJECT = "no subject"


class FederationError(Exception):
    """A token or assertion STS would refuse; `fields` fill AWS's message."""

    def __init__(self, problem: Problem, **fields: object) -> None:
        self.problem = problem
        self.fields = fields
        super().__init__(problem.value)


# -- provider keys ------------------------------------------------------------------


@dataclass(frozen=True)
class SigningKeys:
    """A provider's key pair (PEM) and, for SAML, its self-signed certificate."""

    key_id: str
    private_key: str = field(repr=False)
    public_key: str
    certificate: str | None = None

    def to_doc(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "private_key": self.private_key,
            "public_key": self.public_key,
            "certificate": self.certificate,
        }

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> SigningKeys:
        return cls(
            key_id=doc["key_id"],
            private_key=doc["private_key"],
            public_key=doc["public_key"],
            certificate=doc.get("certificate"),
        )


def generate_keys(*, kind: str, issuer: str) -> SigningKeys:
    """A fresh RSA key pair for a provider; a certificate too when it speaks SAML."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=_RSA_BITS)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        )
        .decode()
    )
    certificate = _self_signed(key, issuer) if kind == "saml" else None
    return SigningKeys(secrets.token_hex(8), private_pem, public_pem, certificate)


def _self_signed(key: rsa.RSAPrivateKey, issuer: str) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer[:64])])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


# -- OIDC ---------------------------------------------------------------------------


def issuer_host(issuer: str) -> str:
    """The issuer URL without `https://`: the provider's IAM name and key prefix."""
    return issuer.removeprefix("https://")


def mint_jwt(
    keys: SigningKeys,
    *,
    issuer: str,
    subject: str,
    audience: str,
    now: datetime,
    lifetime: timedelta = timedelta(hours=1),
    claims: Mapping[str, Any] | None = None,
) -> str:
    """An OIDC ID token signed with the provider's key (RS256)."""
    payload: dict[str, Any] = {
        "iss": issuer,
        "sub": subject,
        "aud": audience,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "jti": secrets.token_hex(8),
        **(claims or {}),
    }
    return jwt.encode(
        payload, keys.private_key, algorithm="RS256", headers={"kid": keys.key_id}
    )


@dataclass(frozen=True)
class WebIdentity:
    """A verified ID token: who it names, for which client, and what it carries."""

    issuer: str
    subject: str
    audience: str
    claims: Mapping[str, Any]

    @property
    def host(self) -> str:
        return issuer_host(self.issuer)


def token_issuer(token: str) -> str:
    """The `iss` of a token before any check: which provider must verify it."""
    try:
        jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise FederationError(Problem.MALFORMED) from None
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or not issuer:
        raise FederationError(Problem.MISSING_CLAIM, claim="iss")
    return issuer


def unverified_claims(token: str) -> Mapping[str, Any]:
    """The claims as written, for CloudTrail's record of a refused call only."""
    try:
        claims: Mapping[str, Any] = jwt.decode(
            token, options={"verify_signature": False}
        )
    except jwt.PyJWTError:
        return {}
    return claims


def verify_jwt(
    token: str,
    *,
    keys: SigningKeys,
    issuer: str,
    client_ids: Sequence[str],
    now: datetime,
) -> WebIdentity:
    """Check signature, audience and lifetime of an ID token, in STS's order."""
    header = jwt.get_unverified_header(token)
    if header.get("kid") not in (None, keys.key_id):
        raise FederationError(Problem.UNKNOWN_KEY)
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            keys.public_key,
            algorithms=list(OIDC_ALGORITHMS),
            options={
                "verify_aud": False,
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_iss": False,
            },
        )
    except jwt.InvalidSignatureError:
        raise FederationError(Problem.BAD_SIGNATURE) from None
    except jwt.InvalidAlgorithmError:
        raise FederationError(Problem.BAD_SIGNATURE) from None
    except jwt.PyJWTError:
        raise FederationError(Problem.MALFORMED) from None

    if claims.get("iss") != issuer:
        raise FederationError(Problem.UNKNOWN_ISSUER, issuer=claims.get("iss"))
    audience = _audience(claims, client_ids)
    _check_lifetime(claims, now)
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise FederationError(Problem.MISSING_CLAIM, claim="sub")
    return WebIdentity(issuer, subject, audience, claims)


def _audience(claims: Mapping[str, Any], client_ids: Sequence[str]) -> str:
    # IAM: when the token carries `azp` (the authorized party), that is the
    # client id that must be registered; otherwise `aud` (a string, or a list of
    # which one must be registered).
    if "azp" in claims:
        candidates = [claims["azp"]]
    elif "aud" in claims:
        raw = claims["aud"]
        candidates = list(raw) if isinstance(raw, list) else [raw]
    else:
        raise FederationError(Problem.MISSING_CLAIM, claim="aud")
    for candidate in candidates:
        if isinstance(candidate, str) and candidate in client_ids:
            return candidate
    raise FederationError(Problem.WRONG_AUDIENCE)


def _check_lifetime(claims: Mapping[str, Any], now: datetime) -> None:
    expires = claims.get("exp")
    if not isinstance(expires, int | float):
        raise FederationError(Problem.MISSING_CLAIM, claim="exp")
    moment = int(now.timestamp())
    if moment > expires + OIDC_CLOCK_SKEW.total_seconds():
        raise FederationError(Problem.EXPIRED, now=moment, expires=int(expires))
    not_before = claims.get("nbf")
    if (
        isinstance(not_before, int | float)
        and not_before > moment + OIDC_CLOCK_SKEW.total_seconds()
    ):
        raise FederationError(Problem.NOT_YET_VALID)


# -- SAML ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SamlAssertion:
    """A verified SAML assertion, read only from the part the signature covers."""

    issuer: str
    subject: str
    subject_format: str
    recipient: str
    audiences: tuple[str, ...]
    not_on_or_after: datetime
    session_not_on_or_after: datetime | None
    attributes: Mapping[str, tuple[str, ...]]

    def attribute(self, name: str) -> str | None:
        values = self.attributes.get(name, ())
        return values[0] if values else None

    @property
    def subject_type(self) -> str:
        # STS: a format in the SAML 2.0 name-id namespace is reported without
        # its prefix (`transient`, `persistent`); any other is reported whole.
        return self.subject_format.removeprefix(NAME_ID_FORMAT_PREFIX)


def name_qualifier(issuer: str, account: str, provider_name: str) -> str:
    """saml:namequalifier: Base64(SHA1(issuer + account id + "/" + provider name))."""
    digest = hashlib.sha1(
        f"{issuer}{account}/{provider_name}".encode(), usedforsecurity=False
    ).digest()
    return base64.b64encode(digest).decode()


def mint_saml_response(
    keys: SigningKeys,
    *,
    issuer: str,
    subject: str,
    roles: Sequence[str],
    session_name: str,
    now: datetime,
    lifetime: timedelta = timedelta(minutes=5),
    session_duration: int | None = None,
    source_identity: str | None = None,
    tags: Mapping[str, str] | None = None,
    transitive_tag_keys: Sequence[str] = (),
    session_not_on_or_after: datetime | None = None,
    audience: str = SAML_AUDIENCE,
    recipient: str = SAML_RECIPIENT,
) -> str:
    """A base64 SAML response whose assertion is signed with the provider's key.

    `roles` holds the `role-arn,provider-arn` pairs of the Role attribute.
    """
    attributes: list[tuple[str, list[str]]] = [
        (ROLE_ATTRIBUTE, list(roles)),
        (SESSION_NAME_ATTRIBUTE, [session_name]),
    ]
    if session_duration is not None:
        attributes.append((SESSION_DURATION_ATTRIBUTE, [str(session_duration)]))
    if source_identity is not None:
        attributes.append((SOURCE_IDENTITY_ATTRIBUTE, [source_identity]))
    for key, value in (tags or {}).items():
        attributes.append((PRINCIPAL_TAG_ATTRIBUTE + key, [value]))
    if transitive_tag_keys:
        attributes.append((TRANSITIVE_TAGS_ATTRIBUTE, list(transitive_tag_keys)))

    expires = now + lifetime
    response = _saml_response(
        issuer=issuer,
        subject=subject,
        now=now,
        expires=expires,
        session_not_on_or_after=session_not_on_or_after,
        audience=audience,
        recipient=recipient,
        attributes=attributes,
    )
    assertion_id = response.find("saml:Assertion", _NS).get("ID")
    signed = XMLSigner(
        signature_algorithm="rsa-sha256",
        digest_algorithm="sha256",
        c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#",
    ).sign(
        response,
        key=keys.private_key.encode(),
        cert=keys.certificate,
        reference_uri=assertion_id,
    )
    text: bytes = etree.tostring(signed)
    return base64.b64encode(text).decode()


def _saml_response(
    *,
    issuer: str,
    subject: str,
    now: datetime,
    expires: datetime,
    session_not_on_or_after: datetime | None,
    audience: str,
    recipient: str,
    attributes: list[tuple[str, list[str]]],
) -> Any:
    p, s = f"{{{_PROTOCOL_NS}}}", f"{{{_ASSERTION_NS}}}"
    instant = _saml_time(now)
    response = etree.Element(
        p + "Response",
        nsmap={"samlp": _PROTOCOL_NS, "saml": _ASSERTION_NS},
        ID="_" + secrets.token_hex(16),
        Version="2.0",
        IssueInstant=instant,
        Destination=recipient,
    )
    etree.SubElement(response, s + "Issuer").text = issuer
    status = etree.SubElement(response, p + "Status")
    etree.SubElement(
        status, p + "StatusCode", Value="urn:oasis:names:tc:SAML:2.0:status:Success"
    )
    assertion = etree.SubElement(
        response,
        s + "Assertion",
        ID="_" + secrets.token_hex(16),
        Version="2.0",
        IssueInstant=instant,
    )
    etree.SubElement(assertion, s + "Issuer").text = issuer
    # signxml puts the enveloped signature where this placeholder stands.
    etree.SubElement(assertion, f"{{{_DSIG_NS}}}Signature", Id="placeholder")
    subject_element = etree.SubElement(assertion, s + "Subject")
    etree.SubElement(
        subject_element, s + "NameID", Format=NAME_ID_FORMAT_PREFIX + "persistent"
    ).text = subject
    confirmation = etree.SubElement(
        subject_element,
        s + "SubjectConfirmation",
        Method="urn:oasis:names:tc:SAML:2.0:cm:bearer",
    )
    etree.SubElement(
        confirmation,
        s + "SubjectConfirmationData",
        NotOnOrAfter=_saml_time(expires),
        Recipient=recipient,
    )
    conditions = etree.SubElement(
        assertion,
        s + "Conditions",
        NotBefore=_saml_time(now - timedelta(minutes=1)),
        NotOnOrAfter=_saml_time(expires),
    )
    restriction = etree.SubElement(conditions, s + "AudienceRestriction")
    etree.SubElement(restriction, s + "Audience").text = audience
    authn = etree.SubElement(
        assertion,
        s + "AuthnStatement",
        AuthnInstant=instant,
        SessionIndex="_" + secrets.token_hex(8),
    )
    if session_not_on_or_after is not None:
        authn.set("SessionNotOnOrAfter", _saml_time(session_not_on_or_after))
    context = etree.SubElement(authn, s + "AuthnContext")
    etree.SubElement(
        context, s + "AuthnContextClassRef"
    ).text = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
    statement = etree.SubElement(assertion, s + "AttributeStatement")
    for name, values in attributes:
        attribute = etree.SubElement(statement, s + "Attribute", Name=name)
        for value in values:
            etree.SubElement(attribute, s + "AttributeValue").text = value
    return response


def _saml_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_saml(encoded: str) -> Any:
    try:
        document = base64.b64decode(encoded, validate=True)
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        root = etree.fromstring(document, parser)
    except (binascii.Error, ValueError, etree.XMLSyntaxError):
        raise FederationError(Problem.MALFORMED) from None
    if root.tag != f"{{{_PROTOCOL_NS}}}Response":
        raise FederationError(Problem.MALFORMED)
    return root


def verify_saml(encoded: str, *, keys: SigningKeys, now: datetime) -> SamlAssertion:
    """Check the signature, audience, recipient and lifetime of a SAML response."""
    root = _parse_saml(encoded)
    try:
        # Only what the signature covers is read afterwards, so nothing can be
        # wrapped around a genuine signed assertion.
        result = XMLVerifier().verify(root, x509_cert=keys.certificate)
    except (InvalidSignature, InvalidInput):
        raise FederationError(Problem.BAD_SIGNATURE) from None
    if isinstance(result, list):
        raise FederationError(Problem.BAD_SIGNATURE)
    assertion = result.signed_xml
    if assertion is None or assertion.tag != f"{{{_ASSERTION_NS}}}Assertion":
        raise FederationError(Problem.BAD_SIGNATURE)

    parsed = _read_assertion(assertion)
    if SAML_AUDIENCE not in parsed.audiences:
        raise FederationError(Problem.WRONG_AUDIENCE)
    if parsed.recipient != SAML_RECIPIENT:
        raise FederationError(Problem.WRONG_RECIPIENT)
    if now >= parsed.not_on_or_after:
        raise FederationError(
            Problem.EXPIRED,
            now=int(now.timestamp()),
            expires=int(parsed.not_on_or_after.timestamp()),
        )
    return parsed


def _read_assertion(assertion: Any) -> SamlAssertion:
    name_id = assertion.find("saml:Subject/saml:NameID", _NS)
    if name_id is None or not (name_id.text or "").strip():
        raise FederationError(Problem.NO_SUBJECT)
    data = assertion.find(
        "saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData", _NS
    )
    conditions = assertion.find("saml:Conditions", _NS)
    expiry = (data.get("NotOnOrAfter") if data is not None else None) or (
        conditions.get("NotOnOrAfter") if conditions is not None else None
    )
    if expiry is None:
        raise FederationError(Problem.MALFORMED)
    authn = assertion.find("saml:AuthnStatement", _NS)
    session_end = authn.get("SessionNotOnOrAfter") if authn is not None else None
    attributes: dict[str, tuple[str, ...]] = {}
    for attribute in assertion.iterfind("saml:AttributeStatement/saml:Attribute", _NS):
        values = tuple(
            (value.text or "").strip()
            for value in attribute.iterfind("saml:AttributeValue", _NS)
        )
        attributes[attribute.get("Name", "")] = values
    return SamlAssertion(
        issuer=(assertion.findtext("saml:Issuer", namespaces=_NS) or "").strip(),
        subject=(name_id.text or "").strip(),
        subject_format=name_id.get("Format", NAME_ID_FORMAT_PREFIX + "unspecified"),
        recipient=data.get("Recipient", "") if data is not None else "",
        audiences=tuple(
            (a.text or "").strip()
            for a in assertion.iterfind(
                "saml:Conditions/saml:AudienceRestriction/saml:Audience", _NS
            )
        ),
        not_on_or_after=_read_time(expiry),
        session_not_on_or_after=_read_time(session_end) if session_end else None,
        attributes=attributes,
    )


def _read_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise FederationError(Problem.MALFORMED) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def granted_role(assertion: SamlAssertion, role_arn: str, provider_arn: str) -> bool:
    """Whether the Role attribute pairs this role with this provider (either order)."""
    for value in assertion.attributes.get(ROLE_ATTRIBUTE, ()):
        parts = {part.strip() for part in value.split(",")}
        if parts == {role_arn, provider_arn}:
            return True
    return False


def saml_tags(assertion: SamlAssertion) -> tuple[dict[str, str], tuple[str, ...]]:
    """Session tags (PrincipalTag:KEY attributes) and transitive keys."""
    tags = {
        name.removeprefix(PRINCIPAL_TAG_ATTRIBUTE): values[0]
        for name, values in assertion.attributes.items()
        if name.startswith(PRINCIPAL_TAG_ATTRIBUTE) and values
    }
    transitive = assertion.attributes.get(TRANSITIVE_TAGS_ATTRIBUTE, ())
    return tags, tuple(transitive)


def oidc_tags(claims: Mapping[str, Any]) -> tuple[dict[str, str], tuple[str, ...]]:
    """Session tags from the `https://aws.amazon.com/tags` claim.

    The claim holds `principal_tags` (each key with a list of one value) and
    `transitive_tag_keys` (IAM User Guide, "Passing session tags using
    AssumeRoleWithWebIdentity").
    """
    raw = claims.get(TAGS_CLAIM)
    if not isinstance(raw, Mapping):
        return {}, ()
    tags: dict[str, str] = {}
    for key, value in (raw.get("principal_tags") or {}).items():
        first = value[0] if isinstance(value, list) and value else value
        tags[str(key)] = str(first)
    transitive = tuple(str(k) for k in raw.get("transitive_tag_keys") or ())
    return tags, transitive


# -- playing the identity provider (`gatehouse lab token`) ---------------------------


class ProviderNotFoundError(LookupError):
    """No provider of that name (or more than one) in the lab's state."""


@dataclass(frozen=True)
class ProviderRecord:
    """One identity provider as the lab's state holds it."""

    arn: str
    account: str
    kind: str
    name: str
    issuer: str
    audiences: tuple[str, ...]
    keys: SigningKeys


def find_provider(
    state: LabState, name: str, *, kind: str, account: str | None = None
) -> ProviderRecord:
    """The provider called `name` (its IAM name), optionally in one account."""
    found = []
    for entity in state.accounts():
        alias = entity.doc.get("alias")
        if account is not None and account not in (entity.name, alias):
            continue
        for provider in state.entities(entity.name, Kind.IDENTITY_PROVIDER):
            doc = provider.doc
            if doc.get("name") == name and doc.get("kind") == kind:
                found.append(
                    ProviderRecord(
                        arn=doc["arn"],
                        account=entity.name,
                        kind=kind,
                        name=name,
                        issuer=doc["issuer"],
                        audiences=tuple(doc.get("audiences", ())),
                        keys=SigningKeys.from_doc(doc["signing"]),
                    )
                )
    if not found:
        raise ProviderNotFoundError(f"no {kind} provider named {name!r} in the lab")
    if len(found) > 1:
        accounts = ", ".join(p.account for p in found)
        raise ProviderNotFoundError(
            f"{len(found)} {kind} providers are named {name!r} (accounts {accounts}); "
            "choose one with --account"
        )
    return found[0]
