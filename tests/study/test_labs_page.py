"""The console's Labs page plays a scripted lab against a fresh local AWS."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from .helpers import running_console


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_console(tmp_path_factory.mktemp("labs") / "data") as url:
        yield url


def test_the_labs_page_lists_the_ssrf_lab(console: str) -> None:
    page = httpx.get(f"{console}/labs", timeout=30)
    assert page.status_code == 200
    assert "ssrf-imds" in page.text
    assert 'action="/labs/ssrf-imds/run"' in page.text


def test_playing_the_ssrf_lab_shows_every_step_as_expected(console: str) -> None:
    with httpx.Client(base_url=console, timeout=180) as client:
        played = client.post("/labs/ssrf-imds/run", follow_redirects=True)
    assert played.status_code == 200
    assert played.url.path == "/labs/ssrf-imds"
    assert "10 of 10 steps went as the lesson expects" in played.text
    assert "IMDSv1" in played.text and "401" in played.text


def test_an_unknown_lab_is_a_404(console: str) -> None:
    assert httpx.get(f"{console}/labs/nope", timeout=30).status_code == 404
    assert httpx.post(f"{console}/labs/nope/run", timeout=30).status_code == 404
