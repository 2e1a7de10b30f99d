"""docs/content-format.md describes the schema and the rules the code enforces."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gatehouse.study.lint import RULES
from gatehouse.study.model import EXAM_DOMAINS, CardKind, Mechanism, QuestionType, Tier

ROOT = Path(__file__).resolve().parents[2]
DOC = " ".join(
    (ROOT / "docs" / "content-format.md").read_text(encoding="utf-8").split()
)
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("rule", [*RULES, "yaml", "schema"])
def test_every_lint_rule_is_documented(rule: str) -> None:
    assert f"| `{rule}` |" in DOC


@pytest.mark.parametrize(
    "value",
    [item.value for kind in (Mechanism, Tier, QuestionType, CardKind) for item in kind],
)
def test_every_enum_value_is_documented(value: str) -> None:
    assert re.search(rf"\b{re.escape(value)}\b", DOC)


@pytest.mark.parametrize(
    ("code", "title", "weight"),
    [(d.code, d.title, d.weight) for domains in EXAM_DOMAINS.values() for d in domains],
)
def test_every_domain_and_weight_is_documented(
    code: str, title: str, weight: int
) -> None:
    assert f"`{code}` {title} ({weight})" in DOC


@pytest.mark.parametrize("command", ["lint", "cards", "quiz", "export"])
def test_the_readme_shows_every_study_command(command: str) -> None:
    assert f"gatehouse study {command}" in README
