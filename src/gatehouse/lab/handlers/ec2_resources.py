"""EC2 AMIs (with ImdsSupport) and security groups (ingress rules over IPv4 CIDRs)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from gatehouse.lab import errors, ids
from gatehouse.lab.handlers.ec2_common import (
    DEFAULT_VPC,
    GROUP_ID,
    IMAGE_ID,
    FilterValues,
    arn,
    authorize,
    check_ids,
    filtered,
    image_arn,
    requested_tags,
    tag_context,
    tags_out,
)
from gatehouse.lab.request import LabRequest
from gatehouse.lab.routes import Fidelity, Route
from gatehouse.lab.runtime import LabRuntime
from gatehouse.lab.state import Entity, Kind, StateWriter

logger = logging.getLogger(__name__)

# ImdsSupport has one value; once set it cannot be undone (EC2 API reference,
# ModifyImageAttribute ImdsSupport).
IMDS_V2 = "v2.0"


# -- AMIs -----------------------------------------------------------------------------


def find_image(runtime: LabRuntime, account: str, image_id: str) -> Entity | None:
    """An AMI the account owns, or a public one of another account."""
    own = runtime.state.get(account, Kind.IMAGE, image_id)
    if own is not None:
        return own
    for other in runtime.state.accounts():
        image = runtime.state.get(other.name, Kind.IMAGE, image_id)
        if image is not None and image.doc.get("public"):
            return image
    return None


def register_image(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    params = request.params
    unsupported = sorted(set(params) - _REGISTER_PARAMETERS)
    if unsupported:
        raise errors.NOT_MODELLED_CASE.error(
            service="ec2", operation="RegisterImage", case=f"with {unsupported[0]}"
        )
    account = request.caller.account
    name: str = params["Name"]
    for image in runtime.state.entities(account, Kind.IMAGE):
        if image.doc["name"] == name:
            raise errors.EC2_IMAGE_NAME_DUPLICATE.error(name=name, image_id=image.name)
    tags = requested_tags(request, "image")
    authorize(
        runtime,
        request,
        "ec2:RegisterImage",
        image_arn(request, "*"),
        tag_context("aws:RequestTag", tags),
    )

    image_id = ids.ec2_id("ami")
    with runtime.state.write() as w:
        w.put(
            Entity(
                account,
                Kind.IMAGE,
                image_id,
                image_id,
                {
                    "name": name,
                    "description": params.get("Description", ""),
                    "imds_support": params.get("ImdsSupport"),
                    "architecture": params.get("Architecture", "x86_64"),
                    "public": False,
                    "created": _now(request),
                    "tags": tags,
                },
            )
        )
    logger.info("registered %s (%s) in %s", image_id, name, account)
    return {"ImageId": image_id}


_REGISTER_PARAMETERS = frozenset(
    {
        "Name",
        "Description",
        "ImdsSupport",
        "Architecture",
        "TagSpecifications",
        "DryRun",
        "RootDeviceName",
        "VirtualizationType",
        "BlockDeviceMappings",
        "EnaSupport",
        "BootMode",
    }
)


def _now(request: LabRequest) -> str:
    return request.received_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def describe_images(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    params = request.params
    image_ids: list[str] = list(params.get("ImageIds", []))
    check_ids(image_ids, IMAGE_ID, errors.EC2_IMAGE_ID_MALFORMED, "image_id")
    authorize(runtime, request, "ec2:DescribeImages")

    account = request.caller.account
    visible = {
        e.name: e
        for other in runtime.state.accounts()
        for e in runtime.state.entities(other.name, Kind.IMAGE)
        if other.name == account or e.doc.get("public")
    }
    missing = [i for i in image_ids if i not in visible]
    if len(missing) == 1:
        raise errors.EC2_IMAGE_NOT_FOUND.error(image_id=missing[0])
    if missing:
        raise errors.EC2_IMAGES_NOT_FOUND.error(image_ids=", ".join(missing))
    chosen = [visible[i] for i in image_ids] if image_ids else list(visible.values())
    owners = params.get("Owners")
    if owners:
        wanted = {account if o == "self" else o for o in owners}
        chosen = [e for e in chosen if e.account in wanted]
    docs = filtered(
        [{"id": e.name, "owner": e.account, **e.doc} for e in chosen],
        params.get("Filters", []),
        _IMAGE_FILTERS,
    )
    kept = {str(d["id"]) for d in docs}
    return {"Images": [_image_out(e) for e in chosen if e.name in kept]}


def _value(key: str) -> FilterValues:
    return lambda doc: None if doc.get(key) is None else [str(doc[key])]


_IMAGE_FILTERS: Mapping[str, FilterValues] = {
    "image-id": _value("id"),
    "name": _value("name"),
    "owner-id": _value("owner"),
    "description": _value("description"),
    "architecture": _value("architecture"),
    "is-public": lambda doc: ["true" if doc.get("public") else "false"],
    "state": lambda doc: ["available"],
}


def _image_out(entity: Entity) -> dict[str, Any]:
    doc = entity.doc
    output: dict[str, Any] = {
        "ImageId": entity.name,
        "Name": doc["name"],
        "Description": doc.get("description") or None,
        "State": "available",
        "OwnerId": entity.account,
        "CreationDate": _creation(doc["created"]),
        "Public": bool(doc.get("public")),
        "Architecture": doc.get("architecture", "x86_64"),
        "ImageType": "machine",
        "RootDeviceType": "ebs",
        "RootDeviceName": "/dev/xvda",
        "VirtualizationType": "hvm",
        "Hypervisor": "xen",
        "ImdsSupport": doc.get("imds_support"),
    }
    if doc.get("tags"):
        output["Tags"] = tags_out(doc["tags"])
    return output


def _creation(text: str) -> str:
    # AMIs show CreationDate as a string with milliseconds.
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def modify_image_attribute(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    params = request.params
    image_id: str = params["ImageId"]
    check_ids([image_id], IMAGE_ID, errors.EC2_IMAGE_ID_MALFORMED, "image_id")
    value = _imds_support_value(params)
    image = runtime.state.get(request.caller.account, Kind.IMAGE, image_id)
    if image is None:
        raise errors.EC2_IMAGE_NOT_FOUND.error(image_id=image_id)
    if value != IMDS_V2:
        raise errors.INVALID_PARAMETER_VALUE.error(
            value=value,
            name="ImdsSupport",
            reason="The only value is v2.0, and it cannot be undone.",
        )
    authorize(
        runtime, request, "ec2:ModifyImageAttribute", image_arn(request, image_id)
    )

    with runtime.state.write() as w:
        w.put(_with_doc(image, imds_support=IMDS_V2))
    logger.info("image %s now has ImdsSupport %s", image_id, IMDS_V2)
    return {}


def _imds_support_value(params: Mapping[str, Any]) -> str:
    if "ImdsSupport" in params:
        return str(params["ImdsSupport"].get("Value", ""))
    if params.get("Attribute") == "imdsSupport" and "Value" in params:
        return str(params["Value"])
    raise errors.NOT_MODELLED_CASE.error(
        service="ec2",
        operation="ModifyImageAttribute",
        case="for attributes other than imdsSupport",
    )


def _with_doc(entity: Entity, **changes: Any) -> Entity:
    return Entity(
        entity.account, entity.kind, entity.name, entity.id, {**entity.doc, **changes}
    )


# -- Security groups ------------------------------------------------------------------


def groups_by_id(
    runtime: LabRuntime, request: LabRequest, group_ids: list[str]
) -> list[Entity]:
    check_ids(group_ids, GROUP_ID, errors.EC2_GROUP_ID_MALFORMED, "group_id")
    found = []
    for group_id in group_ids:
        group = runtime.state.get(request.caller.account, Kind.SECURITY_GROUP, group_id)
        if group is None:
            raise errors.EC2_GROUP_NOT_FOUND.error(group=group_id)
        found.append(group)
    return found


def _group(runtime: LabRuntime, request: LabRequest) -> Entity:
    """The group a rule operation names, by GroupId or (default VPC) GroupName."""
    params = request.params
    if "GroupId" in params:
        return groups_by_id(runtime, request, [params["GroupId"]])[0]
    name = params.get("GroupName")
    if name is None:
        raise errors.MISSING_PARAMETER.error(name="GroupId")
    for group in runtime.state.entities(request.caller.account, Kind.SECURITY_GROUP):
        if group.doc["name"] == name and group.doc["vpc_id"] == DEFAULT_VPC:
            return group
    raise errors.EC2_GROUP_NAME_NOT_FOUND.error(group=name, vpc_id=DEFAULT_VPC)


def create_security_group(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    params = request.params
    account = request.caller.account
    name: str = params["GroupName"]
    vpc_id: str = params.get("VpcId", DEFAULT_VPC)
    for group in runtime.state.entities(account, Kind.SECURITY_GROUP):
        if group.doc["name"] == name and group.doc["vpc_id"] == vpc_id:
            raise errors.EC2_GROUP_DUPLICATE.error(name=name, vpc_id=vpc_id)
    tags = requested_tags(request, "security-group")
    authorize(
        runtime,
        request,
        "ec2:CreateSecurityGroup",
        arn(request, "security-group", "*"),
        tag_context("aws:RequestTag", tags),
    )

    group_id = ids.ec2_id("sg")
    with runtime.state.write() as w:
        w.put(
            Entity(
                account,
                Kind.SECURITY_GROUP,
                group_id,
                group_id,
                {
                    "name": name,
                    "description": params["Description"],
                    "vpc_id": vpc_id,
                    "tags": tags,
                    "ingress": [],
                },
            )
        )
    output: dict[str, Any] = {
        "GroupId": group_id,
        "SecurityGroupArn": arn(request, "security-group", group_id),
    }
    if tags:
        output["Tags"] = tags_out(tags)
    return output


def describe_security_groups(
    runtime: LabRuntime, request: LabRequest
) -> dict[str, Any]:
    params = request.params
    group_ids: list[str] = list(params.get("GroupIds", []))
    check_ids(group_ids, GROUP_ID, errors.EC2_GROUP_ID_MALFORMED, "group_id")
    authorize(runtime, request, "ec2:DescribeSecurityGroups")

    groups = runtime.state.entities(request.caller.account, Kind.SECURITY_GROUP)
    by_id = {g.name: g for g in groups}
    for group_id in group_ids:
        if group_id not in by_id:
            raise errors.EC2_GROUP_NOT_FOUND.error(group=group_id)
    names: list[str] = list(params.get("GroupNames", []))
    for name in names:
        if not any(g.doc["name"] == name for g in groups):
            raise errors.EC2_GROUP_NAME_NOT_FOUND.error(group=name, vpc_id=DEFAULT_VPC)
    chosen = [
        g
        for g in groups
        if (not group_ids or g.name in group_ids)
        and (not names or g.doc["name"] in names)
    ]
    docs = filtered(
        [_group_filterable(g) for g in chosen],
        params.get("Filters", []),
        _GROUP_FILTERS,
    )
    kept = {str(d["id"]) for d in docs}
    return {
        "SecurityGroups": [_group_out(request, g) for g in chosen if g.name in kept]
    }


def _group_filterable(group: Entity) -> dict[str, Any]:
    rules = group.doc["ingress"]
    return {
        "id": group.name,
        **group.doc,
        "from_ports": [str(r["from_port"]) for r in rules],
        "to_ports": [str(r["to_port"]) for r in rules],
        "cidrs": [r["cidr"] for r in rules],
        "protocols": [r["protocol"] for r in rules],
    }


def _many(key: str) -> FilterValues:
    return lambda doc: list(doc[key])


_GROUP_FILTERS: Mapping[str, FilterValues] = {
    "group-id": _value("id"),
    "group-name": _value("name"),
    "description": _value("description"),
    "vpc-id": _value("vpc_id"),
    "ip-permission.from-port": _many("from_ports"),
    "ip-permission.to-port": _many("to_ports"),
    "ip-permission.cidr": _many("cidrs"),
    "ip-permission.protocol": _many("protocols"),
}


def _group_out(request: LabRequest, group: Entity) -> dict[str, Any]:
    doc = group.doc
    output: dict[str, Any] = {
        "GroupId": group.name,
        "GroupName": doc["name"],
        "Description": doc["description"],
        "OwnerId": group.account,
        "VpcId": doc["vpc_id"],
        "SecurityGroupArn": arn(request, "security-group", group.name),
        "IpPermissions": _permissions(doc["ingress"]),
        # A new group allows all outbound traffic (EC2 User Guide).
        "IpPermissionsEgress": [
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    }
    if doc.get("tags"):
        output["Tags"] = tags_out(doc["tags"])
    return output


def _permissions(rules: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rules grouped the way EC2 shows them: one permission per protocol and ports."""
    grouped: dict[tuple[str, int, int], list[dict[str, str]]] = {}
    for rule in rules:
        key = (rule["protocol"], rule["from_port"], rule["to_port"])
        cidr = {"CidrIp": rule["cidr"]}
        if rule.get("description"):
            cidr["Description"] = rule["description"]
        grouped.setdefault(key, []).append(cidr)
    out = []
    for (protocol, from_port, to_port), ranges in grouped.items():
        permission: dict[str, Any] = {"IpProtocol": protocol, "IpRanges": ranges}
        if protocol != "-1":
            permission["FromPort"] = from_port
            permission["ToPort"] = to_port
        out.append(permission)
    return out


