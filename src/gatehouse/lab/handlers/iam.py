"""IAM: the operations that build and inspect a world and respond to incidents.

Every handler reads as phases: find what the request names, authorize the call
through the policy engine with IAM's action and the resource's ARN, refuse what
IAM refuses (with IAM's code and words from `gatehouse.lab.errors`), change the
state in one transaction, and answer in the operation's output shape. Entities
keep the document shapes `gatehouse.lab.seed` writes, so the authorizer reads a
change on the very next call.

Users, groups and roles share their policy operations (inline policies, attached
managed policies, permissions boundaries, tags): one generic handler per family,
specialised by a `Holder` that carries the words IAM uses for each kind.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import quote

import pyotp

from gatehouse.lab import errors, ids
from gatehouse.lab.errors import AwsError, ErrorSpec
from gatehouse.lab.identity import CallerKind
from gatehouse.lab.ids import IdPrefix
from gatehouse.lab.request import Handler, LabRequest
from gatehouse.lab.routes import Fidelity, Route
from gatehouse.lab.runtime import LabRuntime
from gatehouse.lab.state import GLOBAL, Entity, Kind, LabState
from gatehouse.policy import PolicyKind, Severity, lint_policy
from gatehouse.trail import Resource

logger = logging.getLogger(__name__)

# IAM User Guide, "IAM and AWS STS quotas": two access keys per user, one role
# per instance profile, five versions per managed policy, 6,144 characters per
# managed policy and 2,048 per trust policy (whitespace not counted), ten
# managed policies attached to a user, group or role, ten groups per user, 50
# tags per user or role.
ACCESS_KEYS_PER_USER = 2
ROLES_PER_INSTANCE_PROFILE = 1
VERSIONS_PER_POLICY = 5
MANAGED_POLICY_SIZE = 6144
TRUST_POLICY_SIZE = 2048
ATTACHED_POLICIES_PER_ENTITY = 10
GROUPS_PER_USER = 10
TAGS_PER_ENTITY = 50
# IAM API reference: MaxItems defaults to 100; MaxSessionDuration to 3600.
DEFAULT_MAX_ITEMS = 100
DEFAULT_MAX_SESSION_DURATION = 3600

AWS_MANAGED_PREFIX = "arn:aws:iam::aws:policy/"
_POLICY_ARN = re.compile(r"^arn:aws:iam::(\d{12}|aws):policy(/.*)?/([^/]+)$")
_TOTP_STEP = 30  # seconds; virtual MFA devices use RFC 6238's default


@dataclass(frozen=True)
class Holder:
    """A kind of named IAM entity and the words IAM uses for it."""

    kind: Kind
    title: str  # as in operation and member names: GetUser, UserName, Users
    word: str  # as in ARNs and messages: user/…, "The user with name …"
    id_prefix: IdPrefix
    not_found: ErrorSpec
    exists: ErrorSpec
    trail_type: str
    # IAM quotas: all inline policies of a user, group or role together.
    inline_limit: int = 0

    @property
    def name_param(self) -> str:
        return f"{self.title}Name"

    def arn(self, account: str, path: str, name: str) -> str:
        return f"arn:aws:iam::{account}:{self.word}{path}{name}"


USER = Holder(
    Kind.USER,
    "User",
    "user",
    IdPrefix.USER,
    errors.IAM_NO_SUCH_USER,
    errors.IAM_USER_EXISTS,
    "AWS::IAM::User",
    inline_limit=2048,
)
GROUP = Holder(
    Kind.GROUP,
    "Group",
    "group",
    IdPrefix.GROUP,
    errors.IAM_NO_SUCH_GROUP,
    errors.IAM_GROUP_EXISTS,
    "AWS::IAM::Group",
    inline_limit=5120,
)
ROLE = Holder(
    Kind.ROLE,
    "Role",
    "role",
    IdPrefix.ROLE,
    errors.IAM_NO_SUCH_ROLE,
    errors.IAM_ROLE_EXISTS,
    "AWS::IAM::Role",
    inline_limit=10240,
)
INSTANCE_PROFILE = Holder(
    Kind.INSTANCE_PROFILE,
    "InstanceProfile",
    "instance-profile",
    IdPrefix.INSTANCE_PROFILE,
    errors.IAM_NO_SUCH_INSTANCE_PROFILE,
    errors.IAM_INSTANCE_PROFILE_EXISTS,
    "AWS::IAM::InstanceProfile",
)
POLICY_HOLDERS = (USER, GROUP, ROLE)


@dataclass(frozen=True)
class Target:
    """The entity a request names, found or not (authorization comes first)."""

    holder: Holder
    account: str
    name: str
    entity: Entity | None

    @property
    def arn(self) -> str:
        if self.entity is not None:
            return str(self.entity.doc["arn"])
        return self.holder.arn(self.account, "/", self.name)

    @property
    def shown(self) -> str:
        # IAM's denials name an existing user, group or role by kind and name
        # ("on resource: role helloworld-dev", "on resource: user jackson",
        # observed in aws/chalice#591 and jjongsma/grunt-eb-deploy#8) and a new
        # one by its ARN (CreateUser, CreateRole reports).
        if self.entity is None or self.holder is INSTANCE_PROFILE:
            return self.arn
        return f"{self.holder.word} {self.name}"

    def require(self) -> Entity:
        if self.entity is None:
            raise self.holder.not_found.error(name=self.name)
        return self.entity


# -- shared steps ----------------------------------------------------------------------


def _target(
    runtime: LabRuntime, request: LabRequest, holder: Holder, name: str | None = None
) -> Target:
    name = name if name is not None else request.params[holder.name_param]
    account = request.caller.account
    return Target(holder, account, name, runtime.state.get(account, holder.kind, name))


def _authorize(
    runtime: LabRuntime,
    request: LabRequest,
    action: str,
    *,
    resource: str,
    shown: str | None = None,
    context: Mapping[str, str | list[str]] | None = None,
) -> None:
    """Authorize; a denial names the resource as IAM shows it (`shown`)."""
    try:
        runtime.authorize(request, action=action, resource=resource, context=context)
    except AwsError as denied:
        if shown is None or shown == resource or denied.code != "AccessDenied":
            raise
        raise errors.ACCESS_DENIED.error(
            **{**denied.fields, "resource": shown}
        ) from None


def _authorize_on(
    runtime: LabRuntime,
    request: LabRequest,
    action: str,
    target: Target,
    context: Mapping[str, str | list[str]] | None = None,
) -> None:
    _authorize(
        runtime,
        request,
        action,
        resource=target.arn,
        shown=target.shown,
        context={**_entity_context(target.entity), **(context or {})},
    )


def _entity_context(entity: Entity | None) -> dict[str, str | list[str]]:
    """The condition keys an existing user or role brings to a request on it."""
    if entity is None:
        return {}
    context: dict[str, str | list[str]] = {
        f"aws:ResourceTag/{key}": value
        for key, value in entity.doc.get("tags", {}).items()
    }
    if entity.doc.get("boundary"):
        context["iam:PermissionsBoundary"] = entity.doc["boundary"]
    return context


def _tag_context(tags: Mapping[str, str]) -> dict[str, str | list[str]]:
    context: dict[str, str | list[str]] = {
        f"aws:RequestTag/{key}": value for key, value in tags.items()
    }
    if tags:
        context["aws:TagKeys"] = list(tags)
    return context


def _user_name_or_self(request: LabRequest) -> str | None:
    """The user a request names, else the calling user; None for root itself."""
    name: str | None = request.params.get("UserName")
    if name is not None:
        return name
    caller = request.caller
    if caller.kind is CallerKind.IAM_USER and caller.user_name:
        return caller.user_name
    if caller.kind is CallerKind.ROOT:
        return None
    # A role or federated session has no user to default to.
    raise errors.IAM_USER_NAME_REQUIRED.error()


def _acting_user(
    runtime: LabRuntime, request: LabRequest, action: str
) -> Entity | None:
    """Authorize `action` on the named (or calling) user; None means root itself."""
    name = _user_name_or_self(request)
    if name is None:
        _authorize(runtime, request, action, resource=request.caller.arn)
        return None
    target = _target(runtime, request, USER, name)
    _authorize_on(runtime, request, action, target)
    return target.require()


def _stamp(request: LabRequest) -> str:
    return request.received_at.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _changed(entity: Entity, **doc: Any) -> Entity:
    return replace(entity, doc={**entity.doc, **doc})


def _save(runtime: LabRuntime, *entities: Entity) -> None:
    with runtime.state.write() as w:
        for entity in entities:
            w.put(entity)


def _create(runtime: LabRuntime, holder: Holder, entity: Entity) -> None:
    """Store a new entity; IAM names are unique regardless of case."""
    with runtime.state.write() as w:
        _refuse_duplicate(runtime.state, holder, entity.account, entity.name)
        w.put(entity)


def _refuse_duplicate(
    state: LabState, holder: Holder, account: str, name: str, *, other_than: str = ""
) -> None:
    # IAM User Guide: names of users, groups, roles and instance profiles are
    # unique within the account regardless of case.
    lowered = name.lower()
    for entity in state.entities(account, holder.kind):
        if entity.name.lower() == lowered and entity.name != other_than:
            raise holder.exists.error(name=name)


def _note(request: LabRequest, holder_type: str, arn: str) -> None:
    """Name the resource a write touched, for CloudTrail's `resources`."""
    request.notes["resources"] = [Resource(arn, request.caller.account, holder_type)]


