"""A policy set that remembers what it worked out answers exactly as a fresh one."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from gatehouse.policy import (
    Decision,
    Evaluation,
    PolicySet,
    Request,
    evaluate,
    make_request,
    parse_policy,
)

from .helpers import HOME_USER, allow, deny, doc

TEAM_TAG = "aws:PrincipalTag/team"
ACTIONS = [
    "s3:GetObject",
    "S3:getobject",
    "s3:PutObject",
    "iam:GetRole",
    "ec2:RunInstances",
]
RESOURCES = [
    "arn:aws:s3:::bucket/blue/a",
    "arn:aws:s3:::bucket/red/b",
    "arn:aws:iam::111111111111:role/r",
    "*",
]
PATTERNS = [
    "*",
    "arn:aws:s3:::bucket/*",
    "arn:aws:s3:::bucket/${aws:PrincipalTag/team}/*",
    "arn:aws:iam::*:role/*",
]
CONDITIONS: list[dict[str, Any]] = [
    {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
    {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}},
    {"StringLike": {"s3:prefix": "${aws:PrincipalTag/team}/*"}},
    {"StringEqualsIfExists": {TEAM_TAG: "blue"}},
    {"Null": {TEAM_TAG: "true"}},
    {"ForAnyValue:StringLike": {TEAM_TAG: "re*"}},
]


@st.composite
def statement(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"])),
        draw(st.sampled_from(["Action", "Action", "NotAction"])): draw(
            st.sampled_from(
                [["s3:Get*"], ["S3:GetObject", "iam:*"], ["*"], ["s3*:Put*"], ["ec2:*"]]
            )
        ),
        draw(st.sampled_from(["Resource", "Resource", "NotResource"])): draw(
            st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=2, unique=True)
        ),
    }
    if draw(st.booleans()):
        out["Condition"] = draw(st.sampled_from(CONDITIONS))
    return out


def build(request: dict[str, Any]) -> Request:
    context = {
        key: value
        for key, value in {
            "aws:SourceIp": request["ip"],
            "aws:RequestedRegion": request["region"],
            TEAM_TAG: request["team"],
            "s3:prefix": request["prefix"],
        }.items()
        if value is not None
    }
    return make_request(
        principal=HOME_USER,
        action=request["action"],
        resource=request["resource"],
        context=context,
    )


requests = st.fixed_dictionaries(
    {
        "action": st.sampled_from(ACTIONS),
        "resource": st.sampled_from(RESOURCES),
        "ip": st.sampled_from([None, "10.1.2.3", "203.0.113.9"]),
        "region": st.sampled_from([None, "eu-west-1", "ap-southeast-2"]),
        "team": st.sampled_from([None, "blue", "red"]),
        "prefix": st.sampled_from([None, "blue/x", "red/y"]),
    }
)


def policy_set(documents: list[dict[str, Any]], *, remember: bool) -> PolicySet:
    # Read leniently: a wildcard in the service part ("s3*:Put*") is refused by
    # IAM but still read, and leaves a statement unindexed by service.
    identity = [
        parse_policy(d, name=f"p{i}", strict=False) for i, d in enumerate(documents)
    ]
    return PolicySet.of(identity=identity, remember_outcomes=remember)


def answer(evaluation: Evaluation) -> tuple[Any, ...]:
    return (
        evaluation.decision,
        evaluation.denied_by,
        evaluation.to_json(),
        evaluation.explain(),
    )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(statement(), min_size=1, max_size=5).map(lambda s: doc(*s)),
        min_size=1,
        max_size=2,
    ),
    st.lists(requests, min_size=1, max_size=12),
    st.booleans(),
)
def test_a_policy_set_that_has_answered_before_answers_as_a_fresh_one(
    documents: list[dict[str, Any]], asked: list[dict[str, Any]], remember: bool
) -> None:
    used = policy_set(documents, remember=remember)
    for request in asked:
        built = build(request)
        fresh = evaluate(built, policy_set(documents, remember=remember))
        assert answer(evaluate(built, used)) == answer(fresh)


def test_a_repeated_request_is_answered_from_the_outcome_cache() -> None:
    policies = PolicySet.of(
        identity=[
            parse_policy(doc(allow("s3:GetObject", Condition=CONDITIONS[0])), name="ip")
        ]
    )
    inside = {"aws:SourceIp": "10.1.2.3", "aws:RequestedRegion": "eu-west-1"}
    request = make_request(
        principal=HOME_USER, action="s3:GetObject", resource="arn:aws:s3:::b/k"
    )

    first = evaluate(build_with(request, inside), policies)
    sizes = policies.cache_sizes()
    # A key no statement reads changes nothing; the source IP is read.
    again = evaluate(
        build_with(request, {**inside, "aws:RequestedRegion": "us-east-1"}), policies
    )
    assert policies.cache_sizes() == sizes
    outside = evaluate(
        build_with(request, {**inside, "aws:SourceIp": "192.0.2.1"}), policies
    )

    assert first.decision is again.decision is Decision.ALLOW
    assert outside.decision is Decision.IMPLICIT_DENY
    assert policies.cache_sizes()["outcomes"] == sizes["outcomes"] + 1
    assert [m.describe() for m in again.deciding] == [
        "Allow Statement[0] in identity policy 'ip'"
    ]


def build_with(request: Request, context: dict[str, str]) -> Request:
    return make_request(
        principal=request.principal,
        action=request.action,
        resource=request.resource,
        context=context,
    )


def test_statements_are_found_by_service_whatever_the_case_or_wildcards() -> None:
    document = doc(
        allow("S3:GetObject"),
        allow("s3*:List*"),
        {"Effect": "Deny", "NotAction": "s3*", "Resource": "*"},
        deny("iam:Get*", Condition={"Bool": {"aws:SecureTransport": "false"}}),
    )
    policies = PolicySet.of(identity=[parse_policy(document, strict=False)])

    def decide(action: str) -> Decision:
        request = make_request(principal=HOME_USER, action=action, resource="*")
        return evaluate(request, policies).decision

    assert decide("s3:getobject") is Decision.ALLOW
    assert decide("S3:GETOBJECT") is Decision.ALLOW
    assert decide("s3-outposts:ListRegionalBuckets") is Decision.ALLOW
    assert decide("s3:PutObject") is Decision.IMPLICIT_DENY
    assert decide("iam:GetRole") is Decision.EXPLICIT_DENY
    assert decide("ec2:RunInstances") is Decision.EXPLICIT_DENY
