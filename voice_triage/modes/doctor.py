"""`voice-triage doctor`: a self-check that prints PASS or FAIL, with a fix for each failure.

    configuration   the kiosk's TOML file, if one is given, is valid
    audio devices   sounddevice sees a microphone and a speaker (the configured ones, if any)
    recognizer      the speech recognizer and its model are there (PocketSphinx's bundled English
                    model; a Vosk model if one is configured)
    text to speech  pyttsx3 with espeak-ng renders a sentence
    grammar words   every word of every phrase the session listens for is in the model's dictionary

Every check imports what it needs itself, so one missing library fails one check, not the doctor.
Exit status 0 when everything passes, 1 otherwise.
"""
from __future__ import annotations

import logging
import shutil
import sys
from dataclasses import dataclass
from typing import Any, Callable, Iterable, TextIO

from voice_triage.errors import VoiceTriageError

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
class DoctorOptions:
    """What the doctor checks against: the kiosk file if given, otherwise the command line's choices."""

    config_path: str | None = None
    """A kiosk configuration file to check and to take devices, recognizer and voice from."""
    asr: str = "auto"
    """auto, vosk or pocketsphinx (the configuration file's recognizer.asr wins when given)."""
    vosk_model: str | None = None
    """A Vosk model folder (the configuration file's recognizer.vosk_model wins when given)."""
    input_device: str | None = None
    """A microphone index or name (the configuration file's audio.input_device wins when given)."""
    output_device: str | None = None
    """A speaker index or name (the configuration file's audio.output_device wins when given)."""
    voice: str | None = None
    """A TTS voice (the configuration file's voice.name wins when given)."""


@dataclass(frozen=True)
class _Target:
    """The settings the checks use once the configuration file (if any) has been read."""

    asr: str
    vosk_model: str | None
    input_device: str | None
    output_device: str | None
    voice: str | None
    extra_phrases: tuple[str, ...]


Check = Callable[[_Target], CheckResult]


# ------------------------------------------------------------------ checks

def check_audio_devices(target: _Target) -> CheckResult:
    """A microphone and a speaker are visible to sounddevice (PortAudio)."""
    name = "audio devices"
    try:
        import sounddevice as sd
    except (ImportError, OSError) as exc:
        return CheckResult(name, False, f"sounddevice cannot be loaded ({exc})",
                           "Install the speech extras (pip install 'voice-triage[speech]') and the PortAudio "
                           "library (apt install libportaudio2).")
    found = []
    for kind, wanted, label in (("input", target.input_device, "microphone"),
                                ("output", target.output_device, "speaker")):
        device: Any = int(wanted) if wanted is not None and wanted.isdigit() else wanted
        try:
            info = sd.query_devices(device, kind=kind)
        except (ValueError, sd.PortAudioError) as exc:
            which = f"{label} {wanted!r}" if wanted is not None else f"default {label}"
            return CheckResult(name, False, f"no {which} ({exc})",
                               f"Plug in a {label} and check the sound server is running (pactl info); "
                               "run 'voice-triage devices' to list devices and set "
                               f"audio.{kind}_device in the kiosk file.")
        channels = info.get(f"max_{kind}_channels", 0)
        if channels < 1:
            return CheckResult(name, False, f"{info.get('name')!r} has no {kind} channels",
                               f"Choose another {label} with audio.{kind}_device.")
        found.append(f"{label} {info.get('name')!r}")
    return CheckResult(name, True, ", ".join(found))


def check_recognizer(target: _Target) -> CheckResult:
    """The recognizer the kiosk would use loads with its model (PocketSphinx's bundled English, or Vosk)."""
    name = "recognizer and model"
    try:
        from voice_triage.recognition import build_recognizer, validate_vosk_model

        if target.vosk_model:
            validate_vosk_model(target.vosk_model)
        recognizer, why = build_recognizer(target.asr, target.vosk_model)
    except ImportError as exc:
        return CheckResult(name, False, f"a speech library is missing ({exc})",
                           "pip install 'voice-triage[speech]'")
    except VoiceTriageError as exc:
        return CheckResult(name, False, str(exc),
                           "Point recognizer.vosk_model (or --vosk-model) at an unpacked 16 kHz Vosk model, "
                           "run 'voice-triage download-model', or use asr = \"pocketsphinx\".")
    closer = getattr(recognizer, "close", None)
    if callable(closer):
        closer()
    return CheckResult(name, True, why)


