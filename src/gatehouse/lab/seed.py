"""Turn a world into the lab's initial state."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import yaml

from gatehouse.lab import ids
from gatehouse.lab.federation import generate_keys
from gatehouse.lab.ids import IdPrefix
from gatehouse.lab.state import GLOBAL, Entity, Kind, LabState, StateWriter
from gatehouse.lab.world import Account, User, World

logger = logging.getLogger(__name__)

AWS_MANAGED_PREFIX = "arn:aws:iam::aws:policy/"


def aws_managed_policies() -> dict[str, Mapping[str, Any]]:
    """The AWS managed policies the lab ships, by ARN."""
    text = (
        resources.files("gatehouse.lab") / "worlds" / "aws-managed.yaml"
    ).read_text()
    loaded: dict[str, Mapping[str, Any]] = yaml.safe_load(text)
    return {AWS_MANAGED_PREFIX + name: doc for name, doc in loaded.items()}


def seed(state: LabState, world: World, *, now: datetime | None = None) -> None:
    """Write `world` into an empty state, in one transaction."""
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    created = moment.isoformat().replace("+00:00", "Z")

    with state.write() as w:
        w.set_meta("world", world.name)
        w.set_meta("region", world.region)
        for arn, document in aws_managed_policies().items():
            w.put(
                _policy_entity(
                    GLOBAL, arn, arn.rsplit("/", 1)[-1], document, created, "/"
                )
            )
        if world.organization is not None:
            org = world.organization
            w.put(
                Entity(
                    GLOBAL,
                    Kind.ORGANIZATION,
                    org.id,
                    org.id,
                    {
                        "id": org.id,
                        "management_account": org.management_account,
                        "accounts": sorted(
                            a.id for a in world.accounts if _in_org(a, world)
                        ),
                        "levels": {
                            a.id: org.scp_levels(a.id)
                            for a in world.accounts
                            if _in_org(a, world)
                        },
                        "ec2_declarative": {
                            a.id: org.declarative_ec2(a.id)
                            for a in world.accounts
                            if _in_org(a, world)
                        },
                    },
                )
            )
        for account in world.accounts:
            _seed_account(w, account, world, created)
    logger.info("seeded world %r with %d accounts", world.name, len(world.accounts))


def _in_org(account: Account, world: World) -> bool:
    org = world.organization
    if org is None:
        return False
    if account.id == org.management_account:
        return True
    return (
        any(account.id in unit.accounts for unit in org.units)
        or account.id in org.account_scps
    )


def _policy_entity(
    account: str,
    arn: str,
    name: str,
    document: Mapping[str, Any],
    created: str,
    path: str,
) -> Entity:
    return Entity(
        account,
        Kind.POLICY,
        arn,
        ids.unique_id(IdPrefix.MANAGED_POLICY),
        {
            "arn": arn,
            "name": name,
            "path": path,
            "created": created,
            "default_version": "v1",
            "versions": {"v1": {"document": document, "created": created}},
            "next_version": 2,
        },
    )


def _arn(account: str, kind: str, path: str, name: str) -> str:
    return f"arn:aws:iam::{account}:{kind}{path}{name}"


def _managed_arns(account: str, names: tuple[str, ...]) -> list[str]:
    return [
        n if n.startswith("arn:") else _arn(account, "policy", "/", n) for n in names
    ]


def _seed_account(w: StateWriter, account: Account, world: World, created: str) -> None:
    a = account.id
    w.put(
        Entity(
            GLOBAL,
            Kind.ACCOUNT,
            a,
            a,
            {
                "id": a,
                "alias": account.alias,
                "organization": world.organization.id
                if world.organization and _in_org(account, world)
                else None,
            },
        )
    )
    for policy in account.policies:
        arn = _arn(a, "policy", policy.path, policy.name)
        w.put(
            _policy_entity(a, arn, policy.name, policy.document, created, policy.path)
        )
    for group in account.groups:
        w.put(
            Entity(
                a,
                Kind.GROUP,
                group.name,
                ids.unique_id(IdPrefix.GROUP),
                {
                    "arn": _arn(a, "group", group.path, group.name),
                    "path": group.path,
                    "created": created,
                    "managed_policies": _managed_arns(a, group.managed_policies),
                    "inline_policies": dict(group.inline_policies),
                },
            )
        )
    for user in account.users:
        _seed_user(w, a, user, created)
    for role in account.roles:
        w.put(
            Entity(
                a,
                Kind.ROLE,
                role.name,
                ids.unique_id(IdPrefix.ROLE),
                {
                    "arn": _arn(a, "role", role.path, role.name),
                    "path": role.path,
                    "created": created,
                    "description": role.description,
                    "trust_policy": dict(role.trust_policy),
                    "max_session_duration": role.max_session_duration,
                    "managed_policies": _managed_arns(a, role.managed_policies),
                    "inline_policies": dict(role.inline_policies),
                    "boundary": role.boundary,
                    "tags": dict(role.tags),
                },
            )
        )
    for profile in account.instance_profiles:
        w.put(
            Entity(
                a,
                Kind.INSTANCE_PROFILE,
                profile.name,
                ids.unique_id(IdPrefix.INSTANCE_PROFILE),
                {
                    "arn": _arn(a, "instance-profile", profile.path, profile.name),
                    "path": profile.path,
                    "created": created,
                    "roles": [profile.role] if profile.role else [],
                },
            )
        )
    for instance in account.instances:
        options = instance.metadata_options
        w.put(
            Entity(
                a,
                Kind.INSTANCE,
                instance.id,
                instance.id,
                {
                    "instance_profile": instance.instance_profile,
                    "image_id": instance.image_id,
                    "instance_type": instance.instance_type,
                    "private_ip": instance.private_ip,
                    "availability_zone": instance.availability_zone,
                    "launched": created,
                    "state": "running",
                    "tags": dict(instance.tags),
                    "user_data": instance.user_data,
                    "security_groups": list(instance.security_groups),
                    "metadata_options": {
                        "HttpTokens": options.http_tokens,
                        "HttpPutResponseHopLimit": options.hop_limit,
                        "HttpEndpoint": options.http_endpoint,
                        "HttpProtocolIpv6": options.http_protocol_ipv6,
                        "InstanceMetadataTags": options.instance_metadata_tags,
                    },
                },
            )
        )
    for image in account.images:
        w.put(
            Entity(
                a,
                Kind.IMAGE,
                image.id,
                image.id,
                {
                    "name": image.name,
                    "description": image.description,
                    "imds_support": image.imds_support,
                    "public": image.public,
                    "created": created,
                    "tags": {},
                },
            )
        )
    for security_group in account.security_groups:
        w.put(
            Entity(
                a,
                Kind.SECURITY_GROUP,
                security_group.id,
                security_group.id,
                {
                    "name": security_group.name,
                    "description": security_group.description,
                    "vpc_id": security_group.vpc_id,
                    "tags": {},
                    "ingress": [
                        {
                            "rule_id": ids.security_group_rule_id(),
                            "protocol": rule.protocol,
                            "from_port": rule.from_port,
                            "to_port": rule.to_port,
                            "cidr": rule.cidr,
                            "description": rule.description,
                        }
                        for rule in security_group.ingress
                    ],
                },
            )
        )
    for provider in account.identity_providers:
        arn = _arn(a, f"{provider.kind}-provider", "/", provider.name)
        w.put(
            Entity(
                a,
                Kind.IDENTITY_PROVIDER,
                arn,
                None,
                {
                    "arn": arn,
                    "kind": provider.kind,
                    "name": provider.name,
                    "audiences": list(provider.audiences),
                    "created": created,
                    "issuer": provider.issuer_url,
                    # The provider's key pair, made now and kept only in the
                    # state; `gatehouse lab token` signs with it.
                    "signing": generate_keys(
                        kind=provider.kind, issuer=provider.issuer_url
                    ).to_doc(),
                },
            )
        )


def _seed_user(w: StateWriter, account: str, user: User, created: str) -> None:
    w.put(
        Entity(
            account,
            Kind.USER,
            user.name,
            ids.unique_id(IdPrefix.USER),
            {
                "arn": _arn(account, "user", user.path, user.name),
                "path": user.path,
                "created": created,
                "managed_policies": _managed_arns(account, user.managed_policies),
                "inline_policies": dict(user.inline_policies),
                "groups": list(user.groups),
                "boundary": user.boundary,
                "tags": dict(user.tags),
            },
        )
    )
    for key in user.access_keys:
        key_id = key.access_key_id or ids.access_key_id(temporary=False)
        w.put_credential(
            key_id,
            account,
            {
                "type": "access-key",
                "access_key_id": key_id,
                "account": account,
                "secret_access_key": key.secret_access_key or ids.secret_access_key(),
                "user": user.name,
                "status": "Active" if key.active else "Inactive",
                "created": created,
            },
            None,
        )
    if user.mfa is not None:
        serial = f"arn:aws:iam::{account}:mfa/{user.mfa.name}"
        w.put(
            Entity(
                account,
                Kind.MFA_DEVICE,
                serial,
                None,
                {
                    "serial": serial,
                    "seed": user.mfa.seed,
                    "user": user.name,
                    "enabled": created,
                },
            )
        )
