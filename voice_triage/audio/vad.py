"""Voice activity detection: which frames of 16 kHz PCM are speech.

Energy-based: a frame is speech when it is louder than the tracked noise floor by a margin. The noise
floor is the quietest frame of the last two seconds (minimum statistics), so it follows a noisy waiting
room without being dragged up by the speech itself. Endpointing (recognition/endpoint.py) uses it to cut
one answer out of the audio.
"""
from __future__ import annotations

import collections
import math
from collections.abc import Iterable, Iterator
from typing import Protocol

import numpy as np


class VadSettings(Protocol):
    """What the detector reads (recognition.config.EndpointConfig has these fields)."""

    frame_ms: int
    margin_db: float
    floor_window_s: float
    min_level_dbfs: float


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
