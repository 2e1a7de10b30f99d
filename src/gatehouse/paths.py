"""Where Gatehouse keeps its files on this machine."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def data_dir() -> Path:
    """The per-user data directory; `GATEHOUSE_DATA_DIR` overrides it."""
    override = os.environ.get("GATEHOUSE_DATA_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir("gatehouse", appauthor=False))
