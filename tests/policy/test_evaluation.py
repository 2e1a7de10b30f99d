"""AWS's evaluation order: explicit deny, SCP levels, RCPs, grants and their limits."""

from __future__ import annotations

from gatehouse.policy import Decision

from .helpers import HOME_USER, allow, decide, deny, doc

BUCKET_OBJECT = "arn:aws:s3:::reports/q4.csv"
SESSION = "arn:aws:sts::111111111111:assumed-role/Analyst/s1"
ROLE = "arn:aws:iam::111111111111:role/Analyst"
OUTSIDER = "arn:aws:iam::333333333333:user/mallory"


def test_no_policy_means_implicit_deny() -> None:
    assert (
        decide(principal=HOME_USER, action="s3:GetObject").decision
        is Decision.IMPLICIT_DENY
    )


def test_an_explicit_deny_beats_any_allow() -> None:
    evaluation = decide(
        principal=HOME_USER,
        action="s3:GetObject",
        resource=BUCKET_OBJECT,
        identity=[
            doc(allow("s3:*")),
            doc(deny("s3:GetObject", "arn:aws:s3:::reports/*")),
        ],
    )
    assert evaluation.decision is Decision.EXPLICIT_DENY
    assert evaluation.deciding[0].policy_name == "policy"


def test_actions_match_case_insensitively_with_wildcards() -> None:
    evaluation = decide(
        principal=HOME_USER, action="s3:GetObject", identity=[doc(allow("S3:get*"))]
    )
    assert evaluation.decision is Decision.ALLOW


def test_not_action_and_not_resource_invert_the_match() -> None:
    everything_but_iam = doc(
        {
            "Effect": "Allow",
            "NotAction": "iam:*",
            "NotResource": "arn:aws:s3:::secret/*",
        }
    )
    ok = decide(
        principal=HOME_USER,
        action="s3:GetObject",
        resource=BUCKET_OBJECT,
        identity=[everything_but_iam],
    )
    iam = decide(
        principal=HOME_USER, action="iam:CreateUser", identity=[everything_but_iam]
    )
    secret = decide(
        principal=HOME_USER,
        action="s3:GetObject",
        resource="arn:aws:s3:::secret/key",
        identity=[everything_but_iam],
    )
    assert ok.decision is Decision.ALLOW
    assert iam.decision is Decision.IMPLICIT_DENY
    assert secret.decision is Decision.IMPLICIT_DENY


def test_every_scp_level_must_allow() -> None:
    full = doc(allow("*"))
    s3_only = doc(allow("s3:*"))
    allowed = decide(
        principal=HOME_USER,
        action="s3:GetObject",
        identity=[doc(allow("*"))],
        scps=[[full], [s3_only], [full]],
    )
    blocked = decide(
        principal=HOME_USER,
        action="ec2:RunInstances",
        identity=[doc(allow("*"))],
        scps=[[full], [s3_only], [full]],
    )
    empty_level = decide(
        principal=HOME_USER,
        action="s3:GetObject",
        identity=[doc(allow("*"))],
        scps=[[full], []],
    )
    assert allowed.decision is Decision.ALLOW
    assert blocked.decision is Decision.IMPLICIT_DENY
    assert "level 1" in blocked.reason
    assert empty_level.decision is Decision.IMPLICIT_DENY


def test_an_scp_never_grants_on_its_own() -> None:
    evaluation = decide(
        principal=HOME_USER, action="s3:GetObject", scps=[[doc(allow("*"))]]
    )
    assert evaluation.decision is Decision.IMPLICIT_DENY


def test_an_scp_deny_cannot_be_overridden() -> None:
    evaluation = decide(
        principal=HOME_USER,
        action="ec2:ModifyInstanceMetadataOptions",
        identity=[doc(allow("*"))],
        scps=[[doc(allow("*"), deny("ec2:ModifyInstanceMetadataOptions"))]],
    )
    assert evaluation.decision is Decision.EXPLICIT_DENY


