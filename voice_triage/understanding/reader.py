"""The learned reader: what an utterance answers, and whether the speaker reports chest pain or breathlessness of
their own, now, read by a small fine-tuned encoder (issue 30; docs/model-card.md).

    reader = Reader.load()                          # models/reader.onnx, checked against reader.json's SHA-256
    reading = reader.read("Does one foot feel colder than the other?", "naw, they're both the same")
    reading.answer, reading.answer_p, reading.chest, reading.breath

Run time only: ONNX Runtime (int8 weights) and the `tokenizers` library; no PyTorch. Training, data and evaluation
are scripts (scripts/reader/), never imported here. The judge (judge.py) combines what this reads with the rules:
the rules stand where they are exact, the reader reads what they cannot.

`ReaderLoader` loads it on a background thread so that a session's first event does not wait for it; the judge
asks for it with a bounded wait when the first utterance is to be read (an utterance is never read without it,
unless it failed to load: then the rules alone read, and that is logged once).
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from voice_triage.errors import ModelError

log = logging.getLogger(__name__)

MODEL_PACKAGE = "voice_triage.understanding.models"
"""Where the shipped reader lives (package data)."""
WINDOW_WORDS = 48
"""The most words read at once (with a question, well inside the model's 80 word pieces for most speech)."""
MAX_WINDOWS = 12
"""A longer text is read in at most this many windows (MAX_CHARS of understanding bounds it anyway)."""
LOAD_WAIT_S = 10.0
"""How long the first utterance waits for a reader still loading (it loads in about 0.2 s here)."""


@dataclass(frozen=True)
class Reading:
    """What the reader made of one utterance at one question."""

    answer: str
    """The likeliest of yes, no, unsure, stop, repeat, back, help, why, other."""
    answer_p: float
    """Its probability."""
    chest: float
    """Probability that the speaker reports chest pain, pressure or tightness of their own, now."""
    breath: float
    """Probability that the speaker reports breathlessness of their own, now."""
    answers: dict[str, float]
    """Every answer's probability."""
    whole: bool = True
    """False when the text was too long for one reading and was read in windows."""

    @property
    def emergency(self) -> float:
        """The likelier of the two emergencies."""
        return max(self.chest, self.breath)

    @property
    def reason(self) -> str:
        """chest_pain or breathlessness: the likelier."""
        return "breathlessness" if self.breath > self.chest else "chest_pain"


class Reader:
    """The ONNX model, its tokenizer and its labels; `read` is thread-safe (ONNX Runtime sessions are)."""

    def __init__(self, folder: Path, threads: int = 1):
        try:
            import numpy as np
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise ModelError(f"The reader needs onnxruntime and tokenizers ({exc}); install voice-triage again "
                             "with pip.") from exc
        meta_path = folder / "reader.json"
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            for name, digest in meta["sha256"].items():
                data = (folder / name).read_bytes()
                if hashlib.sha256(data).hexdigest() != digest:
                    raise ModelError(f"The reader's {name} in {folder} does not match its checksum; reinstall "
                                     "voice-triage.")
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"The reader in {folder} is missing or broken ({exc}); reinstall voice-triage.") from exc
        self._np = np
        self.meta = meta
        self.labels: tuple[str, ...] = tuple(meta["answers"])
        self.threshold: float = float(meta.get("threshold", 0.3))
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(folder / "reader.onnx"), options,
                                             providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer.from_file(str(folder / "reader-tokenizer.json"))
        self._tokenizer.no_padding()
        # the question is cut first; a text longer than a window is read in windows (`read`), and any word piece
        # beyond the model's length is cut from the longer part rather than refused
        self._tokenizer.enable_truncation(int(meta.get("max_tokens", 96)), strategy="longest_first")

    @classmethod
    def load(cls, folder: str | Path | None = None) -> "Reader":
        """The shipped reader (or the one in `folder`). Raises ModelError."""
        if folder is None:
            folder = Path(str(resources.files(MODEL_PACKAGE)))
        return cls(Path(folder))

    def read(self, question: str, text: str) -> Reading:
        """What `text`, said when `question` was asked, answers and reports. A text too long for one reading is
        read in overlapping windows of WINDOW_WORDS words (at most MAX_WINDOWS): the answer is the first window's,
        each emergency the likeliest of any window's."""
        words = (text or "").split()
        if len(words) <= WINDOW_WORDS:
            return self._read(question, text or "")
        step = WINDOW_WORDS * 3 // 4
        starts = list(range(0, len(words) - WINDOW_WORDS, step))[:MAX_WINDOWS - 1] + [len(words) - WINDOW_WORDS]
        windows = [" ".join(words[i:i + WINDOW_WORDS]) for i in starts]
        readings = [self._read(question, w) for w in windows]
        first = readings[0]
        return Reading(first.answer, first.answer_p, max(r.chest for r in readings),
                       max(r.breath for r in readings), first.answers, whole=False)

    def _read(self, question: str, text: str) -> Reading:
        np = self._np
        enc = self._tokenizer.encode(question or "", text)
        feed = {"input_ids": np.asarray([enc.ids], dtype=np.int64),
                "attention_mask": np.asarray([enc.attention_mask], dtype=np.int64),
                "token_type_ids": np.asarray([enc.type_ids], dtype=np.int64)}
        answer, flags = self._session.run(None, feed)
        probs = {label: float(p) for label, p in zip(self.labels, answer[0])}
        best = max(probs, key=probs.get)
        return Reading(best, probs[best], float(flags[0][0]), float(flags[0][1]), probs)


class ReaderLoader:
    """Loads the reader on a background thread at once; `get` waits for it (bounded). One per process is enough:
    it is shared by every conversation (the composition root makes it)."""

    def __init__(self, folder: str | Path | None = None, *, background: bool = True):
        self._folder = folder
        self._reader: Reader | None = None
        self._error: str | None = None
        self._done = threading.Event()
        self._warned = False
        if background:
            # not a daemon: a process that ends while ONNX Runtime is loading aborted ("terminate called without
            # an active exception", exit -6: `voice-triage web` stopped at once, 9 times in 15) even with an atexit
            # wait for the load; Python's own shutdown waits for the thread (0.3 s at most here) and then it is clean
            threading.Thread(target=self._load, name="reader-load", daemon=False).start()
        else:
            self._load()

    def _load(self) -> None:
        try:
            self._reader = Reader.load(self._folder)
        except ModelError as exc:
            self._error = str(exc)
        except Exception as exc:  # ONNX Runtime's own errors: the rules still read
            self._error = f"the reader could not be loaded ({type(exc).__name__}: {exc})"
        finally:
            self._done.set()

    def get(self, wait_s: float = LOAD_WAIT_S) -> Reader | None:
        """The reader, waiting up to `wait_s` for it to load; None when it failed (said once in the log)."""
        if not self._done.wait(wait_s):
            log.warning("the reader is still loading after %.0f s; the rules alone read this utterance", wait_s)
            return None
        if self._reader is None and not self._warned:
            self._warned = True
            log.warning("%s; the rules alone read what is said", self._error)
        return self._reader

    @property
    def loaded(self) -> bool:
        """Whether loading has finished (well or not)."""
        return self._done.is_set()


@functools.lru_cache(maxsize=1)
def shared_reader() -> ReaderLoader:
    """The shipped reader, loaded once per process (in the background, from the first call on)."""
    return ReaderLoader()
