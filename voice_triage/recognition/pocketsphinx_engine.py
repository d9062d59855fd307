"""PocketSphinx adapter: the embedded default, with the US-English model shipped in the wheel.

Each question's phrase list becomes a JSGF grammar with two branches: the allowed
phrases, and a "garbage" loop of common English words that are not in the grammar.
Chatter ("I had toast for breakfast") is cheaper to explain with garbage words than to
force onto "i have chest pain", so it comes back not understood instead of snapped.
Garbage words are added to the dictionary under a private prefix so they can never be
mistaken for an answer; in `Recognition.heard` they show as "[unk]".
"""
from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Sequence

from voice_triage.errors import ModelError
from voice_triage.recognition.base import (
    UNKNOWN,
    PartialCallback,
    Recognition,
    early_result,
    spell_phrases,
    normalise_phrase,
    similarity_within,
    snap,
    word_similarity,
    word_variants,
)

log = logging.getLogger(__name__)

ENGINE = "pocketsphinx"
_GARBAGE_PREFIX = "zzgb_"
_FILLERS = {"<s>", "</s>", "<sil>", "[NOISE]", "[SPEECH]", "+SPN+", "+NSN+", "[BREATH]", "[COUGH]"}

# Common English words that people wrap around or say instead of an answer. Words that are in
# the current grammar are removed from the loop each time, so they can only be heard as answers.
GARBAGE_WORDS = """
a an the and or but if of to in on at for with from by about as into over after before under up down out
off i you he she it we they me him her us them my your his its our their this that these those there here
is are was were be been am have has had do does did will would can could should may might must what when
where who why how which all any some more most much many few very so too just only also then than now
well like get got go going went come came make made take took see saw know knew think say said tell told
ask want need feel look give find work walk leg legs foot feet knee hurt pain time day today night
morning week year good bad new old big small long little left last first next other same thing things
people man woman child friend family doctor nurse home house room car water food coffee tea lunch dinner
rain cold hot warm sun door wait minute hour let put keep try call turn yesterday tomorrow always never
sometimes often usually maybe
""".split()

LEAD_INS = ("wait", "hold on", "well", "actually")
"""Words a grammar phrase may follow ("wait, my chest feels tight", "oh yes"): one of them may come
first. Without them the grammar has to pick "wait" or "my chest feels tight", and picks "wait"."""

PARTIAL_EVERY_BYTES = 16000 * 2 // 5
"""A partial hypothesis is looked at every 200 ms of audio: asking PocketSphinx for one costs
10-25 ms with a large grammar, so asking at every 30 ms chunk would not keep up with speech."""

DECODER_DEFAULTS = {"bestpath": False}
"""The lattice rescoring after each utterance doubled the time to a result (0.8 s to 1.7 s per
answer in pink noise) with no gain in correct answers (61% and 62%), so it is off."""

EARLY_STOP_SURE = 0.5
"""A partial result stops decoding (an emergency said mid-sentence) only with at least this verification
score; below it decoding goes on and the whole answer is judged (chatter like "i had toast for
breakfast" can look like "i have chest pain" half way through)."""

DEFAULT_GARBAGE_WEIGHT: float | None = None
"""Prior of the optional garbage branch (JSGF alternative weight); None leaves it out. Measured: a word
loop slows FSG search badly on some utterances and costs recall, so free-decoding verification
(`verify`) is what rejects chatter by default."""
DEFAULT_VERIFY_CUTOFF = 0.35
"""Least phone similarity between the grammar result and free decoding for the result to stand."""


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


