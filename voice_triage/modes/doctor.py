"""`voice-triage doctor`: a self-check that prints PASS or FAIL, with a fix for each failure.

    configuration   the kiosk's TOML file, if one is given, is valid
    audio devices   sounddevice sees a microphone and a speaker (the configured ones, if any)
    recognizer      the speech recognizer and its model are there (PocketSphinx's bundled English
                    model; a Vosk model if one is configured)
    text to speech  the engine --tts picks (auto: the clearest installed) renders a sentence
    grammar words   every word of every phrase the session listens for is in the model's dictionary

Every check imports what it needs itself, so one missing library fails one check, not the doctor.
Exit status 0 when everything passes, 1 otherwise.
"""
from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import Callable, Iterable, TextIO

from voice_triage.errors import AudioDeviceError, VoiceTriageError
from voice_triage.recognition.config import RecognizerConfig

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check."""

    name: str
    """What was checked, e.g. ``audio devices``."""
    ok: bool
    """True for PASS."""
    detail: str
    """What was found."""
    fix: str = ""
    """What to do about a failure (empty when it passed)."""


@dataclass(frozen=True)
class DoctorTarget:
    """What the checks check: the stage configurations the command line (or the kiosk file) built."""

    recognizer: RecognizerConfig = RecognizerConfig()
    """Which recognizer and model."""
    input_device: str | None = None
    """A microphone index or name; None: the default."""
    output_device: str | None = None
    """A speaker index or name; None: the default."""
    voice: str | None = None
    """A TTS voice; None: the engine's default."""
    tts: str = "auto"
    """Which text-to-speech engine (auto: the clearest installed)."""
    extra_phrases: tuple[str, ...] = ()
    """More phrases listened for (the kiosk's wake phrases)."""
    configuration: tuple[bool, str] | None = None
    """The kiosk file's check, when one was given: (valid, what was found)."""


Check = Callable[[DoctorTarget], CheckResult]

SPEECH_FIX = "Install the speech extras: pip install 'voice-triage[speech]'."
"""The fix for a speech library that is not installed."""


# ------------------------------------------------------------------ checks

def check_audio_devices(target: DoctorTarget) -> CheckResult:
    """A microphone and a speaker are visible to sounddevice (PortAudio)."""
    name = "audio devices"
    try:
        from voice_triage.audio.sources import describe_device
    except ImportError as exc:
        return CheckResult(name, False, f"a speech library is missing ({exc})", SPEECH_FIX)

    found = []
    for kind, wanted, label in (("input", target.input_device, "microphone"),
                                ("output", target.output_device, "speaker")):
        try:
            found.append(f"{label} {describe_device(wanted, kind)!r}")
        except AudioDeviceError as exc:
            if "sounddevice" in str(exc):
                return CheckResult(name, False, str(exc), "Install the speech extras (pip install "
                                   "'voice-triage[speech]') and the PortAudio library (apt install libportaudio2).")
            return CheckResult(name, False, str(exc),
                               f"Plug in a {label} and check the sound server is running (pactl info); "
                               "run 'voice-triage devices' to list devices and set "
                               f"audio.{kind}_device in the kiosk file (or --{kind}-device).")
    return CheckResult(name, True, ", ".join(found))


def check_recognizer(target: DoctorTarget) -> CheckResult:
    """The recognizer the kiosk would use loads with its model (PocketSphinx's bundled English, or Vosk)."""
    name = "recognizer and model"
    try:
        from voice_triage.recognition import build_recognizer, validate_vosk_model

        if target.recognizer.vosk_model:
            validate_vosk_model(target.recognizer.vosk_model)
        recognizer, why = build_recognizer(target.recognizer)
    except ImportError as exc:
        return CheckResult(name, False, f"a speech library is missing ({exc})", SPEECH_FIX)
    except VoiceTriageError as exc:
        if isinstance(exc.__cause__, ImportError):  # the engine's package is not installed
            return CheckResult(name, False, str(exc), SPEECH_FIX)
        return CheckResult(name, False, str(exc),
                           "Point recognizer.vosk_model (or --vosk-model) at an unpacked 16 kHz Vosk model, "
                           "run 'voice-triage download-model', or use asr = \"pocketsphinx\".")
    recognizer.close()
    return CheckResult(name, True, why)


def check_tts(target: DoctorTarget) -> CheckResult:
    """The text-to-speech engine the session would use (auto: the clearest installed) renders a sentence."""
    name = "text to speech"
    try:
        from voice_triage.speech.engines import build_synthesizer
        from voice_triage.speech.settings import VoiceSettings

        synth, why = build_synthesizer(target.tts)
        try:
            if target.voice:
                synth.resolve_voice(target.voice)
            audio = synth.render("This is a test of the voice.", VoiceSettings(voice=target.voice))
        finally:
            synth.close()
    except ImportError as exc:
        return CheckResult(name, False, f"a speech library is missing ({exc})", SPEECH_FIX)
    except VoiceTriageError as exc:
        return CheckResult(name, False, str(exc),
                           "Install flite (apt install flite) or espeak-ng with pyttsx3 (pip install "
                           "'voice-triage[speech]'); check voice.name against 'voice-triage say --help'.")
    return CheckResult(name, True, f"{why}: rendered {audio.seconds:.1f} s of speech")


