"""A lab world: accounts, an organization, and the IAM entities and instances in them.

A world is a YAML file. `load_world` reads it, checks it (every problem at once,
each with its location), and returns frozen values; the state store turns them
into the lab's initial state. Policy documents are checked with the policy
engine's linter, the way IAM checks them when they are stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from gatehouse.policy import PolicyKind, Severity, lint_policy

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
_ALIAS = re.compile(r"^[a-z0-9](([a-z0-9]|-(?!-))*[a-z0-9])?$")
_INSTANCE_ID = re.compile(r"^i-[0-9a-f]{8}([0-9a-f]{9})?$")
_TOTP_SEED = re.compile(r"^[A-Z2-7]{16,64}$")
_IMAGE_ID = re.compile(r"^ami-[0-9a-f]{8}([0-9a-f]{9})?$")
_GROUP_ID = re.compile(r"^sg-[0-9a-f]{8}([0-9a-f]{9})?$")

FULL_AWS_ACCESS: Mapping[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}

# IAM: a role's maximum session duration is 3600-43200 seconds, default 3600.
MAX_SESSION_MIN, MAX_SESSION_MAX, MAX_SESSION_DEFAULT = 3600, 43200, 3600


class WorldError(Exception):
    """A world file has problems; `problems` lists `(location, message)` pairs."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {where}: {message}" for where, message in problems)
        super().__init__(f"{source}: {len(problems)} problem(s)\n{lines}")


@dataclass(frozen=True)
class AccessKey:
    access_key_id: str | None = None
    secret_access_key: str | None = None
    active: bool = True


@dataclass(frozen=True)
class MfaDevice:
    """A virtual MFA device; `seed` is the base32 TOTP secret."""

    name: str
    seed: str


@dataclass(frozen=True)
class User:
    name: str
    path: str = "/"
    managed_policies: tuple[str, ...] = ()
    inline_policies: Mapping[str, Any] = field(default_factory=dict)
    groups: tuple[str, ...] = ()
    access_keys: tuple[AccessKey, ...] = ()
    mfa: MfaDevice | None = None
    boundary: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Group:
    name: str
    path: str = "/"
    managed_policies: tuple[str, ...] = ()
    inline_policies: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Role:
    name: str
    trust_policy: Mapping[str, Any]
    path: str = "/"
    description: str = ""
    max_session_duration: int = MAX_SESSION_DEFAULT
    managed_policies: tuple[str, ...] = ()
    inline_policies: Mapping[str, Any] = field(default_factory=dict)
    boundary: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ManagedPolicy:
    name: str
    document: Mapping[str, Any]
    path: str = "/"
    description: str = ""


@dataclass(frozen=True)
class InstanceProfile:
    name: str
    role: str | None = None
    path: str = "/"


@dataclass(frozen=True)
class MetadataOptions:
    http_tokens: str = "optional"
    hop_limit: int = 1
    http_endpoint: str = "enabled"
    http_protocol_ipv6: str = "disabled"
    instance_metadata_tags: str = "disabled"


@dataclass(frozen=True)
class Image:
    """An AMI the account owns; `imds_support` is None or "v2.0"."""

    id: str
    name: str
    imds_support: str | None = None
    description: str = ""
    public: bool = False


@dataclass(frozen=True)
class IngressRule:
    protocol: str  # tcp, udp, icmp or -1
    from_port: int
    to_port: int
    cidr: str
    description: str | None = None


@dataclass(frozen=True)
class SecurityGroup:
    id: str
    name: str
    description: str = ""
    vpc_id: str = "vpc-0a1b2c3d4e5f60718"
    ingress: tuple[IngressRule, ...] = ()


