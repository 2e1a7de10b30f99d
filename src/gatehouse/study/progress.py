"""Progress summaries: right and wrong per mechanism, domain, tier and day."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from gatehouse.study.model import (
    DEFAULT_EXAM,
    EXAM_DOMAINS,
    Content,
    ExamVersion,
    Mechanism,
    Tier,
)
from gatehouse.study.scheduler import Grade
from gatehouse.study.store import AttemptRow, ReviewRow


def percent(right: int, total: int) -> float:
    return 100.0 * right / total if total else 0.0


@dataclass(frozen=True)
class Tally:
    """How many of `total` answers under one label were right."""

    label: str
    right: int
    total: int

    @property
    def percent(self) -> float:
        return percent(self.right, self.total)


@dataclass(frozen=True)
class Day:
    date: dt.date
    reviews_right: int
    reviews_wrong: int
    attempts_right: int
    attempts_wrong: int


@dataclass(frozen=True)
class Summary:
    cards_by_mechanism: tuple[Tally, ...]
    scenarios_by_mechanism: tuple[Tally, ...]
    by_domain: tuple[Tally, ...]
    by_tier: tuple[Tally, ...]
    days: tuple[Day, ...]
    reviews: int
    attempts: int


def _group(
    labels: Iterable[tuple[str, str]],
    results: Iterable[tuple[str, bool]],
) -> tuple[Tally, ...]:
    """Tally (key, correct) results under each (key, label), in label order."""
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for key, correct in results:
        total[key] += 1
        right[key] += correct
    return tuple(Tally(label, right[key], total[key]) for key, label in labels)


def summarise(
    content: Content,
    reviews: Sequence[ReviewRow],
    attempts: Sequence[AttemptRow],
    *,
    today: dt.date,
    days: int = 14,
    exam: ExamVersion = DEFAULT_EXAM,
) -> Summary:
    cards = content.card_by_id
    scenarios = content.scenario_by_id
    known = [a for a in attempts if a.scenario_id in scenarios]
    answered = [(scenarios[a.scenario_id], a.correct) for a in known]
    mechanisms = [(m.value, m.value) for m in Mechanism]

    graded = [
        (cards[r.card_id].mechanism.value, r.grade is Grade.RIGHT)
        for r in reviews
        if r.card_id in cards
    ]
    by_domain = [
        (code, correct)
        for scenario, correct in answered
        for code in scenario.domains.for_exam(exam)
    ]
    return Summary(
        cards_by_mechanism=_group(mechanisms, graded),
        scenarios_by_mechanism=_group(
            mechanisms, ((s.mechanism.value, ok) for s, ok in answered)
        ),
        by_domain=_group(((d.code, d.title) for d in EXAM_DOMAINS[exam]), by_domain),
        by_tier=_group(
            ((t.value, t.value) for t in Tier),
            ((s.tier.value, ok) for s, ok in answered),
        ),
        days=_days(reviews, known, today=today, count=days),
        reviews=len(reviews),
        attempts=len(known),
    )


def _days(
    reviews: Sequence[ReviewRow],
    attempts: Sequence[AttemptRow],
    *,
    today: dt.date,
    count: int,
) -> tuple[Day, ...]:
    first = today - dt.timedelta(days=count - 1)
    table = {first + dt.timedelta(days=n): [0, 0, 0, 0] for n in range(count)}
    for review in reviews:
        if review.source != "card":
            continue
        day = table.get(review.reviewed_at.date())
        if day is not None:
            day[0 if review.grade is Grade.RIGHT else 1] += 1
    for attempt in attempts:
        day = table.get(attempt.attempted_at.date())
        if day is not None:
            day[2 if attempt.correct else 3] += 1
    return tuple(Day(date, *values) for date, values in sorted(table.items()))
