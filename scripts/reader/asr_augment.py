#!/usr/bin/env python3
"""What a recognizer makes of our training sentences (issue 30): each chosen row is spoken by a synthetic voice
(flite or espeak-ng, as the tests' patients are) and written down by the recognizer voice-triage itself uses
(Whisper tiny.en, with the question as its context), so the reader also learns from real recognition errors
("panting" heard as "painting", "gasping" as "gusting") with the row's labels.

    python scripts/reader/asr_augment.py --out scripts/reader/data/asr/heard.jsonl [--limit N]
    python scripts/reader/asr_augment.py --sources own_t6 own_t7 --limit 1000 --append   # a later writer's rows
(the shipped model: 3,000 rows of own_t1-t5 and project, then 1,000 of own_t6 and own_t7)

Run with the product's own environment (.venv: faster-whisper and the model wheel). Deterministic voices and
order (seeded); one WAV at a time in a temporary folder, nothing kept but the text. The rows keep their source
name, so leaving a source out (loso.py) leaves its heard copies out too.
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

HERE = Path(__file__).resolve().parent
VOICES = ("flite:slt", "flite:rms", "flite:awb", "flite:kal", "espeak:en-us", "espeak:en-gb")
SOURCES = ("own_t1", "own_t2", "own_t3", "own_t4", "own_t5", "own_t6", "own_t7", "project")


def speak(text: str, voice: str, folder: Path) -> bytes:
    engine, _, name = voice.partition(":")
    raw, out = folder / "raw.wav", folder / "out.wav"
    if engine == "flite":
        subprocess.run(["flite", "-voice", name, "-t", text, "-o", str(raw)], check=True, capture_output=True)
    else:
        subprocess.run(["espeak-ng", "-v", name, "-w", str(raw), text], check=True, capture_output=True)
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(out), "pad", "0.3", "0.3"],
                   check=True, capture_output=True)
    with wave.open(str(out), "rb") as w:
        return w.readframes(w.getnframes())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(HERE / "data" / "examples.jsonl"))
    ap.add_argument("--out", default=str(HERE / "data" / "asr" / "heard.jsonl"))
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--seed", type=int, default=31)
    ap.add_argument("--sources", nargs="*", default=list(SOURCES), help="only rows of these sources")
    ap.add_argument("--append", action="store_true", help="add to --out instead of writing it anew")
    args = ap.parse_args()
    from voice_triage.recognition.discovery import build_recognizer
    from voice_triage.recognition.config import RecognizerConfig

    recognizer, why = build_recognizer(RecognizerConfig(asr="whisper"))
    print(why, file=sys.stderr)
    rng = random.Random(args.seed)
    rows = [json.loads(line) for line in Path(args.data).read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r["source"] in args.sources and len(r["text"].split()) <= 40]
    rng.shuffle(rows)
    if args.limit:
        rows = rows[:args.limit]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    done = 0
    with tempfile.TemporaryDirectory() as tmp, open(args.out, "a" if args.append else "w", encoding="utf-8") as out:
        for r in rows:
            voice = rng.choice(VOICES)
            try:
                audio = speak(r["text"], voice, Path(tmp))
            except (OSError, subprocess.CalledProcessError) as exc:
                print(f"skipped ({exc}): {r['text'][:60]}", file=sys.stderr)
                continue
            recognizer.set_grammar(None)
            recognizer.set_context(r["question"])
            result = recognizer.recognize_whole(audio)
            heard = result.heard or result.text
            if not heard.strip():
                continue
            out.write(json.dumps({**r, "text": heard, "said": r["text"], "voice": voice}, ensure_ascii=False) + "\n")
            done += 1
            if done % 100 == 0:
                out.flush()
                print(f"{done} / {len(rows)}", file=sys.stderr, flush=True)
    print(f"wrote {done} rows to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
