"""What CloudTrail logs of a call's parameters and response, and what it hides.

One table, `EVENT_RULES`, holds every per-event decision: members CloudTrail
leaves out, members it replaces with a marker, member names it spells its own
way, and whether a read-only call still logs its response. Everything else
follows one generic conversion: the API's member names (PascalCase, as botocore
parses them) become lowerCamelCase by lowering their first letter, which is how
CloudTrail spells them (`RoleArn` -> `roleArn`, `DBSnapshotIdentifier` ->
`dBSnapshotIdentifier`, as seen in real RDS records), and timestamps become
CloudTrail's Java-style dates.

Map-typed members (SSM `Parameters`, for example) keep their keys: the
conversion walks botocore's model of the operation, so only structure member
names are re-cased. Without a model (an unknown service) every key is re-cased.
"""

from __future__ import annotations

import base64
import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import botocore.session
from botocore.exceptions import DataNotFoundError
from botocore.model import OperationNotFoundError

LOG = logging.getLogger(__name__)

# The marker CloudTrail writes in place of a hidden value. Observed for SSM
# StartSession `tokenValue` in 2025 records (aws-facts §4.5); 2024 records in the
# Stratus set show the older wording "Value hidden due to security reasons.".
HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"

_MONTHS = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


def java_date(moment: datetime, *, comma_after_year: bool = True) -> str:
    """CloudTrail's rendering of a timestamp inside request/response elements.

    STS writes `"Jul 30, 2024, 9:46:15 PM"` (credentials.expiration in the
    Stratus AssumeRole and GetFederationToken records, and the IAM user guide's
    `"Oct 2, 2019, 11:12:29 PM"`); IAM writes `"Aug 1, 2024 1:42:21 PM"`, without
    the comma after the year (createDate in the Stratus CreateUser,
    CreateAccessKey and CreateLoginProfile records). Always UTC, no leading zero
    on day or hour. The month names are fixed, never the machine's locale.
    """
    moment = moment.astimezone(UTC) if moment.tzinfo else moment
    hour = moment.hour % 12 or 12
    half = "AM" if moment.hour < 12 else "PM"
    sep = ", " if comma_after_year else " "
    month = _MONTHS[moment.month - 1]
    return (
        f"{month} {moment.day}, {moment.year}{sep}"
        f"{hour}:{moment.minute:02d}:{moment.second:02d} {half}"
    )


# Services whose dates carry no comma after the year; every other service uses
# the STS form. Only STS and IAM are confirmed by real records; the default for
# the rest is a choice (docs/cloudtrail.md).
_NO_COMMA_DATE_SERVICES = frozenset({"iam"})


@dataclass(frozen=True, slots=True)
class EventRule:
    """How CloudTrail logs one event, where it departs from the generic rules.

    Paths are dotted CloudTrail names after conversion, e.g.
    `credentials.secretAccessKey`; a path through a list applies to each item.
    """

    omit_request: frozenset[str] = frozenset()
    omit_response: frozenset[str] = frozenset()
    hide_request: frozenset[str] = frozenset()
    hide_response: frozenset[str] = frozenset()
    # CloudTrail leaves out the response of read-only calls (GetCallerIdentity,
    # DescribeInstances, GetSecretValue ... all show null in the Stratus set)
    # except the STS calls that issue credentials (AssumeRole is read-only and
    # logs its response).
    log_response_when_read_only: bool = False
    read_only: bool | None = None


_CREDENTIALS = frozenset({"credentials.secretAccessKey"})

EVENT_RULES: Mapping[tuple[str, str], EventRule] = {
    # STS. AssumeRole is read-only yet logs credentials with accessKeyId,
    # sessionToken and expiration, never the secret key (Stratus AssumeRole
    # records; IAM user guide examples; aws-facts §5.1).
    ("sts.amazonaws.com", "AssumeRole"): EventRule(
        omit_response=_CREDENTIALS,
        # The MFA code is a credential; no published record shows it. Choice:
        # left out (UNCONFIRMED, docs/cloudtrail.md).
        omit_request=frozenset({"tokenCode"}),
        log_response_when_read_only=True,
        read_only=True,
    ),
    ("sts.amazonaws.com", "AssumeRoleWithSAML"): EventRule(
        omit_response=_CREDENTIALS,
        # The assertion is a bearer credential; CloudTrail logs an assertion ID
        # instead (UNCONFIRMED beyond third-party samples).
        omit_request=frozenset({"sAMLAssertion"}),
        log_response_when_read_only=True,
        read_only=True,
    ),
    ("sts.amazonaws.com", "AssumeRoleWithWebIdentity"): EventRule(
        omit_response=_CREDENTIALS,
        omit_request=frozenset({"webIdentityToken"}),
        log_response_when_read_only=True,
        read_only=True,
    ),
    ("sts.amazonaws.com", "GetSessionToken"): EventRule(
        omit_response=_CREDENTIALS,
        omit_request=frozenset({"tokenCode"}),
        log_response_when_read_only=True,
        read_only=True,
    ),
    # GetFederationToken is logged as a write (readOnly false in the Stratus
    # record); its session policy is logged verbatim.
    ("sts.amazonaws.com", "GetFederationToken"): EventRule(
        omit_response=_CREDENTIALS, read_only=False
    ),
    ("sts.amazonaws.com", "GetCallerIdentity"): EventRule(read_only=True),
    # SSM Session Manager: the session token is replaced by the marker
    # (aws-facts §4.5; Stratus StartSession records).
    ("ssm.amazonaws.com", "StartSession"): EventRule(
        hide_response=frozenset({"tokenValue"}), read_only=False
    ),
    ("ssm.amazonaws.com", "ResumeSession"): EventRule(
        hide_response=frozenset({"tokenValue"}), read_only=False
    ),
    ("ssm.amazonaws.com", "TerminateSession"): EventRule(read_only=False),
    # IAM console passwords are left out entirely, not replaced by a marker: the
    # Stratus CreateLoginProfile and UpdateLoginProfile records, and a second
    # independent 2023 CreateLoginProfile capture in a public CTF write-up, have
    # no password key at all. (HIDDEN_DUE_TO_SECURITY_REASONS for a password is
    # what Cognito SignUp writes, not IAM.)
    ("iam.amazonaws.com", "CreateLoginProfile"): EventRule(
        omit_request=frozenset({"password"})
    ),
    ("iam.amazonaws.com", "UpdateLoginProfile"): EventRule(
        omit_request=frozenset({"password"})
    ),
    ("iam.amazonaws.com", "ChangePassword"): EventRule(
        omit_request=frozenset({"oldPassword", "newPassword"})
    ),
    # CreateAccessKey logs accessKey {accessKeyId, createDate, status, userName}
    # without the secret (Stratus iam-backdoor-user and create-admin-user).
    ("iam.amazonaws.com", "CreateAccessKey"): EventRule(
        omit_response=frozenset({"accessKey.secretAccessKey"})
    ),
    # A virtual MFA device's seed is as secret as a password (Gatehouse choice:
    # left out, like CreateAccessKey's secret; UNCONFIRMED for AWS's record).
    ("iam.amazonaws.com", "CreateVirtualMFADevice"): EventRule(
        omit_response=frozenset(
            {"virtualMFADevice.base32StringSeed", "virtualMFADevice.qRCodePNG"}
        )
    ),
}