def _tags(raw: Iterable[Mapping[str, str]]) -> dict[str, str]:
    tags: dict[str, str] = {}
    seen: set[str] = set()
    for tag in raw:
        if tag["Key"].lower() in seen:
            raise errors.IAM_DUPLICATE_TAG_KEYS.error()
        seen.add(tag["Key"].lower())
        tags[tag["Key"]] = tag.get("Value", "")
    return tags


def _tags_out(doc: Mapping[str, Any]) -> dict[str, Any]:
    tags = doc.get("tags") or {}
    if not tags:
        return {}
    return {"Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}


# -- policy documents ------------------------------------------------------------------


def _read_policy(text: str, kind: PolicyKind) -> dict[str, Any]:
    """The document IAM would store, or MalformedPolicyDocument naming the problem."""
    problems = [p for p in lint_policy(text, kind=kind) if p.severity is Severity.ERROR]
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise errors.IAM_MALFORMED_POLICY.error(
            detail=f"{first.message} at {first.location}{more}"
        )
    document: dict[str, Any] = json.loads(text)
    return document


def _size(document: str | Mapping[str, Any]) -> int:
    """A policy's size as IAM counts it: characters, whitespace not counted."""
    text = document if isinstance(document, str) else _compact(document)
    return sum(1 for ch in text if not ch.isspace())


def _compact(document: Mapping[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"))


def _encoded(document: Mapping[str, Any]) -> str:
    # IAM returns policy documents URL-encoded (RFC 3986); botocore decodes them.
    return quote(_compact(document), safe="")


# -- paging ----------------------------------------------------------------------------

T = TypeVar("T")
_MARKER_PREFIX = "gh1:"


def _page(
    request: LabRequest, items: Iterable[T], key: Callable[[T], str]
) -> tuple[list[T], dict[str, Any]]:
    """One page of `items` in `key` order, with IsTruncated and Marker as IAM pages."""
    ordered = sorted(items, key=key)
    start = 0
    marker: str | None = request.params.get("Marker")
    if marker is not None:
        after = _read_marker(marker)
        start = next(
            (i for i, item in enumerate(ordered) if key(item) >= after), len(ordered)
        )
    size = int(request.params.get("MaxItems") or DEFAULT_MAX_ITEMS)
    page = ordered[start : start + size]
    truncated = start + size < len(ordered)
    paging: dict[str, Any] = {"IsTruncated": truncated}
    if truncated:
        paging["Marker"] = _make_marker(key(ordered[start + size]))
    return page, paging


def _make_marker(key: str) -> str:
    return base64.urlsafe_b64encode((_MARKER_PREFIX + key).encode()).decode()


def _read_marker(marker: str) -> str:
    try:
        text = base64.urlsafe_b64decode(marker.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise errors.IAM_INVALID_MARKER.error(marker=marker) from None
    if not text.startswith(_MARKER_PREFIX):
        raise errors.IAM_INVALID_MARKER.error(marker=marker)
    return text[len(_MARKER_PREFIX) :]


# -- answers ---------------------------------------------------------------------------


def _boundary_out(doc: Mapping[str, Any]) -> dict[str, Any]:
    if not doc.get("boundary"):
        return {}
    return {
        "PermissionsBoundary": {
            "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
            "PermissionsBoundaryArn": doc["boundary"],
        }
    }


def _user_out(user: Entity, *, full: bool = False) -> dict[str, Any]:
    doc = user.doc
    out: dict[str, Any] = {
        "Path": doc["path"],
        "UserName": user.name,
        "UserId": user.id,
        "Arn": doc["arn"],
        "CreateDate": _when(doc["created"]),
    }
    if full:
        out |= _boundary_out(doc) | _tags_out(doc)
    return out


def _group_out(group: Entity) -> dict[str, Any]:
    doc = group.doc
    return {
        "Path": doc["path"],
        "GroupName": group.name,
        "GroupId": group.id,
        "Arn": doc["arn"],
        "CreateDate": _when(doc["created"]),
    }


def _role_out(
    runtime: LabRuntime, role: Entity, *, full: bool = False
) -> dict[str, Any]:
    doc = role.doc
    out: dict[str, Any] = {
        "Path": doc["path"],
        "RoleName": role.name,
        "RoleId": role.id,
        "Arn": doc["arn"],
        "CreateDate": _when(doc["created"]),
        "AssumeRolePolicyDocument": _encoded(doc["trust_policy"]),
        "MaxSessionDuration": int(doc["max_session_duration"]),
    }
    if doc.get("description"):
        out["Description"] = doc["description"]
    if full:
        out |= _boundary_out(doc) | _tags_out(doc)
        out["RoleLastUsed"] = _role_last_used(runtime, doc["arn"])
    return out


def _role_last_used(runtime: LabRuntime, arn: str) -> dict[str, Any]:
    used = runtime.last_used.get(arn)
    if used is None:
        return {}
    return {"LastUsedDate": used[0], "Region": used[2]}


def _profile_out(runtime: LabRuntime, profile: Entity) -> dict[str, Any]:
    doc = profile.doc
    roles = [runtime.state.get(profile.account, Kind.ROLE, n) for n in doc["roles"]]
    return {
        "Path": doc["path"],
        "InstanceProfileName": profile.name,
        "InstanceProfileId": profile.id,
        "Arn": doc["arn"],
        "CreateDate": _when(doc["created"]),
        "Roles": [_role_out(runtime, r) for r in roles if r is not None],
    } | _tags_out(doc)


# -- users -----------------------------------------------------------------------------


def create_user(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    params = request.params
    account = request.caller.account
    name, path = params["UserName"], params.get("Path", "/")
    arn = USER.arn(account, path, name)
    tags = _tags(params.get("Tags", []))
    boundary: str | None = params.get("PermissionsBoundary")
    context = _tag_context(tags)
    if boundary:
        context["iam:PermissionsBoundary"] = boundary
    _authorize(runtime, request, "iam:CreateUser", resource=arn, context=context)
    if boundary:
        _attachable_policy(runtime, account, boundary)

    user = Entity(
        account,
        Kind.USER,
        name,
        ids.unique_id(IdPrefix.USER),
        {
            "arn": arn,
            "path": path,
            "created": _stamp(request),
            "managed_policies": [],
            "inline_policies": {},
            "groups": [],
            "boundary": boundary,
            "tags": tags,
        },
    )
    _create(runtime, USER, user)
    _note(request, USER.trail_type, arn)
    logger.info("created user %s", arn)
    return {"User": _user_out(user, full=True)}


def get_user(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    user = _acting_user(runtime, request, "iam:GetUser")
    if user is None:
        caller = request.caller
        return {"User": {"UserId": caller.account, "Arn": caller.arn}}
    return {"User": _user_out(user, full=True)}


def delete_user(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    target = _target(runtime, request, USER)
    _authorize_on(runtime, request, "iam:DeleteUser", target)
    user = target.require()

    # IAM refuses to delete a user that still has credentials or attachments.
    if _access_keys(runtime.state, user.account, user.name):
        raise errors.IAM_DELETE_ACCESS_KEYS_FIRST.error()
    if _mfa_devices_of(runtime.state, user.account, user.name):
        raise errors.IAM_DELETE_MFA_FIRST.error()
    _refuse_while_holding_policies(user)
    if user.doc.get("groups"):
        raise errors.IAM_REMOVE_USERS_FROM_GROUP_FIRST.error()

    with runtime.state.write() as w:
        w.delete(user.account, Kind.USER, user.name)
    _note(request, USER.trail_type, target.arn)
    logger.info("deleted user %s", target.arn)
    return {}


def update_user(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    params = request.params
    target = _target(runtime, request, USER)
    _authorize_on(runtime, request, "iam:UpdateUser", target)
    user = target.require()
    new_name: str = params.get("NewUserName", user.name)
    new_path: str = params.get("NewPath", user.doc["path"])
    new_arn = USER.arn(user.account, new_path, new_name)
    # IAM User Guide: renaming needs permission on both the old and new names.
    if new_arn != user.doc["arn"]:
        _authorize(runtime, request, "iam:UpdateUser", resource=new_arn)

    moved = Entity(
        user.account,
        Kind.USER,
        new_name,
        user.id,
        {**user.doc, "arn": new_arn, "path": new_path},
    )
    state = runtime.state
    with state.write() as w:
        if new_name != user.name:
            _refuse_duplicate(state, USER, user.account, new_name, other_than=user.name)
            w.delete(user.account, Kind.USER, user.name)
            for key in _access_keys(state, user.account, user.name):
                w.put_credential(
                    key["access_key_id"], user.account, {**key, "user": new_name}, None
                )
            for device in _mfa_devices_of(state, user.account, user.name):
                w.put(_changed(device, user=new_name))
        w.put(moved)
    _note(request, USER.trail_type, new_arn)
    return {}


def _refuse_while_holding_policies(entity: Entity) -> None:
    if entity.doc.get("inline_policies"):
        raise errors.IAM_DELETE_POLICIES_FIRST.error()
    if entity.doc.get("managed_policies"):
        raise errors.IAM_DETACH_POLICIES_FIRST.error()


# -- listing and tagging, for any kind -------------------------------------------------


def _list_entities(holder: Holder) -> Handler:
    def handler(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
        account = request.caller.account
        prefix: str = request.params.get("PathPrefix", "/")
        _authorize(
            runtime,
            request,
            f"iam:List{holder.title}s",
            resource=holder.arn(account, "/", ""),
        )

        found = [
            e
            for e in runtime.state.entities(account, holder.kind)
            if e.doc["path"].startswith(prefix)
        ]
        page, paging = _page(request, found, key=lambda e: e.name)
        return {f"{holder.title}s": [_out(runtime, holder, e) for e in page], **paging}

    return handler


def _out(runtime: LabRuntime, holder: Holder, entity: Entity) -> dict[str, Any]:
    if holder is USER:
        return _user_out(entity)
    if holder is GROUP:
        return _group_out(entity)
    if holder is ROLE:
        return _role_out(runtime, entity)
    return _profile_out(runtime, entity)


def _tag_entity(holder: Holder) -> Handler:
    def handler(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
        target = _target(runtime, request, holder)
        tags = _tags(request.params["Tags"])
        context = _tag_context(tags)
        _authorize_on(runtime, request, f"iam:Tag{holder.title}", target, context)
        entity = target.require()

        merged = {**entity.doc.get("tags", {}), **tags}
        if len(merged) > TAGS_PER_ENTITY:
            raise errors.IAM_QUOTA.error(
                quota=f"TagsPer{holder.title}", limit=TAGS_PER_ENTITY
            )
        _save(runtime, _changed(entity, tags=merged))
        _note(request, holder.trail_type, target.arn)
        return {}

    return handler


def _untag_entity(holder: Holder) -> Handler:
    def handler(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
        target = _target(runtime, request, holder)
        keys: list[str] = list(request.params["TagKeys"])
        context: dict[str, str | list[str]] = {"aws:TagKeys": keys}
        _authorize_on(runtime, request, f"iam:Untag{holder.title}", target, context)
        entity = target.require()

        kept = {k: v for k, v in entity.doc.get("tags", {}).items() if k not in keys}
        _save(runtime, _changed(entity, tags=kept))
        _note(request, holder.trail_type, target.arn)
        return {}

    return handler


def _list_entity_tags(holder: Holder) -> Handler:
    def handler(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
        target = _target(runtime, request, holder)
        _authorize_on(runtime, request, f"iam:List{holder.title}Tags", target)
        entity = target.require()

        tags = list(entity.doc.get("tags", {}).items())
        page, paging = _page(request, tags, key=lambda kv: kv[0])
        return {"Tags": [{"Key": k, "Value": v} for k, v in page], **paging}

    return handler


# -- access keys -----------------------------------------------------------------------


def _access_keys(
    state: LabState, account: str, user_name: str | None
) -> list[Mapping[str, Any]]:
    """The long-term keys of a user (or of root, when `user_name` is None)."""
    return [
        doc
        for doc in state.credentials(account)
        if doc["type"] == "access-key"
        and (doc.get("user") == user_name if user_name else doc.get("root"))
    ]


def _key_of(
    state: LabState, account: str, user: Entity | None, key_id: str
) -> Mapping[str, Any]:
    for key in _access_keys(state, account, user.name if user else None):
        if key["access_key_id"] == key_id:
            return key
    raise errors.IAM_NO_SUCH_ACCESS_KEY.error(key=key_id)


def _key_out(key: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "AccessKeyId": key["access_key_id"],
        "Status": key["status"],
        "CreateDate": _when(key["created"]),
    }
    if key.get("user"):
        out["UserName"] = key["user"]
    return out


def create_access_key(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    user = _acting_user(runtime, request, "iam:CreateAccessKey")
    account = request.caller.account
    owner = user.name if user else None

    key_id = ids.access_key_id(temporary=False)
    key: dict[str, Any] = {
        "type": "access-key",
        "access_key_id": key_id,
        "account": account,
        "secret_access_key": ids.secret_access_key(),
        "user": owner,
        "status": "Active",
        "created": _stamp(request),
    }
    if owner is None:
        key["root"] = True
    with runtime.state.write() as w:
        # Inactive keys count too (IAM User Guide: two keys, active or not).
        if len(_access_keys(runtime.state, account, owner)) >= ACCESS_KEYS_PER_USER:
            raise errors.IAM_ACCESS_KEY_QUOTA.error(limit=ACCESS_KEYS_PER_USER)
        w.put_credential(key_id, account, key, None)
    if user is not None:
        _note(request, USER.trail_type, user.doc["arn"])
    logger.info("created access key %s for %s", key_id, owner or "root")
    return {"AccessKey": {**_key_out(key), "SecretAccessKey": key["secret_access_key"]}}


def list_access_keys(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    user = _acting_user(runtime, request, "iam:ListAccessKeys")

    owner = user.name if user else None
    keys = _access_keys(runtime.state, request.caller.account, owner)
    page, paging = _page(request, keys, key=lambda k: str(k["access_key_id"]))
    return {"AccessKeyMetadata": [_key_out(k) for k in page], **paging}


def update_access_key(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    user = _acting_user(runtime, request, "iam:UpdateAccessKey")
    account = request.caller.account
    key = _key_of(runtime.state, account, user, request.params["AccessKeyId"])

    # The runtime refuses an Inactive key on its next use (InvalidClientTokenId).
    status: str = request.params["Status"]
    with runtime.state.write() as w:
        w.put_credential(key["access_key_id"], account, {**key, "status": status}, None)
    logger.info("access key %s is now %s", key["access_key_id"], status)
    return {}


def delete_access_key(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    user = _acting_user(runtime, request, "iam:DeleteAccessKey")
    account = request.caller.account
    key = _key_of(runtime.state, account, user, request.params["AccessKeyId"])

    with runtime.state.write() as w:
        w.delete_credential(key["access_key_id"])
    logger.info("deleted access key %s", key["access_key_id"])
    return {}


def get_access_key_last_used(
    runtime: LabRuntime, request: LabRequest
) -> dict[str, Any]:
    key_id: str = request.params["AccessKeyId"]
    key = runtime.state.credential(key_id)
    account = request.caller.account
    if key is None or key["type"] != "access-key" or key["account"] != account:
        raise errors.IAM_NO_SUCH_ACCESS_KEY.error(key=key_id)
    owner = key.get("user")
    target = _target(runtime, request, USER, owner) if owner else None
    if target is not None:
        _authorize_on(runtime, request, "iam:GetAccessKeyLastUsed", target)
    else:
        resource = f"arn:aws:iam::{account}:root"
        _authorize(runtime, request, "iam:GetAccessKeyLastUsed", resource=resource)

    # IAM answers N/A for a key that was never used (API reference).
    used = runtime.last_used.get(key_id)
    last: dict[str, Any] = {"ServiceName": "N/A", "Region": "N/A"}
    if used is not None:
        last = {"LastUsedDate": used[0], "ServiceName": used[1], "Region": used[2]}
    out: dict[str, Any] = {"AccessKeyLastUsed": last}
    if owner:
        out["UserName"] = owner
    return out


# -- groups ----------------------------------------------------------------------------


def create_group(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    params = request.params
    account = request.caller.account
    name, path = params["GroupName"], params.get("Path", "/")
    arn = GROUP.arn(account, path, name)
    _authorize(runtime, request, "iam:CreateGroup", resource=arn)

    group = Entity(
        account,
        Kind.GROUP,
        name,
        ids.unique_id(IdPrefix.GROUP),
        {
            "arn": arn,
            "path": path,
            "created": _stamp(request),
            "managed_policies": [],
            "inline_policies": {},
        },
    )
    _create(runtime, GROUP, group)
    _note(request, GROUP.trail_type, arn)
    return {"Group": _group_out(group)}


def _members(state: LabState, group: Entity) -> list[Entity]:
    return [
        user
        for user in state.entities(group.account, Kind.USER)
        if group.name in user.doc.get("groups", [])
    ]


def get_group(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    target = _target(runtime, request, GROUP)
    _authorize_on(runtime, request, "iam:GetGroup", target)
    group = target.require()

    page, paging = _page(request, _members(runtime.state, group), key=lambda u: u.name)
    return {
        "Group": _group_out(group),
        "Users": [_user_out(u) for u in page],
        **paging,
    }


def add_user_to_group(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    target = _target(runtime, request, GROUP)
    _authorize_on(runtime, request, "iam:AddUserToGroup", target)
    group = target.require()
    user = _target(runtime, request, USER).require()

    groups: list[str] = list(user.doc.get("groups", []))
    if group.name in groups:
        return {}
    if len(groups) >= GROUPS_PER_USER:
        raise errors.IAM_QUOTA.error(quota="GroupsPerUser", limit=GROUPS_PER_USER)
    _save(runtime, _changed(user, groups=[*groups, group.name]))
    _note(request, GROUP.trail_type, target.arn)
    return {}


def remove_user_from_group(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    target = _target(runtime, request, GROUP)
    _authorize_on(runtime, request, "iam:RemoveUserFromGroup", target)
    group = target.require()
    user = _target(runtime, request, USER).require()

    groups: list[str] = list(user.doc.get("groups", []))
    if group.name not in groups:
        raise errors.IAM_NO_SUCH_USER.error(name=user.name)
    _save(runtime, _changed(user, groups=[g for g in groups if g != group.name]))
    _note(request, GROUP.trail_type, target.arn)
    return {}


def list_groups_for_user(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    target = _target(runtime, request, USER)
    _authorize_on(runtime, request, "iam:ListGroupsForUser", target)
    user = target.require()

    found = [
        g
        for name in user.doc.get("groups", [])
        if (g := runtime.state.get(user.account, Kind.GROUP, name)) is not None
    ]
    page, paging = _page(request, found, key=lambda g: g.name)
    return {"Groups": [_group_out(g) for g in page], **paging}


def delete_group(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    target = _target(runtime, request, GROUP)
    _authorize_on(runtime, request, "iam:DeleteGroup", target)
    group = target.require()

    if _members(runtime.state, group):
        raise errors.IAM_REMOVE_USERS_FROM_GROUP_FIRST.error()
    _refuse_while_holding_policies(group)

    with runtime.state.write() as w:
        w.delete(group.account, Kind.GROUP, group.name)
    _note(request, GROUP.trail_type, target.arn)
    return {}


# -- roles -----------------------------------------------------------------------------


def _trust_policy(text: str) -> dict[str, Any]:
    document = _read_policy(text, PolicyKind.TRUST)
    if _size(text) > TRUST_POLICY_SIZE:
        raise errors.IAM_TRUST_POLICY_SIZE.error(limit=TRUST_POLICY_SIZE)
    return document


def create_role(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    params = request.params
    account = request.caller.account
    _refuse_sign_in_duration(request)
    name, path = params["RoleName"], params.get("Path", "/")
    arn = ROLE.arn(account, path, name)
    tags = _tags(params.get("Tags", []))
    boundary: str | None = params.get("PermissionsBoundary")
    context = _tag_context(tags)
    if boundary:
        context["iam:PermissionsBoundary"] = boundary
    _authorize(runtime, request, "iam:CreateRole", resource=arn, context=context)
    trust = _trust_policy(params["AssumeRolePolicyDocument"])
    if boundary:
        _attachable_policy(runtime, account, boundary)

    role = Entity(
        account,
        Kind.ROLE,
        name,
        ids.unique_id(IdPrefix.ROLE),
        {
            "arn": arn,
            "path": path,
            "created": _stamp(request),
            "description": params.get("Description", ""),
            "trust_policy": trust,
            "max_session_duration": params.get(
                "MaxSessionDuration", DEFAULT_MAX_SESSION_DURATION
            ),
            "managed_policies": [],
            "inline_policies": {},
            "boundary": boundary,
            "tags": tags,
        },
    )
    _create(runtime, ROLE, role)
    _note(request, ROLE.trail_type, arn)
    logger.info("created role %s", arn)
    return {
        "Role": _role_out(runtime, role) | _boundary_out(role.doc) | _tags_out(role.doc)
    }


def _refuse_sign_in_duration(request: LabRequest) -> None:
    for name in ("MaxSigninSessionDuration", "ResetMaxSigninSessionDuration"):
        if name in request.params:
            raise errors.NOT_MODELLED_CASE.error(
                service="iam", operation=request.operation, case=f"with {name}"
            )


def get_role(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    target = _target(runtime, request, ROLE)
    _authorize_on(runtime, request, "iam:GetRole", target)
    return {"Role": _role_out(runtime, target.require(), full=True)}


def update_role(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    params = request.params
    _refuse_sign_in_duration(request)
    target = _target(runtime, request, ROLE)
    _authorize_on(runtime, request, "iam:UpdateRole", target)
    role = target.require()

    changes: dict[str, Any] = {}
    if "Description" in params:
        changes["description"] = params["Description"]
    if "MaxSessionDuration" in params:
        # The model's range (3600-43200) is checked by the protocol layer.
        changes["max_session_duration"] = params["MaxSessionDuration"]
    _save(runtime, _changed(role, **changes))
    _note(request, ROLE.trail_type, target.arn)
    return {}


def update_assume_role_policy(
    runtime: LabRuntime, request: LabRequest
) -> dict[str, Any]:
    target = _target(runtime, request, ROLE)
    _authorize_on(runtime, request, "iam:UpdateAssumeRolePolicy", target)
    role = target.require()
    trust = _trust_policy(request.params["PolicyDocument"])

    _save(runtime, _changed(role, trust_policy=trust))
    _note(request, ROLE.trail_type, target.arn)
    logger.info("replaced the trust policy of %s", target.arn)
    return {}


def delete_role(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    target = _target(runtime, request, ROLE)
    _authorize_on(runtime, request, "iam:DeleteRole", target)
    role = target.require()

    if _profiles_with(runtime.state, role):
        raise errors.IAM_REMOVE_ROLES_FIRST.error()
    _refuse_while_holding_policies(role)

    with runtime.state.write() as w:
        w.delete(role.account, Kind.ROLE, role.name)
    _note(request, ROLE.trail_type, target.arn)
    logger.info("deleted role %s", target.arn)
    return {}


# -- inline policies of users, groups and roles ----------------------------------------


def _put_inline_policy(holder: Holder) -> Handler:
    def handler(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
        params = request.params
        target = _target(runtime, request, holder)
        _authorize_on(runtime, request, f"iam:Put{holder.title}Policy", target)
        entity = target.require()
        name: str = params["PolicyName"]
        text: str = params["PolicyDocument"]
        document = _read_policy(text, PolicyKind.IDENTITY)

        policies = {**entity.doc.get("inline_policies", {})}
        policies.pop(name, None)
        # IAM counts all of an entity's inline policies together.
        total = _size(text) + sum(_size(d) for d in policies.values())
        if total > holder.inline_limit:
            raise errors.IAM_INLINE_POLICY_SIZE.error(
                limit=holder.inline_limit, holder=holder.word, name=entity.name
            )
        policies[name] = document
        _save(runtime, _changed(entity, inline_policies=policies))
        _note(request, holder.trail_type, target.arn)
        logger.info("put inline policy %s on %s", name, target.arn)
        return {}

    return handler


def _inline_policy(holder: Holder, entity: Entity, name: str) -> Mapping[str, Any]:
    document: Mapping[str, Any] | None = entity.doc.get("inline_policies", {}).get(name)
    if document is None:
        raise errors.IAM_NO_SUCH_INLINE_POLICY.error(holder=holder.word, name=name)
    return document


def _get_inline_policy(holder: Holder) -> Handler:
    def handler(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
        target = _target(runtime, request, holder)
        _authorize_on(runtime, request, f"iam:Get{holder.title}Policy", target)
        entity = target.require()
        name: str = request.params["PolicyName"]

        document = _inline_policy(holder, entity, name)
        return {
            holder.name_param: entity.name,
            "PolicyName": name,
            "PolicyDocument": _encoded(document),
        }

    return handler


def _delete_inline_policy(holder: Holder) -> Handler:
    def handler(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
        target = _target(runtime, request, holder)
        _authorize_on(runtime, request, f"iam:Delete{holder.title}Policy", target)
        entity = target.require()
        name: str = request.params["PolicyName"]
        _inline_policy(holder, entity, name)

        policies = {k: v for k, v in entity.doc["inline_policies"].items() if k != name}
        _save(runtime, _changed(entity, inline_policies=policies))
        _note(request, holder.trail_type, target.arn)
        logger.info("deleted inline policy %s from %s", name, target.arn)
        return {}

    return handler


def _list_inline_policies(holder: Holder) -> Handler:
    def handler(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
        target = _target(runtime, request, holder)
        _authorize_on(runtime, request, f"iam:List{holder.title}Policies", target)
        entity = target.require()

        names = list(entity.doc.get("inline_policies", {}))
        page, paging = _page(request, names, key=lambda n: n)
        return {"PolicyNames": page, **paging}

    return handler


# -- managed policies ------------------------------------------------------------------


def _policy_owner(arn: str) -> str:
    """The state account that holds a managed policy; InvalidInput if `arn` is no policy ARN."""
    match = _POLICY_ARN.match(arn)
    if match is None:
        raise errors.IAM_INVALID_ARN.error(arn=arn)
    return GLOBAL if match.group(1) == "aws" else match.group(1)


def _find_policy(runtime: LabRuntime, request: LabRequest, arn: str) -> Entity | None:
    owner = _policy_owner(arn)
    if owner not in (GLOBAL, request.caller.account):
        return None  # another account's policies are out of reach
    return runtime.state.get(owner, Kind.POLICY, arn)


def _attachable_policy(runtime: LabRuntime, account: str, arn: str) -> Entity:
    match = _POLICY_ARN.match(arn)
    owner = None if match is None else match.group(1)
    entity = None
    if owner in ("aws", account):
        entity = runtime.state.get(
            GLOBAL if owner == "aws" else account, Kind.POLICY, arn
        )
    if entity is None:
        raise errors.IAM_POLICY_NOT_ATTACHABLE.error(arn=arn)
    return entity


def _authorize_policy(
    runtime: LabRuntime, request: LabRequest, action: str, arn: str
) -> Entity:
    """Authorize `action` on a managed policy, then find it (NoSuchEntity if absent)."""
    policy = _find_policy(runtime, request, arn)
    # IAM's denials name a policy as "policy <arn>" (aws-amplify/amplify-js#7540,
    # cds-snc/dns#523).
    _authorize(runtime, request, action, resource=arn, shown=f"policy {arn}")
    if policy is None:
        raise errors.IAM_NO_SUCH_POLICY.error(arn=arn)
    return policy


@dataclass(frozen=True)
class Usage:
    """Where the account uses each managed policy: attachments and boundaries."""

    attached: Mapping[str, list[tuple[Holder, Entity]]]
    boundaries: Mapping[str, list[tuple[Holder, Entity]]]


def _usage(state: LabState, account: str) -> Usage:
    attached: dict[str, list[tuple[Holder, Entity]]] = {}
    boundaries: dict[str, list[tuple[Holder, Entity]]] = {}
    for holder in POLICY_HOLDERS:
        for entity in state.entities(account, holder.kind):
            for arn in entity.doc.get("managed_policies", []):
                attached.setdefault(arn, []).append((holder, entity))
            if entity.doc.get("boundary"):
                boundaries.setdefault(entity.doc["boundary"], []).append(
                    (holder, entity)
                )
    return Usage(attached, boundaries)


def _policy_out(policy: Entity, usage: Usage) -> dict[str, Any]:
    doc = policy.doc
    arn = doc["arn"]
    out: dict[str, Any] = {
        "PolicyName": doc["name"],
        "PolicyId": policy.id,
        "Arn": arn,
        "Path": doc["path"],
        "DefaultVersionId": doc["default_version"],
        "AttachmentCount": len(usage.attached.get(arn, [])),
        "PermissionsBoundaryUsageCount": len(usage.boundaries.get(arn, [])),
        "IsAttachable": True,
        "CreateDate": _when(doc["created"]),
        "UpdateDate": _when(doc.get("updated", doc["created"])),
    }
    if doc.get("description"):
        out["Description"] = doc["description"]
    return out | _tags_out(doc)


def _version_out(
    policy: Entity, version: str, *, document: bool = False
) -> dict[str, Any]:
    stored = policy.doc["versions"][version]
    out: dict[str, Any] = {
        "VersionId": version,
        "IsDefaultVersion": version == policy.doc["default_version"],
        "CreateDate": _when(stored["created"]),
    }
    if document:
        out["Document"] = _encoded(stored["document"])
    return out


def _managed_document(text: str) -> dict[str, Any]:
    document = _read_policy(text, PolicyKind.IDENTITY)
    if _size(text) > MANAGED_POLICY_SIZE:
        raise errors.IAM_MANAGED_POLICY_SIZE.error(limit=MANAGED_POLICY_SIZE)
    return document


def create_policy(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    params = request.params
    account = request.caller.account
    name, path = params["PolicyName"], params.get("Path", "/")
    arn = f"arn:aws:iam::{account}:policy{path}{name}"
    tags = _tags(params.get("Tags", []))
    _authorize(
        runtime, request, "iam:CreatePolicy", resource=arn, context=_tag_context(tags)
    )
    document = _managed_document(params["PolicyDocument"])

    created = _stamp(request)
    policy = Entity(
        account,
        Kind.POLICY,
        arn,
        ids.unique_id(IdPrefix.MANAGED_POLICY),
        {
            "arn": arn,
            "name": name,
            "path": path,
            "created": created,
            "updated": created,
            "description": params.get("Description", ""),
            "default_version": "v1",
            "versions": {"v1": {"document": document, "created": created}},
            "next_version": 2,
            "tags": tags,
        },
    )
    with runtime.state.write() as w:
        # Managed policy names are unique in the account whatever their path.
        if any(
            p.doc["name"] == name for p in runtime.state.entities(account, Kind.POLICY)
        ):
            raise errors.IAM_POLICY_EXISTS.error(name=name)
        w.put(policy)
    _note(request, "AWS::IAM::Policy", arn)
    logger.info("created managed policy %s", arn)
    return {"Policy": _policy_out(policy, Usage({}, {}))}


def get_policy(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    arn: str = request.params["PolicyArn"]
    policy = _authorize_policy(runtime, request, "iam:GetPolicy", arn)
    usage = _usage(runtime.state, request.caller.account)
    return {"Policy": _policy_out(policy, usage)}


def list_policies(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    params = request.params
    account = request.caller.account
    _authorize(runtime, request, "iam:ListPolicies", resource="*")

    scope = params.get("Scope", "All")
    found: list[Entity] = []
    if scope in ("All", "AWS"):
        found += runtime.state.entities(GLOBAL, Kind.POLICY)
    if scope in ("All", "Local"):
        found += runtime.state.entities(account, Kind.POLICY)
    usage = _usage(runtime.state, account)
    prefix: str = params.get("PathPrefix", "/")
    found = [p for p in found if p.doc["path"].startswith(prefix)]
    wanted = params.get("PolicyUsageFilter")
    if params.get("OnlyAttached") or wanted:
        found = [p for p in found if _in_use(p.doc["arn"], usage, wanted)]

    page, paging = _page(request, found, key=lambda p: f"{p.doc['name']}|{p.name}")
    return {"Policies": [_policy_out(p, usage) for p in page], **paging}


def _in_use(arn: str, usage: Usage, how: str | None) -> bool:
    as_permissions = bool(usage.attached.get(arn))
    as_boundary = bool(usage.boundaries.get(arn))
    if how == "PermissionsPolicy":
        return as_permissions
    if how == "PermissionsBoundary":
        return as_boundary
    return as_permissions or as_boundary


def delete_policy(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    arn: str = request.params["PolicyArn"]
    policy = _authorize_policy(runtime, request, "iam:DeletePolicy", arn)

    if _in_use(arn, _usage(runtime.state, request.caller.account), None):
        raise errors.IAM_POLICY_ATTACHED.error()
    if len(policy.doc["versions"]) > 1:
        raise errors.IAM_POLICY_HAS_VERSIONS.error()

    with runtime.state.write() as w:
        w.delete(policy.account, Kind.POLICY, arn)
    _note(request, "AWS::IAM::Policy", arn)
    logger.info("deleted managed policy %s", arn)
    return {}


def create_policy_version(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    params = request.params
    arn: str = params["PolicyArn"]
    policy = _authorize_policy(runtime, request, "iam:CreatePolicyVersion", arn)
    document = _managed_document(params["PolicyDocument"])

    versions = dict(policy.doc["versions"])
    if len(versions) >= VERSIONS_PER_POLICY:
        raise errors.IAM_POLICY_VERSION_QUOTA.error(limit=VERSIONS_PER_POLICY)
    number = int(policy.doc["next_version"])
    version = f"v{number}"
    created = _stamp(request)
    versions[version] = {"document": document, "created": created}
    default = version if params.get("SetAsDefault") else policy.doc["default_version"]
    updated = _changed(
        policy,
        versions=versions,
        next_version=number + 1,
        default_version=default,
        updated=created if default == version else policy.doc.get("updated", created),
    )
    _save(runtime, updated)
    _note(request, "AWS::IAM::Policy", arn)
    logger.info("created version %s of %s (default %s)", version, arn, default)
    return {"PolicyVersion": _version_out(updated, version)}


def _version_of(policy: Entity, version: str) -> str:
    if version not in policy.doc["versions"]:
        raise errors.IAM_NO_SUCH_POLICY_VERSION.error(
            arn=policy.doc["arn"], version=version
        )
    return version


def get_policy_version(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    arn: str = request.params["PolicyArn"]
    policy = _authorize_policy(runtime, request, "iam:GetPolicyVersion", arn)
    version = _version_of(policy, request.params["VersionId"])
    return {"PolicyVersion": _version_out(policy, version, document=True)}


def list_policy_versions(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    arn: str = request.params["PolicyArn"]
    policy = _authorize_policy(runtime, request, "iam:ListPolicyVersions", arn)

    # Newest first, as IAM lists them (UNCONFIRMED order).
    versions = list(policy.doc["versions"])
    page, paging = _page(request, versions, key=lambda v: f"{10**6 - int(v[1:]):07d}")
    return {"Versions": [_version_out(policy, v) for v in page], **paging}


def delete_policy_version(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    arn: str = request.params["PolicyArn"]
    policy = _authorize_policy(runtime, request, "iam:DeletePolicyVersion", arn)
    version = _version_of(policy, request.params["VersionId"])
    if version == policy.doc["default_version"]:
        raise errors.IAM_DEFAULT_VERSION.error()

    versions = {k: v for k, v in policy.doc["versions"].items() if k != version}
    _save(runtime, _changed(policy, versions=versions))
    _note(request, "AWS::IAM::Policy", arn)
    return {}


def set_default_policy_version(
    runtime: LabRuntime, request: LabRequest
) -> dict[str, Any]:
    arn: str = request.params["PolicyArn"]
    policy = _authorize_policy(runtime, request, "iam:SetDefaultPolicyVersion", arn)
    version = _version_of(policy, request.params["VersionId"])

    _save(runtime, _changed(policy, default_version=version, updated=_stamp(request)))
    _note(request, "AWS::IAM::Policy", arn)
    logger.info("%s now defaults to %s", arn, version)
    return {}


def list_entities_for_policy(
    runtime: LabRuntime, request: LabRequest
) -> dict[str, Any]:
    params = request.params
    arn: str = params["PolicyArn"]
    _authorize_policy(runtime, request, "iam:ListEntitiesForPolicy", arn)

    usage = _usage(runtime.state, request.caller.account)
    how = params.get("PolicyUsageFilter")
    found: list[tuple[Holder, Entity]] = []
    if how in (None, "PermissionsPolicy"):
        found += usage.attached.get(arn, [])
    if how in (None, "PermissionsBoundary"):
        found += [u for u in usage.boundaries.get(arn, []) if u not in found]
    wanted = params.get("EntityFilter")
    prefix: str = params.get("PathPrefix", "/")
    found = [
        (holder, e)
        for holder, e in found
        if (wanted is None or wanted == holder.title)
        and e.doc["path"].startswith(prefix)
    ]

    page, paging = _page(request, found, key=lambda he: f"{he[0].word}|{he[1].name}")
    out: dict[str, Any] = {"PolicyGroups": [], "PolicyUsers": [], "PolicyRoles": []}
    for holder, entity in page:
        out[f"Policy{holder.title}s"].append(
            {holder.name_param: entity.name, f"{holder.title}Id": entity.id}
        )
    return out | paging


# -- attached managed policies and permissions boundaries ------------------------------


def _attach_policy(holder: Holder) -> Handler:
    def handler(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
        arn: str = request.params["PolicyArn"]
        target = _target(runtime, request, holder)
        context: dict[str, str | list[str]] = {"iam:PolicyARN": arn}
        _authorize_on(
            runtime, request, f"iam:Attach{holder.title}Policy", target, context
        )
        entity = target.require()
        _attachable_policy(runtime, target.account, arn)

        attached: list[str] = list(entity.doc.get("managed_policies", []))
        if arn in attached:
            return {}
        if len(attached) >= ATTACHED_POLICIES_PER_ENTITY:
            raise errors.IAM_ATTACHED_POLICY_QUOTA.error(
                quota=f"PoliciesPer{holder.title}", limit=ATTACHED_POLICIES_PER_ENTITY
            )
        _save(runtime, _changed(entity, managed_policies=[*attached, arn]))
        _note(request, holder.trail_type, target.arn)
        logger.info("attached %s to %s", arn, target.arn)
        return {}

    return handler


def _detach_policy(holder: Holder) -> Handler:
    def handler(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
        arn: str = request.params["PolicyArn"]
        target = _target(runtime, request, holder)
        context: dict[str, str | list[str]] = {"iam:PolicyARN": arn}
        _authorize_on(
            runtime, request, f"iam:Detach{holder.title}Policy", target, context
        )
        entity = target.require()

        attached: list[str] = list(entity.doc.get("managed_policies", []))
        if arn not in attached:
            raise errors.IAM_NO_SUCH_POLICY.error(arn=arn)
        _save(
            runtime,
            _changed(entity, managed_policies=[a for a in attached if a != arn]),
        )
        _note(request, holder.trail_type, target.arn)
        logger.info("detached %s from %s", arn, target.arn)
        return {}

    return handler


def _list_attached_policies(holder: Holder) -> Handler:
    def handler(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
        target = _target(runtime, request, holder)
        action = f"iam:ListAttached{holder.title}Policies"
        _authorize_on(runtime, request, action, target)
        entity = target.require()

        prefix: str = request.params.get("PathPrefix", "/")
        attached = [
            _attached_out(arn)
            for arn in entity.doc.get("managed_policies", [])
            if _policy_path(arn).startswith(prefix)
        ]
        page, paging = _page(request, attached, key=lambda a: a["PolicyArn"])
        return {"AttachedPolicies": page, **paging}

    return handler


def _attached_out(arn: str) -> dict[str, str]:
    return {"PolicyName": arn.rsplit("/", 1)[-1], "PolicyArn": arn}


def _policy_path(arn: str) -> str:
    resource = arn.split(":", 5)[-1]  # policy/path/name
    return resource[len("policy") : resource.rfind("/") + 1]


def _put_boundary(holder: Holder) -> Handler:
    def handler(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
        arn: str = request.params["PermissionsBoundary"]
        target = _target(runtime, request, holder)
        context: dict[str, str | list[str]] = {"iam:PermissionsBoundary": arn}
        action = f"iam:Put{holder.title}PermissionsBoundary"
        _authorize_on(runtime, request, action, target, context)
        entity = target.require()
        _attachable_policy(runtime, target.account, arn)

        _save(runtime, _changed(entity, boundary=arn))
        _note(request, holder.trail_type, target.arn)
        logger.info("set permissions boundary %s on %s", arn, target.arn)
        return {}

    return handler


def _delete_boundary(holder: Holder) -> Handler:
    def handler(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
        target = _target(runtime, request, holder)
        action = f"iam:Delete{holder.title}PermissionsBoundary"
        _authorize_on(runtime, request, action, target)
        entity = target.require()

        _save(runtime, _changed(entity, boundary=None))
        _note(request, holder.trail_type, target.arn)
        return {}

    return handler


# -- instance profiles -----------------------------------------------------------------


def _profiles_with(state: LabState, role: Entity) -> list[Entity]:
    return [
        p
        for p in state.entities(role.account, Kind.INSTANCE_PROFILE)
        if role.name in p.doc.get("roles", [])
    ]


def create_instance_profile(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    params = request.params
    account = request.caller.account
    name, path = params["InstanceProfileName"], params.get("Path", "/")
    arn = INSTANCE_PROFILE.arn(account, path, name)
    tags = _tags(params.get("Tags", []))
    _authorize(
        runtime,
        request,
        "iam:CreateInstanceProfile",
        resource=arn,
        context=_tag_context(tags),
    )

    profile = Entity(
        account,
        Kind.INSTANCE_PROFILE,
        name,
        ids.unique_id(IdPrefix.INSTANCE_PROFILE),
        {
            "arn": arn,
            "path": path,
            "created": _stamp(request),
            "roles": [],
            "tags": tags,
        },
    )
    _create(runtime, INSTANCE_PROFILE, profile)
    _note(request, INSTANCE_PROFILE.trail_type, arn)
    return {"InstanceProfile": _profile_out(runtime, profile)}


def get_instance_profile(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    target = _target(runtime, request, INSTANCE_PROFILE)
    _authorize_on(runtime, request, "iam:GetInstanceProfile", target)
    return {"InstanceProfile": _profile_out(runtime, target.require())}


def add_role_to_instance_profile(
    runtime: LabRuntime, request: LabRequest
) -> dict[str, Any]:
    target = _target(runtime, request, INSTANCE_PROFILE)
    _authorize_on(runtime, request, "iam:AddRoleToInstanceProfile", target)
    profile = target.require()
    role_target = _target(runtime, request, ROLE)
    role = role_target.require()
    # IAM API reference: the caller must also be allowed iam:PassRole on the role.
    _authorize(runtime, request, "iam:PassRole", resource=role_target.arn)

    roles: list[str] = list(profile.doc.get("roles", []))
    if len(roles) >= ROLES_PER_INSTANCE_PROFILE:
        raise errors.IAM_INSTANCE_PROFILE_ROLE_QUOTA.error(
            limit=ROLES_PER_INSTANCE_PROFILE
        )
    _save(runtime, _changed(profile, roles=[*roles, role.name]))
    _note(request, INSTANCE_PROFILE.trail_type, target.arn)
    logger.info("added role %s to %s", role.name, target.arn)
    return {}


def remove_role_from_instance_profile(
    runtime: LabRuntime, request: LabRequest
) -> dict[str, Any]:
    target = _target(runtime, request, INSTANCE_PROFILE)
    _authorize_on(runtime, request, "iam:RemoveRoleFromInstanceProfile", target)
    profile = target.require()
    role_name: str = request.params["RoleName"]

    roles: list[str] = list(profile.doc.get("roles", []))
    if role_name not in roles:
        raise errors.IAM_NO_SUCH_ROLE.error(name=role_name)
    _save(runtime, _changed(profile, roles=[r for r in roles if r != role_name]))
    _note(request, INSTANCE_PROFILE.trail_type, target.arn)
    logger.info("removed role %s from %s", role_name, target.arn)
    return {}


def delete_instance_profile(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    target = _target(runtime, request, INSTANCE_PROFILE)
    _authorize_on(runtime, request, "iam:DeleteInstanceProfile", target)
    profile = target.require()
    if profile.doc.get("roles"):
        raise errors.IAM_REMOVE_ROLES_FIRST.error()

    with runtime.state.write() as w:
        w.delete(profile.account, Kind.INSTANCE_PROFILE, profile.name)
    _note(request, INSTANCE_PROFILE.trail_type, target.arn)
    return {}


def list_instance_profiles_for_role(
    runtime: LabRuntime, request: LabRequest
) -> dict[str, Any]:
    target = _target(runtime, request, ROLE)
    _authorize_on(runtime, request, "iam:ListInstanceProfilesForRole", target)
    role = target.require()

    page, paging = _page(
        request, _profiles_with(runtime.state, role), key=lambda p: p.name
    )
    return {"InstanceProfiles": [_profile_out(runtime, p) for p in page], **paging}


# -- virtual MFA devices ---------------------------------------------------------------


def _mfa_devices_of(state: LabState, account: str, user_name: str) -> list[Entity]:
    return [
        d
        for d in state.entities(account, Kind.MFA_DEVICE)
        if d.doc.get("user") == user_name
    ]


def create_virtual_mfa_device(
    runtime: LabRuntime, request: LabRequest
) -> dict[str, Any]:
    params = request.params
    account = request.caller.account
    name, path = params["VirtualMFADeviceName"], params.get("Path", "/")
    serial = f"arn:aws:iam::{account}:mfa{path}{name}"
    tags = _tags(params.get("Tags", []))
    _authorize(
        runtime,
        request,
        "iam:CreateVirtualMFADevice",
        resource=serial,
        context=_tag_context(tags),
    )

    seed = pyotp.random_base32()
    device = Entity(
        account,
        Kind.MFA_DEVICE,
        serial,
        None,
        {
            "serial": serial,
            "seed": seed,
            "user": None,
            "enabled": None,
            "created": _stamp(request),
            "tags": tags,
        },
    )
    with runtime.state.write() as w:
        if runtime.state.get(account, Kind.MFA_DEVICE, serial) is not None:
            raise errors.IAM_MFA_DEVICE_EXISTS.error()
        w.put(device)
    logger.info("created virtual MFA device %s", serial)
    # Base32StringSeed is a blob: the base32 seed's text, base64-encoded on the
    # wire (IAM API reference, VirtualMFADevice). The QR code is not modelled.
    return {
        "VirtualMFADevice": {"SerialNumber": serial, "Base32StringSeed": seed.encode()}
    }


def enable_mfa_device(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    params = request.params
    target = _target(runtime, request, USER)
    _authorize_on(runtime, request, "iam:EnableMFADevice", target)
    user = target.require()
    serial: str = params["SerialNumber"]
    device = runtime.state.get(user.account, Kind.MFA_DEVICE, serial)
    if device is None:
        raise errors.IAM_NO_SUCH_MFA_DEVICE.error(serial=serial)
    if device.doc.get("user") is not None:
        raise errors.IAM_MFA_DEVICE_IN_USE.error()
    codes = (params["AuthenticationCode1"], params["AuthenticationCode2"])
    if not _consecutive_codes(device.doc["seed"], codes, request.received_at):
        raise errors.IAM_INVALID_AUTHENTICATION_CODE.error()

    _save(runtime, _changed(device, user=user.name, enabled=_stamp(request)))
    _note(request, USER.trail_type, target.arn)
    logger.info("enabled MFA device %s for %s", serial, target.arn)
    return {}


def _consecutive_codes(seed: str, codes: tuple[str, str], now: datetime) -> bool:
    """Two codes from consecutive 30-second steps, the later one now or just past."""
    totp = pyotp.TOTP(seed)
    for steps_back in (0, 1, 2):
        later = now - timedelta(seconds=_TOTP_STEP * steps_back)
        earlier = later - timedelta(seconds=_TOTP_STEP)
        if totp.at(earlier) == codes[0] and totp.at(later) == codes[1]:
            return True
    return False


def deactivate_mfa_device(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    user = _acting_user(runtime, request, "iam:DeactivateMFADevice")
    serial: str = request.params["SerialNumber"]
    account = request.caller.account
    device = runtime.state.get(account, Kind.MFA_DEVICE, serial)
    if device is None or user is None or device.doc.get("user") != user.name:
        raise errors.IAM_NO_SUCH_MFA_DEVICE.error(serial=serial)

    _save(runtime, _changed(device, user=None, enabled=None))
    _note(request, USER.trail_type, user.doc["arn"])
    logger.info("deactivated MFA device %s", serial)
    return {}


def list_mfa_devices(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    user = _acting_user(runtime, request, "iam:ListMFADevices")
    devices = (
        [] if user is None else _mfa_devices_of(runtime.state, user.account, user.name)
    )

    page, paging = _page(request, devices, key=lambda d: d.name)
    return {
        "MFADevices": [
            {
                "UserName": d.doc["user"],
                "SerialNumber": d.name,
                "EnableDate": _when(d.doc["enabled"]),
            }
            for d in page
        ],
        **paging,
    }


def list_virtual_mfa_devices(
    runtime: LabRuntime, request: LabRequest
) -> dict[str, Any]:
    account = request.caller.account
    _authorize(runtime, request, "iam:ListVirtualMFADevices", resource="*")

    status = request.params.get("AssignmentStatus", "Any")
    devices = [
        d
        for d in runtime.state.entities(account, Kind.MFA_DEVICE)
        if status == "Any" or (d.doc.get("user") is not None) == (status == "Assigned")
    ]
    page, paging = _page(request, devices, key=lambda d: d.name)
    return {"VirtualMFADevices": [_device_out(runtime, d) for d in page], **paging}


def _device_out(runtime: LabRuntime, device: Entity) -> dict[str, Any]:
    out: dict[str, Any] = {"SerialNumber": device.name}
    owner = device.doc.get("user")
    user = runtime.state.get(device.account, Kind.USER, owner) if owner else None
    if user is not None:
        out["User"] = _user_out(user)
        out["EnableDate"] = _when(device.doc["enabled"])
    return out | _tags_out(device.doc)


def delete_virtual_mfa_device(
    runtime: LabRuntime, request: LabRequest
) -> dict[str, Any]:
    serial: str = request.params["SerialNumber"]
    account = request.caller.account
    _authorize(runtime, request, "iam:DeleteVirtualMFADevice", resource=serial)
    device = runtime.state.get(account, Kind.MFA_DEVICE, serial)
    if device is None:
        raise errors.IAM_NO_SUCH_MFA_DEVICE.error(serial=serial)
    if device.doc.get("user") is not None:
        raise errors.IAM_MFA_DEVICE_ASSIGNED.error(serial=serial)

    with runtime.state.write() as w:
        w.delete(account, Kind.MFA_DEVICE, serial)
    logger.info("deleted virtual MFA device %s", serial)
    return {}


# -- the account -----------------------------------------------------------------------

_DETAIL_SECTIONS = ("User", "Group", "Role", "LocalManagedPolicy", "AWSManagedPolicy")


def get_account_authorization_details(
    runtime: LabRuntime, request: LabRequest
) -> dict[str, Any]:
    account = request.caller.account
    _authorize(runtime, request, "iam:GetAccountAuthorizationDetails", resource="*")

    wanted = request.params.get("Filter") or list(_DETAIL_SECTIONS)
    details = _AuthorizationDetails(runtime, account)
    items = [
        (section, entity)
        for section in _DETAIL_SECTIONS
        if section in wanted
        for entity in details.entities(section)
    ]
    page, paging = _page(
        request,
        items,
        key=lambda se: f"{_DETAIL_SECTIONS.index(se[0])}|{se[1].name}",
    )
    out: dict[str, Any] = {
        "UserDetailList": [],
        "GroupDetailList": [],
        "RoleDetailList": [],
        "Policies": [],
    }
    for section, entity in page:
        list_name, detail = details.detail(section, entity)
        out[list_name].append(detail)
    return out | paging


class _AuthorizationDetails:
    """The account's entities as GetAccountAuthorizationDetails describes them."""

    def __init__(self, runtime: LabRuntime, account: str) -> None:
        self.runtime = runtime
        self.state = runtime.state
        self.account = account
        self.usage = _usage(runtime.state, account)

    def entities(self, section: str) -> list[Entity]:
        kinds = {"User": Kind.USER, "Group": Kind.GROUP, "Role": Kind.ROLE}
        if section in kinds:
            return self.state.entities(self.account, kinds[section])
        if section == "LocalManagedPolicy":
            return self.state.entities(self.account, Kind.POLICY)
        # AWS managed policies appear when the account uses them.
        return [
            p
            for p in self.state.entities(GLOBAL, Kind.POLICY)
            if _in_use(p.doc["arn"], self.usage, None)
        ]

    def detail(self, section: str, entity: Entity) -> tuple[str, dict[str, Any]]:
        if section == "User":
            return "UserDetailList", self._user(entity)
        if section == "Group":
            return "GroupDetailList", self._group(entity)
        if section == "Role":
            return "RoleDetailList", self._role(entity)
        return "Policies", self._policy(entity)

    def _user(self, user: Entity) -> dict[str, Any]:
        return _user_out(user, full=True) | {
            "UserPolicyList": _inline_out(user),
            "GroupList": list(user.doc.get("groups", [])),
            "AttachedManagedPolicies": _attached_list(user),
        }

    def _group(self, group: Entity) -> dict[str, Any]:
        return _group_out(group) | {
            "GroupPolicyList": _inline_out(group),
            "AttachedManagedPolicies": _attached_list(group),
        }

    def _role(self, role: Entity) -> dict[str, Any]:
        out = _role_out(self.runtime, role, full=True)
        # RoleDetail has neither member.
        out.pop("Description", None)
        out.pop("MaxSessionDuration")
        return out | {
            "InstanceProfileList": [
                _profile_out(self.runtime, p) for p in _profiles_with(self.state, role)
            ],
            "RolePolicyList": _inline_out(role),
            "AttachedManagedPolicies": _attached_list(role),
        }

    def _policy(self, policy: Entity) -> dict[str, Any]:
        out = _policy_out(policy, self.usage)
        out.pop("Tags", None)
        out["PolicyVersionList"] = [
            _version_out(policy, v, document=True) for v in policy.doc["versions"]
        ]
        return out


def _inline_out(entity: Entity) -> list[dict[str, Any]]:
    return [
        {"PolicyName": name, "PolicyDocument": _encoded(document)}
        for name, document in entity.doc.get("inline_policies", {}).items()
    ]


def _attached_list(entity: Entity) -> list[dict[str, str]]:
    return [_attached_out(arn) for arn in entity.doc.get("managed_policies", [])]


def get_account_summary(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    account = request.caller.account
    _authorize(runtime, request, "iam:GetAccountSummary", resource="*")

    state = runtime.state

    def count(kind: Kind) -> int:
        return len(state.entities(account, kind))

    devices = state.entities(account, Kind.MFA_DEVICE)
    policies = state.entities(account, Kind.POLICY)
    root_keys = _access_keys(state, account, None)
    # Default quotas from IAM User Guide, "IAM and AWS STS quotas".
    summary = {
        "Users": count(Kind.USER),
        "UsersQuota": 5000,
        "Groups": count(Kind.GROUP),
        "GroupsQuota": 300,
        "Roles": count(Kind.ROLE),
        "RolesQuota": 1000,
        "Policies": len(policies),
        "PoliciesQuota": 1500,
        "PolicyVersionsInUse": sum(len(p.doc["versions"]) for p in policies),
        "PolicyVersionsInUseQuota": 10000,
        "InstanceProfiles": count(Kind.INSTANCE_PROFILE),
        "InstanceProfilesQuota": 1000,
        "Providers": count(Kind.IDENTITY_PROVIDER),
        "MFADevices": len(devices),
        "MFADevicesInUse": sum(1 for d in devices if d.doc.get("user")),
        "AccountMFAEnabled": 0,
        "AccountAccessKeysPresent": 1 if root_keys else 0,
        "AccessKeysPerUserQuota": ACCESS_KEYS_PER_USER,
        "GroupsPerUserQuota": GROUPS_PER_USER,
        "AttachedPoliciesPerUserQuota": ATTACHED_POLICIES_PER_ENTITY,
        "AttachedPoliciesPerGroupQuota": ATTACHED_POLICIES_PER_ENTITY,
        "AttachedPoliciesPerRoleQuota": ATTACHED_POLICIES_PER_ENTITY,
        "UserPolicySizeQuota": USER.inline_limit,
        "GroupPolicySizeQuota": GROUP.inline_limit,
        "RolePolicySizeQuota": ROLE.inline_limit,
        "PolicySizeQuota": MANAGED_POLICY_SIZE,
        "AssumeRolePolicySizeQuota": TRUST_POLICY_SIZE,
        "VersionsPerPolicyQuota": VERSIONS_PER_POLICY,
    }
    return {"SummaryMap": summary}


def list_account_aliases(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    _authorize(runtime, request, "iam:ListAccountAliases", resource="*")
    alias = runtime.account_alias(request.caller.account)
    return {"AccountAliases": [alias] if alias else [], "IsTruncated": False}


# -- the route table -------------------------------------------------------------------


def _routes() -> dict[tuple[str, str], Route]:
    full = Fidelity.FULL
    table: dict[str, Route] = {
        "CreateUser": Route(
            create_user,
            full,
            "Path, tags, boundary (must exist); names unique "
            "regardless of case; iam:PermissionsBoundary and aws:RequestTag keys.",
        ),
        "GetUser": Route(
            get_user,
            full,
            "The calling user without UserName; a role session "
            "without UserName gets IAM's ValidationError.",
        ),
        "DeleteUser": Route(
            delete_user,
            full,
            "DeleteConflict while the user has access keys, an "
            "MFA device, inline or attached policies, or groups.",
        ),
        "UpdateUser": Route(
            update_user,
            full,
            "Rename and move; needs iam:UpdateUser on the old and "
            "the new ARN; keys, MFA devices and groups follow the user.",
        ),
        "CreateAccessKey": Route(
            create_access_key,
            full,
            "AKIA ids, 40-character secrets, two keys per "
            "user (inactive ones count); the secret never reaches CloudTrail.",
        ),
        "ListAccessKeys": Route(list_access_keys, full, "The named or calling user."),
        "UpdateAccessKey": Route(
            update_access_key, full, "An Inactive key stops authenticating at once."
        ),
        "DeleteAccessKey": Route(
            delete_access_key, full, "Sessions the key already minted stay valid."
        ),
        "GetAccessKeyLastUsed": Route(
            get_access_key_last_used,
            full,
            "Time, service and region of the key's "
            "last call since the lab started; N/A when never used.",
        ),
        "CreateGroup": Route(
            create_group, full, "Path; names unique regardless of case."
        ),
        "GetGroup": Route(get_group, full, "The group and its members, paged."),
        "AddUserToGroup": Route(
            add_user_to_group,
            full,
            "Takes effect on the member's next call; ten groups per user.",
        ),
        "RemoveUserFromGroup": Route(
            remove_user_from_group, full, "Takes effect at once."
        ),
        "ListGroupsForUser": Route(list_groups_for_user, full, "Paged."),
        "DeleteGroup": Route(
            delete_group, full, "DeleteConflict while it has members or policies."
        ),
        "CreateRole": Route(
            create_role,
            full,
            "Trust policy linted as a trust policy (any error is "
            "MalformedPolicyDocument naming it), 2,048 characters; "
            "MaxSessionDuration 3600-43200 (default 3600); boundary and tags. "
            "MaxSigninSessionDuration is not modelled.",
        ),
        "GetRole": Route(
            get_role,
            full,
            "URL-encoded trust policy, MaxSessionDuration, tags, "
            "boundary and RoleLastUsed (calls by the role's sessions since the lab "
            "started).",
        ),
        "UpdateRole": Route(
            update_role,
            full,
            "Description and MaxSessionDuration; "
            "MaxSigninSessionDuration is not modelled.",
        ),
        "UpdateAssumeRolePolicy": Route(
            update_assume_role_policy,
            full,
            "Linted as a trust policy; the next AssumeRole reads the new document.",
        ),
        "DeleteRole": Route(
            delete_role,
            full,
            "DeleteConflict while in an instance profile or holding policies.",
        ),
        "CreatePolicy": Route(
            create_policy,
            full,
            "ANPA ids, ARN with path, v1 default; linted; "
            "6,144 characters; names unique in the account.",
        ),
        "GetPolicy": Route(get_policy, full, "Attachment and boundary usage counts."),
        "ListPolicies": Route(
            list_policies,
            full,
            "Scope All/AWS/Local, OnlyAttached, PathPrefix, "
            "PolicyUsageFilter; AWS managed policies of the lab included.",
        ),
        "DeletePolicy": Route(
            delete_policy,
            full,
            "DeleteConflict while attached or used as a "
            "boundary, or with versions besides the default; AWS managed policies "
            "are refused by authorization.",
        ),
        "CreatePolicyVersion": Route(
            create_policy_version,
            full,
            "Five versions at most; SetAsDefault "
            "switches what every holder is granted on its next call.",
        ),
        "GetPolicyVersion": Route(get_policy_version, full, "URL-encoded document."),
        "ListPolicyVersions": Route(list_policy_versions, full, "Newest first."),
        "DeletePolicyVersion": Route(
            delete_policy_version, full, "The default version cannot be deleted."
        ),
        "SetDefaultPolicyVersion": Route(
            set_default_policy_version, full, "Takes effect on the next call."
        ),
        "ListEntitiesForPolicy": Route(
            list_entities_for_policy,
            full,
            "EntityFilter (User, Group, Role), PathPrefix, PolicyUsageFilter.",
        ),
        "CreateInstanceProfile": Route(
            create_instance_profile, full, "AIPA ids, path, tags."
        ),
        "GetInstanceProfile": Route(get_instance_profile, full, "With its role."),
        "AddRoleToInstanceProfile": Route(
            add_role_to_instance_profile,
            full,
            "One role per profile; needs iam:PassRole on the role.",
        ),
        "RemoveRoleFromInstanceProfile": Route(
            remove_role_from_instance_profile, full, "Takes effect at once."
        ),
        "DeleteInstanceProfile": Route(
            delete_instance_profile, full, "DeleteConflict while it has a role."
        ),
        "ListInstanceProfilesForRole": Route(
            list_instance_profiles_for_role, full, "Paged."
        ),
        "CreateVirtualMFADevice": Route(
            create_virtual_mfa_device,
            Fidelity.PARTIAL,
            "Base32StringSeed (base64 of the "
            "base32 seed); the seed is kept and never logged. QRCodePNG is not "
            "returned.",
        ),
        "EnableMFADevice": Route(
            enable_mfa_device,
            full,
            "Two consecutive TOTP codes checked; the "
            "device then serves GetSessionToken and AssumeRole MFA.",
        ),
        "DeactivateMFADevice": Route(
            deactivate_mfa_device, full, "The device stays, unassigned."
        ),
        "ListMFADevices": Route(list_mfa_devices, full, "The named or calling user."),
        "ListVirtualMFADevices": Route(
            list_virtual_mfa_devices, full, "AssignmentStatus Assigned/Unassigned/Any."
        ),
        "DeleteVirtualMFADevice": Route(
            delete_virtual_mfa_device, full, "DeleteConflict while assigned."
        ),
        "GetAccountAuthorizationDetails": Route(
            get_account_authorization_details,
            full,
            "Users, groups and roles with "
            "inline and attached policies, customer managed policies and the AWS "
            "managed ones in use, with every version; Filter; MaxItems/Marker.",
        ),
        "GetAccountSummary": Route(
            get_account_summary,
            Fidelity.PARTIAL,
            "Counts of users, groups, roles, "
            "policies, instance profiles, providers and MFA devices, and the default "
            "quotas; certificate and password keys are left out.",
        ),
        "ListAccountAliases": Route(list_account_aliases, full, "The world's alias."),
    }
    for holder in (USER, GROUP, ROLE, INSTANCE_PROFILE):
        table[f"List{holder.title}s"] = Route(
            _list_entities(holder), full, "PathPrefix; MaxItems/Marker paging."
        )
    for holder in POLICY_HOLDERS:
        title = holder.title
        limit = f"{holder.inline_limit:,}"
        table |= {
            f"Put{title}Policy": Route(
                _put_inline_policy(holder),
                full,
                "Linted as an identity policy "
                f"(MalformedPolicyDocument); all inline policies together at most "
                f"{limit} characters, whitespace not counted; effective on the next "
                "call.",
            ),
            f"Get{title}Policy": Route(
                _get_inline_policy(holder), full, "URL-encoded document."
            ),
            f"Delete{title}Policy": Route(
                _delete_inline_policy(holder), full, "Effective on the next call."
            ),
            f"List{title}Policies": Route(
                _list_inline_policies(holder), full, "Paged."
            ),
            f"Attach{title}Policy": Route(
                _attach_policy(holder),
                full,
                "The policy must exist in the account "
                "or be AWS managed; ten per entity; iam:PolicyARN condition key; "
                "effective on the next call.",
            ),
            f"Detach{title}Policy": Route(
                _detach_policy(holder), full, "Effective on the next call."
            ),
            f"ListAttached{title}Policies": Route(
                _list_attached_policies(holder), full, "PathPrefix; paged."
            ),
        }
    for holder in (USER, ROLE):
        title = holder.title
        table |= {
            f"Tag{title}": Route(
                _tag_entity(holder), full, "50 tags; aws:RequestTag and aws:TagKeys."
            ),
            f"Untag{title}": Route(_untag_entity(holder), full, "aws:TagKeys."),
            f"List{title}Tags": Route(_list_entity_tags(holder), full, "Paged."),
            f"Put{title}PermissionsBoundary": Route(
                _put_boundary(holder),
                full,
                "The policy must exist; "
                "iam:PermissionsBoundary condition key; effective on the next call.",
            ),
            f"Delete{title}PermissionsBoundary": Route(
                _delete_boundary(holder), full, "Effective on the next call."
            ),
        }
    return {("iam", operation): route for operation, route in table.items()}


ROUTES = _routes()
