"""Fixtures: a running metadata service on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .helpers import Running, make_instance, start


@pytest.fixture
def imds() -> Iterator[Running]:
    """An instance with a role, HttpTokens optional (the historical default)."""
    yield from start(make_instance())


@pytest.fixture
def imds_required() -> Iterator[Running]:
    yield from start(make_instance(MetadataOptions={"HttpTokens": "required"}))
