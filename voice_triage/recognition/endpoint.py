"""Endpointing: find the start and end of one spoken answer in a stream of 16 kHz PCM.

Frames are judged speech or not by the voice activity detector (audio/vad.py). All times are
counted in samples of audio, never on the wall clock, so a WAV file and the microphone
behave the same and tests need no sleeps.
"""
from __future__ import annotations

import collections
import logging
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from voice_triage.audio import SAMPLE_RATE
from voice_triage.audio.vad import VoiceActivity, frames, make_vad
from voice_triage.recognition.config import EndpointConfig

log = logging.getLogger(__name__)


@dataclass
class Utterance:
    """Bookkeeping of one `listen` call, filled in as the audio is consumed."""

    started_at_s: float | None = None
    """Audio time at which speech was detected (None: no speech)."""
    ended_by: str = ""
    """Why the answer ended: "silence" (trailing silence), "complete" (trailing silence after what was already
    a whole phrase at a shorter pause), "max_length", "end_of_audio" or "recognizer"."""
    went_on: int = 0
    """How many times the person went on speaking after what was already a whole answer ("no ... but my chest
    is tight now"): each time the answer went on with them instead of ending."""
    speech_s: float = 0.0
    """Length of the audio handed to the recognizer."""


def segment(chunks: Iterable[bytes], config: EndpointConfig, info: Utterance | None = None,
            complete: Callable[[], bool] | None = None,
            pause: Callable[[bool], None] | None = None) -> Iterator[bytes] | None:
    """Wait for speech; return a generator of the answer's audio, or None after the timeout/end of audio.

    The generator yields the pre-roll and then frame after frame until trailing silence, the
    maximum length or the end of the audio; the caller may stop consuming it at any time.
    `complete`, if given, is asked once per pause of `complete_silence_ms` whether what was heard
    so far is a whole answer. A whole answer does not end the turn there: the answer ends only after the full
    trailing silence, so words said after a short pause ("no ... but my chest is tight now") are part of it and
    are heard (with the microphone half duplex, anything said after the turn ended would be said over the next
    question and lost). What `complete` says is kept in `info` ("complete", `went_on`). `pause`, if given, is told pause(True) once a
    pause reaches `settle_ms` and pause(False) when speech comes again after it (always between frames:
    every frame before the call has been consumed, none after it).
    """
    info = info if info is not None else Utterance()
    frame_samples = SAMPLE_RATE * config.frame_ms // 1000
    vad = make_vad(config)
    stream = frames(chunks, frame_samples)
    preroll: collections.deque[np.ndarray] = collections.deque(maxlen=max(1, config.preroll_ms // config.frame_ms))
    need = max(1, math.ceil(config.min_speech_ms / config.frame_ms))
    timeout_samples = int(config.timeout_s * SAMPLE_RATE)
    heard = 0
    run = 0
    for frame in stream:
        heard += len(frame)
        preroll.append(frame)
        run = run + 1 if vad.is_speech(frame) else 0
        if run >= need:
            break
        if heard >= timeout_samples:
            log.debug("no speech in %.1f s of audio", heard / SAMPLE_RATE)
            return None
    else:
        if run == 0:
            return None
        # the audio ended on speech shorter than `min_speech_ms` (a recording cut right after "stop"): it is
        # still an answer, and the recognizer's own checks say whether it holds words
    info.started_at_s = (heard - run * frame_samples) / SAMPLE_RATE
    return _answer(stream, vad, list(preroll), config, frame_samples, info, complete, pause)


def _answer(stream: Iterator[np.ndarray], vad: VoiceActivity, preroll: list[np.ndarray], config: EndpointConfig,
            frame_samples: int, info: Utterance, complete: Callable[[], bool] | None = None,
            pause: Callable[[bool], None] | None = None) -> Iterator[bytes]:
    max_samples = int(config.max_utterance_s * SAMPLE_RATE)
    silence_needed = max(1, math.ceil(config.trailing_silence_ms / config.frame_ms))
    complete_after = max(1, math.ceil(config.complete_silence_ms / config.frame_ms))
    settle_after = None if config.settle_ms is None else max(1, math.ceil(config.settle_ms / config.frame_ms))
    paused = False
    whole = False
    sent = 0
    for frame in preroll:
        sent += len(frame)
        info.speech_s = sent / SAMPLE_RATE
        yield frame.tobytes()
    quiet = 0
    info.ended_by = "end_of_audio"
    for frame in stream:
        quiet = 0 if vad.is_speech(frame) else quiet + 1
        if paused and quiet == 0:
            paused = False
            pause(False)
        if whole and quiet == 0:
            whole = False
            info.went_on += 1
            log.debug("speech went on after a whole answer: the answer goes on")
        sent += len(frame)
        info.speech_s = sent / SAMPLE_RATE
        yield frame.tobytes()
        if quiet >= silence_needed:
            info.ended_by = "complete" if whole else "silence"
            return
        if pause is not None and settle_after is not None and quiet == settle_after < silence_needed:
            paused = True
            pause(True)
        if complete is not None and quiet == complete_after < silence_needed and complete():
            whole = True
        if sent >= max_samples:
            log.info("answer cut at the maximum length of %.1f s", config.max_utterance_s)
            info.ended_by = "max_length"
            return
