"""A deterministic, realistic corpus of IAM policies and requests for benchmarks.

Six accounts in one organization. Principals (users, roles, role sessions) carry
identity policies of 20-50 statements with wildcards, ARNs and conditions on the
source IP, the requested region, tags, dates and MFA; some have a permissions
boundary. Every account sits under two or three levels of service control
policies with Deny guards. Target resources carry their own policies: role trust
policies with ExternalId, SourceIdentity, PrincipalOrgID and MFA conditions
(some with IfExists), bucket policies and key policies.

A policy set is one principal facing one target (with that target's policy, if
any); the requests reuse a few hundred policy sets, so the same policies are
evaluated many times. Everything comes from one seeded random generator.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

JsonDict = dict[str, Any]

ORG_ID = "o-7example42"
ACCOUNTS = [
    f"{n:012d}"
    for n in (
        111122223333,
        222233334444,
        333344445555,
        444455556666,
        555566667777,
        666677778888,
    )
]
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]
ALLOWED_REGIONS = ["us-east-1", "eu-west-1"]
SOURCE_IPS = ["10.1.2.3", "10.200.4.5", "192.0.2.10", "203.0.113.5", "198.51.100.7"]
TIMES = ["2025-03-01T12:00:00Z", "2025-11-15T08:30:00Z", "2026-09-01T00:00:00Z"]
TEAMS = ["payments", "search", "platform", "data"]
ENVS = ["prod", "staging", "dev"]
BUCKETS = ["data", "logs", "reports", "backups"]
OBJECT_KEYS = ["reports/2025/q1.csv", "data/raw/a.json", "public/index.html", "tmp/x"]
TABLES = ["app-orders", "app-users", "audit"]
FUNCTIONS = ["svc-billing", "svc-search", "etl-nightly"]
QUEUES = ["jobs", "jobs-dlq", "events"]
ROLE_NAMES = ["AdminAccess", "ReadOnly", "Deployer", "AuditRole", "app-runner"]
USER_NAMES = ["alice", "bob", "carol", "dave", "erin", "frank"]
PARAMETERS = ["app/db-url", "app/feature-flags", "shared/region"]
SECRETS = ["app/db-password-AbCdEf", "ci/token-XyZ123"]
KEY_IDS = [
    "1234abcd-12ab-34cd-56ef-1234567890ab",
    "0987dcba-09fe-87dc-65ba-ab0987654321",
]


def _bucket(account: str, name: str) -> str:
    return f"acme-{account[-4:]}-{name}"


# Each action with how to name one concrete resource for it. Actions without
# resource-level permissions take "*".
ResourceFn = Callable[[random.Random, str, str], str]

ACTIONS: dict[str, ResourceFn] = {
    "s3:GetObject": lambda r, a, g: (
        f"arn:aws:s3:::{_bucket(a, r.choice(BUCKETS))}/{r.choice(OBJECT_KEYS)}"
    ),
    "s3:PutObject": lambda r, a, g: (
        f"arn:aws:s3:::{_bucket(a, r.choice(BUCKETS))}/{r.choice(OBJECT_KEYS)}"
    ),
    "s3:DeleteObject": lambda r, a, g: (
        f"arn:aws:s3:::{_bucket(a, r.choice(BUCKETS))}/{r.choice(OBJECT_KEYS)}"
    ),
    "s3:ListBucket": lambda r, a, g: f"arn:aws:s3:::{_bucket(a, r.choice(BUCKETS))}",
    "s3:ListAllMyBuckets": lambda r, a, g: "*",
    "ec2:DescribeInstances": lambda r, a, g: "*",
    "ec2:StartInstances": lambda r, a, g: (
        f"arn:aws:ec2:{g}:{a}:instance/i-0{r.randrange(16**6):06x}"
    ),
    "ec2:StopInstances": lambda r, a, g: (
        f"arn:aws:ec2:{g}:{a}:instance/i-0{r.randrange(16**6):06x}"
    ),
    "ec2:TerminateInstances": lambda r, a, g: (
        f"arn:aws:ec2:{g}:{a}:instance/i-0{r.randrange(16**6):06x}"
    ),
    "dynamodb:GetItem": lambda r, a, g: (
        f"arn:aws:dynamodb:{g}:{a}:table/{r.choice(TABLES)}"
    ),
    "dynamodb:PutItem": lambda r, a, g: (
        f"arn:aws:dynamodb:{g}:{a}:table/{r.choice(TABLES)}"
    ),
    "dynamodb:Query": lambda r, a, g: (
        f"arn:aws:dynamodb:{g}:{a}:table/{r.choice(TABLES)}"
    ),
    "kms:Decrypt": lambda r, a, g: f"arn:aws:kms:{g}:{a}:key/{r.choice(KEY_IDS)}",
    "kms:Encrypt": lambda r, a, g: f"arn:aws:kms:{g}:{a}:key/{r.choice(KEY_IDS)}",
    "kms:GenerateDataKey": lambda r, a, g: (
        f"arn:aws:kms:{g}:{a}:key/{r.choice(KEY_IDS)}"
    ),
    "lambda:InvokeFunction": lambda r, a, g: (
        f"arn:aws:lambda:{g}:{a}:function:{r.choice(FUNCTIONS)}"
    ),
    "sqs:SendMessage": lambda r, a, g: f"arn:aws:sqs:{g}:{a}:{r.choice(QUEUES)}",
    "sqs:ReceiveMessage": lambda r, a, g: f"arn:aws:sqs:{g}:{a}:{r.choice(QUEUES)}",
    "logs:PutLogEvents": lambda r, a, g: (
        f"arn:aws:logs:{g}:{a}:log-group:/app/{r.choice(FUNCTIONS)}:log-stream:s1"
    ),
    "secretsmanager:GetSecretValue": lambda r, a, g: (
        f"arn:aws:secretsmanager:{g}:{a}:secret:{r.choice(SECRETS)}"
    ),
    "ssm:GetParameter": lambda r, a, g: (
        f"arn:aws:ssm:{g}:{a}:parameter/{r.choice(PARAMETERS)}"
    ),
    "iam:GetRole": lambda r, a, g: f"arn:aws:iam::{a}:role/{r.choice(ROLE_NAMES)}",
    "iam:PassRole": lambda r, a, g: f"arn:aws:iam::{a}:role/{r.choice(ROLE_NAMES)}",
}

ACTION_PATTERNS = [
    *ACTIONS,
    "s3:Get*",
    "s3:*",
    "s3:List*",
    "ec2:Describe*",
    "ec2:*Instances",
    "dynamodb:*",
    "dynamodb:Get*",
    "kms:*",
    "kms:Decrypt",
    "lambda:Invoke*",
    "sqs:*",
    "logs:*",
    "iam:Get*",
    "iam:PassRole",
    "ssm:GetParameter*",
    "secretsmanager:*",
    "sts:AssumeRole",
    "sts:AssumeRole",
    "sts:*",
]


def _resource_patterns(r: random.Random, account: str) -> list[str]:
    bucket = _bucket(account, r.choice(BUCKETS))
    return [
        f"arn:aws:s3:::{bucket}/*",
        f"arn:aws:s3:::{bucket}",
        f"arn:aws:s3:::acme-{account[-4:]}-*/reports/*",
        f"arn:aws:s3:::{bucket}/public/*",
        f"arn:aws:ec2:*:{account}:instance/*",
        f"arn:aws:dynamodb:*:{account}:table/app-*",
        f"arn:aws:dynamodb:us-east-1:{account}:table/{r.choice(TABLES)}",
        f"arn:aws:kms:*:{account}:key/*",
        f"arn:aws:lambda:*:{account}:function:svc-*",
        f"arn:aws:sqs:*:{account}:jobs*",
        f"arn:aws:logs:*:{account}:log-group:/app/*",
        f"arn:aws:ssm:*:{account}:parameter/app/*",
        f"arn:aws:secretsmanager:*:{account}:secret:app/*",
        f"arn:aws:iam::{account}:role/app-*",
        "arn:aws:iam::*:role/ReadOnly",
        "arn:aws:iam::*:role/*",
        "*",
    ]


def _identity_condition(r: random.Random, deny: bool) -> JsonDict:
    options: list[JsonDict] = [
        {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.0.2.0/24"]}},
        {"StringEquals": {"aws:RequestedRegion": ALLOWED_REGIONS}},
        {"StringEqualsIfExists": {"aws:ResourceTag/team": r.choice(TEAMS)}},
        {"StringEquals": {"aws:ResourceTag/env": r.sample(ENVS, 2)}},
        {"StringLike": {"aws:PrincipalTag/project": "proj-*"}},
        {"DateLessThan": {"aws:CurrentTime": "2026-06-30T00:00:00Z"}},
        {"DateGreaterThan": {"aws:CurrentTime": "2025-01-01T00:00:00Z"}},
        {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        {"Bool": {"aws:SecureTransport": "true"}},
    ]
    if deny:
        options = [
            {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}},
            {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
            {"StringNotEquals": {"aws:RequestedRegion": ALLOWED_REGIONS}},
            {"StringEquals": {"aws:ResourceTag/env": "prod"}},
        ]
    merged: JsonDict = {}
    for choice in r.sample(options, r.choice([1, 1, 2])):
        for operator, body in choice.items():
            merged.setdefault(operator, {}).update(body)
    return merged


def _identity_statement(r: random.Random, account: str, index: int) -> JsonDict:
    deny = r.random() < 0.15
    actions = r.sample(ACTION_PATTERNS, r.randint(1, 4))
    statement: JsonDict = {
        "Sid": f"S{index}",
        "Effect": "Deny" if deny else "Allow",
        "Action": actions if len(actions) > 1 else actions[0],
        "Resource": r.sample(_resource_patterns(r, account), r.randint(1, 3)),
    }
    if r.random() < (0.8 if deny else 0.45):
        statement["Condition"] = _identity_condition(r, deny)
    return statement


def identity_policies(r: random.Random, account: str) -> list[JsonDict]:
    """20-50 statements spread over one to three policies."""
    count = r.randint(20, 50)
    statements = [_identity_statement(r, account, i) for i in range(count)]
    parts = r.randint(1, 3)
    size = -(-count // parts)
    return [
        {"Version": "2012-10-17", "Statement": statements[i : i + size]}
        for i in range(0, count, size)
    ]


def boundary_policy() -> JsonDict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "s3:*",
                    "dynamodb:*",
                    "kms:Decrypt",
                    "sts:AssumeRole",
                    "logs:*",
                    "ec2:Describe*",
                    "sqs:*",
                    "lambda:InvokeFunction",
                ],
                "Resource": "*",
            },
            {"Effect": "Deny", "Action": "iam:*", "Resource": "*"},
        ],
    }


def scp_levels(r: random.Random, account: str) -> list[list[JsonDict]]:
    """Root, an OU, and sometimes the account: every level must allow."""
    full = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    region_guard = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyOutsideRegions",
                "Effect": "Deny",
                "NotAction": ["iam:*", "sts:*", "s3:ListAllMyBuckets"],
                "Resource": "*",
                "Condition": {
                    "StringNotEquals": {"aws:RequestedRegion": ALLOWED_REGIONS}
                },
            }
        ],
    }
    ou_guard = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ProtectDestructive",
                "Effect": "Deny",
                "Action": ["ec2:TerminateInstances", "s3:DeleteObject"],
                "Resource": "*",
                "Condition": {
                    "ArnNotLike": {
                        "aws:PrincipalArn": "arn:aws:iam::*:role/AdminAccess"
                    }
                },
            },
            {
                "Sid": "DenyKmsOutsideOrg",
                "Effect": "Deny",
                "Action": "kms:*",
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": ORG_ID}},
            },
        ],
    }
    levels = [[full, region_guard], [full, ou_guard]]
    if r.random() < 0.5:
        levels.append(
            [
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "AllowList",
                            "Effect": "Allow",
                            "Action": [
                                "s3:*",
                                "dynamodb:*",
                                "kms:*",
                                "sts:*",
                                "logs:*",
                                "lambda:*",
                                "sqs:*",
                                "ec2:*",
                                "iam:*",
                                "ssm:*",
                            ],
                            "Resource": "*",
                        }
                    ],
                }
            ]
        )
    return levels


def trust_policy(r: random.Random, owner: str, external_id: str) -> JsonDict:
    trusted = r.choice([a for a in ACCOUNTS if a != owner])
    conditions: JsonDict = {"StringEquals": {"sts:ExternalId": external_id}}
    extra = r.random()
    if extra < 0.3:
        conditions["Bool"] = {"aws:MultiFactorAuthPresent": "true"}
    elif extra < 0.55:
        conditions["StringEquals"]["aws:PrincipalOrgID"] = ORG_ID
    elif extra < 0.75:
        conditions["StringLikeIfExists"] = {"sts:SourceIdentity": "admin-*"}
    statements: list[JsonDict] = [
        {
            "Sid": "VendorAccess",
            "Effect": "Allow",
            "Principal": {"AWS": [f"arn:aws:iam::{trusted}:root", owner]},
            "Action": "sts:AssumeRole",
            "Condition": conditions,
        },
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        },
    ]
    if r.random() < 0.3:
        statements.append(
            {
                "Sid": "DenyWithoutMfaIfKnown",
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "sts:AssumeRole",
                "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def bucket_policy(r: random.Random, owner: str, bucket: str) -> JsonDict:
    reader = r.choice(ACCOUNTS)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadFromPartner",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{reader}:root"},
                "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            },
            {
                "Sid": "WritersInOrg",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{owner}:role/Deployer"},
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG_ID}},
            },
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }


def key_policy(r: random.Random, owner: str) -> JsonDict:
    user = r.choice([a for a in ACCOUNTS if a != owner])
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EnableIamPolicies",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{owner}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "PartnerDecrypt",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{user}:role/app-runner"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": "*",
            },
        ],
    }


@dataclass
class Principal:
    arn: str
    account: str
    kind: str  # "user", "role" or "session"
    identity: list[JsonDict]
    boundary: JsonDict | None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def principal_arn(self) -> str:
        """aws:PrincipalArn: for a session, the role's ARN."""
        if self.kind != "session":
            return self.arn
        role = self.arn.split("/")[1]
        return f"arn:aws:iam::{self.account}:role/{role}"


