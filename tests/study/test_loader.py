"""The loader reads every good item and reports every bad one with its place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gatehouse.study.loader import load_content
from gatehouse.study.model import CardKind, Mechanism, QuestionType

from .helpers import rewrite


def test_fixture_content_loads_into_typed_values(content_copy: Path) -> None:
    result = load_content(content_copy)

    assert result.problems == ()
    content = result.content
    assert len(content.cards) == 5
    assert {s.type for s in content.scenarios} == set(QuestionType)
    card = content.card_by_id["card.sts.chain-cap"]
    assert card.kind is CardKind.LIMIT
    assert card.mechanism is Mechanism.STS
    assert card.origin.file == "cards/sts.yaml"
    assert card.origin.line == 2
    assert content.fact_by_id["fact.sts.chain-cap"].checked.isoformat() == "2026-11-20"


def test_a_file_that_is_not_yaml_is_reported_with_its_line_and_others_still_load(
    content_copy: Path,
) -> None:
    (content_copy / "cards" / "broken.yaml").write_text(
        "cards:\n  - id: card.x\n    front: [unclosed\n", encoding="utf-8"
    )

    result = load_content(content_copy)

    assert [(p.file, p.rule) for p in result.problems] == [
        ("cards/broken.yaml", "yaml")
    ]
    assert result.problems[0].line >= 3
    assert len(result.content.cards) == 5
    assert len(result.content.scenarios) == 4


def test_a_bad_item_is_reported_by_file_line_and_id_and_its_neighbours_load(
    content_copy: Path,
) -> None:
    def break_second_card(document: dict[str, Any]) -> None:
        del document["cards"][1]["back"]
        document["cards"][1]["mechanism"] = "lambda"

    rewrite(content_copy, "cards/sts.yaml", break_second_card)

    result = load_content(content_copy)

    messages = {p.message for p in result.problems}
    assert "missing field 'back'" in messages
    assert any("'mechanism' is 'lambda'" in m for m in messages)
    assert {p.file for p in result.problems} == {"cards/sts.yaml"}
    assert {p.item for p in result.problems} == {
        "cards[1] card.sts.misc-chain-duration"
    }
    assert all(p.line > 2 for p in result.problems)
    assert "card.sts.chain-cap" in result.content.card_by_id
    assert "card.sts.misc-chain-duration" not in result.content.card_by_id


def test_unknown_fields_and_repeated_keys_are_reported(content_copy: Path) -> None:
    path = content_copy / "facts.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "    demo: demo.sts.chain-cap\n",
            "    demo: demo.sts.chain-cap\n    dmeo: x\n",
            1,
        ).replace(
            "    mechanism: cross-account\n",
            "    mechanism: cross-account\n    mechanism: sts\n",
        ),
        encoding="utf-8",
    )

    problems = load_content(content_copy).problems

    assert any(
        p.rule == "schema" and "unknown field(s) ['dmeo']" in p.message
        for p in problems
    )
    assert any(
        p.rule == "yaml" and "'mechanism' appears twice" in p.message for p in problems
    )


def test_a_scenario_in_the_wrong_tier_file_is_reported(content_copy: Path) -> None:
    rewrite(
        content_copy,
        "scenarios/easy.yaml",
        lambda d: d["scenarios"][0].update(tier="hard"),
    )

    problems = load_content(content_copy).problems

    assert [p.message for p in problems] == ["tier is 'hard' but the file is easy.yaml"]


def test_fields_of_another_question_type_are_refused(content_copy: Path) -> None:
    def add_steps(document: dict[str, Any]) -> None:
        document["scenarios"][0]["steps"] = [
            {"id": "s1", "text": "x", "explanation": "y"}
        ]

    rewrite(content_copy, "scenarios/easy.yaml", add_steps)

    problems = load_content(content_copy).problems

    assert [p.message for p in problems] == [
        "field 'steps' is not used by a single question"
    ]
    assert problems[0].item == "scenarios[0] scn.easy.vendor-role"


def test_nested_option_problems_name_the_option(content_copy: Path) -> None:
    rewrite(
        content_copy,
        "scenarios/easy.yaml",
        lambda d: d["scenarios"][1]["options"][2].update(correct="yes"),
    )

    problems = load_content(content_copy).problems

    assert [p.item for p in problems] == [
        "scenarios[1] scn.easy.chain-facts options[2]"
    ]
    assert problems[0].message == "field 'correct' must be true or false"


def test_domains_must_use_the_exam_guides_codes(content_copy: Path) -> None:
    rewrite(
        content_copy,
        "facts.yaml",
        lambda d: d["facts"][0].update(
            domains={"scs-c02": ["iam"], "scs-c03": ["logging"]}
        ),
    )

    problems = load_content(content_copy).problems

    assert len(problems) == 1
    assert "unknown domain(s) ['logging']" in problems[0].message


def test_a_file_with_an_unknown_top_level_key_is_reported(content_copy: Path) -> None:
    (content_copy / "extra.yaml").write_text("questions: []\n", encoding="utf-8")

    problems = load_content(content_copy).problems

    assert [(p.file, p.rule) for p in problems] == [("extra.yaml", "schema")]


def test_a_file_that_is_not_utf8_is_reported_and_others_still_load(
    content_copy: Path,
) -> None:
    (content_copy / "cards" / "latin1.yaml").write_bytes(
        "cards: [caf\xe9]\n".encode("latin-1")
    )

    result = load_content(content_copy)

    assert [(p.file, p.rule) for p in result.problems] == [
        ("cards/latin1.yaml", "yaml")
    ]
    assert "cannot read the file" in result.problems[0].message
    assert len(result.content.cards) == 5
