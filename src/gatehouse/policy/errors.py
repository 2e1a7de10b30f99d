"""The policy engine's exceptions: the library raises, the edges translate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a policy document, and where it is.

    `location` is a JSON path into the document, such as
    `$.Statement[1].Condition.StringEquals["sts:ExternalId"]`.
    """

    code: str
    message: str
    location: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        return f"{self.location}: {self.severity.value}: {self.message} [{self.code}]"


class PolicyError(Exception):
    """Base class of everything the policy engine raises."""


class PolicyParseError(PolicyError):
    """A policy document has errors; `problems` lists every one of them."""

    def __init__(self, problems: Sequence[Problem], *, name: str = "policy") -> None:
        self.problems = tuple(problems)
        self.name = name
        errors = [p for p in self.problems if p.severity is Severity.ERROR]
        first = errors[0] if errors else self.problems[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(f"{name}: {first}{more}")


class RequestError(PolicyError):
    """An evaluation request is malformed; `location` says where."""

    def __init__(self, message: str, *, location: str = "$") -> None:
        self.location = location
        super().__init__(f"{location}: {message}")
