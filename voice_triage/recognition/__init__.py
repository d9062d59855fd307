"""Speech recognition: the `Recognizer` protocol, the PocketSphinx and Vosk adapters, model discovery.

Importing this package imports no speech library; the engines load theirs when built.
"""
from voice_triage.recognition.base import (
    SAMPLE_RATE,
    UNKNOWN,
    PartialCallback,
    Recognition,
    Recognizer,
    normalise_phrase,
)
from voice_triage.recognition.discovery import (
    ASR_CHOICES,
    ENV_VAR,
    build_recognizer,
    find_cached_model,
    locate_vosk_model,
    model_dirs,
)


def validate_vosk_model(path):
    """Check a Vosk model folder; see `voice_triage.recognition.vosk_engine.validate_vosk_model`."""
    from voice_triage.recognition.vosk_engine import validate_vosk_model as _validate
    return _validate(path)


def download_vosk_model(*args, **kwargs):
    """Download the small English model; see `voice_triage.recognition.download.download_vosk_model`."""
    from voice_triage.recognition.download import download_vosk_model as _download
    return _download(*args, **kwargs)


def download_main(argv=None) -> int:
    """Entry point for `voice-triage download-model [--dest DIR] [--sha256 HEX|none]`."""
    from voice_triage.recognition.download import main
    return main(argv)


__all__ = [
    "ASR_CHOICES", "ENV_VAR", "SAMPLE_RATE", "UNKNOWN", "PartialCallback", "Recognition", "Recognizer",
    "build_recognizer", "download_main", "download_vosk_model", "find_cached_model", "locate_vosk_model",
    "model_dirs", "normalise_phrase", "validate_vosk_model",
]