_NO_RULE = EventRule()
_READ_PREFIXES = ("Get", "List", "Describe", "Lookup", "BatchGet", "Search")


def rule_for(event_source: str, event_name: str) -> EventRule:
    return EVENT_RULES.get((event_source, event_name), _NO_RULE)


def default_read_only(event_source: str, event_name: str) -> bool:
    """The readOnly flag CloudTrail sets for an event, from the table or its name."""
    rule = rule_for(event_source, event_name)
    if rule.read_only is not None:
        return rule.read_only
    return event_name.startswith(_READ_PREFIXES)


def service_of(event_source: str) -> str:
    """`sts.amazonaws.com` -> `sts`: the botocore service name of an event source."""
    return event_source.split(".", 1)[0]


@functools.cache
def _operation_model(service: str, operation: str) -> Any:
    """botocore's model of one operation, or None when botocore has no such thing."""
    try:
        model = _botocore_session().get_service_model(service)
        return model.operation_model(operation)
    except (DataNotFoundError, OperationNotFoundError):
        LOG.debug(
            "no botocore model for %s:%s; re-casing every key", service, operation
        )
        return None


@functools.cache
def _botocore_session() -> Any:
    return botocore.session.get_session()


def lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _convert(value: Any, shape: Any, *, comma: bool) -> Any:
    """Re-case structure members and render timestamps, following `shape`."""
    if isinstance(value, datetime):
        return java_date(value, comma_after_year=comma)
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Mapping):
        type_name = getattr(shape, "type_name", None)
        if type_name == "map":
            return {
                str(k): _convert(v, shape.value, comma=comma) for k, v in value.items()
            }
        members = getattr(shape, "members", {}) if type_name == "structure" else {}
        return {
            lower_first(str(k)): _convert(v, members.get(k), comma=comma)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        member = getattr(shape, "member", None)
        return [_convert(v, member, comma=comma) for v in value]
    return value


def _apply(elements: dict[str, Any], paths: frozenset[str], *, hide: bool) -> None:
    for path in paths:
        _apply_path(elements, path.split("."), hide=hide)


def _apply_path(node: Any, parts: list[str], *, hide: bool) -> None:
    if isinstance(node, list):
        for item in node:
            _apply_path(item, parts, hide=hide)
        return
    if not isinstance(node, dict) or parts[0] not in node:
        return
    if len(parts) > 1:
        _apply_path(node[parts[0]], parts[1:], hide=hide)
    elif hide:
        node[parts[0]] = HIDDEN
    else:
        del node[parts[0]]


def request_parameters(
    event_source: str, event_name: str, params: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """CloudTrail's `requestParameters` for an API call's parameters.

    `params` holds the API's input members as botocore parses them (PascalCase).
    Returns None, which CloudTrail writes as null, when nothing is left.
    """
    if not params:
        return None
    rule = rule_for(event_source, event_name)
    service = service_of(event_source)
    operation = _operation_model(service, event_name)
    shape = operation.input_shape if operation is not None else None
    comma = service not in _NO_COMMA_DATE_SERVICES

    converted = _convert(params, shape, comma=comma)
    _apply(converted, rule.omit_request, hide=False)
    _apply(converted, rule.hide_request, hide=True)
    return converted or None


def response_elements(
    event_source: str,
    event_name: str,
    response: Mapping[str, Any] | None,
    *,
    read_only: bool,
) -> dict[str, Any] | None:
    """CloudTrail's `responseElements` for a successful call's output members."""
    rule = rule_for(event_source, event_name)
    if not response or (read_only and not rule.log_response_when_read_only):
        return None
    service = service_of(event_source)
    operation = _operation_model(service, event_name)
    shape = operation.output_shape if operation is not None else None
    comma = service not in _NO_COMMA_DATE_SERVICES

    body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    converted = _convert(body, shape, comma=comma)
    _apply(converted, rule.omit_response, hide=False)
    _apply(converted, rule.hide_response, hide=True)
    return converted or None