def check_tts(target: _Target) -> CheckResult:
    """pyttsx3 (espeak-ng on Linux) renders a sentence to audio."""
    name = "text to speech"
    if sys.platform.startswith("linux") and not (shutil.which("espeak-ng") or shutil.which("espeak")):
        return CheckResult(name, False, "espeak-ng is not installed", "apt install espeak-ng")
    try:
        from voice_triage.speech.settings import VoiceSettings
        from voice_triage.speech.synthesizer import Pyttsx3Synthesizer

        synth = Pyttsx3Synthesizer()
        try:
            if target.voice:
                synth.resolve_voice(target.voice)
            audio = synth.render("This is a test of the voice.", VoiceSettings(voice=target.voice))
        finally:
            synth.close()
    except VoiceTriageError as exc:
        return CheckResult(name, False, str(exc),
                           "Install espeak-ng (apt install espeak-ng) and pyttsx3 (pip install "
                           "'voice-triage[speech]'); check voice.name against 'espeak-ng --voices'.")
    return CheckResult(name, True, f"{synth.name} rendered {audio.seconds:.1f} s of speech")


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


def missing_words(phrases: Iterable[str], target: _Target) -> tuple[str, list[str]]:
    """The recognizer used and the words of `phrases` its model does not know.

    Builds the recognizer the kiosk would use (voice_triage.recognition.build_recognizer) and asks
    it: ``set_grammar`` returns the unknown words.
    """
    from voice_triage.recognition import build_recognizer

    recognition_log = logging.getLogger("voice_triage.recognition")
    level = recognition_log.level
    recognition_log.setLevel(logging.ERROR)  # the doctor reports the words itself, once
    try:
        recognizer, why = build_recognizer(target.asr, target.vosk_model)
        try:
            missing = recognizer.set_grammar(list(phrases)) or []
        finally:
            closer = getattr(recognizer, "close", None)
            if callable(closer):
                closer()
    finally:
        recognition_log.setLevel(level)
    return why.split(" (")[0], sorted(set(missing))


def check_grammar(target: _Target) -> CheckResult:
    """Every word the session listens for is in the recognizer's model."""
    name = "grammar words"
    try:
        phrases = grammar_phrases(target.extra_phrases)
    except VoiceTriageError as exc:
        return CheckResult(name, False, f"the content could not be read ({exc})",
                           "Mend the file and key the message names; then run the doctor again.")
    try:
        from voice_triage.recognition import build_recognizer

        build_recognizer(target.asr, target.vosk_model)
    except (VoiceTriageError, ImportError, OSError) as exc:
        return CheckResult(name, False, f"could not check: the recognizer did not start ({exc})",
                           "Fix what the 'recognizer and model' check reports; then run the doctor again.")
    try:
        model, missing = missing_words(phrases, target)
    except (VoiceTriageError, ImportError, OSError) as exc:
        return CheckResult(name, False, f"the recognizer started but refused the grammar ({exc})",
                           "Run 'voice-triage doctor -v' for the recognizer's own messages.")
    if missing:
        return CheckResult(name, False, f"{len(missing)} word(s) unknown to {model}: {', '.join(missing)}",
                           "Those phrases can never be heard by voice: reword them in grammars/*.yaml or the "
                           "kiosk's wake.phrases (the typed and --io jsonl modes are not affected).")
    return CheckResult(name, True, f"{model} knows every word of the {len(phrases)} phrases")


CHECKS: tuple[Check, ...] = (check_audio_devices, check_recognizer, check_tts, check_grammar)
"""The checks run after the configuration check, in order."""


# ------------------------------------------------------------------ running

def _target(options: DoctorOptions) -> tuple[CheckResult | None, _Target]:
    target = _Target(options.asr, options.vosk_model, options.input_device, options.output_device,
                     options.voice, ())
    if options.config_path is None:
        return None, target
    from voice_triage.modes.kiosk.config import KioskConfigError, load_config

    try:
        config = load_config(options.config_path)
    except KioskConfigError as exc:
        return CheckResult("configuration", False, str(exc),
                           "Correct the key named above; docs/kiosk.md lists every key and its values."), target
    target = _Target(config.recognizer.asr, config.recognizer.vosk_model,
                     config.audio.input_device, config.audio.output_device, config.voice.name,
                     config.wake.phrases)
    return CheckResult("configuration", True, f"{options.config_path} is valid"), target


def run_doctor(options: DoctorOptions = DoctorOptions(), *, out: TextIO | None = None,
               checks: Iterable[Check] = CHECKS) -> int:
    """Run every check, print one PASS/FAIL line each (and a fix under each FAIL); 0 if all passed, else 1."""
    out = out if out is not None else sys.stdout
    results: list[CheckResult] = []
    config_result, target = _target(options)
    if config_result is not None:
        results.append(config_result)
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
