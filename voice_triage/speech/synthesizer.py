"""The Synthesizer interface, the pyttsx3 adapter behind it, and the captions-only stand-in.

``pyttsx3`` is imported only when a :class:`Pyttsx3Synthesizer` is made, so text modes never load
a speech library.
"""
from __future__ import annotations

import atexit
import contextlib
import io
import logging
import os
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from voice_triage.audio.sinks import Pcm
from voice_triage.errors import AudioDeviceError, SpeechOutputError
from voice_triage.speech.settings import VoiceSettings

logger = logging.getLogger(__name__)


class UnknownVoiceError(SpeechOutputError):
    """``--voice`` names a voice the text-to-speech engine does not have."""


@dataclass(frozen=True)
class VoiceInfo:
    """One voice the engine offers."""

    id: str
    """What ``--voice`` takes (e.g. ``gmw/en-us``)."""
    name: str
    """The engine's readable name (e.g. ``English (America)``)."""
    languages: tuple[str, ...] = ()
    """Language codes the engine reports for the voice."""


@runtime_checkable
class Synthesizer(Protocol):
    """Turns one sentence into audio."""

    name: str
    """What the engine is, for messages."""

    def render(self, text: str, settings: VoiceSettings) -> Pcm:
        """The sentence as 16-bit mono PCM; raises SpeechOutputError if the engine fails."""

    def close(self) -> None:
        """Release the engine and its temporary files."""


def scaled(audio: Pcm, volume: float) -> Pcm:
    """`audio` at `volume` (0.0-1.0) of its own loudness: how engines without a volume control of their own
    (flite, Piper) follow "louder" and "quieter"."""
    if volume >= 1.0 or not audio.samples:
        return audio
    import numpy as np

    samples = np.frombuffer(audio.samples, dtype="<i2").astype(np.float32) * volume
    return Pcm(np.rint(samples).astype("<i2").tobytes(), audio.sample_rate)


class CaptionOnly:
    """No voice at all: renders nothing, so only the captions carry the conversation."""

    name = "captions only"

    def render(self, text: str, settings: VoiceSettings) -> Pcm:
        """Empty audio: nothing to play."""
        return Pcm(b"", 16000)

    def close(self) -> None:
        """Nothing to release."""


PREFERRED_VOICE = "gmw/en-us"
"""pyttsx3's voice when none is asked for, where the engine has it (espeak-ng's American English): words
misheard over every sentence the assistant can say 14.7% against 17.1% for espeak-ng's default voice, both at
160 words a minute (scripts/bench_tts.py). Other platforms keep their own default voice."""


