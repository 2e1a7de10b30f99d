"""Options, instance descriptions and tokens on their own."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gatehouse.imds import (
    Instance,
    InstanceDescriptionError,
    InvalidMetadataOptionError,
    MetadataOptions,
    OptionsHolder,
)
from gatehouse.imds.tokens import (
    InvalidTokenTtlError,
    TokenCheck,
    TokenIssuer,
    parse_ttl,
)

from .helpers import instance_json, make_instance

EXAMPLE = Path(__file__).parents[2] / "examples" / "imds" / "instance.json"


def test_launch_defaults_are_ec2s() -> None:
    assert MetadataOptions().to_api() == {
        "State": "applied",
        "HttpTokens": "optional",
        "HttpPutResponseHopLimit": 1,
        "HttpEndpoint": "enabled",
        "HttpProtocolIpv6": "disabled",
        "InstanceMetadataTags": "disabled",
    }


@pytest.mark.parametrize(
    ("fields", "name"),
    [
        ({"HttpPutResponseHopLimit": 0}, "HttpPutResponseHopLimit"),
        ({"HttpPutResponseHopLimit": 65}, "HttpPutResponseHopLimit"),
        ({"HttpPutResponseHopLimit": "2"}, "HttpPutResponseHopLimit"),
        ({"HttpTokens": "sometimes"}, "HttpTokens"),
        ({"HttpEndpoint": "on"}, "HttpEndpoint"),
        ({"InstanceMetadataTags": True}, "InstanceMetadataTags"),
        ({"HttpProtocolIpv6": "yes"}, "HttpProtocolIpv6"),
        ({"HopLimit": 2}, "HopLimit"),
    ],
)
def test_values_aws_refuses_are_refused(fields: dict[str, object], name: str) -> None:
    with pytest.raises(InvalidMetadataOptionError) as raised:
        MetadataOptions.from_api(fields)
    assert raised.value.name == name


def test_modify_keeps_omitted_options() -> None:
    holder = OptionsHolder(MetadataOptions.from_api({"HttpPutResponseHopLimit": 3}))
    updated = holder.modify(HttpTokens="required")
    assert (updated.hop_limit, updated.http_tokens) == (3, "required")
    assert holder.get() is updated


def test_a_refused_modification_changes_nothing() -> None:
    holder = OptionsHolder()
    with pytest.raises(InvalidMetadataOptionError):
        holder.modify(HttpTokens="required", HttpPutResponseHopLimit=99)
    assert holder.get() == MetadataOptions()


def test_readers_always_see_a_whole_options_value() -> None:
    holder = OptionsHolder()
    seen: set[tuple[str, int]] = set()
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            options = holder.get()
            seen.add((options.http_tokens.value, options.hop_limit))

    reader = threading.Thread(target=read)
    reader.start()
    for _ in range(2000):
        holder.modify(HttpTokens="required", HttpPutResponseHopLimit=2)
        holder.modify(HttpTokens="optional", HttpPutResponseHopLimit=1)
    stop.set()
    reader.join()
    assert seen <= {("optional", 1), ("required", 2)}


def test_tags_cannot_be_enabled_while_a_key_is_not_allowed_in_metadata() -> None:
    instance = make_instance(Tags=[{"Key": "cost center", "Value": "x"}])
    holder = OptionsHolder(check=instance.check_options)
    with pytest.raises(InvalidMetadataOptionError, match="cost center"):
        holder.modify(InstanceMetadataTags="enabled")


def test_every_problem_in_an_instance_description_is_reported_with_its_place() -> None:
    document = instance_json(
        InstanceId="instance-1",
        AccountId="123",
        PrivateIpAddress="10.0.0.300",
        Placement={},
        Tags=[{"Key": "ok", "Value": 1}],
        MetadataOptions={"HttpPutResponseHopLimit": 100},
    )
    with pytest.raises(InstanceDescriptionError) as raised:
        Instance.from_json(document)

    locations = [problem.location for problem in raised.value.problems]
    assert locations == [
        "$.InstanceId",
        "$.AccountId",
        "$.PrivateIpAddress",
        "$.Placement.AvailabilityZone",
        "$.Tags[0].Value",
        "$.MetadataOptions.HttpPutResponseHopLimit",
    ]


def test_a_broken_instance_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "instance.json"
    path.write_text('{"InstanceId": }')
    with pytest.raises(InstanceDescriptionError, match="line 1 column 16"):
        Instance.from_file(path)


def test_the_example_instance_file_is_valid() -> None:
    instance = Instance.from_file(EXAMPLE)
    assert instance.profile is not None
    assert json.loads(EXAMPLE.read_text())["RoleName"] == instance.profile.role_name


@given(st.integers(min_value=1, max_value=21600))
def test_every_ttl_in_range_is_accepted(ttl: int) -> None:
    assert parse_ttl(str(ttl)) == ttl


@given(st.text(max_size=30))
def test_anything_else_is_refused_or_in_range(raw: str) -> None:
    try:
        ttl = parse_ttl(raw)
    except InvalidTokenTtlError:
        return
    assert 1 <= ttl <= 21600


def test_tokens_are_opaque_and_unique() -> None:
    issuer = TokenIssuer("i-0abcdef1234567890")
    tokens = {issuer.issue(60) for _ in range(100)}
    assert len(tokens) == 100
    assert all(issuer.check(token) is TokenCheck.VALID for token in tokens)


@given(st.text(max_size=80))
def test_no_forged_token_is_valid(forged: str) -> None:
    assert TokenIssuer("i-0abcdef1234567890").check(forged) is not TokenCheck.VALID


def test_a_tampered_token_is_invalid() -> None:
    issuer = TokenIssuer("i-0abcdef1234567890")
    token = issuer.issue(60)
    flipped = ("B" if token[5] == "A" else "A").join((token[:5], token[6:]))
    assert issuer.check(flipped) is TokenCheck.INVALID
