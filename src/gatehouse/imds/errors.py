"""The metadata service's exceptions: the library raises, the edges translate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class ImdsError(Exception):
    """Base class of everything the metadata service package raises."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an instance description, and where it is."""

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class InstanceDescriptionError(ImdsError):
    """An instance description is malformed; `problems` lists every one."""

    def __init__(
        self, problems: Sequence[Problem], *, source: str = "instance"
    ) -> None:
        self.problems = tuple(problems)
        self.source = source
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(f"{source}: {self.problems[0]}{more}")


class InvalidMetadataOptionError(ImdsError):
    """A metadata option value AWS would refuse (EC2 `InvalidParameterValue`)."""

    def __init__(self, name: str, value: object, reason: str) -> None:
        self.name = name
        self.value = value
        self.reason = reason
        super().__init__(f"{name}={value!r}: {reason}")


class RoleUnavailableError(ImdsError):
    """EC2 could not obtain credentials for the instance's role.

    IMDS reports this inside a 200 response whose JSON carries `Code` and
    `Message` instead of keys (observed for `AssumeRoleUnauthorizedAccess`).
    """

    def __init__(self, role_name: str, *, code: str = "AssumeRoleUnauthorizedAccess"):
        self.role_name = role_name
        self.code = code
        super().__init__(f"{code}: EC2 cannot assume the role {role_name}")