@dataclass(frozen=True)
class Instance:
    id: str
    instance_profile: str | None = None
    image_id: str = "ami-0abcdef1234567890"
    instance_type: str = "t3.micro"
    private_ip: str = "10.0.1.10"
    availability_zone: str = "us-east-1a"
    metadata_options: MetadataOptions = MetadataOptions()
    tags: Mapping[str, str] = field(default_factory=dict)
    user_data: str | None = None
    security_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class IdentityProvider:
    """A SAML or OIDC provider the account trusts (`kind` is saml or oidc)."""

    kind: str
    name: str
    audiences: tuple[str, ...] = ()
    # The issuer the provider writes into its tokens: for OIDC the provider URL
    # (`https://` + name when omitted), for SAML the entity id of the IdP.
    issuer: str | None = None

    @property
    def issuer_url(self) -> str:
        if self.issuer:
            return self.issuer
        if self.kind == "oidc":
            return f"https://{self.name}"
        return f"urn:gatehouse:saml-idp:{self.name}"


@dataclass(frozen=True)
class Account:
    id: str
    alias: str
    users: tuple[User, ...] = ()
    groups: tuple[Group, ...] = ()
    roles: tuple[Role, ...] = ()
    policies: tuple[ManagedPolicy, ...] = ()
    instance_profiles: tuple[InstanceProfile, ...] = ()
    instances: tuple[Instance, ...] = ()
    identity_providers: tuple[IdentityProvider, ...] = ()
    images: tuple[Image, ...] = ()
    security_groups: tuple[SecurityGroup, ...] = ()


@dataclass(frozen=True)
class OrganizationalUnit:
    name: str
    accounts: tuple[str, ...] = ()
    scps: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeclarativePolicy:
    """A DECLARATIVE_POLICY_EC2 document and where it is attached.

    `content` is AWS's document (`ec2_attributes` with `@@assign` values);
    `targets` name `root`, OU names or account ids.
    """

    name: str
    content: Mapping[str, Any]
    targets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Organization:
    id: str
    management_account: str
    policies: Mapping[str, Any] = field(default_factory=dict)
    root_scps: tuple[str, ...] = ()
    units: tuple[OrganizationalUnit, ...] = ()
    account_scps: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    declarative_policies: tuple[DeclarativePolicy, ...] = ()

    def scp_levels(self, account: str) -> list[list[Mapping[str, Any]]]:
        """The SCP documents at the root, the account's OU and the account.

        AWS attaches FullAWSAccess to the root, every OU and every account when
        SCPs are enabled; a level the world leaves unspecified keeps it.
        """
        levels = [self._level(self.root_scps)]
        for unit in self.units:
            if account in unit.accounts:
                levels.append(self._level(unit.scps))
        levels.append(self._level(self.account_scps.get(account, ())))
        return levels

    def declarative_ec2(self, account: str) -> dict[str, Any]:
        """The effective EC2 declarative policy of an account.

        Policies attached to the root, then the account's OUs, then the
        account apply in that order; a later `@@assign` replaces an earlier one.
        Returns `{"instance_metadata_defaults": {attribute: value},
        "exception_message": text or None}` with AWS's underscore values.
        """
        scopes = ["root"]
        scopes += [u.name for u in self.units if account in u.accounts]
        scopes.append(account)
        defaults: dict[str, str] = {}
        message: str | None = None
        for scope in scopes:
            for policy in self.declarative_policies:
                if scope not in policy.targets:
                    continue
                attributes = policy.content.get("ec2_attributes", {})
                for key, value in attributes.get(
                    "instance_metadata_defaults", {}
                ).items():
                    defaults[str(key)] = str(value["@@assign"])
                custom = attributes.get("exception_message")
                if isinstance(custom, Mapping) and "@@assign" in custom:
                    message = str(custom["@@assign"])
        return {"instance_metadata_defaults": defaults, "exception_message": message}

    def _level(self, names: tuple[str, ...]) -> list[Mapping[str, Any]]:
        if not names:
            return [FULL_AWS_ACCESS]
        return [self.policies[name] for name in names]


@dataclass(frozen=True)
class RoleProfile:
    """A named AWS CLI profile that assumes a role from another profile."""

    name: str
    role_arn: str
    source_profile: str
    external_id: str | None = None
    duration_seconds: int | None = None
    mfa_serial: str | None = None
    role_session_name: str | None = None


