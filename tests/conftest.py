"""Suite-wide test settings.

The suite runs on three workers on two cores (pytest-xdist, `bash scripts/test.sh`): every test that uses the
virtual PulseAudio devices is in one group ("pulse"), so those tests run one after another on one worker and never
play into the same virtual microphone at once (they play in real time, leaving a core idle part of the time), while
the rest of the suite runs on the other two. A lock held for the length of
each such test makes that so whatever the scheduler does (pytest 9.2 silently broke xdist's groups: pyproject.toml).
"""
from __future__ import annotations

import fcntl
import os
import tempfile

import pytest


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook on each worker reads the group into the test's id
def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("pulse"):
            item.add_marker(pytest.mark.xdist_group("pulse"))


@pytest.fixture(autouse=True)
def _one_virtual_audio_test_at_a_time(request):
    if request.node.get_closest_marker("pulse") is None:
        yield
        return
    path = os.path.join(tempfile.gettempdir(), f"voice-triage-pulse-tests-{os.getuid()}.lock")
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