def _requested_rules(request: LabRequest, operation: str) -> list[dict[str, Any]]:
    """Rules from IpPermissions, or from the older top-level CidrIp parameters."""
    params = request.params
    permissions = list(params.get("IpPermissions", []))
    if "CidrIp" in params or "IpProtocol" in params:
        permissions.append(
            {
                "IpProtocol": params.get("IpProtocol", "-1"),
                "FromPort": params.get("FromPort"),
                "ToPort": params.get("ToPort"),
                "IpRanges": [{"CidrIp": params.get("CidrIp", "0.0.0.0/0")}],
            }
        )
    rules = []
    for permission in permissions:
        for unsupported in ("UserIdGroupPairs", "Ipv6Ranges", "PrefixListIds"):
            if permission.get(unsupported):
                raise errors.NOT_MODELLED_CASE.error(
                    service="ec2", operation=operation, case=f"with {unsupported}"
                )
        protocol = str(permission.get("IpProtocol", "-1")).lower()
        protocol = {"6": "tcp", "17": "udp", "1": "icmp", "all": "-1"}.get(
            protocol, protocol
        )
        all_ports = protocol == "-1"
        for cidr in permission.get("IpRanges", []):
            rules.append(
                {
                    "protocol": protocol,
                    "from_port": -1 if all_ports else permission.get("FromPort", -1),
                    "to_port": -1 if all_ports else permission.get("ToPort", -1),
                    "cidr": cidr["CidrIp"],
                    "description": cidr.get("Description"),
                }
            )
    return rules


