"""Fixtures for the study tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from gatehouse.study.loader import load_content
from gatehouse.study.model import Content
from gatehouse.study.practice import Study
from gatehouse.study.store import Store

from .helpers import FIXTURE_CONTENT, running_console


@pytest.fixture
def fixture_content() -> Content:
    result = load_content(FIXTURE_CONTENT)
    assert result.problems == ()
    return result.content


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, target)
    return target


@pytest.fixture
def study(tmp_path: Path, fixture_content: Content) -> Study:
    return Study(fixture_content, Store.in_dir(tmp_path / "data"))


@pytest.fixture
def console(tmp_path: Path) -> Iterator[str]:
    with running_console(tmp_path / "data") as url:
        yield url
