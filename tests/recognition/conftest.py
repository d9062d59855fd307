"""Fixtures for recognizer tests: speech synthesized at test time, models loaded once per session."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "audio"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import speechgen  # noqa: E402

from recognition_phrases import GRAMMAR  # noqa: E402

from voice_triage.content.loader import load_content  # noqa: E402
from voice_triage.recognition import Recognition  # noqa: E402
from voice_triage.recognition.base import EngineDefaults  # noqa: E402

LEADS = load_content().listen_leads
"""The lead-ins the grammars let come first (grammars/answers.yaml, listen_lead_ins)."""


@pytest.fixture(scope="session")
def need_tools():
    missing = speechgen.missing_tools()
    if missing:
        pytest.skip(f"speech synthesis needs {', '.join(missing)} (install flite, espeak-ng and sox)")


@pytest.fixture(scope="session")
def speech_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("speech")


@pytest.fixture(scope="session")
def sphinx():
    import dataclasses

    from voice_triage.recognition.config import THRESHOLDS
    from voice_triage.recognition.pocketsphinx_engine import PocketSphinxRecognizer

    # below the verification cut-off a phrase is not understood (the product asks back between 0.2 and 0.35)
    return PocketSphinxRecognizer(dataclasses.replace(THRESHOLDS["pocketsphinx"], confirm_floor=None))


@pytest.fixture()
def ps(sphinx):
    """The session's PocketSphinx recognizer with the test grammar set (tests may change it)."""
    sphinx.set_grammar(GRAMMAR, leads=LEADS)
    return sphinx


@pytest.fixture(scope="session")
def audio_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("audio")


class RecordingRecognizer(EngineDefaults):
    """Takes whatever audio it is given and says it understood "yes"; keeps the audio for inspection."""

    engine = "recording"

    def __init__(self) -> None:
        self.audio = b""

    def set_grammar(self, phrases, **kw):
        return []

    def missing_words(self):
        return []

    def recognize(self, chunks, on_partial=None, finish=None):
        self.audio = b"".join(chunks)
        return Recognition(text="yes", confidence=1.0, understood=True, engine=self.engine)


@pytest.fixture()
def recorder():
    return RecordingRecognizer()