def _same_rule(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    keys = ("protocol", "from_port", "to_port", "cidr")
    return all(a[k] == b[k] for k in keys)


def authorize_ingress(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    group = _group(runtime, request)
    rules = _requested_rules(request, "AuthorizeSecurityGroupIngress")
    existing = list(group.doc["ingress"])
    for rule in rules:
        if any(_same_rule(rule, old) for old in existing):
            raise errors.EC2_PERMISSION_DUPLICATE.error(
                cidr=rule["cidr"],
                protocol=rule["protocol"].upper()
                if rule["protocol"] != "-1"
                else "ALL",
                from_port=rule["from_port"],
                to_port=rule["to_port"],
            )
    authorize(
        runtime,
        request,
        "ec2:AuthorizeSecurityGroupIngress",
        arn(request, "security-group", group.name),
        tag_context("ec2:ResourceTag", group.doc.get("tags", {})),
    )

    added = [{**rule, "rule_id": ids.security_group_rule_id()} for rule in rules]
    with runtime.state.write() as w:
        _put_rules(w, group, existing + added)
    logger.info("group %s: added %d ingress rules", group.name, len(added))
    return {
        "Return": True,
        "SecurityGroupRules": [_rule_out(group, rule) for rule in added],
    }


def revoke_ingress(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    group = _group(runtime, request)
    existing = list(group.doc["ingress"])
    rule_ids = set(request.params.get("SecurityGroupRuleIds", []))
    rules = _requested_rules(request, "RevokeSecurityGroupIngress")
    revoked = [
        old
        for old in existing
        if old["rule_id"] in rule_ids or any(_same_rule(r, old) for r in rules)
    ]
    unknown = [r for r in rules if not any(_same_rule(r, old) for old in existing)]
    if not revoked or rule_ids - {r["rule_id"] for r in revoked}:
        raise errors.EC2_PERMISSION_NOT_FOUND.error()
    authorize(
        runtime,
        request,
        "ec2:RevokeSecurityGroupIngress",
        arn(request, "security-group", group.name),
        tag_context("ec2:ResourceTag", group.doc.get("tags", {})),
    )

    with runtime.state.write() as w:
        _put_rules(w, group, [r for r in existing if r not in revoked])
    logger.info("group %s: revoked %d ingress rules", group.name, len(revoked))
    output: dict[str, Any] = {"Return": True}
    if unknown:
        output["UnknownIpPermissions"] = _permissions(unknown)
    return output


def _put_rules(w: StateWriter, group: Entity, rules: list[dict[str, Any]]) -> None:
    w.put(_with_doc(group, ingress=rules))


def _rule_out(group: Entity, rule: Mapping[str, Any]) -> dict[str, Any]:
    output: dict[str, Any] = {
        "SecurityGroupRuleId": rule["rule_id"],
        "GroupId": group.name,
        "GroupOwnerId": group.account,
        "IsEgress": False,
        "IpProtocol": rule["protocol"],
        "FromPort": rule["from_port"],
        "ToPort": rule["to_port"],
        "CidrIpv4": rule["cidr"],
    }
    if rule.get("description"):
        output["Description"] = rule["description"]
    return output


ROUTES = {
    ("ec2", "RegisterImage"): Route(
        register_image,
        Fidelity.PARTIAL,
        "Registers an AMI record by Name with ImdsSupport, Description, Architecture "
        "and tags; no snapshot or image location is checked (the lab has no "
        "storage). InvalidAMIName.Duplicate.",
    ),
    ("ec2", "DescribeImages"): Route(
        describe_images,
        Fidelity.PARTIAL,
        "The caller's AMIs and public ones, with ImdsSupport; ImageIds, Owners and "
        "filters image-id, name, owner-id, description, architecture, is-public, "
        "state, tag:KEY. No paging; ExecutableUsers is ignored.",
    ),
    ("ec2", "ModifyImageAttribute"): Route(
        modify_image_attribute,
        Fidelity.PARTIAL,
        "ImdsSupport v2.0 only (it cannot be undone); other attributes answer "
        "NotModelled.",
    ),
    ("ec2", "CreateSecurityGroup"): Route(
        create_security_group,
        Fidelity.FULL,
        "In the account's one VPC unless VpcId is given; InvalidGroup.Duplicate; "
        "outbound traffic allowed.",
    ),
    ("ec2", "DescribeSecurityGroups"): Route(
        describe_security_groups,
        Fidelity.PARTIAL,
        "GroupIds, GroupNames and filters group-id, group-name, description, vpc-id, "
        "ip-permission.from-port/to-port/cidr/protocol, tag:KEY; no paging.",
    ),
    ("ec2", "AuthorizeSecurityGroupIngress"): Route(
        authorize_ingress,
        Fidelity.PARTIAL,
        "IPv4 CIDR rules (IpPermissions or CidrIp/IpProtocol/FromPort/ToPort) with "
        "rule ids; InvalidPermission.Duplicate. Group pairs, IPv6 and prefix lists "
        "answer NotModelled.",
    ),
    ("ec2", "RevokeSecurityGroupIngress"): Route(
        revoke_ingress,
        Fidelity.PARTIAL,
        "By rule or SecurityGroupRuleIds; InvalidPermission.NotFound when nothing "
        "matches, UnknownIpPermissions for the rules that did not.",
    ),
}
