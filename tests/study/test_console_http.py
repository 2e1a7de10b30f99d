"""The console over plain HTTP: forms post and redirect, assets are local, bad
input gets a clear status."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from gatehouse.study.loader import CONTENT_DIR, load_content
from gatehouse.study.model import Scenario

from .helpers import running_console


@pytest.fixture
def client(console: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=console, timeout=10) as opened:
        yield opened


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/cards?s=t",
        "/scenarios",
        "/scenarios/scn.easy.vendor-role",
        "/exam",
        "/progress",
    ],
)
def test_every_page_loads_only_local_assets(client: httpx.Client, path: str) -> None:
    page = client.get(path)

    assert page.status_code == 200
    sources = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', page.text)
    assert sources and all(source.startswith("/static/") for source in sources)
    for source in sources:
        assert client.get(source).status_code == 200


def test_grading_posts_and_redirects_to_the_same_session(client: httpx.Client) -> None:
    start = client.get("/cards")
    assert start.status_code == 303
    session = parse_qs(urlsplit(start.headers["location"]).query)["s"][0]

    graded = client.post(
        "/cards/grade",
        data={"s": session, "card": "card.sts.chain-cap", "grade": "right"},
    )

    assert graded.status_code == 303
    assert graded.headers["location"] == f"/cards?s={session}"
    page = client.get(graded.headers["location"]).text
    assert '<strong id="score-right">1</strong>' in page


def test_grading_an_unknown_card_is_a_400(client: httpx.Client) -> None:
    response = client.post(
        "/cards/grade", data={"s": "x", "card": "card.nope", "grade": "right"}
    )

    assert response.status_code == 400
    assert "no card with id &#39;card.nope&#39;" in response.text


def test_an_unknown_scenario_is_a_404_page(client: httpx.Client) -> None:
    response = client.get("/scenarios/scn.nope")

    assert response.status_code == 404
    assert "no scenario with id" in response.text


def test_a_scenario_answer_redirects_to_its_explanation(client: httpx.Client) -> None:
    response = client.post(
        "/scenarios/scn.easy.vendor-role?tier=easy", data={"choice": "b"}
    )

    assert response.status_code == 303
    assert re.fullmatch(
        r"/scenarios/scn\.easy\.vendor-role/attempts/\d+\?tier=easy",
        response.headers["location"],
    )


def test_the_theme_form_sets_a_cookie_and_refuses_foreign_redirects(
    client: httpx.Client,
) -> None:
    response = client.post("/theme", data={"theme": "dark", "back": "//evil.example/"})

    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert "gatehouse-theme=dark" in response.headers["set-cookie"]
    assert 'data-theme="dark"' in client.get("/").text


def test_the_progress_export_is_json(client: httpx.Client) -> None:
    client.post(
        "/cards/grade", data={"s": "x", "card": "card.sts.chain-cap", "grade": "wrong"}
    )

    exported = client.get("/progress/export.json")

    assert exported.headers["content-type"] == "application/json"
    assert "attachment" in exported.headers["content-disposition"]
    assert exported.json()["reviews"][0]["grade"] == "wrong"


def test_the_list_can_show_only_last_wrong_or_flagged_scenarios(
    client: httpx.Client,
) -> None:
    client.post("/scenarios/scn.easy.vendor-role", data={"choice": "b"})
    client.post("/scenarios/scn.easy.chain-facts", data={"choice": ["a", "b"]})
    client.post(
        "/flags", data={"item": "scn.medium.chain-order", "flagged": "1", "back": "/"}
    )

    wrong = client.get("/scenarios?show=wrong").text
    flagged = client.get("/scenarios?show=flagged").text
    unanswered = client.get("/scenarios?show=unanswered").text

    assert "/scenarios/scn.easy.vendor-role?show=wrong" in wrong
    assert "scn.easy.chain-facts" not in wrong
    assert "/scenarios/scn.medium.chain-order?show=flagged" in flagged
    assert "scn.easy.vendor-role" not in flagged
    assert "scn.medium.match-apis" in unanswered
    assert "scn.easy.chain-facts" not in unanswered


def test_an_exam_answer_naming_an_unknown_option_is_a_400(client: httpx.Client) -> None:
    started = client.post("/exam", data={"questions": "10", "exam": "scs-c03"})
    run = started.headers["location"].rsplit("/", 1)[0]
    single = next(
        f"{run}/{n}"
        for n in range(4)
        if 'type="radio"' in client.get(f"{run}/{n}").text
    )

    response = client.post(single, data={"choice": "zz", "action": "next"})

    assert response.status_code == 400
    assert "unknown option(s) [&#39;zz&#39;]" in response.text


def test_an_exam_keeps_a_multiple_response_answer_with_too_few_choices(
    client: httpx.Client,
) -> None:
    started = client.post("/exam", data={"questions": "10", "exam": "scs-c03"})
    run = started.headers["location"].rsplit("/", 1)[0]
    position = next(
        n
        for n in range(4)
        if 'type="checkbox" name="choice"' in client.get(f"{run}/{n}").text
    )

    saved = client.post(f"{run}/{position}", data={"choice": "a", "action": "next"})
    again = client.get(f"{run}/{position}").text

    assert saved.status_code == 303
    assert 'value="a" checked' in again
    assert f'aria-label="Question {position + 1}, answered"' in again
    result = client.get(f"{run}/result").text
    assert "0 of 4 right" in result
    assert result.count("· your choice") == 1  # kept, shown, and marked wrong


def _correct_form(scenario: Scenario) -> dict[str, str | list[str]]:
    if scenario.options:
        return {"choice": [option.id for option in scenario.correct_options]}
    if scenario.steps:
        return {
            f"pos-{step.id}": str(n) for n, step in enumerate(scenario.steps, start=1)
        }
    return {f"match-{pair.id}": pair.id for pair in scenario.pairs}


def test_every_bundled_scenario_marks_its_own_key_correct_in_the_console(
    tmp_path: Path,
) -> None:
    scenarios = load_content(CONTENT_DIR).content.scenarios
    assert scenarios

    with (
        running_console(tmp_path / "data", CONTENT_DIR) as url,
        httpx.Client(base_url=url, timeout=10) as client,
    ):
        for scenario in scenarios:
            question = client.get(f"/scenarios/{scenario.id}")
            assert question.status_code == 200, scenario.id
            answered = client.post(
                f"/scenarios/{scenario.id}",
                data=_correct_form(scenario),
                follow_redirects=True,
            )
            assert "Correct." in answered.text, scenario.id
