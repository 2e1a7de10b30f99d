"""Validation in AWS's words, checked on model shapes directly."""

from __future__ import annotations

from gatehouse.lab import models
from gatehouse.lab.protocol.messages import coral_summary, ec2_wire_path
from gatehouse.lab.protocol.validate import validate


def summary(service: str, operation: str, params: dict) -> str:
    shape = models.service(service).operation(operation).input_shape
    return coral_summary(validate(shape, params))


def test_a_sensitive_value_is_left_out_of_the_message() -> None:
    message = summary(
        "iam", "CreateLoginProfile", {"UserName": "alice", "Password": ""}
    )

    assert message == (
        "1 validation error detected: Value at 'password' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )


def test_tag_members_are_named_like_aws_names_them() -> None:
    message = summary(
        "iam",
        "TagRole",
        {
            "RoleName": "auditor",
            "Tags": [{"Key": "team", "Value": "x"}, {"Key": "", "Value": "y"}],
        },
    )

    assert message == (
        "1 validation error detected: Value '' at 'tags.2.member.key' failed to satisfy "
        "constraint: Member must have length greater than or equal to 1"
    )


def test_a_valid_input_has_no_violations() -> None:
    shape = models.service("sts").operation("AssumeRole").input_shape
    params = {
        "RoleArn": "arn:aws:iam::111122223333:role/auditor",
        "RoleSessionName": "audit-1",
        "DurationSeconds": 3600,
        "ExternalId": "vendor-4412",
    }

    assert validate(shape, params) == []


def test_java_character_classes_are_ascii_like_java() -> None:
    # Java's \w is [a-zA-Z_0-9]; an accented letter breaks [\w+=,.@-]*.
    message = summary(
        "sts",
        "AssumeRole",
        {"RoleArn": "arn:aws:iam::111122223333:role/a", "RoleSessionName": "café"},
    )

    assert "Member must satisfy regular expression pattern: [\\w+=,.@-]*" in message


def test_unicode_property_classes_match_letters_of_any_script() -> None:
    shape = models.service("iam").operation("TagRole").input_shape
    params = {"RoleName": "auditor", "Tags": [{"Key": "équipe", "Value": "données"}]}

    assert validate(shape, params) == []


def test_ec2_names_parameters_as_they_are_sent() -> None:
    shape = models.service("ec2").operation("DescribeInstances").input_shape

    assert ec2_wire_path(shape, ("Filters", 2, "Values", 1)) == "Filter.2.Value.1"
