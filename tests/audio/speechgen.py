"""Speech synthesized at test time (flite voices awb/kal/rms/slt, espeak-ng), optionally with sox noise.

Mirrors shared/tools/sim_patient.py: 16 kHz mono 16-bit, 0.3 s of silence either side, noise
mixed at a signal-to-noise ratio measured on the voiced samples. Used by tests and scripts/bench_asr.py.
"""
from __future__ import annotations

import array
import hashlib
import math
import os
import random
import shutil
import subprocess
import wave
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

FLITE_VOICES = ("flite:awb", "flite:kal", "flite:rms", "flite:slt")
ALL_VOICES = FLITE_VOICES + ("espeak:en-us",)


def missing_tools(voices=ALL_VOICES) -> list[str]:
    """The command-line tools needed for `voices` (and sox) that are not installed."""
    needed = {"sox"} | {"flite" if v.startswith("flite") else "espeak-ng" for v in voices}
    return sorted(t for t in needed if shutil.which(t) is None)


@dataclass(frozen=True)
class Clip:
    """One synthesized utterance to make."""

    text: str
    """What is said."""
    voice: str = "flite:slt"
    """flite:NAME or espeak:LANG."""
    speed: float = 1.0
    """1.0 normal; 1.3 means 30 % faster speech."""
    snr_db: float | None = None
    """Noise at this SNR (None: clean)."""
    noise: str = "white"
    """white, pink or brown."""
    pad_s: float = 0.3
    """Silence before and after."""

    def filename(self) -> str:
        key = hashlib.sha1(repr(self).encode()).hexdigest()[:12]
        return f"{self.voice.replace(':', '_')}_{key}.wav"


def synthesize(clip: Clip, out: Path) -> Path:
    """Make `clip` as a 16 kHz mono 16-bit WAV at `out`."""
    raw = out.with_suffix(".raw.wav")
    engine, _, name = clip.voice.partition(":")
    if engine == "flite":
        cmd = ["flite", "-voice", name or "slt", "--setf", f"duration_stretch={1.0 / clip.speed:.3f}",
               "-t", clip.text, "-o", str(raw)]
    elif engine == "espeak":
        cmd = ["espeak-ng", "-v", name or "en-us", "-s", str(int(175 * clip.speed)), "-w", str(raw), clip.text]
    else:
        raise ValueError(f"unknown voice {clip.voice!r}")
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(out),
                    "pad", str(clip.pad_s), str(clip.pad_s)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    raw.unlink()
    if clip.snr_db is not None:
        add_noise(out, clip.snr_db, clip.noise, seed=int(hashlib.sha1(clip.filename().encode()).hexdigest(), 16))
    return out


def add_noise(path: Path, snr_db: float, colour: str, seed: int = 0) -> None:
    """Mix sox-made `colour` noise into the WAV at `path` at `snr_db` (power of voiced samples vs noise)."""
    with wave.open(str(path), "rb") as w:
        params = w.getparams()
        speech = array.array("h", w.readframes(w.getnframes()))
    noise_file = path.with_suffix(".noise.wav")
    seconds = len(speech) / 16000 + 0.1
    subprocess.run(["sox", "-R", "-n", "-r", "16000", "-c", "1", "-b", "16", str(noise_file), "synth",
                    f"{seconds:.2f}", f"{colour}noise", "vol", "0.5"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with wave.open(str(noise_file), "rb") as w:
        noise = array.array("h", w.readframes(w.getnframes()))
    noise_file.unlink()
    offset = random.Random(seed).randrange(0, max(1, len(noise) // 10))
    voiced = [s for s in speech if abs(s) > 200] or list(speech)
    p_speech = sum(s * s for s in voiced) / len(voiced)
    p_noise = sum(s * s for s in noise) / max(1, len(noise)) or 1.0
    gain = math.sqrt(p_speech / (p_noise * 10 ** (snr_db / 10)))
    mixed = array.array("h", (max(-32768, min(32767, int(s + gain * noise[(i + offset) % len(noise)])))
                              for i, s in enumerate(speech)))
    with wave.open(str(path), "wb") as w:
        w.setparams(params)
        w.writeframes(mixed.tobytes())


def synthesize_all(clips, folder: Path, jobs: int | None = None) -> dict[Clip, Path]:
    """Make every clip (in parallel, cached by content in `folder`); returns clip -> WAV path."""
    folder.mkdir(parents=True, exist_ok=True)
    unique = list(dict.fromkeys(clips))

    def make(clip: Clip) -> Path:
        out = folder / clip.filename()
        if not out.exists():
            synthesize(clip, out)
        return out

    with ThreadPoolExecutor(max_workers=jobs or max(2, os.cpu_count() or 2)) as pool:
        return dict(zip(unique, pool.map(make, unique)))


def pcm(path: Path) -> bytes:
    """The 16-bit samples of a 16 kHz mono WAV."""
    with wave.open(str(path), "rb") as w:
        return w.readframes(w.getnframes())


def chunked(data: bytes, size: int = 3200):
    """`data` in chunks of `size` bytes (100 ms of 16 kHz audio by default)."""
    for i in range(0, len(data), size):
        yield data[i:i + size]
