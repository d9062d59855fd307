#!/usr/bin/env python3
"""Which safety words the recognizers write as something else, and which words they write as safety words
(issue 20; a measurement, not a test).

Safety words are the words of the chest and of breathing (chest, breath, breathe, breathing, heart, lungs, air,
tight, pressure, short ...). Two directions are measured, through the real recognizers:

  said -> written   emergency phrases and denials, synthesized at run time with flite (awb, kal, rms, slt) and
                    espeak-ng (en-us, en), clean and in white, pink or brown noise at 10 and 5 dB; each reference
                    word is aligned with what was written (word edit distance), and every safety word written
                    as another word is counted ("chest" -> "just");
  written from      the real one-word recordings of shared/eval/real (Speech Commands), clean and at 10 dB: how
  nothing           often a word that is no safety word ("bed") comes out as one ("Breathe.").

Engines: Whisper tiny.en decoding freely with the question as its context (what the product does first), Whisper
with the emergency phrases as its prompt (the product's second decoding), and PocketSphinx decoding freely.
For every hypothesis it also says whether the understanding raises the alarm, asks back or takes it calmly,
so the table shows what the symptom model makes of what recognizers really write.

  bench_confusions.py [--quick] [--out docs/bench/confusions.md] [--json FILE]
  bench_confusions.py --rejudge FILE.json   (what the understanding makes of the texts written in an earlier run,
                                             with today's rules; nothing is decoded again)
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import wave
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "audio"))

SAFETY = {"chest", "breath", "breathe", "breathing", "breathless", "heart", "lungs", "lung", "air", "tight",
          "tightness", "pressure", "short", "shortness", "winded", "wheezing", "squeezing", "crushing", "heavy"}
"""The words of the chest and of breathing the symptom model reads."""

PHRASES = [
    # emergencies
    "my chest hurts", "I have chest pain", "there is a pressure in my chest", "my chest feels tight",
    "tight feeling in my chest", "a squeezing pain in my chest", "my heart hurts", "pain in the middle of my chest",
    "I can't breathe", "I can't catch my breath", "I'm short of breath", "shortness of breath",
    "I'm out of breath", "it's hard to breathe", "I have trouble breathing", "I feel breathless",
    "I can't get enough air", "my lungs feel tight", "there's a heavy weight on my chest", "I'm wheezing",
    "no, but my chest is tight", "no, but I'm short of breath", "yes, and my chest hurts",
    "no, but there's a pressure in the middle of my chest",
    # denials and calm answers with the same words
    "no chest pain", "my chest is fine", "my breathing is fine", "I'm not short of breath", "I can breathe fine",
    "my heart is fine", "no, just my calf", "it's just pain in my leg", "I play chess on Sundays",
    "I ran out of bread", "the breadth of my foot", "my calf feels tight",
]
EMERGENCY = set(PHRASES[:24])
VOICES = ["flite:awb", "flite:kal", "flite:rms", "flite:slt", "espeak:en-us", "espeak:en"]
NOISE = [(None, "white"), (10, "white"), (10, "pink"), (10, "brown"), (5, "white"), (5, "pink"), (5, "brown")]
CONTEXT = "Is one leg or foot colder than the other?"
"""The question the answers are said at (the product gives Whisper the question just asked)."""


def align(ref: list[str], hyp: list[str]) -> list[tuple[str | None, str | None]]:
    """Word alignment by edit distance: pairs (ref word or None, hyp word or None)."""
    n, m = len(ref), len(hyp)
    d = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        d[i][0] = i
    for j in range(m + 1):
        d[0][j] = j
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1]))
    out, i, j = [], n, m
    while i or j:
        if i and j and d[i][j] == d[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1]):
            out.append((ref[i - 1], hyp[j - 1]))
            i, j = i - 1, j - 1
        elif i and d[i][j] == d[i - 1][j] + 1:
            out.append((ref[i - 1], None))
            i -= 1
        else:
            out.append((None, hyp[j - 1]))
            j -= 1
    return out[::-1]


def words(text: str) -> list[str]:
    from voice_triage.understanding.normalize import normalize

    return normalize(text).split()


def read_pcm(path: Path) -> bytes:
    with wave.open(str(path), "rb") as w:
        return w.readframes(w.getnframes())


class Engines:
    """The three decodings, each giving the text written for one clip."""

    def __init__(self, names: list[str]):
        from voice_triage.content.loader import load_content
        from voice_triage.recognition.config import RecognizerConfig
        from voice_triage.recognition.discovery import build_recognizer

        self.content = load_content()
        self.recognizers = {}
        if any(n.startswith("whisper") for n in names):
            self.recognizers["whisper"], _ = build_recognizer(RecognizerConfig(asr="whisper"))
        if "pocketsphinx" in names:
            self.recognizers["pocketsphinx"], _ = build_recognizer(RecognizerConfig(asr="pocketsphinx"))
        self.names = names

    def write(self, name: str, pcm: bytes) -> str:
        if name == "whisper":
            rec = self.recognizers["whisper"]
            rec.set_grammar(None)
            rec.set_context(CONTEXT)
        elif name == "whisper-prompted":
            rec = self.recognizers["whisper"]
            rec.set_grammar(list(self.content.emergency.phrases), thorough=True, within=True)
            rec.set_context(CONTEXT)
        else:
            rec = self.recognizers["pocketsphinx"]
            rec.set_grammar(None)
        result = rec.recognize_whole(pcm)
        return result.heard or result.text


def understood(interpreter, text: str) -> str:
    """What the understanding makes of `text` at a red-flag question: alarm, ask_back or calm."""
    if not text.strip():
        return "nothing"
    meaning = interpreter.interpret(text, "cold_leg")
    return {"emergency": "alarm", "ask_back": "ask_back"}.get(meaning.intent.value, "calm")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="two voices, clean and 10 dB, a quarter of the real clips")
    ap.add_argument("--engines", default="whisper,whisper-prompted,pocketsphinx")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "bench" / "confusions.md")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--rejudge", type=Path, default=None)
    args = ap.parse_args(argv)
    if args.rejudge:
        return rejudge(args.rejudge, args.out)
    import speechgen
    from voice_triage.understanding.interpret import Interpreter

    names = args.engines.split(",")
    engines = Engines(names)
    interpreter = Interpreter(engines.content)
    voices = VOICES[:2] if args.quick else VOICES
    noise = NOISE[:2] if args.quick else NOISE
    said: dict[str, Counter] = defaultdict(Counter)
    written_from_nothing: dict[str, Counter] = defaultdict(Counter)
    outcomes: dict[str, Counter] = defaultdict(Counter)
    rows = []
    started = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        n = 0
        for text in PHRASES:
            for voice in voices:
                for snr, colour in noise:
                    n += 1
                    clip = speechgen.Clip(text, voice, snr_db=snr, noise=colour)
                    path = speechgen.synthesize(clip, folder / clip.filename())
                    pcm = read_pcm(path)
                    path.unlink()
                    for name in names:
                        hyp = engines.write(name, pcm)
                        for ref_word, hyp_word in align(words(text), words(hyp)):
                            if ref_word in SAFETY:
                                said[f"{name}|{ref_word}"][hyp_word or "(nothing)"] += 1
                        verdict = understood(interpreter, hyp)
                        kind = "emergency" if text in EMERGENCY else "calm"
                        outcomes[f"{name}|{kind}"][verdict] += 1
                        rows.append({"engine": name, "said": text, "voice": voice, "snr": snr, "written": hyp,
                                     "understood": verdict})
        real = ROOT.parent / "shared" / "eval" / "real"
        manifest = json.loads((real / "manifest.json").read_text()) if (real / "manifest.json").exists() else []
        clips = manifest[::4] if args.quick else manifest
        for k, item in enumerate(clips):
            path = real / item["path"] if "path" in item else None
            if path is None or not path.exists():
                path = next(iter((real / "kws").glob(f"*/{Path(item.get('file', '')).name}")), None)
            if path is None or not path.exists():
                continue
            word = path.parent.name
            for snr in (None, 10):
                pcm_path = path
                if snr is not None:
                    pcm_path = folder / f"real-{k}.wav"
                    pcm_path.write_bytes(path.read_bytes())
                    speechgen.add_noise(pcm_path, snr, ("white", "pink", "brown")[k % 3], seed=k)
                pcm = read_pcm(pcm_path)
                for name in names:
                    hyp = engines.write(name, pcm)
                    hit = [w for w in words(hyp) if w in SAFETY]
                    key = f"{name}|{'clean' if snr is None else '10 dB'}"
                    written_from_nothing[key]["clips"] += 1
                    for w in hit:
                        written_from_nothing[key][f"{word} -> {w}"] += 1
                    if hit:
                        verdict = understood(interpreter, hyp)
                        written_from_nothing[key][f"understood:{verdict}"] += 1
                        rows.append({"engine": name, "said": word, "real": True, "snr": snr, "written": hyp,
                                     "understood": verdict})
    report = {"seconds": round(time.time() - started), "synth_clips": n, "said": {k: dict(v) for k, v in said.items()},
              "outcomes": {k: dict(v) for k, v in outcomes.items()},
              "real": {k: dict(v) for k, v in written_from_nothing.items()}}
    if args.json:
        args.json.write_text(json.dumps({**report, "rows": rows}, indent=1))
    args.out.write_text(markdown(report, names, voices, noise), encoding="utf-8")
    print(markdown(report, names, voices, noise))
    return 0


def rejudge(path: Path, out: Path) -> int:
    """The understanding's verdicts again, on the texts an earlier run wrote down."""
    from voice_triage.content.loader import load_content
    from voice_triage.understanding.interpret import Interpreter

    interpreter = Interpreter(load_content())
    data = json.loads(path.read_text())
    outcomes: dict[str, Counter] = defaultdict(Counter)
    real: dict[str, Counter] = {k: Counter({n: c for n, c in v.items() if not n.startswith("understood:")})
                                for k, v in data["real"].items()}
    for row in data["rows"]:
        verdict = understood(interpreter, row["written"])
        row["understood"] = verdict
        if row.get("real"):
            real[f"{row['engine']}|{'clean' if row['snr'] is None else '10 dB'}"][f"understood:{verdict}"] += 1
        else:
            outcomes[f"{row['engine']}|{'emergency' if row['said'] in EMERGENCY else 'calm'}"][verdict] += 1
    data["outcomes"] = {k: dict(v) for k, v in outcomes.items()}
    data["real"] = {k: dict(v) for k, v in real.items()}
    path.write_text(json.dumps(data, indent=1))
    names = sorted({row["engine"] for row in data["rows"]})
    text = markdown(data, names, VOICES, NOISE)
    out.write_text(text, encoding="utf-8")
    print(text)
    return 0


