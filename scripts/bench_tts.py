#!/usr/bin/env python3
"""How well a listener understands each voice: every sentence the assistant can say (not a test).

  scripts/bench_tts.py [--voices flite:slt@160,pyttsx3:gmw/en-us@150] [--json bench_tts.json] [--worst 8]

Every sentence of prompts/ (each question's wordings, help and reasons, every other sentence, the
summaries with their {pattern} and {reasons} filled in as the dialogue fills them) is spoken through the
app's own SpeechOutput (sentence by sentence, with its pauses) by each installed voice at each rate, then
transcribed by Whisper tiny.en (the packaged model; free decoding, beam 5, no prompt) standing in for a
person who hears it once. Both texts go through Whisper's English normaliser; words misheard = (substitutions
+ deletions + insertions) / words said, over all sentences (jiwer).

Per voice and rate: words misheard, sentences over 20% misheard, the emergency instruction's words misheard,
time from the text to the first audio sample (p50, p95: what a person waits before the voice starts), the
real-time factor of rendering (its pauses count as audio), and the worst sentences. Each sentence is heard
on its own; "alright" for "all right" and "shin bone" for "shinbone" are spellings, not words misheard.
"""
from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_VOICES = ("pyttsx3:@160", "pyttsx3:gmw/en-us@150", "pyttsx3:gmw/en-us@130", "flite:slt@160",
                  "flite:slt@140", "flite:rms@160", "flite:awb@160", "flite:kal16@160", "piper:joe@160",
                  "piper:joe@140")
"""engine:voice@rate; an empty voice is the engine's own default (pyttsx3's: espeak-ng's default voice)."""
EMERGENCY_KEYS = ("emergency", "emergency_repeat")


def sentences() -> list[tuple[str, str]]:
    """(where it comes from, the text) for everything the assistant can say, placeholders filled in."""
    from voice_triage.content.loader import load_content
    from voice_triage.dialogue.summary import _join

    content = load_content()
    out: list[tuple[str, str]] = []
    for qid, q in content.questions.items():
        for field in ("ask", "simpler", "help", "why", "askback"):
            text = getattr(q, field)
            if text and "{" not in text:
                out.append((f"questions.{qid}.{field}", text))
    confirm = content.questions.get("confirm")
    reasons = {fid: q.reason for fid, q in content.questions.items() if q.reason}
    patterns = list(content.patterns.values())
    for key, text in content.speech.items():
        if "{" not in text:
            out.append((f"speech.{key}", text))
            continue
        for i, pattern in enumerate(patterns):
            if key == "red_flag_sign" and pattern.disposition.value not in ("emergency", "urgent"):
                continue  # the summary names a red flag only for the urgent patterns
            feats = [f for f in pattern.weights if f in reasons][:2] or list(reasons)[i:i + 2]
            filled = text.format(pattern=pattern.name, reasons=_join([reasons[f] for f in feats]))
            out.append((f"speech.{key}[{pattern.id}]", filled))
            if "{pattern}" not in text:
                break
    if confirm is not None:
        for fid in list(reasons)[:3]:
            for field in ("ask", "simpler"):
                out.append((f"questions.confirm.{field}[{fid}]", getattr(confirm, field).format(value=reasons[fid])))
    from voice_triage.modes.kiosk.config import KioskTexts, WakeConfig

    out.append(("kiosk.wake.invitation", WakeConfig().invitation))
    for name in ("idle_goodbye", "apology", "device_lost", "goodbye"):
        out.append((f"kiosk.texts.{name}", getattr(KioskTexts(), name)))
    return out


class _Timed:
    """A sink that keeps the audio and the moment the first sound arrived."""

    name = "memory"

    def __init__(self) -> None:
        self.clips = []
        self.first: float | None = None

    def play(self, audio) -> None:
        if self.first is None and audio.frames and any(audio.samples):
            self.first = time.perf_counter()
        self.clips.append(audio)

    def close(self) -> None:
        pass


