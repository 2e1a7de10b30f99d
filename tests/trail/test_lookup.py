"""LookupEvents answers as AWS defines it in botocore's CloudTrail model."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import botocore.session
import pytest

from gatehouse.trail import (
    EventIndex,
    InvalidEventCategoryException,
    InvalidLookupAttributesException,
    InvalidMaxResultsException,
    InvalidNextTokenException,
    InvalidTimeRangeException,
    LookupEventsError,
    Resource,
    lookup_events,
    records_for_call,
)

from .helpers import (
    CALLER_ACCOUNT,
    OWNER_ACCOUNT,
    REGION,
    T0,
    assume_role,
    iam_user,
    role_session,
)

NOW = T0 + timedelta(days=1)


def build_index(count: int = 7) -> EventIndex:
    """`count` AssumeRole calls a minute apart, plus other events, in one account."""
    index = EventIndex()
    for i in range(count):
        index.add_records(
            records_for_call(
                replace(assume_role(), event_time=T0 + timedelta(minutes=i))
            )
        )
    whoami = replace(
        assume_role(),
        event_name="GetCallerIdentity",
        identity=role_session(session="i-0abc"),
        request_parameters=None,
        response=None,
        resources=(),
        owner_account_id=None,
        event_time=T0 + timedelta(hours=1),
    )
    index.add_records(records_for_call(whoami))
    index.add_records(
        records_for_call(
            replace(whoami, aws_region="eu-west-1", event_name="Elsewhere")
        )
    )
    return index


def lookup(index: EventIndex, **request: Any) -> dict[str, Any]:
    return lookup_events(
        index, account_id=CALLER_ACCOUNT, region=REGION, request=request, now=NOW
    )


def test_newest_first_and_only_the_callers_account_and_region() -> None:
    events = lookup(build_index())["Events"]

    assert [e["EventName"] for e in events] == ["GetCallerIdentity"] + [
        "AssumeRole"
    ] * 7
    times = [e["EventTime"] for e in events]
    assert times == sorted(times, reverse=True)
    other = lookup_events(
        build_index(), account_id=OWNER_ACCOUNT, region=REGION, request={}, now=NOW
    )
    assert other["Events"] == []


def test_event_fields_follow_the_model() -> None:
    event = lookup(
        build_index(),
        MaxResults=1,
        LookupAttributes=[
            {"AttributeKey": "EventName", "AttributeValue": "AssumeRole"}
        ],
    )["Events"][0]

    model = botocore.session.get_session().get_service_model("cloudtrail")
    assert set(event) <= set(model.shape_for("Event").members)
    assert event["ReadOnly"] == "true"
    assert event["Username"] == "alice"
    assert event["AccessKeyId"] == "AKIAEXAMPLEALICE0001"
    assert event["Resources"] == [
        {
            "ResourceType": "AWS::IAM::Role",
            "ResourceName": "arn:aws:iam::111111111111:role/audit",
        }
    ]
    record = json.loads(event["CloudTrailEvent"])
    assert record["eventID"] == event["EventId"]
    assert event["EventTime"] == T0 + timedelta(minutes=6)


def test_response_parses_with_botocore() -> None:
    """Serialized as the JSON protocol does, the answer parses as LookupEventsResponse."""
    from botocore.parsers import create_parser

    answer = lookup(build_index(), MaxResults=2)
    body = json.dumps(answer, default=lambda d: d.timestamp()).encode()
    model = botocore.session.get_session().get_service_model("cloudtrail")
    shape = model.operation_model("LookupEvents").output_shape
    parsed = create_parser("json").parse(
        {"status_code": 200, "headers": {}, "body": body}, shape
    )
    assert len(parsed["Events"]) == 2
    assert parsed["Events"][0]["EventTime"].tzinfo is not None
    assert "NextToken" in parsed


@pytest.mark.parametrize(
    ("key", "value", "names"),
    [
        ("EventName", "GetCallerIdentity", ["GetCallerIdentity"]),
        (
            "EventSource",
            "sts.amazonaws.com",
            ["GetCallerIdentity"] + ["AssumeRole"] * 7,
        ),
        ("ReadOnly", "false", []),
        ("Username", "i-0abc", ["GetCallerIdentity"]),
        ("Username", "alice", ["AssumeRole"] * 7),
        ("AccessKeyId", "ASIAEXAMPLESESSION01", ["GetCallerIdentity"]),
        ("ResourceType", "AWS::IAM::Role", ["AssumeRole"] * 7),
        ("ResourceName", "arn:aws:iam::111111111111:role/audit", ["AssumeRole"] * 7),
        ("ResourceName", "arn:aws:iam::111111111111:role/other", []),
    ],
)
def test_each_lookup_attribute_filters(key: str, value: str, names: list[str]) -> None:
    attrs = [{"AttributeKey": key, "AttributeValue": value}]
    events = lookup(build_index(), LookupAttributes=attrs)["Events"]
    assert [e["EventName"] for e in events] == names


def test_event_id_lookup_finds_exactly_that_event() -> None:
    index = build_index()
    some = lookup(index)["Events"][3]
    attrs = [{"AttributeKey": "EventId", "AttributeValue": some["EventId"]}]
    assert lookup(index, LookupAttributes=attrs)["Events"] == [some]


def test_time_range_is_inclusive() -> None:
    start, end = T0 + timedelta(minutes=2), T0 + timedelta(minutes=4)
    events = lookup(build_index(), StartTime=start, EndTime=end)["Events"]
    assert [e["EventTime"] for e in events] == [end, T0 + timedelta(minutes=3), start]
    epoch = lookup(build_index(), StartTime=start.timestamp(), EndTime=end.timestamp())
    assert len(epoch["Events"]) == 3


def test_events_older_than_90_days_are_gone() -> None:
    index = build_index()
    later = lookup_events(
        index,
        account_id=CALLER_ACCOUNT,
        region=REGION,
        request={},
        now=T0 + timedelta(days=90, minutes=3, seconds=30),
    )
    assert [e["EventTime"] for e in later["Events"]][-1] == T0 + timedelta(minutes=4)


def test_pages_cover_everything_once() -> None:
    index = build_index(count=23)
    seen: list[str] = []
    request: dict[str, Any] = {"MaxResults": 5}
    pages = 0
    while True:
        answer = lookup(index, **request)
        pages += 1
        seen.extend(e["EventId"] for e in answer["Events"])
        if "NextToken" not in answer:
            break
        request = {"MaxResults": 5, "NextToken": answer["NextToken"]}
    assert pages == 5
    assert len(seen) == len(set(seen)) == 24


def test_default_page_is_50() -> None:
    index = build_index(count=60)
    answer = lookup(index)
    assert len(answer["Events"]) == 50
    assert len(lookup(index, NextToken=answer["NextToken"])["Events"]) == 11


@pytest.mark.parametrize(
    ("request_", "error"),
    [
        (
            {
                "LookupAttributes": [
                    {"AttributeKey": "EventName", "AttributeValue": "AssumeRole"},
                    {"AttributeKey": "Username", "AttributeValue": "alice"},
                ]
            },
            InvalidLookupAttributesException,
        ),
        (
            {
                "LookupAttributes": [
                    {"AttributeKey": "UserAgent", "AttributeValue": "x"}
                ]
            },
            InvalidLookupAttributesException,
        ),
        (
            {"LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": ""}]},
            InvalidLookupAttributesException,
        ),
        (
            {
                "LookupAttributes": [
                    {"AttributeKey": "EventName", "AttributeValue": "_" * 1001}
                ]
            },
            InvalidLookupAttributesException,
        ),
        (
            {
                "LookupAttributes": [
                    {"AttributeKey": "ReadOnly", "AttributeValue": "yes"}
                ]
            },
            InvalidLookupAttributesException,
        ),
        (
            {"StartTime": T0, "EndTime": T0 - timedelta(seconds=1)},
            InvalidTimeRangeException,
        ),
        ({"MaxResults": 0}, InvalidMaxResultsException),
        ({"MaxResults": 51}, InvalidMaxResultsException),
        ({"NextToken": "not-a-token"}, InvalidNextTokenException),
        ({"EventCategory": "data"}, InvalidEventCategoryException),
    ],
)
def test_bad_requests_get_aws_errors(
    request_: dict[str, Any], error: type[LookupEventsError]
) -> None:
    with pytest.raises(error) as caught:
        lookup(build_index(), **request_)
    assert caught.value.code == error.__name__
    assert caught.value.status == 400
    assert caught.value.message


def test_attribute_value_of_2000_characters_is_accepted() -> None:
    attrs = [{"AttributeKey": "EventName", "AttributeValue": "_" * 1000}]
    assert lookup(build_index(), LookupAttributes=attrs)["Events"] == []


def test_a_token_is_valid_only_with_the_parameters_that_made_it() -> None:
    index = build_index()
    token = lookup(index, MaxResults=2)["NextToken"]
    attrs = [{"AttributeKey": "EventName", "AttributeValue": "AssumeRole"}]
    with pytest.raises(InvalidNextTokenException):
        lookup(index, MaxResults=2, NextToken=token, LookupAttributes=attrs)


def test_insights_category_returns_no_management_events() -> None:
    assert lookup(build_index(), EventCategory="insight") == {"Events": []}


def test_root_and_services_usernames() -> None:
    from gatehouse.trail.lookup import lookup_username

    assert lookup_username({"type": "Root", "accountId": "1"}) == "root"
    assert (
        lookup_username({"type": "AWSService", "invokedBy": "ec2.amazonaws.com"})
        is None
    )
    assert (
        lookup_username(iam_user().to_json(event_source="sts.amazonaws.com")) == "alice"
    )


def test_a_resource_without_type_has_no_resource_type() -> None:
    index = EventIndex()
    call = replace(
        assume_role(), resources=(Resource("arn:aws:ssm:us-east-1:1:parameter/p", "1"),)
    )
    index.add_records(records_for_call(call))
    (event,) = lookup(index)["Events"]
    assert event["Resources"] == [
        {"ResourceName": "arn:aws:ssm:us-east-1:1:parameter/p"}
    ]