class PocketSphinxRecognizer:
    """`Recognizer` backed by PocketSphinx 5 with per-question JSGF grammars and a garbage loop."""

    engine = ENGINE

    def __init__(self, garbage_weight: float | None = DEFAULT_GARBAGE_WEIGHT, snap_cutoff: float = 0.6,
                 verify_cutoff: float = DEFAULT_VERIFY_CUTOFF, verify: bool = True,
                 confirm_floor: float | None = None, denoise: bool = True, **decoder_options) -> None:
        try:
            from pocketsphinx import Decoder
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise ModelError(
                "The pocketsphinx package is not installed; install it with `pip install 'voice-triage[speech]'`."
            ) from exc
        hmm, dictionary, lm = default_model_paths()
        started = time.perf_counter()
        try:
            options = {**DECODER_DEFAULTS, **decoder_options}
            self._decoder = Decoder(hmm=hmm, dict=dictionary, lm=None, loglevel="FATAL", samprate=16000, **options)
            self._decoder.add_lm_file("free", lm)
        except (RuntimeError, ValueError) as exc:
            raise ModelError(f"PocketSphinx could not load its English model from {hmm}: {exc}") from exc
        self.load_seconds = time.perf_counter() - started
        """Seconds it took to load the acoustic model and dictionary."""
        self._garbage_weight = garbage_weight
        self._verify_cutoff = verify_cutoff
        self._confirm_floor = confirm_floor
        """Between this and verify_cutoff a phrase is returned with its low confidence (the dialogue
        asks "did I hear you right?") instead of being rejected; None rejects everything below the cut-off."""
        self._verify = verify
        self.verify_within = False
        """Verify a phrase against its best stretch of the free decoding, not the whole of it (set while
        listening for emergency phrases inside free speech)."""
        self._denoise = denoise
        """Filter steady background noise out of the whole answer before the final decoding (audio.denoise)."""
        self._snap_cutoff = snap_cutoff
        self._garbage_added: set[str] = set()
        self._last_free: tuple[int, str] | None = None
        """(hash of the audio, text) of the last free decoding: the open question's second listening
        checks its phrase against the same audio, and need not decode it freely again."""
        self._phrases: dict[str, str] = {}
        self._leads: list[str] = []
        self._missing: list[str] = []
        self._search = "free"
        self._grammars = 0
        self._decoder.activate_search("free")

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

    def set_grammar(self, phrases: Sequence[str] | None, thorough: bool = False) -> list[str]:
        """Restrict recognition to `phrases`; None means free decoding with the English n-gram model.

        Returns the words the dictionary does not know. Phrases holding such words cannot be
        recognized; each is reported in a warning, never dropped silently. `thorough` rescores each
        result over the whole lattice (slower; no lead-ins, which make the lattice explode): for the
        second, emergency-only listening at the open question, where "can" against "can't" matters.
        """
        if phrases is None:
            self._phrases, self._missing, self._search = {}, [], "free"
            self._decoder.activate_search("free")
            return []
        table, missing = spell_phrases(phrases, self._spell, "PocketSphinx's dictionary")
        if not table:
            raise ModelError("None of the grammar phrases can be recognized by PocketSphinx "
                             f"(unknown words: {', '.join(missing) or 'none'}); check the phrase list.")
        grammar_words = {w for key in table for w in key.split()}
        garbage = [] if self._garbage_weight is None else [
            w for w in GARBAGE_WORDS if w not in grammar_words and self._decoder.lookup_word(w)]
        new = [w for w in garbage if w not in self._garbage_added]
        for i, word in enumerate(new):
            self._decoder.add_word(_GARBAGE_PREFIX + word, self._decoder.lookup_word(word), i == len(new) - 1)
            self._garbage_added.add(word)
        self._leads = [] if thorough else [lead for lead in LEAD_INS
                                           if all(self._decoder.lookup_word(w) for w in lead.split())]
        jsgf = self._jsgf(sorted(table), [_GARBAGE_PREFIX + w for w in garbage])
        self._grammars += 1
        name = f"g{self._grammars}"
        config = self._decoder.config
        bestpath = config["bestpath"]
        config["bestpath"] = thorough or bestpath  # read when the search is made
        try:
            self._decoder.add_jsgf_string(name, jsgf)
        except (RuntimeError, ValueError) as exc:
            raise ModelError(f"PocketSphinx rejected the grammar built from {len(table)} phrases: {exc}") from exc
        finally:
            config["bestpath"] = bestpath
        self._decoder.activate_search(name)
        if self._search not in ("free", name):
            self._decoder.remove_search(self._search)
        self._search = name
        self._phrases, self._missing = table, missing
        return list(missing)

    def _jsgf(self, phrases: list[str], garbage: list[str]) -> str:
        alternatives = " | ".join(f"( {p} )" for p in phrases)
        lines = ["#JSGF V1.0;", "grammar triage;"]
        said = "[ <lead> ] <phrase>" if self._leads else "<phrase>"
        if garbage:
            lines.append(f"public <utterance> = /1/ {said} | /{self._garbage_weight:g}/ <garbage>;")
            lines.append(f"<garbage> = ( {' | '.join(garbage)} )+;")
        else:
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
            if word in _FILLERS:
                continue
            if word.startswith(_GARBAGE_PREFIX):
                if not words or words[-1] != UNKNOWN:
                    words.append(UNKNOWN)
            else:
                words.append(word)
        return words

    def recognize(self, chunks: Iterable[bytes], on_partial: PartialCallback | None = None) -> Recognition:
        """Decode one utterance; `on_partial` sees each new partial hypothesis and may stop decoding.

        A grammar result is double-checked against free decoding of the same audio (see `verify`);
        a partial that the callback wants to stop on is checked the same way first, and decoding
        goes on if it fails the check (so chatter that starts like "i have..." raises no alarm).
        """
        decoder = self._decoder
        audio = bytearray()
        decoder.start_utt()
        last = ""
        stopped = False
        checked = 0
        try:
            for chunk in chunks:
                if not chunk:
                    continue
                audio += chunk
                decoder.process_raw(chunk, False, False)
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
                        decoder.end_utt()
                        score, free = self.verify(self._cleaned(audio), early.text)
                        decoder.start_utt()
                        decoder.process_raw(bytes(audio), False, False)
                        if score >= EARLY_STOP_SURE:
                            stopped = True
                            break
                        log.info("pocketsphinx: partial %r not confirmed by free decoding %r (%.2f)",
                                 partial, free, score)
        finally:
            decoder.end_utt()
        if stopped:
            return self._early(last.split())
        clean = self._cleaned(audio)
        if clean:
            # Decode the whole answer again in one go, noise filtered out: batch cepstral mean
            # normalisation over the complete utterance is markedly more accurate than the live
            # estimate used for partials.
            decoder.start_utt()
            decoder.process_raw(clean, False, True)
            decoder.end_utt()
        words = self._hypothesis()
        if self._search == "free" and clean:
            self._last_free = (hash(clean), " ".join(w for w in words if w != UNKNOWN))
        result = self._final(words)
        if self._search == "free" or not self._verify:
            return result
        if not result.understood:
            # The grammar found no whole phrase (in noise it often stops inside one, "what can ..."):
            # say what free decoding heard, so a plain "sure" or "nope" can still be offered for confirmation.
            free = self.decode_free(clean) if clean else ""
            return Recognition.not_understood(ENGINE, heard=f"{UNKNOWN} ({free})" if free else result.heard)
        score, free = self.verify(clean, result.text)
        if score < self._verify_cutoff and (self._confirm_floor is None or score < self._confirm_floor):
            log.debug("pocketsphinx: %r rejected, free decoding heard %r (%.2f)", result.text, free, score)
            return Recognition.not_understood(ENGINE, heard=f"{UNKNOWN} ({free})")
        return Recognition(text=result.text, confidence=round(score, 3), understood=True, engine=ENGINE,
                           heard=result.heard, second_opinion=free)

    def phrase_complete(self) -> bool:
        """During an utterance: is the best hypothesis so far a whole grammar phrase? (For endpointing.)"""
        if self._search == "free":
            return False
        words = [w for w in self._hypothesis() if w != UNKNOWN]
        if not words:
            return False
        lead = self._lead_of(words)
        rest = words[len(lead.split()):] if lead else words
        return " ".join(rest) in self._phrases

    def _cleaned(self, audio: bytearray) -> bytes:
        if not audio or not self._denoise:
            return bytes(audio)
        from voice_triage.audio.denoise import suppress_noise

        return suppress_noise(bytes(audio))

    def _phones(self, words: Iterable[str]) -> list[str]:
        phones: list[str] = []
        for word in words:
            phones.extend((self._decoder.lookup_word(word) or "").split())
        return phones

    def decode_free(self, audio: bytes) -> str:
        """Free decoding of `audio` with the English n-gram model, leaving the current grammar active."""
        key = hash(audio)
        if self._last_free is not None and self._last_free[0] == key:
            return self._last_free[1]  # the same answer heard again with another grammar (the open question)
        decoder = self._decoder
        decoder.activate_search("free")
        try:
            decoder.start_utt()
            decoder.process_raw(audio, False, True)
            decoder.end_utt()
            hyp = decoder.hyp()
            text = " ".join(w for w in (hyp.hypstr.split() if hyp else []) if w not in _FILLERS)
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
        if self.verify_within:
            score = max(score, similarity_within(said, heard))
        return score, free

    def _early(self, words: list[str]) -> Recognition:
        return early_result(ENGINE, words, self._phrases, self._snap_cutoff)

    def _final(self, words: list[str]) -> Recognition:
        heard = " ".join(words)
        if not words:
            return Recognition.not_understood(ENGINE)
        if self._search == "free":
            return Recognition(text=heard, confidence=1.0, understood=True, engine=ENGINE, heard=heard)
        if UNKNOWN in words:
            log.debug("pocketsphinx: out of grammar: %r", heard)
            return Recognition.not_understood(ENGINE, heard=heard)
        hit = snap(words, self._phrases, self._snap_cutoff)
        lead = self._lead_of(words) if hit is None or hit[1] < 1.0 else ""
        if lead:
            rest = snap(words[len(lead.split()):], self._phrases, self._snap_cutoff)
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