def test_rcps_only_deny() -> None:
    rcp = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {
                    "StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}
                },
            }
        ],
    }
    inside = decide(
        principal=HOME_USER,
        action="s3:GetObject",
        resource=BUCKET_OBJECT,
        context={"aws:PrincipalOrgID": "o-a1b2c3d4e5"},
        identity=[doc(allow("s3:*"))],
        rcps=[[rcp]],
    )
    outside = decide(
        principal=HOME_USER,
        action="s3:GetObject",
        resource=BUCKET_OBJECT,
        identity=[doc(allow("s3:*"))],
        rcps=[[rcp]],
        context={"aws:PrincipalOrgID": "o-zzzzzzzzzz"},
    )
    assert inside.decision is Decision.ALLOW
    assert outside.decision is Decision.EXPLICIT_DENY


def test_a_permissions_boundary_caps_identity_grants() -> None:
    evaluation = decide(
        principal=HOME_USER,
        action="iam:CreateUser",
        identity=[doc(allow("*"))],
        boundaries=[doc(allow("s3:*"))],
    )
    assert evaluation.decision is Decision.IMPLICIT_DENY
    assert "boundary" in evaluation.reason


def test_a_session_policy_caps_the_roles_permissions() -> None:
    evaluation = decide(
        principal=SESSION,
        action="s3:PutObject",
        resource=BUCKET_OBJECT,
        identity=[doc(allow("s3:*"))],
        session=[doc(allow("s3:GetObject"))],
    )
    assert evaluation.decision is Decision.IMPLICIT_DENY
    assert "session policy" in evaluation.reason


def bucket_policy(principal: object) -> dict[str, object]:
    return doc(
        {
            "Effect": "Allow",
            "Principal": principal,
            "Action": "s3:GetObject",
            "Resource": BUCKET_OBJECT,
        }
    )


def test_same_account_grant_to_the_session_arn_is_not_capped_by_the_session_policy() -> (
    None
):
    evaluation = decide(
        principal=SESSION,
        action="s3:GetObject",
        resource=BUCKET_OBJECT,
        resource_account="111111111111",
        resource_policy=bucket_policy({"AWS": SESSION}),
        session=[doc(allow("ec2:*"))],
    )
    assert evaluation.decision is Decision.ALLOW


def test_same_account_grant_to_the_role_arn_is_capped_by_the_session_policy() -> None:
    capped = decide(
        principal=SESSION,
        action="s3:GetObject",
        resource=BUCKET_OBJECT,
        resource_account="111111111111",
        resource_policy=bucket_policy({"AWS": ROLE}),
        session=[doc(allow("ec2:*"))],
    )
    free = decide(
        principal=SESSION,
        action="s3:GetObject",
        resource=BUCKET_OBJECT,
        resource_account="111111111111",
        resource_policy=bucket_policy({"AWS": ROLE}),
    )
    assert capped.decision is Decision.IMPLICIT_DENY
    assert free.decision is Decision.ALLOW


def test_same_account_grant_to_a_user_arn_needs_no_identity_policy() -> None:
    evaluation = decide(
        principal=HOME_USER,
        action="s3:GetObject",
        resource=BUCKET_OBJECT,
        resource_account="111111111111",
        resource_policy=bucket_policy({"AWS": HOME_USER}),
        boundaries=[doc(allow("ec2:*"))],
    )
    assert evaluation.decision is Decision.ALLOW


def test_cross_account_access_needs_both_sides() -> None:
    resource_only = decide(
        principal=OUTSIDER,
        action="s3:GetObject",
        resource=BUCKET_OBJECT,
        resource_account="111111111111",
        resource_policy=bucket_policy({"AWS": OUTSIDER}),
    )
    identity_only = decide(
        principal=OUTSIDER,
        action="s3:GetObject",
        resource=BUCKET_OBJECT,
        resource_account="111111111111",
        identity=[doc(allow("s3:GetObject"))],
    )
    both = decide(
        principal=OUTSIDER,
        action="s3:GetObject",
        resource=BUCKET_OBJECT,
        resource_account="111111111111",
        identity=[doc(allow("s3:GetObject"))],
        resource_policy=bucket_policy({"AWS": "333333333333"}),
    )
    assert resource_only.decision is Decision.IMPLICIT_DENY
    assert identity_only.decision is Decision.IMPLICIT_DENY
    assert both.decision is Decision.ALLOW


