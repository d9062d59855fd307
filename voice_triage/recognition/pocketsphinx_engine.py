"""PocketSphinx adapter: the embedded default, with the US-English model shipped in the wheel.

Each question's phrase list becomes a JSGF grammar (an optional lead-in word, then one of the
phrases). The grammar always produces some phrase, so each result is checked against free decoding
of the same audio (`verify`): chatter ("I had toast for breakfast") that the grammar forced onto
"i have chest pain" comes back not understood. Its thresholds are `recognition.config.THRESHOLDS`.
"""
from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from voice_triage.errors import ModelError
from voice_triage.recognition.base import (
    SAMPLE_RATE,
    UNKNOWN,
    EngineDefaults,
    PartialCallback,
    Recognition,
    Utterance,
    early_result,
    spell_phrases,
    normalise_phrase,
    similarity_within,
    snap,
    word_similarity,
    word_variants,
)
from voice_triage.recognition.config import THRESHOLDS, Thresholds

log = logging.getLogger(__name__)

ENGINE = "pocketsphinx"
_FILLERS = {"<s>", "</s>", "<sil>", "[NOISE]", "[SPEECH]", "+SPN+", "+NSN+", "[BREATH]", "[COUGH]"}

PARTIAL_EVERY_BYTES = SAMPLE_RATE * 2 // 5
"""A partial hypothesis is looked at every 200 ms of audio: asking PocketSphinx for one costs
10-25 ms with a large grammar, so asking at every 30 ms chunk would not keep up with speech."""

DECODER_DEFAULTS = {"bestpath": False}
"""The lattice rescoring after each utterance doubled the time to a result (0.8 s to 1.7 s per
answer in pink noise) with no gain in correct answers (61% and 62%), so it is off."""

FREE_SEARCH_OPTIONS = {"maxhmmpf": 2000}
"""Settings of the free (n-gram) search only. At most 2000 HMMs active per frame (the default is 30000):
answers at a yes/no question took 0.35 s instead of 0.86 s at 10 dB SNR, and 0.23 s instead of 0.39 s
clean, with 67% and 97% right against 68% and 98% (192 answers, 4 flite voices, white, pink and brown noise)."""
_LIVE_FREE = "free_live"
"""The free search used while the person speaks at the open question: the same n-gram model without the
second (flat) pass, which made the end of each utterance 100-230 ms slower and is wasted there, because
the whole answer is decoded again at the end. (For that final decoding the flat pass stays: without it
61% of the answers at 10 dB were right instead of 68%.)"""

KEEP_GRAMMARS = 32
"""Compiled grammars kept in the decoder (one per question, and the open question's emergency grammar),
so going back to a question, or re-listening for emergencies, does not compile its grammar again."""

@dataclass
class _Utterance(Utterance):
    """What `recognize` keeps about the answer it is hearing (deciding ahead: base.Utterance)."""

    streaming: bool = False
    """Whether the decoder is inside an utterance (decoding as the audio comes)."""


def phone_similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """1 - phone edit distance / longer length."""
    return word_similarity(a, b)


def default_model_paths() -> tuple[str, str, str]:
    """(acoustic model dir, dictionary, language model) of the US-English model in the pocketsphinx wheel."""
    try:
        from pocketsphinx import get_model_path
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ModelError(
            "The pocketsphinx package is not installed; install it with `pip install 'voice-triage[speech]'`."
        ) from exc
    base = get_model_path()
    paths = (
        os.path.join(base, "en-us", "en-us"),
        os.path.join(base, "en-us", "cmudict-en-us.dict"),
        os.path.join(base, "en-us", "en-us.lm.bin"),
    )
    for path in paths:
        if not os.path.exists(path):
            raise ModelError(
                f"The PocketSphinx English model is incomplete: {path} is missing; "
                "reinstall it with `pip install --force-reinstall pocketsphinx`."
            )
    return paths