class Pyttsx3Synthesizer:
    """The platform's speech engine through pyttsx3 (espeak-ng on Linux, SAPI5 on Windows, NSSS on macOS).

    Each sentence is rendered with ``save_to_file`` + ``runAndWait`` into a private temporary
    folder, read back and deleted. All instances share the process's one engine (see _ENGINES);
    a lock keeps two threads from driving it at once.
    """

    def __init__(self, driver: str | None = None):
        try:
            import pyttsx3
        except ImportError as exc:
            raise SpeechOutputError(
                "No text-to-speech: the pyttsx3 package is not installed (pip install 'voice-triage[speech]')."
            ) from exc
        try:
            self._shared = _engine_for(pyttsx3, driver)
        except Exception as exc:  # pyttsx3 raises whatever its driver raises (RuntimeError, OSError, ...)
            raise SpeechOutputError(
                f"No text-to-speech engine could be started ({exc}). "
                "On Linux install espeak-ng (apt install espeak-ng)."
            ) from exc
        platform_driver = {"win32": "sapi5", "darwin": "nsss"}.get(sys.platform, "espeak")
        self._espeak = (driver or platform_driver) == "espeak"
        self.name = f"pyttsx3 ({driver or platform_driver})"
        self._folder: str | None = None
        """A private folder for the engine's WAV files, made at the first sentence (not at start-up:
        a kiosk that retries a missing speaker once made an empty one per try)."""
        self._count = 0
        self._voices: list[VoiceInfo] | None = None
        if self._espeak:
            try:
                preferred = self.resolve_voice(PREFERRED_VOICE)
            except UnknownVoiceError:
                preferred = None
            if preferred is not None:
                self._shared.default_voice = preferred

    def voices(self) -> list[VoiceInfo]:
        """Every voice the engine offers."""
        if self._voices is None:
            found = []
            for v in self._shared.engine.getProperty("voices") or []:
                langs = tuple(str(x) for x in (getattr(v, "languages", None) or ()))
                found.append(VoiceInfo(str(v.id), str(getattr(v, "name", "") or v.id), langs))
            self._voices = found
        return self._voices

    def resolve_voice(self, wanted: str) -> str:
        """The engine id for ``--voice`` given as an id, a name or the end of an id (``en-us``)."""
        key = wanted.strip().lower()
        voices = self.voices()
        for test in (lambda v: v.id.lower() == key, lambda v: v.name.lower() == key,
                     lambda v: v.id.lower().rsplit("/", 1)[-1] == key):
            for v in voices:
                if test(v):
                    return v.id
        examples = ", ".join(v.id for v in voices if "en" in v.id.lower()[:8])[:200] or "none"
        raise UnknownVoiceError(f"The speech engine has no voice {wanted!r}. Voices include: {examples}.")

    def _apply(self, settings: VoiceSettings) -> None:
        """Bring the engine's voice, rate and volume in line with `settings` (see _text_for for espeak)."""
        shared = self._shared
        wanted = self.resolve_voice(settings.voice) if settings.voice is not None else shared.default_voice
        if wanted is not None and wanted != shared.voice:
            shared.engine.setProperty("voice", wanted)
            shared.voice = wanted
        if not self._espeak:
            shared.engine.setProperty("rate", settings.rate)
            shared.engine.setProperty("volume", settings.volume)

    def _text_for(self, text: str, settings: VoiceSettings) -> str:
        """The text handed to the engine.

        pyttsx3's espeak driver runs espeak-ng asynchronously, and a rate or volume set through
        ``setProperty`` between two sentences is often lost (it races the end of the previous
        sentence: measured with pyttsx3 2.99 and espeak-ng 1.51). espeak's embedded commands
        (Ctrl-A, value, ``S`` for words per minute, ``A`` for amplitude in percent) travel with the
        text itself and always apply.
        """
        if not self._espeak:
            return text
        clean = text.replace("\x01", " ")
        return f"\x01{settings.rate}S\x01{int(round(settings.volume * 100))}A{clean}"

    def render(self, text: str, settings: VoiceSettings) -> Pcm:
        """Render `text` with `settings` and return the audio."""
        if not text.strip():
            return Pcm(b"", 16000)
        for attempt in (1, 2):
            audio = self._render_once(text, settings)
            if audio.frames:
                return audio
            # pyttsx3's espeak driver now and then finishes before the file holds the sentence (seen once in
            # about twenty full test runs): the sentence is rendered once more rather than lost.
            logger.info("the speech engine produced no audio for %r (attempt %d)", text[:40], attempt)
        raise SpeechOutputError(f"The speech engine produced no audio for {text[:40]!r}.")

    def _render_once(self, text: str, settings: VoiceSettings) -> Pcm:
        """One rendering through the shared engine (its frames may be none: see render)."""
        with _ENGINE_LOCK:
            self._count += 1
            if self._folder is None:
                self._folder = tempfile.mkdtemp(prefix="voice-triage-tts-")
            path = os.path.join(self._folder, f"utterance-{self._count}.wav")
            try:
                self._apply(settings)
                # The espeak driver prints "Audio saved to ..." on standard output: keep stdout clean.
                with contextlib.redirect_stdout(io.StringIO()):
                    self._shared.engine.save_to_file(self._text_for(text, settings), path)
                    self._shared.engine.runAndWait()
                # espeak-ng pads each sentence (ENDPAUSE: 350 ms after it); keep a short natural gap
                # so the microphone can listen again promptly after the last sentence.
                audio = Pcm.from_wav(path).trimmed()
            except UnknownVoiceError:
                raise
            except (AudioDeviceError, RuntimeError, OSError, ValueError, KeyError) as exc:
                self._shared.voice = None  # unknown state: set the voice again next time
                raise SpeechOutputError(f"The speech engine failed to speak {text[:40]!r} ({exc}).") from exc
            finally:
                with contextlib.suppress(OSError):
                    os.unlink(path)
        return audio

    def close(self) -> None:
        """Delete the temporary folder (the engine itself lives as long as the process)."""
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


@dataclass
class _SharedEngine:
    """The process's pyttsx3 engine for one driver, and the voice it was last set to."""

    engine: Any
    """The pyttsx3 Engine."""
    default_voice: str | None
    """The engine's voice when it was made (used when no --voice is given)."""
    voice: str | None
    """The voice last set through this module (None: unknown)."""


_ENGINES: dict[str | None, _SharedEngine] = {}
"""pyttsx3 engines by driver, kept for the life of the process.

espeak-ng can be initialised once per process and pyttsx3 keeps engines only weakly: when an
engine is garbage-collected its driver unregisters the synthesis callback, even if a newer engine
has registered its own meanwhile, and the newer engine then renders empty or misplaced audio
(seen in tests that made two synthesizers one after the other). Holding each engine here makes
every Pyttsx3Synthesizer of the process share it.
"""


_ENGINE_LOCK = threading.Lock()
"""One sentence at a time through the shared engine."""


def _engine_for(pyttsx3: Any, driver: str | None) -> _SharedEngine:
    """The process's engine for `driver`, made on first use."""
    if driver not in _ENGINES:
        engine = pyttsx3.init(driver) if driver else pyttsx3.init()
        # A new engine is "busy" until its first run loop. In that first runAndWait, pyttsx3 2.99
        # handles the queued end-of-loop command before the sentence is synthesized, and returns
        # while espeak-ng is still writing the file (an empty or missing WAV on a busy machine).
        # An empty run loop first leaves the engine idle, after which every runAndWait waits.
        with contextlib.redirect_stdout(io.StringIO()):
            engine.runAndWait()
        if not _ENGINES:
            # Release engines while modules still exist: pyttsx3's finaliser fails at interpreter teardown.
            atexit.register(_ENGINES.clear)
        default = engine.getProperty("voice")
        _ENGINES[driver] = _SharedEngine(engine, default, default)
    return _ENGINES[driver]


def list_voices() -> list[VoiceInfo]:
    """The voices of the default engine, for ``voice-triage voices``; raises SpeechOutputError without one."""
    synth = Pyttsx3Synthesizer()
    try:
        return synth.voices()
    finally:
        synth.close()
