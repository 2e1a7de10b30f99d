"""Security claims about role trust policies: the confused deputy and its guards."""

from __future__ import annotations

import pytest

from gatehouse.policy import Decision, PolicyKind

from .helpers import (
    AUDIT_ROLE,
    HOME_USER,
    VENDOR_ROLE,
    VENDOR_SESSION,
    allow,
    decide,
    doc,
    trust,
    vendor_assumes,
)

EXTERNAL_ID = "7f3c9e21-customer-111111111111"
WITH_EXTERNAL_ID = trust(
    {"AWS": VENDOR_ROLE}, {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}
)


def test_vendor_with_the_right_external_id_can_assume_the_audit_role() -> None:
    assert (
        vendor_assumes(WITH_EXTERNAL_ID, {"sts:ExternalId": EXTERNAL_ID})
        is Decision.ALLOW
    )


def test_vendor_without_the_external_id_cannot_assume_the_audit_role() -> None:
    assert vendor_assumes(WITH_EXTERNAL_ID) is Decision.IMPLICIT_DENY


def test_vendor_with_a_wrong_external_id_cannot_assume_the_audit_role() -> None:
    assert (
        vendor_assumes(WITH_EXTERNAL_ID, {"sts:ExternalId": "guess"})
        is Decision.IMPLICIT_DENY
    )


def test_external_id_comparison_is_case_sensitive_with_string_equals() -> None:
    context = {"sts:ExternalId": EXTERNAL_ID.upper()}
    assert vendor_assumes(WITH_EXTERNAL_ID, context) is Decision.IMPLICIT_DENY


def test_condition_key_names_are_case_insensitive() -> None:
    policy = trust(
        {"AWS": VENDOR_ROLE}, {"StringEquals": {"STS:EXTERNALID": EXTERNAL_ID}}
    )
    assert vendor_assumes(policy, {"sts:externalid": EXTERNAL_ID}) is Decision.ALLOW


def test_string_equals_ignore_case_accepts_a_differently_cased_external_id() -> None:
    policy = trust(
        {"AWS": VENDOR_ROLE},
        {"StringEqualsIgnoreCase": {"sts:ExternalId": EXTERNAL_ID}},
    )
    assert (
        vendor_assumes(policy, {"sts:ExternalId": EXTERNAL_ID.upper()})
        is Decision.ALLOW
    )


def test_if_exists_lets_a_caller_without_an_external_id_through() -> None:
    # The weak form: StringEqualsIfExists is true when the key is absent.
    policy = trust(
        {"AWS": VENDOR_ROLE}, {"StringEqualsIfExists": {"sts:ExternalId": EXTERNAL_ID}}
    )
    assert vendor_assumes(policy) is Decision.ALLOW
    assert vendor_assumes(policy, {"sts:ExternalId": "guess"}) is Decision.IMPLICIT_DENY


def test_for_all_values_lets_a_caller_without_an_external_id_through() -> None:
    # ForAllValues over a missing key is vacuously true.
    policy = trust(
        {"AWS": VENDOR_ROLE},
        {"ForAllValues:StringEquals": {"sts:ExternalId": EXTERNAL_ID}},
    )
    assert vendor_assumes(policy) is Decision.ALLOW


def test_string_like_star_demands_only_that_some_external_id_is_sent() -> None:
    policy = trust({"AWS": VENDOR_ROLE}, {"StringLike": {"sts:ExternalId": "*"}})
    assert vendor_assumes(policy) is Decision.IMPLICIT_DENY
    assert vendor_assumes(policy, {"sts:ExternalId": "anything"}) is Decision.ALLOW


def test_deny_with_string_not_equals_on_a_missing_external_id_denies() -> None:
    # A negated operator is true when the key is missing, so the Deny applies.
    policy = doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": VENDOR_ROLE},
            "Action": "sts:AssumeRole",
        },
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sts:AssumeRole",
            "Condition": {"StringNotEquals": {"sts:ExternalId": EXTERNAL_ID}},
        },
    )
    assert vendor_assumes(policy) is Decision.EXPLICIT_DENY
    assert vendor_assumes(policy, {"sts:ExternalId": EXTERNAL_ID}) is Decision.ALLOW


def test_trusting_only_the_vendor_account_still_needs_the_vendors_own_permission() -> (
    None
):
    policy = trust({"AWS": "222222222222"})
    granted = decide(
        principal=VENDOR_SESSION,
        action="sts:AssumeRole",
        resource=AUDIT_ROLE,
        resource_policy=policy,
        resource_kind=PolicyKind.TRUST,
    )
    assert granted.decision is Decision.IMPLICIT_DENY
    assert "identity-based policy" in granted.reason


def test_a_trust_policy_naming_the_role_matches_its_sessions() -> None:
    assert vendor_assumes(trust({"AWS": VENDOR_ROLE})) is Decision.ALLOW


def test_a_trust_policy_naming_another_role_does_not_match() -> None:
    policy = trust({"AWS": "arn:aws:iam::222222222222:role/OtherRole"})
    assert vendor_assumes(policy) is Decision.IMPLICIT_DENY


def test_an_account_id_and_its_root_arn_are_the_same_principal() -> None:
    by_id = trust({"AWS": "222222222222"})
    by_arn = trust({"AWS": "arn:aws:iam::222222222222:root"})
    assert vendor_assumes(by_id) is vendor_assumes(by_arn) is Decision.ALLOW


def test_principal_star_trusts_every_caller_in_every_account() -> None:
    assert vendor_assumes(trust("*")) is Decision.ALLOW


