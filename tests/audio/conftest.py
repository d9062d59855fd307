"""Fixtures for audio tests: synthesized speech."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import speechgen  # noqa: E402



@pytest.fixture(scope="session")
def need_tools():
    missing = speechgen.missing_tools(("flite:slt",))
    if missing:
        pytest.skip(f"speech synthesis needs {', '.join(missing)} (install flite and sox)")


@pytest.fixture(scope="session")
def audio_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("audio")
