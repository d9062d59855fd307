"""What every recognizer returns and promises, plus the engine-neutral grammar helpers.

Nothing here imports a speech library: `import voice_triage.recognition` stays cheap and
safe for the text modes of the app.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from voice_triage import audio

if TYPE_CHECKING:
    from voice_triage.recognition.config import Thresholds

SAMPLE_RATE = audio.SAMPLE_RATE
"""Every recognizer takes 16 kHz, 16-bit, mono, little-endian PCM (the pipeline's one rate)."""

UNKNOWN = "[unk]"
"""Token that stands for out-of-grammar speech in `Recognition.heard` (Vosk's own spelling)."""

PartialCallback = Callable[[str], bool]
"""Called with each new partial hypothesis; returning True stops decoding at once."""


@dataclass(frozen=True)
class Recognition:
    """The outcome of recognizing one utterance."""

    text: str
    """The allowed grammar phrase that was heard, exactly as given to `set_grammar`; "" when not understood."""
    confidence: float
    """How sure the engine is that `text` was said, 0..1 (0 when not understood)."""
    understood: bool
    """True only when `text` is one of the grammar phrases (or free text in free mode) above the cut-off."""
    engine: str
    """Which engine produced it: "pocketsphinx" or "vosk"."""
    heard: str = ""
    """The raw hypothesis, out-of-grammar stretches shown as "[unk]"; for logs and emergency spotting."""
    second_opinion: str | None = None
    """What an independent free decoding of the same audio heard (PocketSphinx's verification), or None."""
    free_text: str = ""
    """When the grammar's phrase was not understood: what free decoding of the same audio heard ("" when
    none). The dialogue may still offer it for confirmation ("sure" where the grammar has "yes")."""
    partial: bool = False
    """True when decoding was stopped early because the partial callback asked for it; `text` is then the
    grammar phrase nearest the partial hypothesis (or not understood, with the partial in `heard`)."""
    doubtful: bool = False
    """The emergency judge's cross-checks disagree with `text` (an emergency phrase that free decoding of the same
    audio does not support): the dialogue asks it back ("did you say ...?") whatever the confidence. Set only by
    voice_triage.understanding.judge, never by a recognizer."""
    alternatives: tuple["Recognition", ...] = ()
    """Other decodings of the same audio, as data for the emergency judge: the emergency phrases' decoding (a
    grammar, or Whisper's prompt), when the listener made one."""
    biased: bool = False
    """The phrases only biased decoding (Whisper's prompt); they did not restrict it to themselves, so `text` may
    be any words."""
    thresholds: "Thresholds | None" = None
    """How sure the engine that made this is at its confidences (recognition.config.THRESHOLDS, or the
    configured --confirm-below): stamped by the listener, read by the emergency judge, so every mode judges the
    same result the same way."""

    @classmethod
    def not_understood(cls, engine: str, heard: str = "", partial: bool = False, free_text: str = "") -> "Recognition":
        """The one shape of "I did not understand": empty text, zero confidence."""
        return cls(text="", confidence=0.0, understood=False, engine=engine, heard=heard, partial=partial,
                   free_text=free_text)


@runtime_checkable
class Recognizer(Protocol):
    """A speech recognizer restricted to a per-question phrase list: every capability any engine has.

    Engines that lack one inherit `EngineDefaults`' plain version of it; callers never probe.
    """

    engine: str
    """The engine's name ("pocketsphinx", "vosk")."""
    settles: bool
    """True when `recognize` takes `finish` and `pause` decodes the answer ahead at a pause."""
    restricts: bool
    """True when `set_grammar` restricts decoding to the phrases (a grammar); False when the phrases only
    bias it."""
    rechecks: bool
    """True when decoding free speech once more with the emergency phrases (`set_grammar(phrases,
    thorough=True)`) hears an emergency better than free decoding does: a grammar, or a decoder that the
    phrases bias; the open question's answers are then decoded twice."""

    def set_grammar(self, phrases: Sequence[str] | None, *, leads: Sequence[str] = (), thorough: bool = False,
                    within: bool = False) -> list[str]:
        """Restrict recognition to `phrases` (None: free decoding). `leads`: words one of which may come first
        ("wait, my chest feels tight"); `thorough`: a slower, more careful search; `within`: the phrases are
        usually said inside a longer sentence. Returns the words the model does not know."""
        ...

    def set_context(self, text: str) -> None:
        """What the person was just asked (engines that read text before the answer use it)."""
        ...

    def missing_words(self) -> list[str]:
        """Words of the current grammar the model does not know (the phrases that hold them are dropped)."""
        ...

    def recognize(self, chunks: Iterable[bytes], on_partial: PartialCallback | None = None,
                  finish: Callable[[bytes], Recognition] | None = None) -> Recognition:
        """Decode one utterance of 16 kHz 16-bit mono PCM chunks; `finish(audio)` makes the final result
        from the whole answer's audio (engines that settle only)."""
        ...

    def recognize_whole(self, audio: bytes) -> Recognition:
        """Decode one whole answer's audio in one go (no partial results)."""
        ...

    def phrase_complete(self) -> bool:
        """During `recognize`: is the best hypothesis so far a whole grammar phrase? (For endpointing.)"""
        ...

    def pause(self, paused: bool) -> None:
        """From endpointing, during `recognize`: the person paused (True) or went on speaking (False)."""
        ...

    def prefetch_free(self, audio: bytes) -> None:
        """Start free decoding of `audio` in the background, for a later `recognize_whole`."""
        ...

    def close(self) -> None:
        """Release the model and any helper process. Safe to call twice."""
        ...


@dataclass
class Utterance:
    """One answer an engine that settles is hearing, and the answer decoded ahead at a pause: the one place
    deciding ahead is written (Whisper and PocketSphinx keep one while `recognize` runs).

    At a pause (`paused`) the answer so far is decoded to the end with `finish` while endpointing waits out the
    rest of the silence, so the result is ready when the silence turns out long enough; when the person goes on
    (`resumed`) it is dropped. `result()` is the answer: the one decoded ahead, or `finish` of all the audio."""

    finish: Callable[[bytes], Recognition]
    """Makes the final result from the whole answer's audio."""
    audio: bytearray = field(default_factory=bytearray)
    """The answer's audio so far."""
    settled: Recognition | None = None
    """The answer decoded to the end at the current pause (None while the person speaks)."""

    def paused(self) -> bool:
        """The person paused: decode the answer so far to the end (once per pause). True when it was."""
        if self.settled is not None or not self.audio:
            return False
        self.settled = self.finish(bytes(self.audio))
        return True

    def resumed(self) -> bool:
        """The person went on speaking: drop the answer decoded ahead. True when there was one."""
        if self.settled is None:
            return False
        self.settled = None
        return True

    def result(self) -> Recognition:
        """The final result: decoded ahead at the last pause, or now from the whole answer."""
        return self.settled if self.settled is not None else self.finish(bytes(self.audio))


class EngineDefaults:
    """The plain version of each optional capability, for engines that do not have it."""

    settles = False
    restricts = True
    rechecks = True

    def recognize_whole(self, audio: bytes) -> Recognition:
        """One chunk through `recognize`."""
        return self.recognize(iter([bytes(audio)]))  # type: ignore[attr-defined]

    def set_context(self, text: str) -> None:
        """A grammar has no use for it."""

    def phrase_complete(self) -> bool:
        """Never known: endpointing waits for the whole trailing silence."""
        return False

    def pause(self, paused: bool) -> None:
        """Nothing is decoded ahead."""

    def prefetch_free(self, audio: bytes) -> None:
        """Nothing runs in the background."""

    def close(self) -> None:
        """Nothing to release."""


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
_NOT_WORD = re.compile(r"[^a-z0-9'\s\u00c0-\uffff]+")


def normalise_phrase(phrase: str) -> str:
    """Lowercase, straighten apostrophes, drop punctuation and extra spaces: "I'm  not sure." -> "i'm not sure"."""
    text = phrase.translate(_APOSTROPHES).lower()
    text = _NOT_WORD.sub(" ", text)
    words = [w.strip("'") for w in text.split()]
    return " ".join(w for w in words if w)


def word_variants(word: str) -> list[str]:
    """Spellings to try in a model's dictionary, best first: "can't" -> ["can't", "cant", "can t"]."""
    variants = [word]
    if "'" in word:
        variants.append(word.replace("'", ""))
        variants.append(word.replace("'", " "))
    return variants


def word_similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """1 - word edit distance / longer length: 1.0 equal, 0.0 nothing in common."""
    if not a and not b:
        return 1.0
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return 1.0 - prev[-1] / max(len(a), len(b))


def similarity_within(phrase: Sequence[str], longer: Sequence[str]) -> float:
    """How well `phrase` matches its best stretch of `longer`: 1 - edit distance / len(phrase).

    Local alignment (the stretch may start and end anywhere in `longer`), for a phrase said inside a
    longer sentence ("i'm out of breath just sitting here")."""
    if not phrase:
        return 1.0
    prev = [0] * (len(longer) + 1)  # free start anywhere in `longer`
    for i, x in enumerate(phrase, 1):
        cur = [i]
        for j, y in enumerate(longer, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return max(0.0, 1.0 - min(prev) / len(phrase))  # free end anywhere


def snap(words: Sequence[str], phrases: dict[str, str], cutoff: float) -> tuple[str, float] | None:
    """The allowed phrase nearest to `words` as (original phrase, similarity), or None below `cutoff`.

    `phrases` maps a normalised phrase to the phrase as the caller gave it.
    """
    best: tuple[str, float] | None = None
    for norm, original in phrases.items():
        score = word_similarity(list(words), norm.split())
        if best is None or score > best[1]:
            best = (original, score)
    if best is None or best[1] < cutoff:
        return None
    return best


def early_result(engine: str, tokens: Sequence[str], phrases: dict[str, str], snap_cutoff: float) -> Recognition:
    """The result of decoding stopped on a partial hypothesis (shared by both engines).

    With no grammar (free decoding) the partial text is the result; with one, the partial is snapped
    to the nearest grammar phrase above `snap_cutoff`, else it is not understood.
    """
    heard = " ".join(tokens)
    clean = [w for w in tokens if w != UNKNOWN]
    if not phrases:
        text = " ".join(clean)
        return Recognition(text=text, confidence=1.0 if text else 0.0, understood=bool(text), engine=engine,
                           heard=heard, partial=True)
    hit = snap(clean, phrases, snap_cutoff)
    if hit is None:
        return Recognition.not_understood(engine, heard=heard, partial=True)
    return Recognition(text=hit[0], confidence=round(hit[1], 3), understood=True, engine=engine,
                       heard=heard, partial=True)


def spell_phrases(phrases: Sequence[str], spell: Callable[[str], list[str] | None],
                  model: str) -> tuple[dict[str, str], list[str]]:
    """Spell each phrase in the model's own words (`spell` gives a word's spelling, or None).

    Returns {spelled phrase: phrase as given} and the words the model does not know. A phrase with
    an unknown word cannot be recognized: it is left out and named in a warning, never dropped silently.
    """
    import logging

    log = logging.getLogger(__name__)
    table: dict[str, str] = {}
    missing: list[str] = []
    for phrase in phrases:
        norm = normalise_phrase(phrase)
        if not norm:
            continue
        spelled: list[str] = []
        unknown: list[str] = []
        for word in norm.split():
            parts = spell(word)
            if parts is None:
                unknown.append(word)
            else:
                spelled.extend(parts)
        if unknown:
            missing.extend(w for w in unknown if w not in missing)
            log.warning("%s lacks %s; the phrase %r cannot be recognized", model,
                        ", ".join(repr(w) for w in unknown), phrase)
            continue
        table.setdefault(" ".join(spelled), phrase)
    return table, missing
