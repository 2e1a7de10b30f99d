"""Resources AWS reserves for itself: no policy can grant changes to them.

- AWS managed policies (`arn:aws:iam::aws:policy/…`) are maintained by AWS; no
  account can create, version, delete or tag them.
- Roles under `/aws-reserved/` are created and maintained by IAM Identity Center;
  IAM refuses every change to them, and passing them to a service.
- KMS aliases that begin with `alias/aws/` belong to AWS managed keys; no
  account can create, point or delete them.
"""

from __future__ import annotations

from dataclasses import dataclass

from gatehouse.policy.wildcard import compile_arn


@dataclass(frozen=True)
class Reservation:
    resource_pattern: str
    actions: frozenset[str]
    owner: str


_POLICY_WRITES = frozenset(
    {
        "iam:createpolicy",
        "iam:createpolicyversion",
        "iam:deletepolicy",
        "iam:deletepolicyversion",
        "iam:setdefaultpolicyversion",
        "iam:tagpolicy",
        "iam:untagpolicy",
    }
)
_ROLE_WRITES = frozenset(
    {
        "iam:attachrolepolicy",
        "iam:createrole",
        "iam:createservicelinkedrole",
        "iam:deleterole",
        "iam:deleterolepermissionsboundary",
        "iam:deleterolepolicy",
        "iam:deleteservicelinkedrole",
        "iam:detachrolepolicy",
        "iam:passrole",
        "iam:putrolepermissionsboundary",
        "iam:putrolepolicy",
        "iam:tagrole",
        "iam:untagrole",
        "iam:updateassumerolepolicy",
        "iam:updaterole",
        "iam:updateroledescription",
    }
)
_ALIAS_WRITES = frozenset({"kms:createalias", "kms:deletealias", "kms:updatealias"})

RESERVATIONS = (
    Reservation("arn:*:iam::aws:policy/*", _POLICY_WRITES, "an AWS managed policy"),
    Reservation(
        "arn:*:iam::*:role/aws-reserved/*", _ROLE_WRITES, "an IAM Identity Center role"
    ),
    Reservation(
        "arn:*:kms:*:*:alias/aws/*", _ALIAS_WRITES, "an AWS managed key's alias"
    ),
)
_MATCHERS = tuple((compile_arn(r.resource_pattern), r) for r in RESERVATIONS)


def reserved_by_aws(action: str, resource: str) -> Reservation | None:
    """The reservation that forbids `action` on `resource`, if any."""
    lowered = action.lower()
    for matches, reservation in _MATCHERS:
        if lowered in reservation.actions and matches(resource):
            return reservation
    return None