def test_service_principals_are_granted_by_the_resource_policy() -> None:
    policy = doc(
        {
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::trail-bucket/AWSLogs/*",
        }
    )
    ok = decide(
        principal="cloudtrail.amazonaws.com",
        action="s3:PutObject",
        resource="arn:aws:s3:::trail-bucket/AWSLogs/111111111111/x.json.gz",
        resource_policy=policy,
    )
    other = decide(
        principal="ec2.amazonaws.com",
        action="s3:PutObject",
        resource="arn:aws:s3:::trail-bucket/AWSLogs/111111111111/x.json.gz",
        resource_policy=policy,
    )
    assert ok.decision is Decision.ALLOW
    assert other.decision is Decision.IMPLICIT_DENY


def test_not_principal_deny_spares_only_identities_listed_with_their_account() -> None:
    def with_not_principal(listed: list[str]) -> Decision:
        policy = doc(
            {
                "Effect": "Deny",
                "NotPrincipal": {"AWS": listed},
                "Action": "s3:GetObject",
                "Resource": BUCKET_OBJECT,
            }
        )
        return decide(
            principal=SESSION,
            action="s3:GetObject",
            resource=BUCKET_OBJECT,
            resource_account="111111111111",
            identity=[doc(allow("s3:*"))],
            resource_policy=policy,
        ).decision

    assert with_not_principal([SESSION]) is Decision.EXPLICIT_DENY
    assert with_not_principal([SESSION, ROLE, "111111111111"]) is Decision.ALLOW


def test_get_caller_identity_needs_no_permission_and_cannot_be_denied() -> None:
    evaluation = decide(
        principal=SESSION, action="sts:GetCallerIdentity", identity=[doc(deny("*"))]
    )
    assert evaluation.decision is Decision.ALLOW


def test_the_root_user_has_every_permission_in_its_account_but_obeys_scps() -> None:
    root = "arn:aws:iam::111111111111:root"
    assert decide(principal=root, action="iam:CreateUser").decision is Decision.ALLOW
    capped = decide(
        principal=root, action="iam:CreateUser", scps=[[doc(allow("s3:*"))]]
    )
    assert capped.decision is Decision.IMPLICIT_DENY


def test_the_explanation_names_the_unmet_condition() -> None:
    evaluation = decide(
        principal=HOME_USER,
        action="s3:GetObject",
        identity=[
            doc(
                allow(
                    "s3:GetObject",
                    Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
                )
            )
        ],
        context={"aws:SourceIp": "192.0.2.1"},
    )
    as_json = evaluation.to_json()
    assert as_json["decision"] == "ImplicitDeny"
    unmet = as_json["unmet_conditions"][0]["conditions"][0]
    assert unmet == {
        "operator": "IpAddress",
        "key": "aws:SourceIp",
        "policy_values": ["203.0.113.0/24"],
        "context_values": ["192.0.2.1"],
        "holds": False,
    }
    assert "aws:SourceIp" in evaluation.explain()


def test_no_policy_can_grant_changes_to_aws_reserved_resources() -> None:
    admin = [doc(allow("*"))]
    managed = decide(
        principal=HOME_USER,
        action="iam:CreatePolicyVersion",
        resource="arn:aws:iam::aws:policy/AdministratorAccess",
        identity=admin,
    )
    sso_role = decide(
        principal=HOME_USER,
        action="iam:UpdateAssumeRolePolicy",
        resource="arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_1",
        identity=admin,
    )
    alias = decide(
        principal=HOME_USER,
        action="kms:DeleteAlias",
        resource="arn:aws:kms:us-east-1:111111111111:alias/aws/s3",
        identity=admin,
    )
    reading = decide(
        principal=HOME_USER,
        action="iam:GetPolicy",
        resource="arn:aws:iam::aws:policy/AdministratorAccess",
        identity=admin,
    )
    assert (
        managed.decision
        is sso_role.decision
        is alias.decision
        is Decision.IMPLICIT_DENY
    )
    assert "AWS managed policy" in managed.reason
    assert reading.decision is Decision.ALLOW