def markdown(report: dict, names: list[str], voices: list[str], noise) -> str:
    lines = ["# Safety words: what the recognizers write (scripts/bench_confusions.py)", "",
             f"{report['synth_clips']} synthesized clips ({len(PHRASES)} phrases x {len(voices)} voices "
             f"({', '.join(voices)}) x {len(noise)} conditions: clean, 10 dB and 5 dB white, pink, brown noise), "
             f"each through {', '.join(names)}; the real one-word clips of shared/eval/real clean and at 10 dB. "
             f"Run time {report['seconds']} s on this two-core machine.", "",
             "What the symptom model accepts from this (grammars/symptoms.yaml), only where a site stands in a symptom: "
             "\"chess\", \"just\", \"jest\", \"chance\", \"test\", \"trash\" for chest after \"my\" or \"in my\" "
             "with a pain or a pressure (\"a tight feeling in my chess\", \"my chance is tight\"); \"breadth\", \"bread\", "
             "\"brett\", \"read\", \"dress\", \"rest\" for breath after \"short of\", \"shortness of\" or \"catch my\"; "
             "\"there\", \"here\", \"sir\" for air after \"can't get enough\". Not accepted, because the same words are "
             "everyday speech: \"reckless\"/\"restless\" (breathless), \"leaving\"/\"losing\"/\"easing\" (wheezing), "
             "\"believe\"/\"read\"/\"dream\" (breathe), \"sure\" (short), \"type\"/\"tired\" (tight), \"cast\" (a leg "
             "in plaster says \"my cast hurts\"). Whisper's prompted decoding writes safety words into calm speech (79 of "
             "504 calm clips read as an alarm on their own): the judge (understanding/judge.py) raises the alarm on it only "
             "when free decoding of the same audio also names the chest or breathing.", "",
             "## Said -> written (safety words that were said, and what each engine wrote for them)", "",
             "| engine | word said | times | written right | written as (times) |", "|---|---|---|---|---|"]
    for key in sorted(report["said"]):
        name, word = key.split("|")
        counts = report["said"][key]
        total = sum(counts.values())
        others = sorted(((w, c) for w, c in counts.items() if w != word), key=lambda x: -x[1])
        lines.append(f"| {name} | {word} | {total} | {counts.get(word, 0)} | "
                     f"{', '.join(f'{w} ({c})' for w, c in others[:8])} |")
    lines += ["", "## What the understanding made of the written text", "",
              "| engine | said | alarm | asked back | calm | nothing written |", "|---|---|---|---|---|---|"]
    for key in sorted(report["outcomes"]):
        name, kind = key.split("|")
        c = report["outcomes"][key]
        lines.append(f"| {name} | {kind} | {c.get('alarm', 0)} | {c.get('ask_back', 0)} | {c.get('calm', 0)} | "
                     f"{c.get('nothing', 0)} |")
    lines += ["", "## Written from nothing (real one-word clips that are no safety word)", "",
              "| engine | condition | clips | safety words written (word said -> written) | then: alarm / asked back / calm |",
              "|---|---|---|---|---|"]
    for key in sorted(report["real"]):
        name, cond = key.split("|")
        c = report["real"][key]
        hits = sorted(((k, v) for k, v in c.items() if "->" in k), key=lambda x: -x[1])
        lines.append(f"| {name} | {cond} | {c.get('clips', 0)} | {', '.join(f'{k} ({v})' for k, v in hits[:10]) or 'none'} "
                     f"| {c.get('understood:alarm', 0)} / {c.get('understood:ask_back', 0)} / {c.get('understood:calm', 0)} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
