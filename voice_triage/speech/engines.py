"""Choosing the text-to-speech engine (`--tts auto|flite|piper|pyttsx3`) and saying which and why."""
from __future__ import annotations

import logging

from voice_triage.errors import SpeechOutputError
from voice_triage.speech.settings import TTS_CHOICES
from voice_triage.speech.synthesizer import Synthesizer

logger = logging.getLogger(__name__)

CLEAREST_FIRST = ("flite", "piper", "pyttsx3")
"""Engines in the order a listener understood them (scripts/bench_tts.py: words misheard over every sentence
the assistant can say, at 160 words a minute: flite rms 4.2%, Piper joe 5.1%, pyttsx3 on espeak-ng gmw/en-us
14.7%); `auto` takes the first one installed. Flite also starts speaking soonest (first audio p95 117 ms,
Piper 324 ms)."""


def make_synthesizer(engine: str) -> Synthesizer:
    """The synthesizer for one engine; SpeechOutputError (one sentence) when it is not installed."""
    try:
        return _make(engine)
    except ImportError as exc:
        raise SpeechOutputError(f"The {engine} text-to-speech engine cannot be loaded ({exc}).") from exc


def _make(engine: str) -> Synthesizer:
    if engine == "piper":
        from voice_triage.speech.piper import PiperSynthesizer

        return PiperSynthesizer()
    if engine == "flite":
        from voice_triage.speech.flite import FliteSynthesizer

        return FliteSynthesizer()
    if engine == "pyttsx3":
        from voice_triage.speech.synthesizer import Pyttsx3Synthesizer

        return Pyttsx3Synthesizer()
    raise SpeechOutputError(f"Unknown text-to-speech engine {engine!r}; choose one of {', '.join(TTS_CHOICES)}.")


def build_synthesizer(tts: str = "auto") -> tuple[Synthesizer, str]:
    """The synthesizer `tts` asks for, and one line saying which and why. auto: the clearest installed one;
    SpeechOutputError when none is (or when the one asked for is not)."""
    if tts != "auto":
        synth = make_synthesizer(tts)
        return synth, f"{synth.name} (asked for with --tts {tts})"
    missing = []
    for engine in CLEAREST_FIRST:
        try:
            synth = make_synthesizer(engine)
        except SpeechOutputError as exc:
            logger.debug("text to speech: %s", exc)
            missing.append(engine)
            continue
        return synth, f"{synth.name} (the clearest installed" + (f"; no {', no '.join(missing)})" if missing else ")")
    raise SpeechOutputError("No text-to-speech engine is installed: apt install flite (or espeak-ng), or "
                            "pip install 'voice-triage[speech]'.")