def _load_decoder(decoder_class, decoder_options: dict, live: bool):
    """A decoder with the free n-gram search ("free"), and with `live` also the one for live speech."""
    hmm, dictionary, lm = default_model_paths()
    try:
        options = {**DECODER_DEFAULTS, **decoder_options}
        decoder = decoder_class(hmm=hmm, dict=dictionary, lm=None, loglevel="FATAL", samprate=SAMPLE_RATE, **options)
        config = decoder.config
        saved = {key: config[key] for key in (*FREE_SEARCH_OPTIONS, "fwdflat")}
        for key, value in FREE_SEARCH_OPTIONS.items():
            config[key] = value  # read when the search is made
        decoder.add_lm_file("free", lm)
        if live:
            config["fwdflat"] = False
            decoder.add_lm_file(_LIVE_FREE, lm)
        for key, value in saved.items():
            config[key] = value
    except (RuntimeError, ValueError) as exc:
        raise ModelError(f"PocketSphinx could not load its English model from {hmm}: {exc}") from exc
    decoder.activate_search("free")
    return decoder


def _free_text(decoder, audio: bytes) -> str:
    """Free decoding of one whole answer with `decoder`'s active (free) search."""
    decoder.start_utt()
    decoder.process_raw(audio, False, True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return " ".join(w for w in (hyp.hypstr.split() if hyp else []) if w not in _FILLERS)


def free_decoder() -> Callable[[bytes], str]:
    """Free decoding exactly as `PocketSphinxRecognizer.decode_free` does it, for the helper process."""
    from pocketsphinx import Decoder

    decoder = _load_decoder(Decoder, {}, live=False)
    return lambda audio: _free_text(decoder, audio)


class PocketSphinxRecognizer(EngineDefaults):
    """`Recognizer` backed by PocketSphinx 5 with per-question JSGF grammars, checked by free decoding."""

    engine = ENGINE

    def __init__(self, thresholds: Thresholds = THRESHOLDS[ENGINE], verify: bool = True, denoise: bool = True,
                 helper: bool = True, **decoder_options) -> None:
        try:
            from pocketsphinx import Decoder
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise ModelError(
                "The pocketsphinx package is not installed; install it with `pip install 'voice-triage[speech]'`."
            ) from exc
        started = time.perf_counter()
        self._decoder = _load_decoder(Decoder, decoder_options, live=True)
        self._helper = None
        if helper and not decoder_options:
            from voice_triage.recognition.helper import shared_helper

            self._helper = shared_helper()
        """The free-decoding helper process (recognition.helper), if there is one; it decodes like this one."""
        self._pending_free: tuple[int, int] | None = None
        """(hash of the audio, helper request id) of a free decoding handed to the helper."""
        self.load_seconds = time.perf_counter() - started
        """Seconds it took to load the acoustic model and dictionary."""
        self.thresholds = thresholds
        """Snap, verification, confirmation floor and early stop (recognition.config)."""
        self._verify = verify
        self._within = False
        """Verify a phrase against its best stretch of the free decoding, not the whole of it (a grammar set
        `within`: emergency phrases listened for inside free speech)."""
        self._denoise = denoise
        """Filter steady background noise out of the whole answer before the final decoding (audio.denoise)."""
        self._last_free: tuple[int, str] | None = None
        """(hash of the audio, text) of the last free decoding: the open question's second listening
        checks its phrase against the same audio, and need not decode it freely again."""
        self._phrases: dict[str, str] = {}
        self._leads: list[str] = []
        self._missing: list[str] = []
        self._search = "free"
        self._grammars = 0
        self._compiled: dict[str, str] = {}
        """(thoroughness, JSGF text) -> name of its search in the decoder, kept for the next time the same question comes."""
        self._last_clean: tuple[int, bytes] | None = None
        self._live: _Utterance | None = None
        """The utterance `recognize` is decoding, if any."""

    # ------------------------------------------------------------------ grammar

    def _spell(self, word: str) -> list[str] | None:
        """The dictionary's spelling of `word` (maybe split in two), or None if it has none."""
        for variant in word_variants(word):
            parts = variant.split()
            if all(self._decoder.lookup_word(p) for p in parts):
                return parts
        return None

    def missing_words(self) -> list[str]:
        """Words of the current grammar not in the PocketSphinx dictionary."""
        return list(self._missing)

    def set_grammar(self, phrases: Sequence[str] | None, *, leads: Sequence[str] = (), thorough: bool = False,
                    within: bool = False) -> list[str]:
        """Restrict recognition to `phrases`; None means free decoding with the English n-gram model.

        Returns the words the dictionary does not know. Phrases holding such words cannot be
        recognized; each is reported in a warning, never dropped silently. `leads` may come before a
        phrase. `thorough` rescores each result over the whole lattice (slower; no lead-ins, which make
        the lattice explode): for the second, emergency-only listening at the open question, where "can"
        against "can't" matters. `within`: a phrase is verified against its best stretch of free decoding.
        """
        self._within = within
        if phrases is None:
            self._phrases, self._missing, self._search = {}, [], "free"
            self._decoder.activate_search("free")
            return []
        table, missing = spell_phrases(phrases, self._spell, "PocketSphinx's dictionary")
        if not table:
            raise ModelError("None of the grammar phrases can be recognized by PocketSphinx "
                             f"(unknown words: {', '.join(missing) or 'none'}); check the phrase list.")
        self._leads = [] if thorough else [lead for lead in leads
                                           if all(self._decoder.lookup_word(w) for w in lead.split())]
        jsgf = self._jsgf(sorted(table))
        key = f"{thorough}\n{jsgf}"
        name = self._compiled.pop(key, None) or self._compile(jsgf, thorough, len(table))
        self._compiled[key] = name  # most recently used last
        while len(self._compiled) > KEEP_GRAMMARS:
            self._decoder.remove_search(self._compiled.pop(next(iter(self._compiled))))
        self._decoder.activate_search(name)
        self._search = name
        self._phrases, self._missing = table, missing
        return list(missing)

    def _compile(self, jsgf: str, thorough: bool, phrases: int) -> str:
        self._grammars += 1
        name = f"g{self._grammars}"
        config = self._decoder.config
        bestpath = config["bestpath"]
        config["bestpath"] = thorough or bestpath  # read when the search is made
        try:
            self._decoder.add_jsgf_string(name, jsgf)
        except (RuntimeError, ValueError) as exc:
            raise ModelError(f"PocketSphinx rejected the grammar built from {phrases} phrases: {exc}") from exc
        finally:
            config["bestpath"] = bestpath
        return name

    def _jsgf(self, phrases: list[str]) -> str:
        alternatives = " | ".join(f"( {p} )" for p in phrases)
        lines = ["#JSGF V1.0;", "grammar triage;"]
        said = "[ <lead> ] <phrase>" if self._leads else "<phrase>"
        lines.append(f"public <utterance> = {said};")
        if self._leads:
            lines.append(f"<lead> = {' | '.join(f'( {lead} )' for lead in self._leads)};")
        lines.append(f"<phrase> = {alternatives};")
        return "\n".join(lines) + "\n"

    # ------------------------------------------------------------------ decoding

    def _hypothesis(self) -> list[str]:
        hyp = self._decoder.hyp()
        if hyp is None:
            return []
        words = []
        for word in hyp.hypstr.split():
            if word not in _FILLERS:
                words.append(word)
        return words

    settles = True
    """`recognize` takes a `finish` function, and `pause` decodes the answer ahead while the person pauses."""

    def recognize(self, chunks: Iterable[bytes], on_partial: PartialCallback | None = None,
                  finish: Callable[[bytes], Recognition] | None = None) -> Recognition:
        """Decode one utterance; `on_partial` sees each new partial hypothesis and may stop decoding.

        A grammar result is double-checked against free decoding of the same audio (see `verify`);
        a partial that the callback wants to stop on is checked the same way first, and decoding
        goes on if it fails the check (so chatter that starts like "i have..." raises no alarm).
        `finish(audio)` makes the final result from the whole answer (`recognize_whole` unless given);
        it may already have run during the closing pause (`pause`).
        """
        decoder = self._decoder
        live = self._live = _Utterance(finish or self.recognize_whole)
        audio = live.audio
        self._stream(b"")
        last = ""
        stopped = False
        checked = 0
        try:
            for chunk in chunks:
                if not chunk:
                    continue
                audio += chunk
                if live.streaming:
                    decoder.process_raw(chunk, False, False)
                if live.settled is not None:
                    continue  # a pause: the answer so far is decoded already (`pause`)
                if on_partial is None or len(audio) - checked < PARTIAL_EVERY_BYTES:
                    continue
                checked = len(audio)
                partial = " ".join(self._hypothesis())
                if partial and partial != last:
                    last = partial
                    if on_partial(partial):
                        if self._search == "free":
                            stopped = True
                            break
                        early = self._early(partial.split())
                        if not early.text:
                            continue  # not a grammar phrase yet: go on listening, never stop unchecked
                        self._end_stream()
                        score, free = self.verify(self._cleaned(audio), early.text)
                        self._stream(bytes(audio))
                        if score >= self.thresholds.early_stop_sure:
                            stopped = True
                            break
                        log.info("pocketsphinx: partial %r not confirmed by free decoding %r (%.2f)",
                                 partial, free, score)
        finally:
            self._end_stream()
            self._live = None
        if stopped:
            return self._early(last.split())
        return live.result()

    def _stream(self, audio: bytes) -> None:
        """Start decoding the person's speech as it comes (with `audio` heard so far fed first)."""
        live = self._live
        self._decoder.activate_search(_LIVE_FREE if self._search == "free" else self._search)
        self._decoder.start_utt()
        if live is not None:
            live.streaming = True
        if audio:
            self._decoder.process_raw(audio, False, False)

    def _end_stream(self) -> None:
        live = self._live
        if live is not None and live.streaming:
            self._decoder.end_utt()
            live.streaming = False

    def pause(self, paused: bool) -> None:
        """From endpointing, during `recognize`: the person has paused (True), or has gone on speaking (False).

        At a pause the answer so far is decoded to the end (its `finish`) while the endpointer waits out
        the rest of the silence, so the result is ready when the silence is long enough to end the answer.
        When the person goes on, that result is dropped and decoding picks up again: with a grammar over the
        whole answer so far, at the open question from there on (its partials are only for emergencies).
        """
        live = self._live
        if live is None:
            return
        if paused and live.settled is None and live.audio:
            self._end_stream()
            started = time.perf_counter()
            live.paused()
            log.debug("pocketsphinx: decoded %.2f s of audio ahead in %.0f ms at a pause: %r",
                      len(live.audio) / 32000, 1000 * (time.perf_counter() - started), live.settled.text)
            if self._search == "free":
                self._stream(b"")  # goes on hearing the pause, as it would have without decoding ahead
        elif not paused and live.resumed():
            log.debug("pocketsphinx: speech goes on after a pause at %.2f s", len(live.audio) / 32000)
            if not live.streaming:
                self._stream(bytes(live.audio))

    def recognize_whole(self, audio: bytes | bytearray) -> Recognition:
        """The final result for one whole answer's audio, decoded in one go (no partial results).

        The whole answer is decoded again, noise filtered out: batch cepstral mean normalisation over
        the complete utterance is markedly more accurate than the live estimate used for partials.
        The free decoding that checks a grammar's result runs here, after the grammar's: handed to the
        helper process, short answers were checked less well (probably because the helper's decoder has
        not just heard the same answer): 180 of 192 clean answers right instead of 184, and 2 more of the
        test suite's 45 clear-voice answers rejected. At the open question the helper is used (`Ears`).
        """
        clean = self._cleaned(audio)
        if not clean:
            return Recognition.not_understood(ENGINE)
        if self._search == "free":
            return self._final(self.decode_free(clean).split())
        decoder = self._decoder
        decoder.activate_search(self._search)
        decoder.start_utt()
        decoder.process_raw(clean, False, True)
        decoder.end_utt()
        words = self._hypothesis()
        result = self._final(words)
        if not self._verify:
            return result
        if not result.understood:
            # The grammar found no whole phrase (in noise it often stops inside one, "what can ..."):
            # say what free decoding heard, so a plain "sure" or "nope" can still be offered for confirmation.
            free = self.decode_free(clean)
            return Recognition.not_understood(ENGINE, heard=free or result.heard, free_text=free)
        score, free = self.verify(clean, result.text)
        floor = self.thresholds.confirm_floor
        if score < self.thresholds.verify_cutoff and (floor is None or score < floor):
            log.debug("pocketsphinx: %r rejected, free decoding heard %r (%.2f)", result.text, free, score)
            return Recognition.not_understood(ENGINE, heard=free, free_text=free)
        return Recognition(text=result.text, confidence=round(score, 3), understood=True, engine=ENGINE,
                           heard=result.heard, second_opinion=free)

    def phrase_complete(self) -> bool:
        """During an utterance: is the best hypothesis so far a whole grammar phrase? (For endpointing.)"""
        if self._search == "free":
            return False
        if self._live is not None and self._live.settled is not None:
            return self._live.settled.understood
        words = [w for w in self._hypothesis() if w != UNKNOWN]
        if not words:
            return False
        lead = self._lead_of(words)
        rest = words[len(lead.split()):] if lead else words
        return " ".join(rest) in self._phrases

    def _cleaned(self, audio: bytes | bytearray) -> bytes:
        if not audio or not self._denoise:
            return bytes(audio)
        from voice_triage.audio.denoise import suppress_noise

        key = hash(bytes(audio))
        if self._last_clean is None or self._last_clean[0] != key:
            self._last_clean = (key, suppress_noise(bytes(audio)))
        return self._last_clean[1]

    def _phones(self, words: Iterable[str]) -> list[str]:
        phones: list[str] = []
        for word in words:
            phones.extend((self._decoder.lookup_word(word) or "").split())
        return phones

    def prefetch_free(self, audio: bytes | bytearray) -> None:
        """Have the helper process start free decoding of this answer (noise filtered), for `decode_free`."""
        self._prefetch(self._cleaned(audio))

    def _prefetch(self, clean: bytes) -> None:
        key = hash(clean)
        if self._helper is None or not clean or (self._last_free is not None and self._last_free[0] == key):
            return
        if self._pending_free is not None and self._pending_free[0] == key:
            return
        ident = self._helper.submit(clean)
        self._pending_free = None if ident is None else (key, ident)

    def decode_free(self, audio: bytes) -> str:
        """Free decoding of `audio` with the English n-gram model, leaving the current grammar active."""
        key = hash(audio)
        if self._last_free is not None and self._last_free[0] == key:
            return self._last_free[1]  # the same answer heard again with another grammar (the open question)
        pending, self._pending_free = self._pending_free, None
        text = self._helper.result(pending[1]) if pending is not None and pending[0] == key else None
        if text is None:
            decoder = self._decoder
            decoder.activate_search("free")
            try:
                text = _free_text(decoder, audio)
            finally:
                decoder.activate_search(self._search)
        self._last_free = (key, text)
        return text

    def verify(self, audio: bytes, phrase: str) -> tuple[float, str]:
        """How well free decoding of `audio` agrees with `phrase`: (phone similarity 0..1, free text).

        The grammar always produces *some* phrase; free decoding does not know the grammar, so when
        it hears something that sounds like the phrase the phrase was probably said, and when it hears
        "i had toast for breakfast" the phrase "i have chest pain" was not.
        """
        free = self.decode_free(audio)
        spelled = [w for part in normalise_phrase(phrase).split() for w in (self._spell(part) or [part])]
        heard, said = self._phones(free.split()), self._phones(spelled)
        score = phone_similarity(heard, said)
        if self._within:
            score = max(score, similarity_within(said, heard))
        return score, free

    def _early(self, words: list[str]) -> Recognition:
        return early_result(ENGINE, words, self._phrases, self.thresholds.snap_cutoff)

    def _final(self, words: list[str]) -> Recognition:
        heard = " ".join(words)
        if not words:
            return Recognition.not_understood(ENGINE)
        if self._search == "free":
            return Recognition(text=heard, confidence=1.0, understood=True, engine=ENGINE, heard=heard)
        if UNKNOWN in words:
            log.debug("pocketsphinx: out of grammar: %r", heard)
            return Recognition.not_understood(ENGINE, heard=heard)
        hit = snap(words, self._phrases, self.thresholds.snap_cutoff)
        lead = self._lead_of(words) if hit is None or hit[1] < 1.0 else ""
        if lead:
            rest = snap(words[len(lead.split()):], self._phrases, self.thresholds.snap_cutoff)
            if rest is not None and (hit is None or rest[1] > hit[1]):
                hit = (f"{lead} {rest[0]}", rest[1])
        if hit is None:
            return Recognition.not_understood(ENGINE, heard=heard)
        return Recognition(text=hit[0], confidence=hit[1], understood=True, engine=ENGINE, heard=heard)

    def _lead_of(self, words: list[str]) -> str:
        """The lead-in ("oh", "hold on") `words` start with, when more words follow it; else ""."""
        for lead in self._leads:
            n = len(lead.split())
            if len(words) > n and words[:n] == lead.split():
                return lead
        return ""
