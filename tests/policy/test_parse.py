"""Validation reports every problem at once, each with its JSON location."""

from __future__ import annotations

import pytest

from gatehouse.policy import (
    PolicyKind,
    PolicyParseError,
    Severity,
    lint_policy,
    parse_policy,
)


def codes_at(
    document: object, kind: PolicyKind = PolicyKind.IDENTITY
) -> set[tuple[str, str]]:
    return {(p.code, p.location) for p in lint_policy(document, kind=kind)}  # type: ignore[arg-type]


def test_every_problem_is_reported_at_once_with_its_location() -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Permit", "Action": "s3:GetObject", "Resource": "*"},
            {"Effect": "Allow", "Action": "s3 GetObject", "Resource": "bucket"},
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {
                    "StringEqualz": {"aws:username": "a"},
                    "NumericLessThan": {"test:n": "ten"},
                    "Bool": {"aws:SecureTransport": "yes"},
                    "IpAddress": {"aws:SourceIp": "300.1.1.1/8"},
                    "DateGreaterThan": {"aws:CurrentTime": "yesterday"},
                },
            },
        ],
    }
    assert codes_at(document) == {
        ("effect-invalid", "$.Statement[0].Effect"),
        ("action-format", "$.Statement[1].Action"),
        ("resource-format", "$.Statement[1].Resource"),
        ("condition-operator-unknown", "$.Statement[2].Condition.StringEqualz"),
        ("condition-value-type", '$.Statement[2].Condition.NumericLessThan["test:n"]'),
        (
            "condition-value-type",
            '$.Statement[2].Condition.Bool["aws:SecureTransport"]',
        ),
        ("condition-value-type", '$.Statement[2].Condition.IpAddress["aws:SourceIp"]'),
        (
            "condition-value-type",
            '$.Statement[2].Condition.DateGreaterThan["aws:CurrentTime"]',
        ),
    }


def test_parse_policy_raises_with_all_problems() -> None:
    with pytest.raises(PolicyParseError) as raised:
        parse_policy(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow"}, {"Action": "*"}],
            }
        )
    codes = [p.code for p in raised.value.problems]
    assert codes == [
        "action-missing",
        "resource-missing",
        "effect-missing",
        "resource-missing",
    ]


def test_json_syntax_errors_name_line_and_column() -> None:
    problems = lint_policy('{"Version": "2012-10-17",\n "Statement": [}')
    assert problems[0].code == "json-syntax"
    assert "line 2" in problems[0].message


@pytest.mark.parametrize(
    ("principal", "code"),
    [
        ({"AWS": "arn:aws:iam::2222222222*:root"}, "principal-wildcard"),
        ({"AWS": "arn:aws:iam::*:role/Vendor"}, "principal-wildcard"),
        ({"AWS": "22222222222"}, "principal-format"),
        ({"AWS": "arn:aws:iam::222222222222:group/admins"}, "principal-format"),
        ({"Service": "ec2.*.com"}, "principal-wildcard"),
        ({"Aws": "222222222222"}, "principal-type-unknown"),
        ({"CanonicalUser": "abc"}, "principal-format"),
        ("arn:aws:iam::222222222222:root", "value-type"),
    ],
)
def test_principal_problems(principal: object, code: str) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
        ],
    }
    assert code in {p.code for p in lint_policy(document, kind=PolicyKind.TRUST)}


@pytest.mark.parametrize(
    "principal",
    [
        "*",
        {"AWS": "*"},
        {"AWS": "222222222222"},
        {
            "AWS": [
                "arn:aws:iam::222222222222:root",
                "arn:aws:iam::222222222222:role/path/R",
            ]
        },
        {"AWS": "arn:aws:sts::222222222222:assumed-role/R/session"},
        {"AWS": "arn:aws:sts::222222222222:federated-user/bob"},
        {"Service": "ec2.amazonaws.com"},
        {"Federated": "arn:aws:iam::111111111111:saml-provider/Okta"},
        {"Federated": "cognito-identity.amazonaws.com"},
        {
            "CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
        },
    ],
)
def test_valid_principals(principal: object) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
        ],
    }
    assert lint_policy(document, kind=PolicyKind.TRUST) == []


def test_identity_policies_cannot_name_principals_and_need_resources() -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:*"},
    }
    assert codes_at(document) == {
        ("principal-forbidden", "$.Statement.Principal"),
        ("resource-missing", "$.Statement"),
    }


def test_trust_policies_take_no_resource_and_no_not_principal() -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Deny",
            "NotPrincipal": {"AWS": "222222222222"},
            "Action": "sts:AssumeRole",
            "Resource": "*",
        },
    }
    assert codes_at(document, PolicyKind.TRUST) == {
        ("resource-forbidden", "$.Statement.Resource"),
        ("principal-forbidden", "$.Statement.NotPrincipal"),
    }


def test_conflicting_and_unknown_elements() -> None:
    document = {
        "Version": "2012-10-17",
        "Statment": [],
        "Statement": [
            {
                "Sid": "A",
                "Effect": "Allow",
                "Action": "s3:*",
                "NotAction": "iam:*",
                "Resource": "*",
            },
            {
                "Sid": "A",
                "Effect": "Allow",
                "Action": "s3:*",
                "Resource": "*",
                "Resources": "*",
            },
        ],
    }
    assert codes_at(document) == {
        ("unknown-element", "$"),
        ("action-conflict", "$.Statement[0]"),
        ("unknown-element", "$.Statement[1]"),
        ("sid-duplicate", "$.Statement[1].Sid"),
    }


def test_version_rules() -> None:
    missing = lint_policy(
        {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}
    )
    assert [(p.code, p.severity) for p in missing] == [
        ("version-missing", Severity.WARNING)
    ]
    wrong = lint_policy(
        {
            "Version": "2012-10-18",
            "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"},
        }
    )
    assert [p.code for p in wrong] == ["version-invalid"]
    old = lint_policy(
        {
            "Version": "2008-10-17",
            "Statement": {
                "Effect": "Allow",
                "Action": "*",
                "Resource": "arn:aws:s3:::${aws:username}",
            },
        }
    )
    assert [(p.code, p.severity) for p in old] == [
        ("variable-version", Severity.WARNING)
    ]


def test_null_takes_no_qualifiers() -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Action": "*",
            "Resource": "*",
            "Condition": {
                "ForAllValues:Null": {"aws:TagKeys": "true"},
                "NullIfExists": {"a:b": "true"},
            },
        },
    }
    assert {p.code for p in lint_policy(document)} == {"condition-operator-unknown"}


def test_malformed_policy_variable() -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Action": "*",
            "Resource": "arn:aws:s3:::${username}/*",
        },
    }
    assert codes_at(document) == {("variable-syntax", "$.Statement.Resource")}