def test_principal_org_id_limits_a_star_trust_to_the_organization() -> None:
    policy = trust("*", {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}})
    assert vendor_assumes(policy) is Decision.IMPLICIT_DENY
    assert (
        vendor_assumes(policy, {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}) is Decision.ALLOW
    )
    assert (
        vendor_assumes(policy, {"aws:PrincipalOrgID": "o-zzzzzzzzzz"})
        is Decision.IMPLICIT_DENY
    )


def test_same_account_user_named_in_the_trust_policy_needs_no_identity_policy() -> None:
    evaluation = decide(
        principal=HOME_USER,
        action="sts:AssumeRole",
        resource=AUDIT_ROLE,
        resource_policy=trust({"AWS": HOME_USER}),
        resource_kind=PolicyKind.TRUST,
    )
    assert evaluation.decision is Decision.ALLOW


def test_same_account_trust_of_the_account_alone_needs_an_identity_policy() -> None:
    without = decide(
        principal=HOME_USER,
        action="sts:AssumeRole",
        resource=AUDIT_ROLE,
        resource_policy=trust({"AWS": "111111111111"}),
        resource_kind=PolicyKind.TRUST,
    )
    with_policy = decide(
        principal=HOME_USER,
        action="sts:AssumeRole",
        resource=AUDIT_ROLE,
        identity=[doc(allow("sts:AssumeRole", AUDIT_ROLE))],
        resource_policy=trust({"AWS": "111111111111"}),
        resource_kind=PolicyKind.TRUST,
    )
    assert without.decision is Decision.IMPLICIT_DENY
    assert with_policy.decision is Decision.ALLOW


def test_an_identity_policy_alone_cannot_assume_a_role_its_trust_policy_refuses() -> (
    None
):
    evaluation = decide(
        principal=HOME_USER,
        action="sts:AssumeRole",
        resource=AUDIT_ROLE,
        identity=[doc(allow("sts:AssumeRole", AUDIT_ROLE))],
        resource_policy=trust({"AWS": "arn:aws:iam::111111111111:user/bob"}),
        resource_kind=PolicyKind.TRUST,
    )
    assert evaluation.decision is Decision.IMPLICIT_DENY


def test_set_source_identity_is_its_own_action() -> None:
    policy = trust({"AWS": VENDOR_ROLE})
    evaluation = decide(
        principal=VENDOR_SESSION,
        action="sts:SetSourceIdentity",
        resource=AUDIT_ROLE,
        identity=[doc(allow("sts:*", "*"))],
        resource_policy=policy,
        resource_kind=PolicyKind.TRUST,
    )
    assert evaluation.decision is Decision.IMPLICIT_DENY

    both = trust(
        {"AWS": VENDOR_ROLE}, action=["sts:AssumeRole", "sts:SetSourceIdentity"]
    )
    evaluation = decide(
        principal=VENDOR_SESSION,
        action="sts:SetSourceIdentity",
        resource=AUDIT_ROLE,
        identity=[doc(allow("sts:*", "*"))],
        resource_policy=both,
        resource_kind=PolicyKind.TRUST,
    )
    assert evaluation.decision is Decision.ALLOW


@pytest.mark.parametrize(
    ("issued", "decision"),
    [
        ("2026-12-03T09:59:59Z", Decision.EXPLICIT_DENY),
        ("2026-12-03T10:00:01Z", Decision.ALLOW),
    ],
)
def test_token_issue_time_revocation_cuts_off_only_earlier_sessions(
    issued: str, decision: Decision
) -> None:
    revoke = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {
                "DateLessThan": {"aws:TokenIssueTime": "2026-12-03T10:00:00Z"}
            },
        },
    }
    evaluation = decide(
        principal="arn:aws:sts::111111111111:assumed-role/AuditRole/s1",
        action="s3:GetObject",
        resource="arn:aws:s3:::audit-logs/2026/12/03.json",
        context={"aws:TokenIssueTime": issued},
        identity=[doc(allow("s3:GetObject", "arn:aws:s3:::audit-logs/*")), revoke],
    )
    assert evaluation.decision is decision


def test_revocation_does_not_touch_long_term_keys_which_have_no_token_issue_time() -> (
    None
):
    revoke = doc(
        {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {
                "DateLessThan": {"aws:TokenIssueTime": "2026-12-03T10:00:00Z"}
            },
        }
    )
    evaluation = decide(
        principal=HOME_USER,
        action="s3:GetObject",
        resource="arn:aws:s3:::audit-logs/a",
        identity=[doc(allow("s3:GetObject")), revoke],
    )
    assert evaluation.decision is Decision.ALLOW


def test_mfa_deny_with_bool_false_misses_long_term_keys() -> None:
    # aws:MultiFactorAuthPresent is absent for long-term keys, so a Deny on
    # Bool false does not fire; BoolIfExists false does.
    weak = deny_unless_mfa("Bool")
    strong = deny_unless_mfa("BoolIfExists")
    policy_allow = doc(allow("ec2:TerminateInstances"))
    resource = "arn:aws:ec2:us-east-1:111111111111:instance/i-0abc"
    weak_result = decide(
        principal=HOME_USER,
        action="ec2:TerminateInstances",
        resource=resource,
        identity=[policy_allow, weak],
    )
    strong_result = decide(
        principal=HOME_USER,
        action="ec2:TerminateInstances",
        resource=resource,
        identity=[policy_allow, strong],
    )
    assert weak_result.decision is Decision.ALLOW
    assert strong_result.decision is Decision.EXPLICIT_DENY


def deny_unless_mfa(operator: str) -> dict[str, object]:
    return doc(
        {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {operator: {"aws:MultiFactorAuthPresent": "false"}},
        }
    )
