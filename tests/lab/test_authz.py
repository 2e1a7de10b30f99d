"""The authorizer gathers a caller's policies from the state as AWS would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gatehouse.lab.authz import Authorizer
from gatehouse.lab.identity import Caller, CallerKind, Origin, RoleRef
from gatehouse.lab.seed import seed
from gatehouse.lab.state import Kind, LabState
from gatehouse.lab.world import load_world
from gatehouse.policy import Decision

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


@pytest.fixture
def authorizer(tmp_path: Path) -> Authorizer:
    state = LabState(tmp_path / "lab.sqlite3")
    seed(state, load_world())
    return Authorizer(state)


def user(name: str, account: str = "111111111111") -> Caller:
    return Caller(
        access_key_id="AKIAEXAMPLEEXAMPLE01",
        kind=CallerKind.IAM_USER,
        account=account,
        arn=f"arn:aws:iam::{account}:user/{name}",
        user_id="AIDAEXAMPLEEXAMPLE012",
        name=name,
        origin=Origin.ACCESS_KEY,
        secret_access_key="x" * 40,
        user_name=name,
    )


def session(role: str, account: str, issued: datetime) -> Caller:
    return Caller(
        access_key_id="ASIAEXAMPLEEXAMPLE01",
        kind=CallerKind.ASSUMED_ROLE,
        account=account,
        arn=f"arn:aws:sts::{account}:assumed-role/{role}/s1",
        user_id="AROAEXAMPLEEXAMPLE012:s1",
        name="s1",
        origin=Origin.ASSUME_ROLE,
        secret_access_key="x" * 40,
        session_token="token",
        role=RoleRef(
            role,
            f"arn:aws:iam::{account}:role/{role}",
            "AROAEXAMPLEEXAMPLE012",
            account,
        ),
        issued=issued,
        expiration=issued + timedelta(hours=1),
    )


def decide(
    authorizer: Authorizer, caller: Caller, action: str, resource: str = "*"
) -> Decision:
    return authorizer.authorize(
        caller,
        action=action,
        resource=resource,
        now=NOW,
        source_ip="127.0.0.1",
        region="us-east-1",
    ).decision


def test_group_policies_apply_to_their_members(authorizer: Authorizer) -> None:
    assert decide(authorizer, user("alice"), "iam:ListUsers") is Decision.ALLOW
    assert decide(authorizer, user("alice"), "iam:CreateUser") is Decision.IMPLICIT_DENY


def test_scps_of_a_member_account_bind_even_its_administrator(
    authorizer: Authorizer,
) -> None:
    instance = "arn:aws:ec2:us-east-1:111111111111:instance/*"
    evaluation = authorizer.authorize(
        user("admin"),
        action="ec2:RunInstances",
        resource=instance,
        now=NOW,
        source_ip="127.0.0.1",
        region="us-east-1",
        context={"ec2:MetadataHttpTokens": "optional"},
    )
    assert evaluation.decision is Decision.EXPLICIT_DENY
    elsewhere = "arn:aws:ec2:us-east-1:444444444444:instance/*"
    assert (
        decide(authorizer, user("admin", "444444444444"), "ec2:RunInstances", elsewhere)
        is Decision.ALLOW
    )


def test_a_revocation_policy_cuts_off_earlier_sessions_of_the_role(
    authorizer: Authorizer,
) -> None:
    state = authorizer.state
    role = state.get("111111111111", Kind.ROLE, "ReleaseRole")
    assert role is not None
    revoke = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {
                "DateLessThan": {"aws:TokenIssueTime": "2026-12-03T11:00:00Z"}
            },
        },
    }
    doc = {
        **role.doc,
        "inline_policies": {
            **role.doc["inline_policies"],
            "AWSRevokeOlderSessions": revoke,
        },
    }
    with state.write() as w:
        w.put(role.__class__(role.account, role.kind, role.name, role.id, doc))

    obj = "arn:aws:s3:::home-releases/v1.tar"
    early = session("ReleaseRole", "111111111111", NOW - timedelta(hours=2))
    late = session("ReleaseRole", "111111111111", NOW - timedelta(minutes=30))
    assert decide(authorizer, early, "s3:GetObject", obj) is Decision.EXPLICIT_DENY
    assert decide(authorizer, late, "s3:GetObject", obj) is Decision.ALLOW