@dataclass(frozen=True)
class World:
    name: str
    region: str
    accounts: tuple[Account, ...]
    organization: Organization | None = None
    profiles: tuple[RoleProfile, ...] = ()

    def account(self, key: str) -> Account:
        """An account by id or alias; KeyError when there is none."""
        for account in self.accounts:
            if key in (account.id, account.alias):
                return account
        raise KeyError(key)


# Organizations declarative policy syntax for EC2: instance_metadata_defaults
# values use underscores (no_preference), unlike the EC2 API's no-preference.
# An empty set means "an integer": the hop limit, -1 (no preference) to 64.
_DECLARATIVE_IMDS_VALUES: Mapping[str, frozenset[str]] = {
    "http_tokens": frozenset({"no_preference", "required", "optional"}),
    "http_put_response_hop_limit": frozenset(),
    "http_endpoint": frozenset({"no_preference", "enabled", "disabled"}),
    "instance_metadata_tags": frozenset({"no_preference", "enabled", "disabled"}),
    # UNCONFIRMED in AWS's syntax page; seen in third-party configurations.
    "http_tokens_enforced": frozenset({"no_preference", "enabled", "disabled"}),
}


def _hop_limit_value(value: object) -> bool:
    try:
        number = int(str(value))
    except ValueError:
        return False
    return number == -1 or 1 <= number <= 64


def default_world_path() -> Path:
    return Path(str(resources.files("gatehouse.lab") / "worlds" / "default.yaml"))


def load_world(path: Path | None = None) -> World:
    """Read and check a world file (the default world when `path` is None)."""
    path = path or default_world_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise WorldError(str(path), [("$", str(error))]) from None
    reader = _Reader()
    world = reader.world(raw, default_name=path.stem)
    if reader.problems or world is None:
        raise WorldError(str(path), reader.problems or [("$", "empty world")])
    return world


