"""Properties that hold for every policy: denies never grant, allows never deny."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from gatehouse.policy import Decision, PolicySet, evaluate, make_request, parse_policy

SERVICES = ["s3", "iam", "sts", "ec2"]
VERBS = ["Get*", "GetObject", "PutObject", "List*", "*", "AssumeRole", "RunInstances"]
RESOURCES = [
    "*",
    "arn:aws:s3:::bucket/*",
    "arn:aws:s3:::bucket/a",
    "arn:aws:iam::111111111111:role/*",
]
KEYS = ["aws:SourceIp", "aws:RequestedRegion", "aws:PrincipalTag/team"]
OPERATORS = {
    "aws:SourceIp": (["IpAddress", "NotIpAddress"], ["10.0.0.0/8", "203.0.113.0/24"]),
    "aws:RequestedRegion": (
        ["StringEquals", "StringNotEquals", "StringLike"],
        ["eu-*", "us-east-1"],
    ),
    "aws:PrincipalTag/team": (
        ["StringEqualsIfExists", "ForAnyValue:StringEquals", "ForAllValues:StringLike"],
        ["blue", "red*"],
    ),
}


@st.composite
def statements(draw: st.DrawFn, effect: str | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": effect or draw(st.sampled_from(["Allow", "Deny"])),
        draw(st.sampled_from(["Action", "NotAction"])): [
            f"{draw(st.sampled_from(SERVICES))}:{draw(st.sampled_from(VERBS))}"
            for _ in range(draw(st.integers(1, 3)))
        ],
        draw(st.sampled_from(["Resource", "NotResource"])): draw(
            st.sampled_from(RESOURCES)
        ),
    }
    if draw(st.booleans()):
        key = draw(st.sampled_from(KEYS))
        operators, values = OPERATORS[key]
        statement["Condition"] = {
            draw(st.sampled_from(operators)): {key: draw(st.sampled_from(values))}
        }
    return statement


def policies(
    statement_strategy: st.SearchStrategy[dict[str, Any]],
) -> st.SearchStrategy[dict[str, Any]]:
    return st.lists(statement_strategy, min_size=1, max_size=6).map(
        lambda s: {"Version": "2012-10-17", "Statement": s}
    )


requests = st.builds(
    lambda action, resource, ip, region, team: make_request(
        principal="arn:aws:iam::111111111111:user/alice",
        action=action,
        resource=resource,
        context={
            k: v
            for k, v in {
                "aws:SourceIp": ip,
                "aws:RequestedRegion": region,
                "aws:PrincipalTag/team": team,
            }.items()
            if v is not None
        },
    ),
    st.sampled_from(
        [
            "s3:GetObject",
            "s3:PutObject",
            "iam:CreateUser",
            "sts:AssumeRole",
            "ec2:RunInstances",
        ]
    ),
    st.sampled_from(
        [
            "arn:aws:s3:::bucket/a",
            "arn:aws:s3:::other/b",
            "arn:aws:iam::111111111111:role/r",
        ]
    ),
    st.sampled_from([None, "10.1.2.3", "203.0.113.9", "192.0.2.1"]),
    st.sampled_from([None, "eu-west-1", "us-east-1"]),
    st.sampled_from([None, "blue", "red-team"]),
)


def decision(documents: list[dict[str, Any]], request: Any) -> Decision:
    return evaluate(
        request, PolicySet.of(identity=[parse_policy(d) for d in documents])
    ).decision


@settings(max_examples=300, deadline=None)
@given(policies(statements()), statements(effect="Deny"), requests)
def test_adding_a_deny_never_turns_a_denial_into_an_allow(
    base: dict[str, Any], extra: dict[str, Any], request: Any
) -> None:
    before = decision([base], request)
    after = decision([{**base, "Statement": [*base["Statement"], extra]}], request)
    if before is not Decision.ALLOW:
        assert after is not Decision.ALLOW


@settings(max_examples=300, deadline=None)
@given(policies(statements(effect="Allow")), statements(effect="Allow"), requests)
def test_adding_an_allow_never_turns_an_allow_into_a_denial(
    base: dict[str, Any], extra: dict[str, Any], request: Any
) -> None:
    before = decision([base], request)
    after = decision([{**base, "Statement": [*base["Statement"], extra]}], request)
    if before is Decision.ALLOW:
        assert after is Decision.ALLOW


@settings(max_examples=300, deadline=None)
@given(policies(statements()))
def test_parse_serialize_parse_is_stable(document: dict[str, Any]) -> None:
    first = parse_policy(document)
    second = parse_policy(first.to_json())
    assert first == second
    assert second.to_json() == first.to_json()
