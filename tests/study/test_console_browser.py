"""The study console end to end in headless Chromium, against a real server."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from .helpers import running_console

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if shutil.which(CHROMIUM) is None:
        pytest.skip(
            f"{CHROMIUM} is missing; scripts/install-system-deps.sh installs it"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_FLAGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    context.set_default_timeout(10_000)
    opened = context.new_page()
    yield opened
    context.close()


def _shoot(browser: Browser, url: str, name: str) -> None:
    """Save the page in the light and the dark colour scheme."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        context = browser.new_context(
            viewport={"width": 1100, "height": 800}, color_scheme=scheme
        )
        shot = context.new_page()
        shot.goto(url)
        shot.screenshot(path=str(SCREENSHOTS / f"{name}-{scheme}.png"), full_page=True)
        context.close()


def _score(page: Page) -> tuple[str, str]:
    return page.locator("#score-right").inner_text(), page.locator(
        "#score-wrong"
    ).inner_text()


def test_flashcards_flip_and_grade_by_click_and_by_key(
    page: Page, browser: Browser, console: str
) -> None:
    page.goto(f"{console}/cards")
    expect(page.locator("#due")).to_contain_text("Due: 5")
    assert _score(page) == ("0", "0")
    _shoot(browser, page.url, "flashcards-front")

    back = page.locator("#card-back")
    expect(back).to_be_hidden()
    page.get_by_role("button", name="Flip", exact=True).click()
    expect(back).to_be_visible()
    page.get_by_role("button", name="I was right", exact=True).click()
    expect(page.locator("#score-right")).to_have_text("1")
    expect(page.locator("#due")).to_contain_text("Due: 4")

    page.locator("body").press("Space")
    expect(back).to_be_visible()
    _shoot(browser, page.url + "&side=back", "flashcards-back")
    page.keyboard.press("1")
    expect(page.locator("#score-wrong")).to_have_text("1")

    page.locator("body").press("Enter")
    expect(back).to_be_visible()
    page.keyboard.press("2")
    expect(page.locator("#score-right")).to_have_text("2")
    assert _score(page) == ("2", "1")


def test_keys_do_not_grade_before_the_card_is_flipped(page: Page, console: str) -> None:
    page.goto(f"{console}/cards")

    page.keyboard.press("2")

    expect(page.locator("#card-back")).to_be_hidden()
    assert _score(page) == ("0", "0")


