"""Flite (CMU's small speech synthesizer, Debian's `flite` package) behind the Synthesizer protocol.

The library is called in-process through ctypes: a sentence takes tens of milliseconds and no process
starts per sentence. The voices are the ones Debian's libflite1 ships (slt, rms, awb, kal16, kal), each
its own shared library with a `register_cmu_us_<name>` function.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading

from voice_triage.audio.sinks import Pcm
from voice_triage.errors import SpeechOutputError
from voice_triage.speech.settings import VoiceSettings
from voice_triage.speech.synthesizer import UnknownVoiceError, VoiceInfo, scaled

logger = logging.getLogger(__name__)

VOICES = {"rms": "US English, male", "slt": "US English, female", "awb": "Scottish English, male",
          "kal16": "US English, male (diphone)", "kal": "US English, male (diphone, 8 kHz)"}
"""The voices of Debian's libflite1, clearest first by the intelligibility benchmark (scripts/bench_tts.py:
words misheard over every sentence in prompts/ at 160 words a minute, before the rewrites of issue 13:
rms 5.0%, slt 7.4%, awb 8.4%, kal16 12.4%)."""
DEFAULT_VOICE = "rms"
NATURAL_WPM = {"slt": 168, "rms": 147, "awb": 162, "kal16": 182, "kal": 179}
"""Each voice's own speaking rate on the scale of `--rate`, which is espeak-ng's (pyttsx3's) words per minute:
over every sentence in prompts/ espeak-ng at 160 says 196 words a minute, slt unstretched 206, rms 180,
awb 199, kal16 223, kal 219 (each x 160/196 here). A rate of N stretches durations by NATURAL_WPM / N, so
one rate sounds equally fast on every engine."""


class _Wave(ctypes.Structure):
    _fields_ = [("type", ctypes.c_char_p), ("sample_rate", ctypes.c_int), ("num_samples", ctypes.c_int),
                ("num_channels", ctypes.c_int), ("samples", ctypes.POINTER(ctypes.c_short))]


class _Voice(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("features", ctypes.c_void_p)]


_LOCK = threading.Lock()
"""Flite keeps global state: one sentence at a time in the process."""
_LIB: ctypes.CDLL | None = None
_LOADED: dict[str, ctypes._Pointer] = {}


def _library() -> ctypes.CDLL:
    global _LIB
    if _LIB is None:
        name = ctypes.util.find_library("flite") or "libflite.so.1"
        lib = ctypes.CDLL(name)
        lib.flite_init.restype = ctypes.c_int
        lib.flite_text_to_wave.restype = ctypes.POINTER(_Wave)
        lib.flite_text_to_wave.argtypes = [ctypes.c_char_p, ctypes.POINTER(_Voice)]
        lib.feat_set_float.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_float]
        lib.delete_wave.argtypes = [ctypes.POINTER(_Wave)]
        lib.flite_init()
        _LIB = lib
    return _LIB


def _voice(name: str) -> ctypes._Pointer:
    if name not in _LOADED:
        lib_name = ctypes.util.find_library(f"flite_cmu_us_{name}") or f"libflite_cmu_us_{name}.so.1"
        vlib = ctypes.CDLL(lib_name)
        register = getattr(vlib, f"register_cmu_us_{name}")
        register.restype = ctypes.POINTER(_Voice)
        register.argtypes = [ctypes.c_char_p]
        voice = register(None)
        if not voice:
            raise OSError(f"register_cmu_us_{name} returned no voice")
        _LOADED[name] = voice
    return _LOADED[name]


def installed_voices() -> list[str]:
    """The flite voices this machine has, in VOICES order (empty without libflite)."""
    found = []
    for name in VOICES:
        try:
            _library()
            _voice(name)
        except (OSError, AttributeError):
            continue
        found.append(name)
    return found


class FliteSynthesizer:
    """`Synthesizer` backed by libflite. `settings.voice` names a flite voice (slt, rms, awb, kal16, kal)."""

    def __init__(self, default_voice: str = DEFAULT_VOICE) -> None:
        try:
            with _LOCK:
                _library()
                _voice(default_voice)
        except (OSError, AttributeError) as exc:
            raise SpeechOutputError(f"Flite is not available ({exc}); on Debian: apt install flite.") from exc
        self.default_voice = default_voice
        self.name = f"flite ({default_voice})"

    def voices(self) -> list[VoiceInfo]:
        """The voices installed here."""
        return [VoiceInfo(name, f"flite {name}: {VOICES[name]}", ("en",)) for name in installed_voices()]

    def resolve_voice(self, wanted: str) -> str:
        """The flite voice for ``--voice`` (``slt``, ``flite:slt``, ``cmu_us_slt``)."""
        key = wanted.strip().lower().removeprefix("flite:").removeprefix("cmu_us_")
        if key in VOICES:
            try:
                with _LOCK:
                    _voice(key)
                return key
            except (OSError, AttributeError):
                pass
        raise UnknownVoiceError(f"Flite has no voice {wanted!r}. Voices: {', '.join(installed_voices()) or 'none'}.")

    def render(self, text: str, settings: VoiceSettings) -> Pcm:
        """`text` at the rate and volume of `settings`, as 16 kHz PCM."""
        if not text.strip():
            return Pcm(b"", 16000)
        name = self.resolve_voice(settings.voice) if settings.voice else self.default_voice
        stretch = NATURAL_WPM[name] / settings.rate
        with _LOCK:
            lib, voice = _library(), _voice(name)
            lib.feat_set_float(voice.contents.features, b"duration_stretch", stretch)
            wave = lib.flite_text_to_wave(text.encode("utf-8", "replace"), voice)
            if not wave:
                raise SpeechOutputError(f"Flite produced no audio for {text[:40]!r}.")
            try:
                w = wave.contents
                data = ctypes.string_at(w.samples, 2 * w.num_samples * max(1, w.num_channels))
                rate = w.sample_rate
            finally:
                lib.delete_wave(wave)
        if not data:
            raise SpeechOutputError(f"Flite produced no audio for {text[:40]!r}.")
        return scaled(Pcm(data, rate).trimmed(), settings.volume)

    def close(self) -> None:
        """Nothing to release: the voices stay loaded for the process."""