def grammar_phrases(extra: Iterable[str] = ()) -> list[str]:
    """Every phrase the session listens for, at every question (what Session.grammar() gives there), and `extra`."""
    from voice_triage.dialogue.grammar import phrases_for
    from voice_triage.content.loader import load_content

    content = load_content()
    phrases: dict[str, None] = {}
    for question in content.questions:
        for phrase in phrases_for(content, question):
            phrases[phrase] = None
    for phrase in extra:
        phrases[" ".join(phrase.lower().split())] = None
    return list(phrases)


def check_grammar(target: DoctorTarget) -> CheckResult:
    """Every word the session listens for is in the recognizer's model (its `set_grammar` names the unknown)."""
    name = "grammar words"
    try:
        phrases = grammar_phrases(target.extra_phrases)
    except VoiceTriageError as exc:
        return CheckResult(name, False, f"the content could not be read ({exc})",
                           "Mend the file and key the message names; then run the doctor again.")
    try:
        from voice_triage.recognition import build_recognizer

        recognizer, why = build_recognizer(target.recognizer)
    except (VoiceTriageError, ImportError, OSError) as exc:
        return CheckResult(name, False, f"could not check: the recognizer did not start ({exc})",
                           "Fix what the 'recognizer and model' check reports; then run the doctor again.")
    model = why.split(" (")[0]
    recognition_log = logging.getLogger("voice_triage.recognition")
    level = recognition_log.level
    recognition_log.setLevel(logging.ERROR)  # the doctor reports the words itself, once
    try:
        missing = sorted(set(recognizer.set_grammar(list(phrases)) or []))
    except (VoiceTriageError, OSError) as exc:
        return CheckResult(name, False, f"the recognizer started but refused the grammar ({exc})",
                           "Run 'voice-triage doctor -v' for the recognizer's own messages.")
    finally:
        recognition_log.setLevel(level)
        recognizer.close()
    if missing:
        return CheckResult(name, False, f"{len(missing)} word(s) unknown to {model}: {', '.join(missing)}",
                           "Those phrases can never be heard by voice: reword them in grammars/*.yaml or the "
                           "kiosk's wake.phrases (the typed and --io jsonl modes are not affected).")
    return CheckResult(name, True, f"{model} knows every word of the {len(phrases)} phrases")


def check_reader(target: DoctorTarget) -> CheckResult:
    """The learned reader (understanding/reader.py) loads, matches its checksums and reads a sentence."""
    import time

    name = "reader"
    try:
        from voice_triage.understanding.reader import Reader

        started = time.perf_counter()
        reader = Reader.load()
        loaded = time.perf_counter() - started
        reading = reader.read("Does one leg or foot feel colder than the other?", "no, but my chest is tight now")
    except (VoiceTriageError, ImportError, OSError) as exc:
        return CheckResult(name, False, f"the learned reader did not load ({exc}); the rules alone read",
                           "Reinstall voice-triage (pip install --force-reinstall voice-triage) so that "
                           "voice_triage/understanding/models is complete.")
    ok = reading.chest >= 0.5
    return CheckResult(name, ok, f"loaded and checked in {loaded:.2f} s; \"no, but my chest is tight now\" read as "
                       f"chest pain at {reading.chest:.2f}", "" if ok else
                       "The model reads wrongly: reinstall voice-triage, then run the tests.")


CHECKS: tuple[Check, ...] = (check_audio_devices, check_recognizer, check_tts, check_grammar, check_reader)
"""The checks run after the configuration check, in order."""


# ------------------------------------------------------------------ running

def run_doctor(target: DoctorTarget = DoctorTarget(), *, out: TextIO | None = None,
               checks: Iterable[Check] = CHECKS) -> int:
    """Run every check, print one PASS/FAIL line each (and a fix under each FAIL); 0 if all passed, else 1."""
    out = out if out is not None else sys.stdout
    results: list[CheckResult] = []
    if target.configuration is not None:
        ok, detail = target.configuration
        results.append(CheckResult("configuration", ok, detail, "" if ok else
                                   "Correct the key named above; docs/kiosk.md lists every key and its values."))
    _print(results[-1:], out)
    for check in checks:
        try:
            result = check(target)
        except Exception as exc:  # a check that breaks is a failure to report, not a crash
            logger.debug("check %s raised", getattr(check, "__name__", check), exc_info=True)
            result = CheckResult(getattr(check, "__name__", "check").removeprefix("check_").replace("_", " "),
                                 False, f"the check itself failed ({type(exc).__name__}: {exc})",
                                 "Run with -v for details.")
        results.append(result)
        _print([result], out)
    failed = sum(not r.ok for r in results)
    out.write(f"\n{len(results) - failed} passed, {failed} failed\n")
    out.flush()
    return 0 if not failed else 1


def _print(results: list[CheckResult], out: TextIO) -> None:
    for r in results:
        out.write(f"{'PASS' if r.ok else 'FAIL'}  {r.name}: {r.detail}\n")
        if not r.ok and r.fix:
            out.write(f"      fix: {r.fix}\n")
    out.flush()