def test_flashcards_work_without_javascript(browser: Browser, console: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{console}/cards")

    page.get_by_role("button", name="Flip", exact=True).click()
    expect(page.locator("#card-back")).to_be_visible()
    page.get_by_role("button", name="I was wrong", exact=True).click()

    expect(page.locator("#score-wrong")).to_have_text("1")
    context.close()


def test_a_scenario_answered_wrong_then_right_shows_every_explanation(
    page: Page, browser: Browser, console: str
) -> None:
    page.goto(f"{console}/scenarios?tier=easy")
    _shoot(browser, page.url, "scenarios")
    page.get_by_role("link", name=re.compile("Start with the first")).click()
    _shoot(browser, page.url, "scenario-question")

    page.get_by_role("radio", name=re.compile("Name the vendor's account")).check()
    page.get_by_role("button", name="Check answer").click()

    expect(page.get_by_role("status")).to_have_text("Not quite.")
    explained = page.locator(".explained li")
    expect(explained).to_have_count(4)
    expect(explained.nth(0)).to_contain_text("Right answer")
    expect(explained.nth(1)).to_contain_text("your choice")
    expect(explained.nth(1)).to_contain_text(
        "every customer of the vendor trusts that account"
    )
    expect(explained.nth(1)).to_contain_text(
        "Tests the misconception: “Naming the vendor's account as Principal is enough"
    )
    expect(page.locator(".again")).to_contain_text("Is naming the vendor's account")
    _shoot(browser, page.url, "scenario-explained")

    page.get_by_role("link", name="Try again").click()
    page.get_by_role(
        "radio", name=re.compile("Require the vendor's external ID")
    ).check()
    page.get_by_role("button", name="Check answer").click()
    expect(page.get_by_role("status")).to_have_text("Correct.")

    page.get_by_role("link", name="Next").click()
    expect(page.locator("legend")).to_contain_text("Which two statements are true")


def test_ordering_and_matching_answers_are_checked(page: Page, console: str) -> None:
    page.goto(f"{console}/scenarios/scn.medium.chain-order")
    for position, text in enumerate(
        [
            "signs in with long-term keys",
            "assumes the first role",
            "assumes the second role",
        ],
        start=1,
    ):
        page.get_by_label(re.compile(f"Position of: .*{text}")).select_option(
            str(position)
        )
    page.get_by_role("button", name="Check answer").click()
    expect(page.get_by_role("status")).to_have_text("Correct.")

    page.goto(f"{console}/scenarios/scn.medium.match-apis")
    page.get_by_label("AssumeRole").select_option(label="Credentials for the same user")
    page.get_by_label("GetSessionToken").select_option(
        label="Credentials for a different role"
    )
    page.get_by_label("GetFederationToken").select_option(
        label="Credentials for a federated user"
    )
    page.get_by_role("button", name="Check answer").click()
    expect(page.get_by_role("status")).to_have_text("Not quite.")
    expect(page.locator(".explained")).to_contain_text(
        "you matched: Credentials for the same user"
    )


def test_an_unanswered_check_explains_what_is_missing(page: Page, console: str) -> None:
    page.goto(f"{console}/scenarios/scn.easy.chain-facts")
    page.get_by_role("checkbox", name=re.compile("3600 seconds succeeds")).check()
    page.get_by_role("button", name="Check answer").click()

    expect(page.get_by_role("alert")).to_have_text("Choose exactly 2 answers.")
    expect(
        page.get_by_role("checkbox", name=re.compile("3600 seconds succeeds"))
    ).to_be_checked()


def test_an_exam_run_reveals_answers_at_the_end_with_domains(
    page: Page, browser: Browser, console: str
) -> None:
    page.goto(f"{console}/exam")
    _shoot(browser, page.url, "exam-start")
    page.get_by_label("Questions").select_option("10")
    page.get_by_role("button", name="Start exam").click()

    expect(page.locator(".exam-status")).to_contain_text("Question 1 of 4")
    expect(page.locator("#timer")).to_have_text(re.compile(r"^(9|10):\d\d$"))
    _shoot(browser, page.url, "exam-question")
    page.get_by_label("Flag for review").check()
    page.get_by_role("button", name="Next").click()
    expect(page.locator(".exam-status")).to_contain_text("Question 2 of 4")
    expect(page.get_by_role("button", name="Question 1, flagged")).to_be_visible()

    page.get_by_role("button", name="Finish exam").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"0 of 4 right")
    )
    expect(page.locator("#domains")).to_contain_text("Identity and Access Management")
    expect(page.locator("#domains")).to_contain_text("0/4")
    expect(page.locator(".review")).to_have_count(4)
    expect(page.get_by_role("heading", name="Flagged", exact=True)).to_be_visible()
    _shoot(browser, page.url, "exam-result")


def test_progress_survives_a_restart_of_the_server(
    page: Page, browser: Browser, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    with running_console(data) as url:
        page.goto(f"{url}/cards")
        session_url = page.url
        page.get_by_role("button", name="Flip", exact=True).click()
        page.get_by_role("button", name="I was right", exact=True).click()
        expect(page.locator("#score-right")).to_have_text("1")
        page.goto(f"{url}/scenarios/scn.easy.vendor-role")
        page.get_by_role("radio", name=re.compile("Require the vendor's")).check()
        page.get_by_role("button", name="Check answer").click()
        expect(page.get_by_role("status")).to_have_text("Correct.")

    with running_console(data) as url:
        page.goto(session_url.replace(session_url.split("/cards")[0], url))
        expect(page.locator("#score-right")).to_have_text("1")
        expect(page.locator("#due")).to_contain_text("Due: 4")
        page.goto(f"{url}/progress")
        expect(page.locator(".lead")).to_contain_text(
            "1 flashcard grades and 1 scenario answers"
        )
        expect(
            page.get_by_role("img", name=re.compile("Scenarios right per tier"))
        ).to_contain_text("100% (1/1)")
        _shoot(browser, page.url, "progress")
        _shoot(browser, url + "/", "home")


def test_the_theme_toggle_switches_to_dark_and_persists(
    page: Page, console: str
) -> None:
    page.goto(f"{console}/")
    toggle = page.get_by_role("button", name=re.compile("^Theme: auto"))

    toggle.click()

    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(13, 17, 23)"


def test_every_control_has_an_accessible_name(page: Page, console: str) -> None:
    for path in [
        "/",
        "/cards",
        "/scenarios",
        "/scenarios/scn.medium.chain-order",
        "/exam",
    ]:
        page.goto(console + path)
        unnamed = page.evaluate(
            """() => [...document.querySelectorAll('button, a, select, input:not([type=hidden])')]
                 .filter(el => !el.hidden && el.offsetParent !== null)
                 .filter(el => {
                   const label = el.getAttribute('aria-label') || el.innerText.trim()
                     || (el.labels && [...el.labels].map(l => l.innerText).join('').trim());
                   return !label;
                 }).map(el => el.outerHTML)"""
        )
        assert unnamed == [], path
