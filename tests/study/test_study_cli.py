"""The `gatehouse study` commands, driven through click."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from gatehouse.cli import cli
from gatehouse.study.store import Store

from .helpers import FIXTURE_CONTENT


def _run(
    *args: str, data: Path | None = None, stdin: str | None = None
) -> tuple[int, str]:
    extra = ["--data-dir", str(data)] if data else []
    result = CliRunner().invoke(
        cli, ["study", *args, "--content", str(FIXTURE_CONTENT), *extra], input=stdin
    )
    return result.exit_code, result.output


@pytest.mark.parametrize("command", ["lint", "cards", "quiz", "export"])
def test_every_command_has_an_example_in_its_help(command: str) -> None:
    result = CliRunner().invoke(cli, ["study", command, "--help"])

    assert result.exit_code == 0
    assert "gatehouse study " + command in result.output
    assert "Example" in result.output


def test_lint_exits_non_zero_and_lists_problems_with_locations(
    content_copy: Path,
) -> None:
    (content_copy / "cards" / "bad.yaml").write_text(
        "cards:\n  - id: 3\n", encoding="utf-8"
    )

    result = CliRunner().invoke(cli, ["study", "lint", "--content", str(content_copy)])

    assert result.exit_code == 1
    assert (
        "cards/bad.yaml:2: [schema] cards[0]: field 'id' must be a non-empty string"
        in (result.output)
    )
    assert "[count] 5 cards; at least 80 needed" in result.output
    assert "5 cards, 4 scenarios" in result.output


def test_cards_grades_through_the_shared_store(tmp_path: Path) -> None:
    code, output = _run("cards", data=tmp_path, stdin="\nr\n\nw\nq\n")

    assert code == 0
    assert "Session: 1 right, 1 wrong." in output
    grades = [r.grade.value for r in Store.in_dir(tmp_path).reviews()]
    assert grades == ["right", "wrong"]


def test_quiz_marks_and_explains_every_option(tmp_path: Path) -> None:
    code, output = _run(
        "quiz", "--tier", "easy", "--count", "1", data=tmp_path, stdin="b\n"
    )

    assert code == 0
    assert "Not quite." in output
    assert "b) wrong: Necessary but not enough" in output
    assert "tests the misconception: Naming the vendor's account" in output
    assert "0 of 1 right." in output
    assert [a.correct for a in Store.in_dir(tmp_path).attempts()] == [False]


def test_quiz_handles_ordering_and_matching(tmp_path: Path) -> None:
    code, output = _run(
        "quiz", "--tier", "medium", data=tmp_path, stdin="1,2,3\na\nb\nc\n"
    )

    assert code == 0
    assert "of 2 right." in output
    assert len(Store.in_dir(tmp_path).attempts()) == 2


def test_quiz_with_no_match_says_so(tmp_path: Path) -> None:
    code, output = _run("quiz", "--tier", "specialty", data=tmp_path)

    assert code == 1
    assert "no scenario matches" in output


def test_export_json_to_a_file_and_apkg(tmp_path: Path) -> None:
    out = tmp_path / "bank.json"
    code, _ = _run("export", "--format", "json", "--out", str(out))
    assert code == 0
    assert len(json.loads(out.read_text(encoding="utf-8"))["cards"]) == 5

    deck = tmp_path / "deck.apkg"
    code, output = _run("export", "--format", "apkg", "--out", str(deck))
    assert code == 0
    assert "wrote 9 notes" in output
    assert "collection.anki2" in zipfile.ZipFile(deck).namelist()


def test_export_json_with_progress(tmp_path: Path) -> None:
    _run("cards", data=tmp_path, stdin="\nr\nq\n")

    code, output = _run("export", "--with-progress", data=tmp_path)

    assert code == 0
    assert json.loads(output)["progress"]["reviews"][0]["grade"] == "right"


def test_apkg_needs_an_output_file() -> None:
    code, output = _run("export", "--format", "apkg")

    assert code == 2
    assert "--format apkg needs --out FILE" in output
