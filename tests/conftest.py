"""Suite-wide test settings.

The suite runs on two workers (pytest-xdist, `bash scripts/test.sh`): every test that uses the virtual PulseAudio
devices is in one group ("pulse"), so those tests run one after another on one worker and never play into the same
virtual microphone at once, while the rest of the suite runs on the other worker.
"""
from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("pulse"):
            item.add_marker(pytest.mark.xdist_group("pulse"))
