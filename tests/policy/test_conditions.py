"""Each condition operator family, its negation, qualifiers and missing-key rules."""

from __future__ import annotations

from typing import Any

import pytest

from gatehouse.policy import Decision

from .helpers import HOME_USER, allow, decide


def allowed_when(condition: dict[str, Any], context: dict[str, Any], **kw: Any) -> bool:
    evaluation = decide(
        principal=kw.pop("principal", HOME_USER),
        action="s3:GetObject",
        resource=kw.pop("resource", "arn:aws:s3:::bucket/key"),
        context=context,
        identity=[
            {
                "Version": kw.pop("version", "2012-10-17"),
                "Statement": [
                    allow("s3:GetObject", kw.pop("pattern", "*"), Condition=condition)
                ],
            }
        ],
    )
    return evaluation.decision is Decision.ALLOW


@pytest.mark.parametrize(
    ("operator", "policy_value", "request_value", "expected"),
    [
        ("StringEquals", "prod", "prod", True),
        ("StringEquals", "prod", "Prod", False),
        ("StringNotEquals", "prod", "dev", True),
        ("StringNotEquals", "prod", "prod", False),
        ("StringEqualsIgnoreCase", "prod", "PROD", True),
        ("StringNotEqualsIgnoreCase", "prod", "PROD", False),
        ("StringLike", "team-*", "team-blue", True),
        ("StringLike", "team-?", "team-ab", False),
        ("StringNotLike", "team-*", "ops", True),
        ("NumericEquals", "10", "10.0", True),
        ("NumericNotEquals", "10", "11", True),
        ("NumericLessThan", "3600", "3599", True),
        ("NumericLessThan", "3600", "3600", False),
        ("NumericLessThanEquals", "3600", "3600", True),
        ("NumericGreaterThan", "3", "4", True),
        ("NumericGreaterThanEquals", "3", "2", False),
        ("NumericEquals", "10", "ten", False),
        ("DateEquals", "2026-12-03T10:00:00Z", "1796292000", True),
        ("DateNotEquals", "2026-12-03T10:00:00Z", "2026-12-03T10:00:01Z", True),
        ("DateLessThan", "2026-12-03T10:00:00Z", "2026-12-03T09:00:00Z", True),
        (
            "DateLessThanEquals",
            "2026-12-03T10:00:00Z",
            "2026-12-03T10:00:00+00:00",
            True,
        ),
        ("DateGreaterThan", "2026-12-03", "2026-12-03T00:00:01Z", True),
        ("DateGreaterThanEquals", "1796292000", "2026-12-03T09:59:59Z", False),
        ("Bool", "true", "true", True),
        ("Bool", "true", "false", False),
        ("BinaryEquals", "QmluYXJ5", "QmluYXJ5", True),
        ("BinaryEquals", "QmluYXJ5", "T3RoZXI=", False),
        ("IpAddress", "203.0.113.0/24", "203.0.113.7", True),
        ("IpAddress", "203.0.113.0/24", "198.51.100.7", False),
        ("IpAddress", "2001:db8::/32", "2001:db8::1", True),
        ("NotIpAddress", "203.0.113.0/24", "198.51.100.7", True),
        (
            "ArnEquals",
            "arn:aws:iam::111111111111:role/*",
            "arn:aws:iam::111111111111:role/a",
            True,
        ),
        (
            "ArnLike",
            "arn:aws:iam::*:role/Audit",
            "arn:aws:iam::222222222222:role/Audit",
            True,
        ),
        (
            "ArnLike",
            "arn:aws:iam::1111*:role/x",
            "arn:aws:iam::111111111111:role/x",
            True,
        ),
        ("ArnLike", "arn:aws:*:role/x", "arn:aws:iam::111111111111:role/x", False),
        (
            "ArnNotEquals",
            "arn:aws:iam::111111111111:role/a",
            "arn:aws:iam::111111111111:role/b",
            True,
        ),
        (
            "ArnNotLike",
            "arn:aws:iam::*:role/a",
            "arn:aws:iam::111111111111:role/a",
            False,
        ),
    ],
)
def test_operator_families(
    operator: str, policy_value: str, request_value: str, expected: bool
) -> None:
    assert (
        allowed_when(
            {operator: {"test:key": policy_value}}, {"test:key": request_value}
        )
        is expected
    )


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ("StringEquals", False),
        ("StringNotEquals", True),
        ("StringLike", False),
        ("StringNotLike", True),
        ("NumericLessThan", False),
        ("NumericNotEquals", True),
        ("DateGreaterThan", False),
        ("DateNotEquals", True),
        ("Bool", False),
        ("IpAddress", False),
        ("NotIpAddress", True),
        ("ArnLike", False),
        ("ArnNotLike", True),
        ("StringEqualsIfExists", True),
        ("StringNotEqualsIfExists", True),
        ("NumericLessThanIfExists", True),
        ("ForAllValues:StringEquals", True),
        ("ForAnyValue:StringEquals", False),
        ("ForAllValues:StringNotEquals", True),
        ("ForAnyValue:StringNotEquals", False),
    ],
)
def test_a_missing_key(operator: str, expected: bool) -> None:
    value = (
        "1"
        if "Numeric" in operator
        else "2026-01-01T00:00:00Z"
        if "Date" in operator
        else (
            "10.0.0.0/8"
            if "Ip" in operator
            else "arn:aws:s3:::x"
            if "Arn" in operator
            else "true"
        )
    )
    assert allowed_when({operator: {"test:absent": value}}, {}) is expected


