"""Round trips through botocore's own serializers and parsers, over every operation.

Inputs: botocore serializes a generated request, the lab parses it back.
Outputs: the lab serializes a generated result, botocore's parser reads it back.
Both must give the value we started from.
"""

from __future__ import annotations

import json
import string
from datetime import UTC, datetime
from typing import Any

import botocore.parsers
import botocore.serialize
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gatehouse.lab import models
from gatehouse.lab.models import Protocol
from gatehouse.lab.protocol import codec
from gatehouse.lab.protocol.form import parse_form
from gatehouse.lab.protocol.jsonbody import parse_json

MAX_DEPTH = 4
TEXT = st.text(
    alphabet=st.characters(
        min_codepoint=32, max_codepoint=0x2FFF, exclude_categories=["Cs"]
    ),
    max_size=12,
)
KEYS = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=6)
MOMENTS = st.datetimes(
    min_value=datetime(1990, 1, 1),
    max_value=datetime(2090, 1, 1),
    timezones=st.just(UTC),
).map(lambda moment: moment.replace(microsecond=0))


def value_for(shape: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    kind = shape.type_name
    if kind == "structure":
        if depth >= MAX_DEPTH:
            return st.just({})
        members = {
            name: value_for(member, depth + 1) for name, member in shape.members.items()
        }
        if shape.metadata.get("union"):
            return st.one_of(
                [
                    st.fixed_dictionaries({name: value})
                    for name, value in members.items()
                ]
            )
        return st.fixed_dictionaries({}, optional=members)
    if kind == "list":
        return st.lists(
            value_for(shape.member, depth + 1), max_size=2 if depth < MAX_DEPTH else 0
        )
    if kind == "map":
        return st.dictionaries(KEYS, value_for(shape.value, depth + 1), max_size=2)
    if kind == "string":
        return st.sampled_from(shape.enum) if shape.enum else TEXT
    if kind in ("integer", "long"):
        return st.integers(-(2**31), 2**31 - 1)
    if kind in ("float", "double"):
        return st.integers(-10_000, 10_000).map(float)
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return MOMENTS
    if kind == "blob":
        return st.binary(max_size=8)
    raise AssertionError(f"no strategy for {kind}")


def normalised(value: Any) -> Any:
    """Drop what a wire format cannot distinguish from absence: None and empty containers."""
    if isinstance(value, dict):
        kept = {key: normalised(item) for key, item in value.items()}
        return {key: item for key, item in kept.items() if item not in (None, {}, [])}
    if isinstance(value, list):
        # A structure with nothing set leaves no trace on the form wire.
        return [item for item in map(normalised, value) if item != {}]
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return value


def sample_operations(step: int) -> list[tuple[str, str]]:
    """Every operation of STS, IAM and SSM, and every `step`-th one of EC2."""
    chosen = []
    for service in models.all_services():
        names = sorted(service.operations)
        if service.name == "ec2":
            names = names[::step]
        chosen += [(service.name, name) for name in names]
    return chosen


ROUND_TRIP = settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)


@pytest.mark.parametrize(("service_name", "operation"), sample_operations(step=10))
@ROUND_TRIP
@given(data=st.data())
def test_lab_reads_what_botocore_writes(
    service_name: str, operation: str, data: st.DataObject
) -> None:
    service = models.service(service_name)
    model = service.operation(operation)
    if model.input_shape is None:
        return
    params = data.draw(value_for(model.input_shape))

    request = botocore.serialize.create_serializer(
        service.protocol.value, include_validation=False
    ).serialize_to_request(params, model)
    if service.protocol is Protocol.JSON:
        parsed = parse_json(model.input_shape, request["body"])
    else:
        pairs = [(key, str(value)) for key, value in request["body"].items()]
        parsed = parse_form(
            model.input_shape, pairs, ec2=service.protocol is Protocol.EC2
        )

    assert normalised(parsed) == normalised(params)


@pytest.mark.parametrize(("service_name", "operation"), sample_operations(step=10))
@ROUND_TRIP
@given(data=st.data())
def test_botocore_reads_what_the_lab_writes(
    service_name: str, operation: str, data: st.DataObject
) -> None:
    service = models.service(service_name)
    model = service.operation(operation)
    if model.output_shape is None:
        return
    output = data.draw(value_for(model.output_shape))

    wire = codec.encode_result(service, operation, output, "request-1")
    parser = botocore.parsers.create_parser(service.protocol.value)
    parsed = parser.parse(
        {"body": wire.body, "headers": dict(wire.headers), "status_code": wire.status},
        model.output_shape,
    )
    parsed.pop("ResponseMetadata", None)

    assert normalised(parsed) == normalised(output)


def test_json_errors_carry_type_and_message() -> None:
    from gatehouse.lab import errors

    wire = codec.encode_error(Protocol.JSON, "", errors.MISSING_ACTION.error(), "r-1")

    assert json.loads(wire.body) == {
        "__type": "MissingAction",
        "message": "Missing Action",
    }
    assert ("x-amzn-ErrorType", "MissingAction") in wire.headers