class _Reader:
    """Builds a World from parsed YAML, collecting every problem on the way."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append((where, message))

    def mapping(self, raw: object, where: str) -> Mapping[str, Any]:
        if raw is None:
            return {}
        if not isinstance(raw, Mapping):
            self.fail(where, "expected a mapping")
            return {}
        return raw

    def items(self, raw: object, where: str) -> list[tuple[str, Mapping[str, Any]]]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.fail(where, "expected a list")
            return []
        out = []
        for index, item in enumerate(raw):
            at = f"{where}[{index}]"
            if not isinstance(item, Mapping):
                self.fail(at, "expected a mapping")
                continue
            out.append((at, item))
        return out

    def strings(self, raw: object, where: str) -> tuple[str, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
            self.fail(where, "expected a list of strings")
            return ()
        return tuple(raw)

    def name(self, item: Mapping[str, Any], where: str, key: str = "name") -> str:
        value = item.get(key)
        if not isinstance(value, str) or not _NAME.match(value):
            self.fail(f"{where}.{key}", f"{value!r} is not a valid IAM name")
            return str(value)
        return value

    def policy(
        self, document: object, where: str, kind: PolicyKind
    ) -> Mapping[str, Any]:
        if not isinstance(document, Mapping):
            self.fail(where, "a policy document must be a mapping")
            return {}
        for problem in lint_policy(document, kind=kind):
            if problem.severity is Severity.ERROR:
                self.fail(where + problem.location.removeprefix("$"), problem.message)
        return document

    def inline(self, raw: object, where: str, kind: PolicyKind) -> dict[str, Any]:
        return {
            str(name): self.policy(doc, f"{where}.{name}", kind)
            for name, doc in self.mapping(raw, where).items()
        }

    def tags(self, raw: object, where: str) -> dict[str, str]:
        return {str(k): str(v) for k, v in self.mapping(raw, where).items()}

    # -- the world ----------------------------------------------------------------

    def world(self, raw: object, *, default_name: str) -> World | None:
        top = self.mapping(raw, "$")
        if not top:
            return None
        accounts = tuple(
            a
            for at, item in self.items(top.get("accounts"), "$.accounts")
            if (a := self.account(item, at)) is not None
        )
        if not accounts:
            self.fail("$.accounts", "a world needs at least one account")
        self._check_unique([a.id for a in accounts], "$.accounts", "account id")
        self._check_unique([a.alias for a in accounts], "$.accounts", "account alias")
        organization = None
        if top.get("organization") is not None:
            organization = self.organization(
                top["organization"], {a.id for a in accounts}
            )
        profiles = tuple(
            RoleProfile(
                name=str(p.get("name", "")),
                role_arn=str(p.get("role_arn", "")),
                source_profile=str(p.get("source_profile", "")),
                external_id=p.get("external_id"),
                duration_seconds=p.get("duration_seconds"),
                mfa_serial=p.get("mfa_serial"),
                role_session_name=p.get("role_session_name"),
            )
            for _, p in self.items(top.get("profiles"), "$.profiles")
        )
        for index, profile in enumerate(profiles):
            if not profile.name or not profile.role_arn or not profile.source_profile:
                self.fail(
                    f"$.profiles[{index}]",
                    "a profile needs name, role_arn and source_profile",
                )
        return World(
            name=str(top.get("name") or default_name),
            region=str(top.get("region") or "us-east-1"),
            accounts=accounts,
            organization=organization,
            profiles=profiles,
        )

    def _check_unique(self, values: list[str], where: str, what: str) -> None:
        seen: set[str] = set()
        for value in values:
            if value in seen:
                self.fail(where, f"{what} {value!r} appears twice")
            seen.add(value)

    def account(self, item: Mapping[str, Any], where: str) -> Account | None:
        account_id = str(item.get("id", ""))
        if not _ACCOUNT_ID.match(account_id):
            self.fail(
                f"{where}.id", f"{account_id!r} is not a 12-digit account id (quote it)"
            )
        alias = str(item.get("alias", ""))
        if not _ALIAS.match(alias) or not 3 <= len(alias) <= 63:
            self.fail(f"{where}.alias", f"{alias!r} is not a valid account alias")
        policies = tuple(
            ManagedPolicy(
                name=self.name(p, at),
                document=self.policy(
                    p.get("document"), f"{at}.document", PolicyKind.IDENTITY
                ),
                path=str(p.get("path", "/")),
                description=str(p.get("description", "")),
            )
            for at, p in self.items(item.get("policies"), f"{where}.policies")
        )
        roles = tuple(
            self.role(r, at)
            for at, r in self.items(item.get("roles"), f"{where}.roles")
        )
        users = tuple(
            self.user(u, at)
            for at, u in self.items(item.get("users"), f"{where}.users")
        )
        groups = tuple(
            Group(
                name=self.name(g, at),
                path=str(g.get("path", "/")),
                managed_policies=self.strings(
                    g.get("managed_policies"), f"{at}.managed_policies"
                ),
                inline_policies=self.inline(
                    g.get("inline_policies"),
                    f"{at}.inline_policies",
                    PolicyKind.IDENTITY,
                ),
            )
            for at, g in self.items(item.get("groups"), f"{where}.groups")
        )
        profiles = tuple(
            InstanceProfile(
                name=self.name(p, at), role=p.get("role"), path=str(p.get("path", "/"))
            )
            for at, p in self.items(
                item.get("instance_profiles"), f"{where}.instance_profiles"
            )
        )
        instances = tuple(
            self.instance(i, at)
            for at, i in self.items(item.get("instances"), f"{where}.instances")
        )
        providers = tuple(
            IdentityProvider(
                kind=str(p.get("kind", "")),
                name=str(p.get("name", "")),
                audiences=self.strings(p.get("audiences"), f"{at}.audiences"),
                issuer=str(p["issuer"]) if p.get("issuer") else None,
            )
            for at, p in self.items(
                item.get("identity_providers"), f"{where}.identity_providers"
            )
        )
        for at, provider in zip(
            (f"{where}.identity_providers[{i}]" for i in range(len(providers))),
            providers,
            strict=True,
        ):
            if provider.kind not in ("saml", "oidc"):
                self.fail(f"{at}.kind", "kind is saml or oidc")
        self._check_references(
            where, users, groups, roles, policies, profiles, instances
        )
        images = tuple(
            self.image(i, at)
            for at, i in self.items(item.get("images"), f"{where}.images")
        )
        security_groups = tuple(
            self.security_group(g, at)
            for at, g in self.items(
                item.get("security_groups"), f"{where}.security_groups"
            )
        )
        group_ids = {g.id for g in security_groups}
        for instance in instances:
            for group_id in instance.security_groups:
                if group_id not in group_ids:
                    self.fail(
                        f"{where}.instances.{instance.id}.security_groups",
                        f"no security group {group_id!r} in this account",
                    )
        return Account(
            account_id,
            alias,
            users,
            groups,
            roles,
            policies,
            profiles,
            instances,
            providers,
            images=images,
            security_groups=security_groups,
        )

    def image(self, item: Mapping[str, Any], where: str) -> Image:
        image_id = str(item.get("id", ""))
        if not _IMAGE_ID.match(image_id):
            self.fail(f"{where}.id", f"{image_id!r} is not an AMI id (ami- and hex)")
        support = item.get("imds_support")
        if support not in (None, "v2.0"):
            self.fail(f"{where}.imds_support", "the only value is v2.0")
        return Image(
            id=image_id,
            name=str(item.get("name", image_id)),
            imds_support=support,
            description=str(item.get("description", "")),
            public=bool(item.get("public", False)),
        )

    def security_group(self, item: Mapping[str, Any], where: str) -> SecurityGroup:
        group_id = str(item.get("id", ""))
        if not _GROUP_ID.match(group_id):
            self.fail(f"{where}.id", f"{group_id!r} is not a security group id")
        rules = []
        for at, rule in self.items(item.get("ingress"), f"{where}.ingress"):
            try:
                rules.append(
                    IngressRule(
                        protocol=str(rule.get("protocol", "tcp")),
                        from_port=int(rule["from_port"]),
                        to_port=int(rule.get("to_port", rule["from_port"])),
                        cidr=str(rule["cidr"]),
                        description=rule.get("description"),
                    )
                )
            except (KeyError, TypeError, ValueError):
                self.fail(at, "a rule needs from_port (an integer) and cidr")
        return SecurityGroup(
            id=group_id,
            name=str(item.get("name", group_id)),
            description=str(item.get("description", "")),
            vpc_id=str(item.get("vpc_id", "vpc-0a1b2c3d4e5f60718")),
            ingress=tuple(rules),
        )

    def role(self, item: Mapping[str, Any], where: str) -> Role:
        duration = item.get("max_session_duration", MAX_SESSION_DEFAULT)
        if (
            not isinstance(duration, int)
            or not MAX_SESSION_MIN <= duration <= MAX_SESSION_MAX
        ):
            self.fail(
                f"{where}.max_session_duration",
                f"must be {MAX_SESSION_MIN}-{MAX_SESSION_MAX} seconds, not {duration!r}",
            )
            duration = MAX_SESSION_DEFAULT
        return Role(
            name=self.name(item, where),
            trust_policy=self.policy(
                item.get("trust_policy"), f"{where}.trust_policy", PolicyKind.TRUST
            ),
            path=str(item.get("path", "/")),
            description=str(item.get("description", "")),
            max_session_duration=duration,
            managed_policies=self.strings(
                item.get("managed_policies"), f"{where}.managed_policies"
            ),
            inline_policies=self.inline(
                item.get("inline_policies"),
                f"{where}.inline_policies",
                PolicyKind.IDENTITY,
            ),
            boundary=item.get("boundary"),
            tags=self.tags(item.get("tags"), f"{where}.tags"),
        )

    def user(self, item: Mapping[str, Any], where: str) -> User:
        keys = tuple(
            AccessKey(
                access_key_id=k.get("access_key_id"),
                secret_access_key=k.get("secret_access_key"),
                active=bool(k.get("active", True)),
            )
            for _, k in self.items(item.get("access_keys"), f"{where}.access_keys")
        )
        mfa = None
        raw_mfa = item.get("mfa")
        if raw_mfa is not None:
            mfa_map = self.mapping(raw_mfa, f"{where}.mfa")
            seed = str(mfa_map.get("seed", ""))
            if not _TOTP_SEED.match(seed):
                self.fail(f"{where}.mfa.seed", "a TOTP seed is 16-64 base32 characters")
            mfa = MfaDevice(
                name=str(mfa_map.get("name") or item.get("name")), seed=seed
            )
        return User(
            name=self.name(item, where),
            path=str(item.get("path", "/")),
            managed_policies=self.strings(
                item.get("managed_policies"), f"{where}.managed_policies"
            ),
            inline_policies=self.inline(
                item.get("inline_policies"),
                f"{where}.inline_policies",
                PolicyKind.IDENTITY,
            ),
            groups=self.strings(item.get("groups"), f"{where}.groups"),
            access_keys=keys,
            mfa=mfa,
            boundary=item.get("boundary"),
            tags=self.tags(item.get("tags"), f"{where}.tags"),
        )

    def instance(self, item: Mapping[str, Any], where: str) -> Instance:
        instance_id = str(item.get("id", ""))
        if not _INSTANCE_ID.match(instance_id):
            self.fail(
                f"{where}.id",
                f"{instance_id!r} is not an instance id (i- and 8 or 17 hex digits)",
            )
        raw = self.mapping(item.get("metadata_options"), f"{where}.metadata_options")
        options = MetadataOptions(
            http_tokens=str(raw.get("http_tokens", "optional")),
            hop_limit=int(raw.get("hop_limit", 1)),
            http_endpoint=str(raw.get("http_endpoint", "enabled")),
            http_protocol_ipv6=str(raw.get("http_protocol_ipv6", "disabled")),
            instance_metadata_tags=str(raw.get("instance_metadata_tags", "disabled")),
        )
        if options.http_tokens not in ("optional", "required"):
            self.fail(f"{where}.metadata_options.http_tokens", "optional or required")
        if not 1 <= options.hop_limit <= 64:
            self.fail(f"{where}.metadata_options.hop_limit", "1-64")
        return Instance(
            id=instance_id,
            instance_profile=item.get("instance_profile"),
            image_id=str(item.get("image_id", "ami-0abcdef1234567890")),
            instance_type=str(item.get("instance_type", "t3.micro")),
            private_ip=str(item.get("private_ip", "10.0.1.10")),
            availability_zone=str(item.get("availability_zone", "us-east-1a")),
            metadata_options=options,
            tags=self.tags(item.get("tags"), f"{where}.tags"),
            user_data=item.get("user_data"),
            security_groups=self.strings(
                item.get("security_groups"), f"{where}.security_groups"
            ),
        )

    def _check_references(
        self,
        where: str,
        users: tuple[User, ...],
        groups: tuple[Group, ...],
        roles: tuple[Role, ...],
        policies: tuple[ManagedPolicy, ...],
        profiles: tuple[InstanceProfile, ...],
        instances: tuple[Instance, ...],
    ) -> None:
        policy_names = {p.name for p in policies}
        role_names = {r.name for r in roles}
        group_names = {g.name for g in groups}
        profile_names = {p.name for p in profiles}
        for kind, entities in (("users", users), ("groups", groups), ("roles", roles)):
            for entity in entities:
                for name in entity.managed_policies:
                    if not name.startswith("arn:") and name not in policy_names:
                        self.fail(
                            f"{where}.{kind}.{entity.name}.managed_policies",
                            f"no policy named {name!r} in this account (use an ARN for AWS managed policies)",
                        )
        for user in users:
            for group in user.groups:
                if group not in group_names:
                    self.fail(
                        f"{where}.users.{user.name}.groups", f"no group named {group!r}"
                    )
        for profile in profiles:
            if profile.role is not None and profile.role not in role_names:
                self.fail(
                    f"{where}.instance_profiles.{profile.name}.role",
                    f"no role named {profile.role!r}",
                )
        for instance in instances:
            if (
                instance.instance_profile is not None
                and instance.instance_profile not in profile_names
            ):
                self.fail(
                    f"{where}.instances.{instance.id}.instance_profile",
                    f"no instance profile named {instance.instance_profile!r}",
                )

    def organization(self, raw: object, account_ids: set[str]) -> Organization:
        item = self.mapping(raw, "$.organization")
        org_id = str(item.get("id", ""))
        if not re.match(r"^o-[a-z0-9]{10,32}$", org_id):
            self.fail(
                "$.organization.id",
                f"{org_id!r} is not an organization id (o- and 10-32 characters)",
            )
        policies = {
            str(name): self.policy(
                doc, f"$.organization.policies.{name}", PolicyKind.SCP
            )
            for name, doc in self.mapping(
                item.get("policies"), "$.organization.policies"
            ).items()
        }
        units = tuple(
            OrganizationalUnit(
                name=str(u.get("name", "")),
                accounts=tuple(str(a) for a in u.get("accounts") or ()),
                scps=self.strings(u.get("scps"), f"{at}.scps"),
            )
            for at, u in self.items(item.get("units"), "$.organization.units")
        )
        account_scps = {
            str(k): self.strings(v, f"$.organization.account_scps.{k}")
            for k, v in self.mapping(
                item.get("account_scps"), "$.organization.account_scps"
            ).items()
        }
        root_scps = self.strings(item.get("root_scps"), "$.organization.root_scps")
        for name in [
            *root_scps,
            *(n for u in units for n in u.scps),
            *(n for v in account_scps.values() for n in v),
        ]:
            if name not in policies:
                self.fail("$.organization", f"no SCP named {name!r} under policies")
        for unit in units:
            for account in unit.accounts:
                if account not in account_ids:
                    self.fail(
                        f"$.organization.units.{unit.name}",
                        f"no account {account!r} in the world",
                    )
        management = str(item.get("management_account", ""))
        if management not in account_ids:
            self.fail(
                "$.organization.management_account",
                f"no account {management!r} in the world",
            )
        declarative = tuple(
            self.declarative_policy(d, at, {u.name for u in units}, account_ids)
            for at, d in self.items(
                item.get("declarative_policies"), "$.organization.declarative_policies"
            )
        )
        return Organization(
            org_id,
            management,
            policies,
            root_scps,
            units,
            account_scps,
            declarative_policies=declarative,
        )

    def declarative_policy(
        self,
        item: Mapping[str, Any],
        where: str,
        unit_names: set[str],
        account_ids: set[str],
    ) -> DeclarativePolicy:
        content = self.mapping(item.get("content"), f"{where}.content")
        attributes = self.mapping(
            content.get("ec2_attributes"), f"{where}.content.ec2_attributes"
        )
        if not attributes:
            self.fail(f"{where}.content", "expected ec2_attributes")
        targets = self.strings(item.get("targets"), f"{where}.targets")
        for target in targets:
            if target != "root" and target not in unit_names | account_ids:
                self.fail(
                    f"{where}.targets",
                    f"{target!r} is not root, an OU name or an account in the world",
                )
        defaults = self.mapping(
            attributes.get("instance_metadata_defaults"),
            f"{where}.content.ec2_attributes.instance_metadata_defaults",
        )
        at = f"{where}.content.ec2_attributes.instance_metadata_defaults"
        for key, value in defaults.items():
            allowed = _DECLARATIVE_IMDS_VALUES.get(str(key))
            assigned = value.get("@@assign") if isinstance(value, Mapping) else None
            if allowed is None:
                self.fail(f"{at}.{key}", "not an instance_metadata_defaults attribute")
            elif not isinstance(value, Mapping) or "@@assign" not in value:
                self.fail(f"{at}.{key}", "expected a mapping with @@assign")
            elif allowed and str(assigned) not in allowed:
                self.fail(f"{at}.{key}", f"one of {', '.join(sorted(allowed))}")
            elif not allowed and not _hop_limit_value(assigned):
                self.fail(f"{at}.{key}", "an integer from -1 to 64 (not 0)")
        return DeclarativePolicy(
            name=str(item.get("name", "")), content=content, targets=targets
        )