def test_null_checks_presence() -> None:
    assert allowed_when({"Null": {"aws:TokenIssueTime": "true"}}, {}) is True
    assert (
        allowed_when(
            {"Null": {"aws:TokenIssueTime": "true"}}, {"aws:TokenIssueTime": "x"}
        )
        is False
    )
    assert (
        allowed_when(
            {"Null": {"aws:TokenIssueTime": "false"}}, {"aws:TokenIssueTime": "x"}
        )
        is True
    )


def test_values_of_one_key_are_ored_and_keys_are_anded() -> None:
    condition = {
        "StringEquals": {
            "aws:RequestedRegion": ["eu-west-1", "eu-central-1"],
            "test:team": "blue",
        }
    }
    assert allowed_when(
        condition, {"aws:RequestedRegion": "eu-central-1", "test:team": "blue"}
    )
    assert not allowed_when(
        condition, {"aws:RequestedRegion": "us-east-1", "test:team": "blue"}
    )
    assert not allowed_when(
        condition, {"aws:RequestedRegion": "eu-west-1", "test:team": "red"}
    )


def test_operators_are_anded() -> None:
    condition = {
        "StringEquals": {"test:team": "blue"},
        "IpAddress": {"aws:SourceIp": "203.0.113.0/24"},
    }
    assert allowed_when(condition, {"test:team": "blue", "aws:SourceIp": "203.0.113.9"})
    assert not allowed_when(
        condition, {"test:team": "blue", "aws:SourceIp": "192.0.2.9"}
    )


def test_for_all_values_requires_every_request_value_to_match() -> None:
    condition = {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}}
    assert allowed_when(condition, {"aws:TagKeys": ["team", "env"]})
    assert allowed_when(condition, {"aws:TagKeys": []})
    assert not allowed_when(condition, {"aws:TagKeys": ["team", "owner"]})


def test_for_any_value_requires_one_request_value_to_match() -> None:
    condition = {"ForAnyValue:StringLike": {"aws:TagKeys": "cost-*"}}
    assert allowed_when(condition, {"aws:TagKeys": ["team", "cost-centre"]})
    assert not allowed_when(condition, {"aws:TagKeys": ["team"]})
    assert not allowed_when(condition, {"aws:TagKeys": []})


def test_negated_set_operators() -> None:
    all_not = {"ForAllValues:StringNotEquals": {"aws:TagKeys": ["secret"]}}
    any_not = {"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["secret"]}}
    assert allowed_when(all_not, {"aws:TagKeys": ["team", "env"]})
    assert not allowed_when(all_not, {"aws:TagKeys": ["team", "secret"]})
    assert allowed_when(any_not, {"aws:TagKeys": ["team", "secret"]})
    assert not allowed_when(any_not, {"aws:TagKeys": ["secret"]})


def test_policy_variables_in_resources() -> None:
    pattern = "arn:aws:s3:::home/${aws:username}/*"
    assert allowed_when(
        {}, {}, pattern=pattern, resource="arn:aws:s3:::home/alice/notes"
    )
    assert not allowed_when(
        {}, {}, pattern=pattern, resource="arn:aws:s3:::home/bob/notes"
    )


def test_policy_variables_are_literal_in_2008_policies() -> None:
    pattern = "arn:aws:s3:::home/${aws:username}/*"
    assert not allowed_when(
        {},
        {},
        pattern=pattern,
        resource="arn:aws:s3:::home/alice/notes",
        version="2008-10-17",
    )
    assert allowed_when(
        {},
        {},
        pattern=pattern,
        resource="arn:aws:s3:::home/${aws:username}/notes",
        version="2008-10-17",
    )


def test_policy_variables_in_condition_values_and_tags() -> None:
    condition = {"StringEquals": {"aws:ResourceTag/owner": "${aws:PrincipalTag/team}"}}
    context = {"aws:ResourceTag/owner": "blue", "aws:PrincipalTag/team": "blue"}
    assert allowed_when(condition, context)
    context["aws:PrincipalTag/team"] = "red"
    assert not allowed_when(condition, context)


def test_an_unresolved_variable_matches_nothing_unless_it_has_a_default() -> None:
    plain = {"StringEquals": {"test:team": "${aws:PrincipalTag/team}"}}
    defaulted = {"StringEquals": {"test:team": "${aws:PrincipalTag/team, 'shared'}"}}
    assert not allowed_when(plain, {"test:team": "shared"})
    assert allowed_when(defaulted, {"test:team": "shared"})


def test_escaped_wildcards_match_literally() -> None:
    condition = {"StringLike": {"test:path": "reports/${*}/x"}}
    assert allowed_when(condition, {"test:path": "reports/*/x"})
    assert not allowed_when(condition, {"test:path": "reports/2026/x"})


def test_derived_principal_keys() -> None:
    session = "arn:aws:sts::111111111111:assumed-role/Deploy/ci-42"
    role_arn = {
        "ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111111111111:role/Deploy"}
    }
    assert allowed_when(role_arn, {}, principal=session)
    assert allowed_when(
        {"StringEquals": {"aws:PrincipalType": "AssumedRole"}}, {}, principal=session
    )
    assert allowed_when(
        {"StringEquals": {"aws:PrincipalAccount": "111111111111"}},
        {},
        principal=session,
    )
    assert allowed_when({"StringEquals": {"aws:username": "alice"}}, {})
    assert allowed_when({"Null": {"aws:username": "true"}}, {}, principal=session)


def test_a_request_value_overrides_a_derived_key() -> None:
    assert allowed_when(
        {"StringEquals": {"aws:userid": "AIDAEXAMPLE"}}, {"aws:userid": "AIDAEXAMPLE"}
    )
