"""Study sessions over content and the progress store: what is due, grading,
scenario attempts and timed exams. The console and the terminal commands both
drive this one class, so they share one behaviour and one progress file.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass

from gatehouse.study.answers import Answer, Outcome, mark
from gatehouse.study.model import (
    DEFAULT_EXAM,
    EXAM_DOMAINS,
    Card,
    Content,
    Domain,
    ExamVersion,
    Mechanism,
    Scenario,
    Tier,
)
from gatehouse.study.progress import percent
from gatehouse.study.scheduler import Grade, Review
from gatehouse.study.store import ExamRunRow, NewAttempt, Store

# SCS-C03: 65 questions in 170 minutes. A shorter practice exam keeps that pace.
EXAM_QUESTIONS = 65
EXAM_MINUTES = 170
# Answers that arrive this long after the deadline still count (page round trips).
DEADLINE_GRACE = dt.timedelta(seconds=5)


class UnknownItemError(LookupError):
    def __init__(self, kind: str, item_id: str) -> None:
        self.kind = kind
        self.item_id = item_id
        super().__init__(f"no {kind} with id {item_id!r}")


@dataclass(frozen=True)
class Queue:
    """The cards due now: reviews (soonest due first), then cards never seen."""

    cards: tuple[Card, ...]
    reviews: int

    @property
    def new(self) -> int:
        return len(self.cards) - self.reviews

    @property
    def total(self) -> int:
        return len(self.cards)


@dataclass(frozen=True)
class DomainScore:
    domain: Domain
    correct: int
    total: int

    @property
    def percent(self) -> float:
        return percent(self.correct, self.total)


@dataclass(frozen=True)
class ExamItemResult:
    position: int
    scenario: Scenario
    answer: Answer | None
    outcome: Outcome
    flagged: bool


@dataclass(frozen=True)
class ExamResult:
    run: ExamRunRow
    exam: ExamVersion
    items: tuple[ExamItemResult, ...]
    domains: tuple[DomainScore, ...]

    @property
    def correct(self) -> int:
        return sum(item.outcome.correct for item in self.items)

    @property
    def weighted_percent(self) -> float:
        """Each domain's percent correct weighted by the exam guide, over the
        domains this run had questions in."""
        covered = [score for score in self.domains if score.total]
        weights = sum(score.domain.weight for score in covered)
        if not weights:
            return 0.0
        return sum(score.domain.weight * score.percent for score in covered) / weights

    @property
    def mistakes(self) -> tuple[ExamItemResult, ...]:
        return tuple(item for item in self.items if not item.outcome.correct)


def exam_minutes(questions: int) -> int:
    return max(1, round(questions * EXAM_MINUTES / EXAM_QUESTIONS))


class Study:
    def __init__(self, content: Content, store: Store) -> None:
        self.content = content
        self.store = store

    # Flashcards

    def queue(self, now: dt.datetime) -> Queue:
        states = self.store.card_states()
        due = sorted(
            (states[card.id][1], card.id)
            for card in self.content.cards
            if card.id in states and states[card.id][1] <= now
        )
        fresh = [card for card in self.content.cards if card.id not in states]
        reviews = [self.content.card_by_id[card_id] for _, card_id in due]
        return Queue(tuple(reviews + fresh), len(reviews))

    def card(self, card_id: str) -> Card:
        found = self.content.card_by_id.get(card_id)
        if found is None:
            raise UnknownItemError("card", card_id)
        return found

    def grade(
        self, card_id: str, grade: Grade, *, now: dt.datetime, session: str | None
    ) -> Review:
        self.card(card_id)
        return self.store.review(card_id, grade, now=now, session=session)

    # Scenarios

    def scenario(self, scenario_id: str) -> Scenario:
        found = self.content.scenario_by_id.get(scenario_id)
        if found is None:
            raise UnknownItemError("scenario", scenario_id)
        return found

    def scenarios(
        self,
        *,
        tier: Tier | None = None,
        mechanism: Mechanism | None = None,
        domain: str | None = None,
        exam: ExamVersion = DEFAULT_EXAM,
    ) -> list[Scenario]:
        return [
            scenario
            for scenario in self.content.scenarios
            if (tier is None or scenario.tier is tier)
            and (mechanism is None or scenario.mechanism is mechanism)
            and (domain is None or domain in scenario.domains.for_exam(exam))
        ]

    def again_cards(self, outcome: Outcome) -> tuple[str, ...]:
        """The cards of the misconceptions a wrong answer's distractors name."""
        cards: list[str] = []
        for misconception_id in outcome.misconceptions:
            misconception = self.content.misconception_by_id.get(misconception_id)
            if misconception and misconception.card in self.content.card_by_id:
                cards.append(misconception.card)
        return tuple(dict.fromkeys(cards))

    def answer(
        self, scenario_id: str, answer: Answer, *, now: dt.datetime
    ) -> tuple[int, Outcome]:
        scenario = self.scenario(scenario_id)
        outcome = mark(scenario, answer)
        again = () if outcome.correct else self.again_cards(outcome)
        attempt = NewAttempt(scenario.id, answer.to_json(), outcome.correct, again)
        return self.store.record_attempt(attempt, now=now), outcome

    # Exams

    def draw_exam(self, count: int, *, seed: int) -> list[str]:
        """`count` scenarios taken in turn from each tier, shuffled within tiers."""
        rng = random.Random(seed)
        pools: list[list[Scenario]] = []
        for tier in Tier:
            pool = [s for s in self.content.scenarios if s.tier is tier]
            rng.shuffle(pool)
            pools.append(pool)

        drawn: list[str] = []
        while len(drawn) < count and any(pools):
            for pool in pools:
                if pool and len(drawn) < count:
                    drawn.append(pool.pop().id)
        rng.shuffle(drawn)
        return drawn

    def start_exam(
        self,
        *,
        now: dt.datetime,
        questions: int = 20,
        minutes: int | None = None,
        exam: ExamVersion = DEFAULT_EXAM,
        seed: int | None = None,
    ) -> int:
        drawn = self.draw_exam(
            questions, seed=seed if seed is not None else now.toordinal()
        )
        deadline = now + dt.timedelta(minutes=minutes or exam_minutes(len(drawn)))
        return self.store.start_exam(exam.value, drawn, now=now, deadline=deadline)

    def exam_run(self, run_id: int) -> ExamRunRow:
        run = self.store.exam_run(run_id)
        if run is None:
            raise UnknownItemError("exam run", str(run_id))
        return run

    def exam_open(self, run: ExamRunRow, *, now: dt.datetime) -> bool:
        return run.finished_at is None and now <= run.deadline + DEADLINE_GRACE

    def save_exam_answer(
        self,
        run_id: int,
        position: int,
        answer: Answer | None,
        *,
        flagged: bool,
        now: dt.datetime,
    ) -> bool:
        """Save one answer; False (and nothing saved) once the time is up."""
        run = self.exam_run(run_id)
        if not self.exam_open(run, now=now):
            return False
        scenario = self.scenario(run.items[position].scenario_id)
        if answer is not None:
            mark(scenario, answer)
        stored = answer.to_json() if answer is not None and not answer.empty else None
        self.store.save_exam_answer(run_id, position, answer=stored, flagged=flagged)
        return True

    def finish_exam(self, run_id: int, *, now: dt.datetime) -> ExamResult:
        result = self.exam_result(run_id)
        if result.run.finished_at is None:
            attempts = [
                NewAttempt(
                    item.scenario.id,
                    (item.answer or Answer()).to_json(),
                    item.outcome.correct,
                    () if item.outcome.correct else self.again_cards(item.outcome),
                )
                for item in result.items
            ]
            self.store.finish_exam(run_id, attempts, now=now)
            result = self.exam_result(run_id)
        return result

    def exam_result(self, run_id: int) -> ExamResult:
        run = self.exam_run(run_id)
        exam = ExamVersion(run.exam)
        items = tuple(
            self._exam_item(row.position, row.scenario_id, row.answer, row.flagged)
            for row in run.items
        )
        return ExamResult(run, exam, items, domain_scores(exam, items))

    def _exam_item(
        self, position: int, scenario_id: str, answer_json: str | None, flagged: bool
    ) -> ExamItemResult:
        scenario = self.scenario(scenario_id)
        answer = Answer.from_json(answer_json) if answer_json else None
        outcome = mark(scenario, answer) if answer else Outcome(correct=False)
        return ExamItemResult(position, scenario, answer, outcome, flagged)


def domain_scores(
    exam: ExamVersion, items: Iterable[ExamItemResult]
) -> tuple[DomainScore, ...]:
    """Per exam-guide domain: how many of the items tagged with it were right."""
    listed = list(items)
    scores: list[DomainScore] = []
    for domain in EXAM_DOMAINS[exam]:
        tagged = [i for i in listed if domain.code in i.scenario.domains.for_exam(exam)]
        correct = sum(item.outcome.correct for item in tagged)
        scores.append(DomainScore(domain, correct, len(tagged)))
    return tuple(scores)
