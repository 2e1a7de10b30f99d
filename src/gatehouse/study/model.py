"""Study content as typed, immutable values.

The loader builds these from the YAML files described in docs/content-format.md;
everything else (linter, scheduler, console, exports) reads only these types.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property


class Mechanism(StrEnum):
    CROSS_ACCOUNT = "cross-account"
    IMDS = "imds"
    SESSION_MANAGER = "session-manager"
    STS = "sts"


class Tier(StrEnum):
    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"
    SPECIALTY = "specialty"


class QuestionType(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    ORDERING = "ordering"
    MATCHING = "matching"


class CardKind(StrEnum):
    FACT = "fact"
    LIMIT = "limit"
    COMPARISON = "comparison"
    MISCONCEPTION = "misconception"


class ExamVersion(StrEnum):
    SCS_C02 = "scs-c02"
    SCS_C03 = "scs-c03"


@dataclass(frozen=True)
class Domain:
    code: str
    title: str
    weight: int


# The exam guides' content domains and their weights in percent. SCS-C03 replaced
# SCS-C02 on 2 December 2025; both guides list six domains summing to 100.
EXAM_DOMAINS: dict[ExamVersion, tuple[Domain, ...]] = {
    ExamVersion.SCS_C02: (
        Domain("tdir", "Threat Detection and Incident Response", 14),
        Domain("logging", "Security Logging and Monitoring", 18),
        Domain("infra", "Infrastructure Security", 20),
        Domain("iam", "Identity and Access Management", 16),
        Domain("data", "Data Protection", 18),
        Domain("governance", "Management and Security Governance", 14),
    ),
    ExamVersion.SCS_C03: (
        Domain("detection", "Detection", 16),
        Domain("incident-response", "Incident Response", 14),
        Domain("infra", "Infrastructure Security", 18),
        Domain("iam", "Identity and Access Management", 20),
        Domain("data", "Data Protection", 18),
        Domain("governance", "Security Foundations and Governance", 14),
    ),
}

DEFAULT_EXAM = ExamVersion.SCS_C03


def domain_title(exam: ExamVersion, code: str) -> str:
    for domain in EXAM_DOMAINS[exam]:
        if domain.code == code:
            return domain.title
    return code


@dataclass(frozen=True)
class Origin:
    """Where an item was read from: a path relative to the content root, a line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Domains:
    scs_c02: tuple[str, ...]
    scs_c03: tuple[str, ...]

    def for_exam(self, exam: ExamVersion) -> tuple[str, ...]:
        return self.scs_c02 if exam is ExamVersion.SCS_C02 else self.scs_c03


@dataclass(frozen=True)
class Fact:
    id: str
    mechanism: Mechanism
    statement: str
    source: str
    checked: dt.date
    domains: Domains
    demo: str
    origin: Origin


@dataclass(frozen=True)
class Card:
    id: str
    kind: CardKind
    mechanism: Mechanism
    front: str
    back: str
    facts: tuple[str, ...]
    domains: Domains
    exam: ExamVersion
    demo: str
    origin: Origin
    misconception: str | None = None
    comparison: str | None = None


@dataclass(frozen=True)
class Misconception:
    id: str
    mechanism: Mechanism
    claim: str
    correction: str
    facts: tuple[str, ...]
    card: str
    from_seed: bool
    domains: Domains
    exam: ExamVersion
    demo: str
    origin: Origin


@dataclass(frozen=True)
class Side:
    name: str
    summary: str


@dataclass(frozen=True)
class Comparison:
    id: str
    mechanism: Mechanism
    title: str
    sides: tuple[Side, ...]
    difference: str
    card: str
    facts: tuple[str, ...]
    domains: Domains
    exam: ExamVersion
    demo: str
    origin: Origin


@dataclass(frozen=True)
class Option:
    id: str
    text: str
    correct: bool
    explanation: str
    misconception: str | None = None


@dataclass(frozen=True)
class Step:
    id: str
    text: str
    explanation: str


@dataclass(frozen=True)
class Pair:
    id: str
    left: str
    right: str
    explanation: str


@dataclass(frozen=True)
class Scenario:
    id: str
    tier: Tier
    type: QuestionType
    mechanism: Mechanism
    domains: Domains
    exam: ExamVersion
    demo: str
    facts: tuple[str, ...]
    stem: str
    origin: Origin
    select: int | None = None
    options: tuple[Option, ...] = ()
    steps: tuple[Step, ...] = ()
    pairs: tuple[Pair, ...] = ()

    @property
    def correct_options(self) -> tuple[Option, ...]:
        return tuple(option for option in self.options if option.correct)

    @property
    def distractors(self) -> tuple[Option, ...]:
        return tuple(option for option in self.options if not option.correct)


@dataclass(frozen=True)
class Content:
    """Everything that loaded; items that failed validation are absent."""

    facts: tuple[Fact, ...] = ()
    cards: tuple[Card, ...] = ()
    misconceptions: tuple[Misconception, ...] = ()
    comparisons: tuple[Comparison, ...] = ()
    scenarios: tuple[Scenario, ...] = ()

    @cached_property
    def card_by_id(self) -> dict[str, Card]:
        return {card.id: card for card in self.cards}

    @cached_property
    def scenario_by_id(self) -> dict[str, Scenario]:
        return {scenario.id: scenario for scenario in self.scenarios}

    @cached_property
    def misconception_by_id(self) -> dict[str, Misconception]:
        return {item.id: item for item in self.misconceptions}

    @cached_property
    def fact_by_id(self) -> dict[str, Fact]:
        return {fact.id: fact for fact in self.facts}

    @cached_property
    def comparison_by_id(self) -> dict[str, Comparison]:
        return {item.id: item for item in self.comparisons}
