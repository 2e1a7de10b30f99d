"""Study sessions: marking, what is due, wrong answers coming back, exams."""

from __future__ import annotations

import datetime as dt

import pytest

from gatehouse.study.answers import Answer, AnswerError, mark
from gatehouse.study.model import EXAM_DOMAINS, Content, ExamVersion, Tier
from gatehouse.study.practice import Study, exam_minutes
from gatehouse.study.scheduler import Grade

NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)


def test_each_question_type_is_marked_all_or_nothing(fixture_content: Content) -> None:
    scenarios = fixture_content.scenario_by_id
    single = scenarios["scn.easy.vendor-role"]
    multiple = scenarios["scn.easy.chain-facts"]
    ordering = scenarios["scn.medium.chain-order"]
    matching = scenarios["scn.medium.match-apis"]

    assert mark(single, Answer(choices=frozenset({"a"}))).correct
    assert not mark(single, Answer(choices=frozenset({"b"}))).correct
    assert mark(multiple, Answer(choices=frozenset({"a", "b"}))).correct
    assert not mark(multiple, Answer(choices=frozenset({"a"}))).correct
    assert not mark(multiple, Answer(choices=frozenset({"a", "b", "c"}))).correct
    assert mark(ordering, Answer(order=("s1", "s2", "s3"))).correct
    assert not mark(ordering, Answer(order=("s2", "s1", "s3"))).correct
    assert mark(
        matching, Answer(matches=(("p1", "p1"), ("p2", "p2"), ("p3", "p3")))
    ).correct
    assert not mark(
        matching, Answer(matches=(("p1", "p2"), ("p2", "p1"), ("p3", "p3")))
    ).correct


def test_a_chosen_distractor_names_its_misconception(fixture_content: Content) -> None:
    outcome = mark(
        fixture_content.scenario_by_id["scn.easy.chain-facts"],
        Answer(choices=frozenset({"a", "c"})),
    )

    assert [o.id for o in outcome.chosen_distractors] == ["c"]
    assert outcome.misconceptions == ("misc.chain-full-duration",)


def test_an_answer_naming_unknown_options_is_refused(fixture_content: Content) -> None:
    single = fixture_content.scenario_by_id["scn.easy.vendor-role"]

    with pytest.raises(AnswerError):
        mark(single, Answer(choices=frozenset({"z"})))
    with pytest.raises(AnswerError):
        mark(single, Answer(choices=frozenset({"a", "b"})))


def test_answers_round_trip_through_json() -> None:
    answer = Answer(order=("b", "a"), matches=(("p1", "p2"),), choices=frozenset({"x"}))

    assert Answer.from_json(answer.to_json()) == answer


def test_new_cards_are_due_and_a_right_card_leaves_the_queue(study: Study) -> None:
    assert study.queue(NOW).new == 5

    study.grade("card.sts.chain-cap", Grade.RIGHT, now=NOW, session="s")

    assert "card.sts.chain-cap" not in [c.id for c in study.queue(NOW).cards]
    later = NOW + dt.timedelta(days=30)
    assert study.queue(later).cards[0].id == "card.sts.chain-cap"
    assert study.queue(later).reviews == 1


def test_a_wrong_scenario_answer_brings_back_the_misconception_card(
    study: Study,
) -> None:
    study.grade("card.xacct.misc-principal-enough", Grade.RIGHT, now=NOW, session="s")
    assert "card.xacct.misc-principal-enough" not in [
        c.id for c in study.queue(NOW).cards
    ]

    _, outcome = study.answer(
        "scn.easy.vendor-role", Answer(choices=frozenset({"b"})), now=NOW
    )

    assert not outcome.correct
    reviews = study.store.reviews()
    assert (reviews[-1].card_id, reviews[-1].grade, reviews[-1].source) == (
        "card.xacct.misc-principal-enough",
        Grade.WRONG,
        "scenario",
    )
    soon = NOW + dt.timedelta(minutes=15)
    assert "card.xacct.misc-principal-enough" in [c.id for c in study.queue(soon).cards]


def test_a_right_scenario_answer_schedules_nothing(study: Study) -> None:
    study.answer("scn.easy.vendor-role", Answer(choices=frozenset({"a"})), now=NOW)

    assert study.store.reviews() == []
    assert [a.correct for a in study.store.attempts()] == [True]


def test_an_exam_draws_in_turn_from_every_tier(study: Study) -> None:
    drawn = study.draw_exam(4, seed=1)

    tiers = {study.scenario(s).tier for s in drawn}
    assert len(drawn) == 4 == len(set(drawn))
    assert tiers == {Tier.EASY, Tier.MEDIUM}


def test_exam_minutes_keep_the_real_exams_pace() -> None:
    assert exam_minutes(65) == 170
    assert exam_minutes(20) == 52


def test_an_exam_is_scored_per_domain_with_the_guides_weights(study: Study) -> None:
    run = study.start_exam(now=NOW, questions=4, seed=7)
    items = study.exam_run(run).items
    for item in items:
        scenario = study.scenario(item.scenario_id)
        if scenario.id == "scn.easy.vendor-role":
            answer = Answer(choices=frozenset({"a"}))
        elif scenario.id == "scn.medium.chain-order":
            answer = Answer(order=("s1", "s2", "s3"))
        else:
            continue
        assert study.save_exam_answer(
            run, item.position, answer, flagged=False, now=NOW
        )

    result = study.finish_exam(run, now=NOW + dt.timedelta(minutes=1))

    assert result.correct == 2
    iam = next(d for d in result.domains if d.domain.code == "iam")
    assert (iam.correct, iam.total, iam.domain.weight) == (2, 4, 20)
    assert result.weighted_percent == pytest.approx(50.0)
    assert [d.domain.weight for d in result.domains] == [16, 14, 18, 20, 18, 14]
    assert len(study.store.attempts()) == 4
    # The two unanswered questions are wrong; only the multiple-response one named
    # misconceptions, and an unanswered question chose none, so no card comes back.
    assert study.store.reviews() == []


def test_answers_after_the_deadline_are_refused(study: Study) -> None:
    run = study.start_exam(now=NOW, questions=2, minutes=1, seed=3)

    late = NOW + dt.timedelta(minutes=2)
    saved = study.save_exam_answer(run, 0, Answer(), flagged=True, now=late)

    assert saved is False
    assert study.exam_run(run).items[0].flagged is False


def test_scs_c02_weights_are_the_old_guides() -> None:
    weights = {d.code: d.weight for d in EXAM_DOMAINS[ExamVersion.SCS_C02]}

    assert weights == {
        "tdir": 14,
        "logging": 18,
        "infra": 20,
        "iam": 16,
        "data": 18,
        "governance": 14,
    }
    assert sum(d.weight for d in EXAM_DOMAINS[ExamVersion.SCS_C03]) == 100