def run_voice(spec: str, items: list[tuple[str, str]], model, normalise) -> dict:
    import jiwer

    from voice_triage.speech.captions import Captions
    from voice_triage.speech.engines import make_synthesizer
    from voice_triage.speech.output import SpeechOutput
    from voice_triage.speech.settings import VoiceSettings

    engine, rest = spec.split(":", 1)
    voice, rate = rest.rsplit("@", 1)
    started = time.perf_counter()
    synth = make_synthesizer(engine)
    load_s = time.perf_counter() - started
    settings = VoiceSettings(rate=int(rate), voice=voice or None, volume=1.0)
    rows, first_ms, render_s, audio_s = [], [], 0.0, 0.0
    for where, text in items:
        sink = _Timed()
        speech = SpeechOutput(synth, sink, Captions(io.StringIO(), "off"), settings)
        t0 = time.perf_counter()
        speech.say(text)
        busy = time.perf_counter() - t0
        first_ms.append(1000 * ((sink.first or time.perf_counter()) - t0))
        spoken = [c.resampled(16000) for c in sink.clips if any(c.samples)]
        audio_s += sum(c.seconds for c in sink.clips)
        render_s += busy
        heard = " ".join(_listen(model, c) for c in spoken)
        ref, hyp = normalise(text), normalise(heard)
        words = jiwer.process_words(ref, hyp)
        errors = words.substitutions + words.deletions + words.insertions
        n = len(ref.split())
        rows.append({"where": where, "said": text, "heard": heard, "words": n, "errors": errors,
                     "misheard": round(errors / n, 3) if n else 0.0})
    synth.close()
    words = sum(r["words"] for r in rows)
    errors = sum(r["errors"] for r in rows)
    emergency = [r for r in rows if r["where"].split("[")[0] in {f"speech.{k}" for k in EMERGENCY_KEYS}]
    first_sorted = sorted(first_ms)
    return {"voice": spec, "engine": synth.name, "load_s": round(load_s, 2), "sentences": len(rows), "words": words,
            "misheard": round(errors / words, 4), "over_20": sum(r["misheard"] > 0.2 for r in rows),
            "emergency_misheard": round(sum(r["errors"] for r in emergency) / max(1, sum(r["words"] for r in emergency)), 4),
            "first_audio_ms_p50": round(statistics.median(first_ms)),
            "first_audio_ms_p95": round(first_sorted[min(len(first_sorted) - 1, int(0.95 * len(first_sorted)))]),
            "rtf": round(render_s / audio_s, 3), "rows": rows}


def _listen(model, pcm) -> str:
    """What Whisper tiny.en hears in one sentence (each sentence on its own: over a whole prompt, tiny.en
    often stops after the first sentence, which says nothing about the voice)."""
    import numpy as np

    samples = np.frombuffer(pcm.samples, dtype="<i2").astype(np.float32) / 32768.0
    segments, _ = model.transcribe(samples, language="en", beam_size=5, condition_on_previous_text=False,
                                   without_timestamps=True, temperature=0.0)
    return " ".join(s.text.strip() for s in segments)


SPELLINGS = {"alright": "all right", "shinbone": "shin bone", "shinbones": "shin bones"}
"""One word written two ways: not a word misheard."""


def installed(spec: str) -> str | None:
    """Why `spec` cannot run here, or None."""
    from voice_triage.errors import SpeechOutputError
    from voice_triage.speech.engines import make_synthesizer

    try:
        make_synthesizer(spec.split(":", 1)[0]).close()
    except SpeechOutputError as exc:
        return str(exc)
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--voices", default=",".join(DEFAULT_VOICES), help="comma-separated engine:voice@rate")
    ap.add_argument("--json", default="bench_tts.json", help="where to write every sentence's result")
    ap.add_argument("--worst", type=int, default=6, help="how many of the worst sentences to list per voice")
    args = ap.parse_args(argv)
    try:
        from faster_whisper import WhisperModel
        from whisper_normalizer.english import EnglishTextNormalizer
    except ImportError as exc:
        print(f"bench_tts: needs faster-whisper and the bench extra (pip install 'voice-triage[bench]'): {exc}",
              file=sys.stderr)
        return 2
    from voice_triage.recognition.whisper_engine import packaged_model

    model = WhisperModel(str(packaged_model()), device="cpu", compute_type="int8", cpu_threads=2)
    whisper_normaliser = EnglishTextNormalizer()

    def normalise(text: str) -> str:
        return " ".join(SPELLINGS.get(w, w) for w in whisper_normaliser(text).split())
    items = sentences()
    print(f"bench_tts: {len(items)} sentences, {sum(len(t.split()) for _, t in items)} words", file=sys.stderr)
    results, skipped = [], {}
    for spec in args.voices.split(","):
        why = installed(spec)
        if why:
            skipped[spec] = why
            continue
        results.append(run_voice(spec, items, model, normalise))
        print(f"bench_tts: {spec} done", file=sys.stderr)
    Path(args.json).write_text(json.dumps({"sentences": len(items), "results": results, "skipped": skipped},
                                          indent=1, ensure_ascii=False))
    print(f"{'voice @ rate':26s} {'misheard':>8s} {'>20%':>5s} {'emerg.':>6s} {'1st audio p50/p95 ms':>21s} "
          f"{'RTF':>6s} {'load s':>6s}")
    for r in results:
        print(f"{r['voice']:26s} {100 * r['misheard']:7.1f}% {r['over_20']:5d} {100 * r['emergency_misheard']:5.1f}% "
              f"{r['first_audio_ms_p50']:>10d} / {r['first_audio_ms_p95']:<8d} {r['rtf']:6.3f} {r['load_s']:6.2f}")
    for spec, why in skipped.items():
        print(f"{spec}: not installed ({why})")
    for r in results:
        print(f"\nworst for {r['voice']}:")
        for row in sorted(r["rows"], key=lambda x: -x["misheard"])[:args.worst]:
            print(f"  {100 * row['misheard']:5.1f}%  {row['where']}: {row['said']!r} -> {row['heard']!r}")
    print(f"\nfull results: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
