"""Where peerprep keeps user data and caches, and where the bundled data lives."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

APP_NAME = "peerprep"
HOME_ENV = "PEERPREP_HOME"


def data_home() -> Path:
    """User data folder: $PEERPREP_HOME if set, else the platform's data dir."""
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs  # imported here: only commands that touch user data pay for it

    return platformdirs.user_data_path(APP_NAME)


def cache_home() -> Path:
    """Cache folder: under $PEERPREP_HOME if set (so tests stay sandboxed), else the platform's."""
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser() / "cache"
    import platformdirs

    return platformdirs.user_cache_path(APP_NAME)


def _bundled(name: str) -> Path:
    """A data file shipped in the wheel, or (in a source checkout) at the repo top."""
    packaged = resources.files("peerprep") / "data" / name
    if packaged.is_file() or packaged.is_dir():
        return Path(str(packaged))
    # Editable installs and plain source checkouts: the wheel's force-include did not run.
    return Path(__file__).resolve().parents[2] / name


def bundled_bank() -> Path:
    return _bundled("question_bank")


def bundled_domains() -> Path:
    return _bundled("domains.yaml")