def principals(r: random.Random, count: int) -> list[Principal]:
    out = []
    for i in range(count):
        account = r.choice(ACCOUNTS)
        kind = r.choices(["user", "role", "session"], weights=[40, 45, 15])[0]
        if kind == "user":
            arn = f"arn:aws:iam::{account}:user/{r.choice(USER_NAMES)}{i}"
        elif kind == "role":
            arn = f"arn:aws:iam::{account}:role/{r.choice(ROLE_NAMES)}"
        else:
            arn = f"arn:aws:sts::{account}:assumed-role/{r.choice(ROLE_NAMES)}/s{i}"
        boundary = boundary_policy() if r.random() < 0.2 else None
        tags = {"project": r.choice(["proj-alpha", "proj-beta", "misc"])}
        out.append(
            Principal(arn, account, kind, identity_policies(r, account), boundary, tags)
        )
    return out


def corpus(*, seed: int, policy_sets: int, requests: int) -> JsonDict:
    """Policy sets and requests as plain JSON, the input of every engine."""
    r = random.Random(seed)
    people = principals(r, max(20, policy_sets // 4))
    scps = {account: scp_levels(r, account) for account in ACCOUNTS}
    sets = [_policy_set(r, i, r.choice(people), scps) for i in range(policy_sets)]
    reqs = [_request(r, i, r.choice(sets), people) for i in range(requests)]
    return {"policy_sets": sets, "requests": reqs}


def _policy_set(
    r: random.Random, index: int, who: Principal, scps: dict[str, list[list[JsonDict]]]
) -> JsonDict:
    target = r.choices(
        ["identity", "bucket", "trust", "key"], weights=[40, 25, 22, 13]
    )[0]
    owner = r.choice([who.account, who.account, r.choice(ACCOUNTS)])
    resource_policy: JsonDict | None = None
    external_id = f"ext-{r.randrange(10**6):06d}"
    resource = ""
    if target == "bucket":
        resource = _bucket(owner, r.choice(BUCKETS))
        resource_policy = bucket_policy(r, owner, resource)
    elif target == "trust":
        resource = f"arn:aws:iam::{owner}:role/{r.choice(ROLE_NAMES)}"
        resource_policy = trust_policy(r, owner, external_id)
    elif target == "key":
        resource = r.choice(KEY_IDS)
        resource_policy = key_policy(r, owner)
    return {
        "id": index,
        "kind": target,
        "principal": who.arn,
        "principal_kind": who.kind,
        "principal_arn": who.principal_arn,
        "principal_account": who.account,
        "principal_tags": who.tags,
        "identity": who.identity,
        "boundary": who.boundary,
        "scps": scps[who.account],
        "resource_policy": resource_policy,
        "resource_owner": owner,
        "target": resource,
        "external_id": external_id,
    }


def _request(
    r: random.Random, index: int, ps: JsonDict, people: list[Principal]
) -> JsonDict:
    region = r.choice(REGIONS)
    owner = ps["resource_owner"]
    kind = ps["kind"]
    if kind == "trust":
        action, resource = "sts:AssumeRole", ps["target"]
    elif kind == "bucket":
        action = r.choice(
            ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:DeleteObject"]
        )
        key = "" if action == "s3:ListBucket" else "/" + r.choice(OBJECT_KEYS)
        resource = f"arn:aws:s3:::{ps['target']}{key}"
    elif kind == "key":
        action = r.choice(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"])
        resource = f"arn:aws:kms:{region}:{owner}:key/{ps['target']}"
    else:
        # KMS keys always carry a key policy: their requests belong to "key" sets.
        action = r.choice([a for a in ACTIONS if not a.startswith("kms:")])
        owner = ps["principal_account"]
        resource = ACTIONS[action](r, owner, region)
    return {
        "id": index,
        "set": ps["id"],
        "principal": ps["principal"],
        "action": action,
        "resource": resource,
        "resource_account": owner,
        "context": _context(r, ps, region, kind),
    }


def _context(r: random.Random, ps: JsonDict, region: str, kind: str) -> dict[str, str]:
    context = {
        "aws:SecureTransport": "false" if r.random() < 0.05 else "true",
        "aws:CurrentTime": r.choice(TIMES),
        "aws:SourceIp": r.choice(SOURCE_IPS),
        "aws:RequestedRegion": region,
        "aws:PrincipalOrgID": ORG_ID,
        "aws:PrincipalArn": ps["principal_arn"],
        "aws:PrincipalAccount": ps["principal_account"],
        "aws:ResourceTag/team": r.choice(TEAMS),
        "aws:ResourceTag/env": r.choice(ENVS),
    }
    for key, value in ps["principal_tags"].items():
        context[f"aws:PrincipalTag/{key}"] = value
    if r.random() < 0.7:
        context["aws:MultiFactorAuthPresent"] = r.choice(["true", "false"])
    if kind == "trust":
        pick = r.random()
        if pick < 0.6:
            context["sts:ExternalId"] = ps["external_id"]
        elif pick < 0.85:
            context["sts:ExternalId"] = "wrong-id"
        if r.random() < 0.4:
            context["sts:SourceIdentity"] = r.choice(["admin-jo", "ci-bot"])
    return context
