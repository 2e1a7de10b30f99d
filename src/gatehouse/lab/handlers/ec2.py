"""EC2: instances, their metadata options, and the account's metadata defaults.

Every call is authorized through the policy engine with EC2's resource ARNs and
condition keys (`ec2:MetadataHttpTokens` and friends on RunInstances,
`ec2:Attribute` and `ec2:Attribute/<name>` on ModifyInstanceMetadataOptions),
answers DryRun after authorization, and changes the state in one transaction.
A change of metadata options reaches the instance's running metadata service at
once; an instance launched by RunInstances gets its own metadata service.
AMIs and security groups are in `ec2_resources`.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from gatehouse.imds.errors import InvalidMetadataOptionError
from gatehouse.imds.options import MetadataOptions
from gatehouse.lab import errors, ids
from gatehouse.lab.handlers import ec2_resources
from gatehouse.lab.handlers.ec2_common import (
    DEFAULT_VPC,
    IMAGE_ID,
    INSTANCE_ID,
    FilterValues,
    arn,
    authorize,
    check_ids,
    filtered,
    requested_tags,
    tag_context,
    tags_out,
)
from gatehouse.lab.instances import metadata_instance
from gatehouse.lab.metadata_defaults import (
    NO_PREFERENCE_HOPS,
    AccountDefaults,
    ManagedBy,
    from_declarative,
    launch_options,
)
from gatehouse.lab.request import LabRequest
from gatehouse.lab.routes import Fidelity, Route
from gatehouse.lab.runtime import LabRuntime
from gatehouse.lab.state import GLOBAL, Entity, Kind
from gatehouse.trail import Resource

logger = logging.getLogger(__name__)

# EC2 instance state codes (InstanceState.Code in the EC2 API reference).
STATE_CODES = {
    "pending": 0,
    "running": 16,
    "shutting-down": 32,
    "terminated": 48,
    "stopping": 64,
    "stopped": 80,
}
# RunInstances without InstanceType launches an m1.small (EC2 API reference).
DEFAULT_INSTANCE_TYPE = "m1.small"
# The RunInstances parameters the lab reads; any other is refused as not modelled.
_RUN_PARAMETERS = frozenset(
    {
        "ImageId",
        "InstanceType",
        "MinCount",
        "MaxCount",
        "IamInstanceProfile",
        "MetadataOptions",
        "TagSpecifications",
        "SecurityGroupIds",
        "UserData",
        "DryRun",
        "ClientToken",  # botocore fills it in (an idempotency token)
    }
)
_METADATA_FIELDS = (
    "HttpTokens",
    "HttpPutResponseHopLimit",
    "HttpEndpoint",
    "HttpProtocolIpv6",
    "InstanceMetadataTags",
)
# Condition keys describing an instance's metadata options (resource keys).
_METADATA_KEYS = {
    "HttpTokens": "ec2:MetadataHttpTokens",
    "HttpPutResponseHopLimit": "ec2:MetadataHttpPutResponseHopLimit",
    "HttpEndpoint": "ec2:MetadataHttpEndpoint",
}
_DEFAULTS_SETTING = "ec2:instance-metadata-defaults:{region}"


# -- DescribeInstances ----------------------------------------------------------------


def describe_instances(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    params = request.params
    instance_ids: list[str] = list(params.get("InstanceIds", []))
    check_ids(
        instance_ids, INSTANCE_ID, errors.EC2_INSTANCE_ID_MALFORMED, "instance_id"
    )
    authorize(runtime, request, "ec2:DescribeInstances")

    entities = _instances(runtime, request)
    if instance_ids:
        known = {e.name for e in entities}
        _raise_unknown([i for i in instance_ids if i not in known])
        entities = [e for e in entities if e.name in instance_ids]
    docs = filtered(
        [_filterable(e) for e in entities],
        params.get("Filters", []),
        _INSTANCE_FILTERS,
    )
    chosen = {str(doc["id"]) for doc in docs}
    reservations = [
        _reservation(runtime, request, [e]) for e in entities if e.name in chosen
    ]
    return _page(reservations, params, "Reservations")


def _instances(runtime: LabRuntime, request: LabRequest) -> list[Entity]:
    """The caller's instances in the request's Region."""
    return [
        e
        for e in runtime.state.entities(request.caller.account, Kind.INSTANCE)
        if str(e.doc["availability_zone"]).startswith(request.region)
    ]


def _raise_unknown(missing: Sequence[str]) -> None:
    if len(missing) == 1:
        raise errors.EC2_INSTANCE_NOT_FOUND.error(instance_id=missing[0])
    if missing:
        raise errors.EC2_INSTANCES_NOT_FOUND.error(instance_ids=", ".join(missing))


def _filterable(entity: Entity) -> dict[str, Any]:
    return {"id": entity.name, **entity.doc}


def _one(key: str) -> FilterValues:
    return lambda doc: None if doc.get(key) is None else [str(doc[key])]


def _option(key: str) -> FilterValues:
    return lambda doc: [str(doc["metadata_options"][key])]


_INSTANCE_FILTERS: Mapping[str, FilterValues] = {
    "instance-id": _one("id"),
    "image-id": _one("image_id"),
    "instance-type": _one("instance_type"),
    "instance-state-name": _one("state"),
    "instance-state-code": lambda doc: [str(STATE_CODES[doc["state"]])],
    "availability-zone": _one("availability_zone"),
    "private-ip-address": _one("private_ip"),
    "iam-instance-profile.name": _one("instance_profile"),
    "instance.group-id": lambda doc: list(doc.get("security_groups", [])),
    "metadata-options.http-tokens": _option("HttpTokens"),
    "metadata-options.http-put-response-hop-limit": _option("HttpPutResponseHopLimit"),
    "metadata-options.http-endpoint": _option("HttpEndpoint"),
    "metadata-options.http-protocol-ipv6": _option("HttpProtocolIpv6"),
    "metadata-options.instance-metadata-tags": _option("InstanceMetadataTags"),
}


def _page(items: list[Any], params: Mapping[str, Any], key: str) -> dict[str, Any]:
    """MaxResults and NextToken over a list (the token is an opaque offset)."""
    start = 0
    token = params.get("NextToken")
    if token is not None:
        try:
            start = int(base64.urlsafe_b64decode(token.encode()).decode())
        except ValueError:
            raise errors.INVALID_PARAMETER_VALUE.error(
                value=token, name="NextToken", reason="The token is not valid."
            ) from None
    size = params.get("MaxResults")
    if size is None:
        return {key: items[start:]}
    end = start + int(size)
    output: dict[str, Any] = {key: items[start:end]}
    if end < len(items):
        output["NextToken"] = base64.urlsafe_b64encode(str(end).encode()).decode()
    return output


def _reservation(
    runtime: LabRuntime, request: LabRequest, entities: list[Entity]
) -> dict[str, Any]:
    first = entities[0].doc
    return {
        "ReservationId": first.get("reservation_id") or _reservation_id(entities[0]),
        "OwnerId": entities[0].account,
        "Groups": [],
        "Instances": [_instance_out(runtime, e) for e in entities],
    }


def _reservation_id(entity: Entity) -> str:
    # Instances seeded from the world have no reservation: derive a stable one.
    return "r-" + entity.name[2:]


def _instance_out(
    runtime: LabRuntime, entity: Entity, *, state: str | None = None
) -> dict[str, Any]:
    doc = entity.doc
    name = state or doc["state"]
    options = dict(doc["metadata_options"])
    output: dict[str, Any] = {
        "InstanceId": entity.name,
        "ImageId": doc["image_id"],
        "State": {"Code": STATE_CODES[name], "Name": name},
        "PrivateDnsName": _private_dns(doc["private_ip"]),
        "PrivateIpAddress": doc["private_ip"],
        "InstanceType": doc["instance_type"],
        "LaunchTime": datetime.fromisoformat(doc["launched"].replace("Z", "+00:00")),
        "Placement": {
            "AvailabilityZone": doc["availability_zone"],
            "Tenancy": "default",
        },
        "Monitoring": {"State": "disabled"},
        "AmiLaunchIndex": 0,
        "Architecture": "x86_64",
        "RootDeviceType": "ebs",
        "RootDeviceName": "/dev/xvda",
        "VirtualizationType": "hvm",
        "Hypervisor": "xen",
        "VpcId": DEFAULT_VPC,
        "SecurityGroups": _group_identifiers(runtime, entity),
        "MetadataOptions": {"State": "applied", **options},
    }
    if doc.get("tags"):
        output["Tags"] = tags_out(doc["tags"])
    profile = _profile_of(runtime, entity)
    if profile is not None:
        output["IamInstanceProfile"] = {"Arn": profile.doc["arn"], "Id": profile.id}
    if doc.get("client_token"):
        output["ClientToken"] = doc["client_token"]
    return output


def _private_dns(ip: str) -> str:
    return "ip-" + ip.replace(".", "-") + ".ec2.internal"


def _group_identifiers(runtime: LabRuntime, entity: Entity) -> list[dict[str, str]]:
    out = []
    for group_id in entity.doc.get("security_groups", []):
        group = runtime.state.get(entity.account, Kind.SECURITY_GROUP, group_id)
        if group is not None:
            out.append({"GroupId": group_id, "GroupName": group.doc["name"]})
    return out


def _profile_of(runtime: LabRuntime, entity: Entity) -> Entity | None:
    name = entity.doc.get("instance_profile")
    if not name:
        return None
    return runtime.state.get(entity.account, Kind.INSTANCE_PROFILE, name)


# -- ModifyInstanceMetadataOptions ----------------------------------------------------


def modify_instance_metadata_options(
    runtime: LabRuntime, request: LabRequest
) -> dict[str, Any]:
    params = request.params
    instance_id: str = params["InstanceId"]
    entity = _instance(runtime, request, instance_id, verb="modified")
    changes = {k: params[k] for k in _METADATA_FIELDS if k in params}
    _check_hop_limit(changes.get("HttpPutResponseHopLimit"), allow_no_preference=False)

    current = dict(entity.doc["metadata_options"])
    updated = {**current, **changes}
    resource = arn(request, "instance", instance_id)
    request.notes["resources"] = [
        Resource(resource, entity.account, "AWS::EC2::Instance")
    ]
    authorize(
        runtime,
        request,
        "ec2:ModifyInstanceMetadataOptions",
        resource,
        _modify_context(entity, current, changes),
    )
    _check_enforced(runtime, request, updated["HttpTokens"])
    _check_options(runtime, entity, updated)

    with runtime.state.write() as w:
        w.put(_with_doc(entity, metadata_options=updated))
    service = runtime.metadata_services.get(instance_id)
    if service is not None and entity.doc["state"] == "running":
        service.modify_options(**changes)
    logger.info("instance %s metadata options now %s", instance_id, updated)
    # The change is asynchronous in EC2: the answer says pending, and
    # DescribeInstances shows applied once the instance has it (at once here).
    return {
        "InstanceId": instance_id,
        "InstanceMetadataOptions": {"State": "pending", **updated},
    }


def _modify_context(
    entity: Entity, current: Mapping[str, Any], changes: Mapping[str, Any]
) -> dict[str, str | list[str]]:
    # ec2:Attribute names the fields being changed; ec2:Attribute/<field> their
    # new values (EC2 User Guide, example policies for instance metadata). The
    # ec2:Metadata* keys describe the instance as it is (resource keys).
    context: dict[str, str | list[str]] = {
        "ec2:Attribute": list(changes),
        **{f"ec2:Attribute/{k}": str(v) for k, v in changes.items()},
        **{key: str(current[name]) for name, key in _METADATA_KEYS.items()},
        **tag_context("ec2:ResourceTag", entity.doc.get("tags", {})),
    }
    return context


def _instance(
    runtime: LabRuntime, request: LabRequest, instance_id: str, *, verb: str
) -> Entity:
    check_ids(
        [instance_id], INSTANCE_ID, errors.EC2_INSTANCE_ID_MALFORMED, "instance_id"
    )
    entity = runtime.state.get(request.caller.account, Kind.INSTANCE, instance_id)
    if entity is None:
        raise errors.EC2_INSTANCE_NOT_FOUND.error(instance_id=instance_id)
    if entity.doc["state"] == "terminated":
        raise errors.EC2_INCORRECT_INSTANCE_STATE.error(
            instance_id=instance_id, verb=verb
        )
    return entity


def _check_hop_limit(value: int | None, *, allow_no_preference: bool) -> None:
    # ModifyInstanceMetadataOptions: 1-64. ModifyInstanceMetadataDefaults: also
    # -1 for no preference (EC2 API reference).
    if value is None or 1 <= value <= 64:
        return
    if allow_no_preference and value == NO_PREFERENCE_HOPS:
        return
    allowed = "-1 or 1 to 64" if allow_no_preference else "1 to 64"
    raise errors.INVALID_PARAMETER_VALUE.error(
        value=value,
        name="HttpPutResponseHopLimit",
        reason=f"The hop limit must be {allowed}.",
    )


def _check_enforced(runtime: LabRuntime, request: LabRequest, tokens: str) -> None:
    defaults = account_defaults(runtime, request.caller.account, request.region)
    if defaults.tokens_enforced and tokens != "required":
        raise errors.EC2_TOKENS_ENFORCED.error(region=request.region)


def _check_options(
    runtime: LabRuntime, entity: Entity, options: Mapping[str, Any]
) -> None:
    """Refuse options the metadata service would refuse (e.g. tags it can't serve)."""
    try:
        metadata_instance(runtime, entity).check_options(
            MetadataOptions.from_api(options)
        )
    except InvalidMetadataOptionError as error:
        raise errors.INVALID_PARAMETER_VALUE.error(
            value=error.value, name=error.name, reason=error.reason
        ) from None


def _with_doc(entity: Entity, **changes: Any) -> Entity:
    return Entity(
        entity.account, entity.kind, entity.name, entity.id, {**entity.doc, **changes}
    )


# -- Instance metadata defaults -------------------------------------------------------


def account_defaults(runtime: LabRuntime, account: str, region: str) -> AccountDefaults:
    """The account's defaults in a Region: a declarative policy's, else its own."""
    managed = _declarative(runtime, account)
    if managed is not None:
        return managed
    setting = runtime.state.get(
        account, Kind.ACCOUNT_SETTINGS, _DEFAULTS_SETTING.format(region=region)
    )
    return (
        AccountDefaults()
        if setting is None
        else AccountDefaults.from_document(setting.doc)
    )


def _declarative(runtime: LabRuntime, account: str) -> AccountDefaults | None:
    entity = runtime.state.get(GLOBAL, Kind.ACCOUNT, account)
    org_id = entity.doc.get("organization") if entity else None
    org = runtime.state.get(GLOBAL, Kind.ORGANIZATION, org_id) if org_id else None
    if org is None:
        return None
    policy = org.doc.get("ec2_declarative", {}).get(account)
    return None if policy is None else from_declarative(policy)


def get_instance_metadata_defaults(
    runtime: LabRuntime, request: LabRequest
) -> dict[str, Any]:
    authorize(runtime, request, "ec2:GetInstanceMetadataDefaults")
    defaults = account_defaults(runtime, request.caller.account, request.region)
    return {"AccountLevel": defaults.to_api()}


def modify_instance_metadata_defaults(
    runtime: LabRuntime, request: LabRequest
) -> dict[str, Any]:
    params = request.params
    _check_hop_limit(params.get("HttpPutResponseHopLimit"), allow_no_preference=True)
    authorize(runtime, request, "ec2:ModifyInstanceMetadataDefaults")

    account, region = request.caller.account, request.region
    current = account_defaults(runtime, account, region)
    if current.managed_by is ManagedBy.DECLARATIVE_POLICY:
        raise errors.EC2_DEFAULTS_MANAGED.error(
            message=current.exception_message or errors.DEFAULTS_MANAGED_MESSAGE
        )
    updated = current.modified(params)
    with runtime.state.write() as w:
        w.put(
            Entity(
                account,
                Kind.ACCOUNT_SETTINGS,
                _DEFAULTS_SETTING.format(region=region),
                None,
                updated.to_document(),
            )
        )
    logger.info("account %s metadata defaults in %s now %s", account, region, updated)
    return {"Return": True}


# -- RunInstances ---------------------------------------------------------------------


def run_instances(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    params = request.params
    _check_run_parameters(params)
    image = _launch_image(runtime, request)
    profile = _launch_profile(runtime, request)
    groups = ec2_resources.groups_by_id(
        runtime, request, list(params.get("SecurityGroupIds", []))
    )
    requested = dict(params.get("MetadataOptions", {}))
    _check_hop_limit(
        requested.get("HttpPutResponseHopLimit"), allow_no_preference=False
    )
    tags = requested_tags(request, "instance")

    existing = _by_client_token(runtime, request, params.get("ClientToken"))
    if existing is not None:
        return _reservation(runtime, request, [existing])

    account, region = request.caller.account, request.region
    defaults = account_defaults(runtime, account, region)
    options = launch_options(requested, defaults, image.doc.get("imds_support"))
    _authorize_launch(runtime, request, requested, tags, image, profile)
    _check_enforced(runtime, request, options["HttpTokens"])

    entity = _new_instance(runtime, request, image, profile, groups, options, tags)
    with runtime.state.write() as w:
        w.put(entity)
    host = runtime.instance_host
    if host is not None:
        host.instance_started(account, entity.name)
    logger.info("launched %s from %s with %s", entity.name, image.name, options)
    request.notes["resources"] = [
        Resource(arn(request, "instance", entity.name), account, "AWS::EC2::Instance")
    ]
    reservation = _reservation(runtime, request, [entity])
    launched = _instance_out(runtime, entity, state="pending")
    # The new instance's options are still being applied when EC2 answers.
    launched["MetadataOptions"]["State"] = "pending"
    reservation["Instances"] = [launched]
    return reservation


def _check_run_parameters(params: Mapping[str, Any]) -> None:
    unsupported = sorted(set(params) - _RUN_PARAMETERS)
    if unsupported:
        raise errors.NOT_MODELLED_CASE.error(
            service="ec2", operation="RunInstances", case=f"with {unsupported[0]}"
        )
    if params["MinCount"] != 1 or params["MaxCount"] != 1:
        raise errors.NOT_MODELLED_CASE.error(
            service="ec2",
            operation="RunInstances",
            case="with MinCount or MaxCount other than 1",
        )
    if "ImageId" not in params:
        raise errors.MISSING_PARAMETER.error(name="ImageId")


def _launch_image(runtime: LabRuntime, request: LabRequest) -> Entity:
    image_id: str = request.params["ImageId"]
    check_ids([image_id], IMAGE_ID, errors.EC2_IMAGE_ID_MALFORMED, "image_id")
    image = ec2_resources.find_image(runtime, request.caller.account, image_id)
    if image is None:
        raise errors.EC2_IMAGE_NOT_FOUND.error(image_id=image_id)
    return image


def _launch_profile(runtime: LabRuntime, request: LabRequest) -> Entity | None:
    spec = request.params.get("IamInstanceProfile")
    if not spec:
        return None
    account = request.caller.account
    if "Arn" in spec:
        for candidate in runtime.state.entities(account, Kind.INSTANCE_PROFILE):
            if candidate.doc["arn"] == spec["Arn"]:
                return candidate
        raise errors.EC2_INSTANCE_PROFILE_INVALID.error(
            value=spec["Arn"], field="arn", what="ARN"
        )
    name = spec.get("Name", "")
    profile = runtime.state.get(account, Kind.INSTANCE_PROFILE, name)
    if profile is None:
        raise errors.EC2_INSTANCE_PROFILE_INVALID.error(
            value=name, field="name", what="name"
        )
    return profile


def _by_client_token(
    runtime: LabRuntime, request: LabRequest, token: str | None
) -> Entity | None:
    # ClientToken makes RunInstances idempotent: the same token answers with
    # the instance it launched.
    if not token:
        return None
    for entity in _instances(runtime, request):
        if entity.doc.get("client_token") == token:
            return entity
    return None


def _authorize_launch(
    runtime: LabRuntime,
    request: LabRequest,
    requested: Mapping[str, Any],
    tags: Mapping[str, str],
    image: Entity,
    profile: Entity | None,
) -> None:
    # Gatehouse choice (UNCONFIRMED): the ec2:Metadata* keys carry the values
    # the launch request states; a launch that leaves an option to the
    # defaults has no key, so `StringNotEquals ec2:MetadataHttpTokens required`
    # denies it. This is the strict reading of AWS's example SCP.
    context: dict[str, str | list[str]] = {
        key: str(requested[name])
        for name, key in _METADATA_KEYS.items()
        if name in requested
    }
    context["ec2:InstanceType"] = request.params.get(
        "InstanceType", DEFAULT_INSTANCE_TYPE
    )
    context["ec2:ImageID"] = image.name
    context.update(tag_context("aws:RequestTag", tags))
    if profile is not None and profile.doc["roles"]:
        role = runtime.state.get(profile.account, Kind.ROLE, profile.doc["roles"][0])
        if role is not None:
            # Launching with a role passes it to EC2 (IAM User Guide, PassRole).
            runtime.authorize(
                request,
                action="iam:PassRole",
                resource=role.doc["arn"],
                context={"iam:PassedToService": "ec2.amazonaws.com"},
            )
    authorize(
        runtime, request, "ec2:RunInstances", arn(request, "instance", "*"), context
    )


def _new_instance(
    runtime: LabRuntime,
    request: LabRequest,
    image: Entity,
    profile: Entity | None,
    groups: list[Entity],
    options: Mapping[str, Any],
    tags: Mapping[str, str],
) -> Entity:
    params = request.params
    instance_id = ids.instance_id()
    user_data = params.get("UserData")
    return Entity(
        request.caller.account,
        Kind.INSTANCE,
        instance_id,
        instance_id,
        {
            "instance_profile": profile.name if profile else None,
            "image_id": image.name,
            "instance_type": params.get("InstanceType", DEFAULT_INSTANCE_TYPE),
            "private_ip": _free_ip(runtime, request.caller.account),
            "availability_zone": f"{request.region}a",
            "launched": request.received_at.replace(microsecond=0).isoformat(),
            "state": "running",
            "tags": dict(tags),
            "user_data": _decoded(user_data) if user_data else None,
            "security_groups": [g.name for g in groups],
            "metadata_options": dict(options),
            "reservation_id": ids.ec2_id("r"),
            "client_token": params.get("ClientToken"),
        },
    )


def _decoded(user_data: str) -> str:
    try:
        return base64.b64decode(user_data, validate=True).decode()
    except ValueError:
        raise errors.INVALID_PARAMETER_VALUE.error(
            value="UserData",
            name="UserData",
            reason="Invalid BASE64 encoding of user data.",
        ) from None


def _free_ip(runtime: LabRuntime, account: str) -> str:
    taken = {
        e.doc["private_ip"] for e in runtime.state.entities(account, Kind.INSTANCE)
    }
    for host in range(10, 250):
        candidate = f"10.0.1.{host}"
        if candidate not in taken:
            return candidate
    raise errors.NOT_MODELLED_CASE.error(
        service="ec2", operation="RunInstances", case="beyond 240 instances"
    )


# -- StopInstances and TerminateInstances ---------------------------------------------


def stop_instances(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    changes = _change_states(runtime, request, "ec2:StopInstances", "stopped")
    return {"StoppingInstances": changes}


def terminate_instances(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    changes = _change_states(runtime, request, "ec2:TerminateInstances", "terminated")
    return {"TerminatingInstances": changes}


# What the answer shows while EC2 moves an instance to its final state.
_TRANSITIONS = {"stopped": "stopping", "terminated": "shutting-down"}


def _change_states(
    runtime: LabRuntime, request: LabRequest, action: str, final: str
) -> list[dict[str, Any]]:
    instance_ids: list[str] = list(request.params["InstanceIds"])
    check_ids(
        instance_ids, INSTANCE_ID, errors.EC2_INSTANCE_ID_MALFORMED, "instance_id"
    )
    account = request.caller.account
    entities = [runtime.state.get(account, Kind.INSTANCE, i) for i in instance_ids]
    _raise_unknown([i for i, e in zip(instance_ids, entities, strict=True) if not e])
    found = [e for e in entities if e is not None]
    if final == "stopped":
        for entity in found:
            if entity.doc["state"] == "terminated":
                raise errors.EC2_INCORRECT_INSTANCE_STATE.error(
                    instance_id=entity.name, verb="stopped"
                )
    request.notes["resources"] = [
        Resource(arn(request, "instance", e.name), account, "AWS::EC2::Instance")
        for e in found
    ]
    for entity in found[:-1]:
        runtime.authorize(
            request, action=action, resource=arn(request, "instance", entity.name)
        )
    authorize(runtime, request, action, arn(request, "instance", found[-1].name))

    changes = []
    with runtime.state.write() as w:
        for entity in found:
            previous = entity.doc["state"]
            w.put(_with_doc(entity, state=final))
            shown = final if previous == final else _TRANSITIONS[final]
            changes.append(
                {
                    "InstanceId": entity.name,
                    "CurrentState": {"Code": STATE_CODES[shown], "Name": shown},
                    "PreviousState": {"Code": STATE_CODES[previous], "Name": previous},
                }
            )
    host = runtime.instance_host
    for entity in found:
        runtime.metadata_services.pop(entity.name, None)
        if host is not None:
            host.instance_stopped(entity.name)
    return changes


ROUTES = {
    ("ec2", "DescribeInstances"): Route(
        describe_instances,
        Fidelity.FULL,
        "The caller's instances in the Region with MetadataOptions, "
        "IamInstanceProfile, tags and security groups; filters instance-id, tag:KEY, "
        "tag-key, tag-value, image-id, instance-type, instance-state-name/code, "
        "availability-zone, private-ip-address, iam-instance-profile.name, "
        "instance.group-id and metadata-options.*; wildcards; paging; DryRun; "
        "InvalidInstanceID.NotFound/Malformed. One instance per reservation.",
    ),
    ("ec2", "ModifyInstanceMetadataOptions"): Route(
        modify_instance_metadata_options,
        Fidelity.FULL,
        "Omitted fields keep their values; answers State pending, and the running "
        "metadata service applies the change at once (DescribeInstances: applied); "
        "ec2:Attribute and ec2:Attribute/<field> condition keys; HttpTokensEnforced.",
    ),
    ("ec2", "GetInstanceMetadataDefaults"): Route(
        get_instance_metadata_defaults,
        Fidelity.FULL,
        "Per account and Region; ManagedBy declarative-policy with the policy's "
        "values and exception message when the organization sets them.",
    ),
    ("ec2", "ModifyInstanceMetadataDefaults"): Route(
        modify_instance_metadata_defaults,
        Fidelity.FULL,
        "Omitted fields keep their values, no-preference and -1 clear one; refused "
        "with OperationNotPermitted while a declarative policy manages the defaults "
        "(code chosen, docs/imds.md).",
    ),
    ("ec2", "RunInstances"): Route(
        run_instances,
        Fidelity.PARTIAL,
        "One instance (MinCount=MaxCount=1) from an AMI with InstanceType, "
        "IamInstanceProfile (iam:PassRole checked), MetadataOptions (precedence: "
        "launch, account default, AMI ImdsSupport, EC2 default), TagSpecifications, "
        "SecurityGroupIds, UserData, ClientToken; ec2:Metadata* condition keys; the "
        "instance gets its own metadata service. Other parameters answer NotModelled.",
    ),
    ("ec2", "StopInstances"): Route(
        stop_instances,
        Fidelity.PARTIAL,
        "Stops at once (answers stopping) and stops the metadata service; "
        "Hibernate and Force are accepted and have no further effect.",
    ),
    ("ec2", "TerminateInstances"): Route(
        terminate_instances,
        Fidelity.FULL,
        "Terminates at once (answers shutting-down) and stops the metadata service; "
        "terminated instances stay visible to DescribeInstances.",
    ),
    **ec2_resources.ROUTES,
}
