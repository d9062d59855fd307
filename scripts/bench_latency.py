#!/usr/bin/env python3
"""Latency of the live loop, measured from outside on virtual PulseAudio devices (not a test).

A scripted patient's answers (flite) are played into the virtual microphone in real time while
the real live loop runs on the default devices (the real recognizer, endpointing, session,
text-to-speech engine (`--tts`, as the CLI chooses it) and speaker sink). Two recorders timestamp 10 ms blocks on the monotonic clock: one on
the microphone feed's monitor (what the person said, and when it ended) and one on the speaker's
monitor (what the assistant said, and when it began). Reported:

  reply_ms       end of the person's speech -> first sample of the assistant's reply (p50, p95)
  emergency_ms   end of an emergency phrase -> first sample of the emergency instruction
                 (negative when the instruction starts before the phrase has ended: heard in a
                 partial result)

    eval "$(scripts/pulse.sh start)"; .venv/bin/python scripts/bench_latency.py --rounds 2 --json bench.json

Goals (issue 4): reply p95 < 800 ms, emergency < 500 ms on a two-core machine.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.virtual import (BLOCK_FRAMES, MIC_FEED, RECORD_RATE, SPEAKER, VirtualAudio,  # noqa: E402
                                        VirtualPatient)
from voice_triage.modes.demo import PatientVoice, Persona, load_personas  # noqa: E402
from voice_triage.speech import Captions, VoiceSettings, open_speech_output  # noqa: E402

logger = logging.getLogger("bench_latency")

LOUD = 300.0
"""RMS above which a 10 ms block counts as sound."""


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))], 1)


def run_one(persona: Persona, audio: VirtualAudio, folder: str, settings: VoiceSettings, listener) -> dict:
    """One live session; returns each answer's latency to the assistant's next sound."""
    from voice_triage.dialogue.triage import Triage
    from voice_triage.modes.conversation import Listened
    from voice_triage.modes.live import run_live
    from voice_triage.modes.voice import VoiceChannel, microphone

    patient = VirtualPatient(audio, persona.answer, PatientVoice(persona.voice, folder).render)
    speech = open_speech_output(settings, captions=Captions(sys.stderr, "plain"))
    if not speech.speaking_aloud:
        raise SystemExit("bench: no speech output on the virtual speaker")
    recognized: list[float] = []

    def on_event(event) -> None:
        patient.on_event(event)
        if isinstance(event, Listened):
            recognized.append(event.at)

    with audio.record(f"{SPEAKER}.monitor") as spoken, audio.record(f"{MIC_FEED}.monitor") as heard:
        time.sleep(0.3)
        channel = VoiceChannel(speech, listener, microphone(None))
        result = run_live(Triage, channel, on_event=on_event)
        patient.wait()
        time.sleep(0.3)
    speech.close()
    said = spoken.loud_times(LOUD)
    person = heard.loud_times(LOUD)
    answers = sorted(patient.answers, key=lambda a: a.started)
    rows = []
    for i, answer in enumerate(answers):
        window_end = answers[i + 1].started if i + 1 < len(answers) else float("inf")
        own = [t for t in person if answer.started <= t < window_end]
        reply = [t for t in said if own and t > own[0]]
        if not own or not reply:
            continue
        # A block's time is when it arrived, i.e. its end: the person stopped at the end of their last
        # loud block, and the reply began at the start of its first loud block.
        end, first = own[-1], reply[0] - BLOCK_FRAMES / RECORD_RATE
        done = next((t for t in recognized if t > own[0]), None)
        rows.append({"persona": persona.id, "question": answer.question, "text": answer.text,
                     "emergency": persona.says.get(answer.question) == answer.text
                     and answer.question in ("chest_pain", "breathlessness"),
                     "latency_ms": round(1000 * (first - end), 1),
                     # split: end of speech -> recognition returned; recognition -> first sample out
                     "hearing_ms": round(1000 * (done - end), 1) if done else None,
                     "speaking_ms": round(1000 * (first - done), 1) if done else None})
    return {"persona": persona.id, "disposition": result.end and result.end.disposition.value,
            "expected": persona.expect, "turns": rows}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    personas = load_personas()
    ap.add_argument("--personas", nargs="+", default=list(personas), choices=list(personas))
    ap.add_argument("--rounds", type=int, default=1, help="sessions per persona")
    ap.add_argument("--rate", type=int, default=200, help="assistant's speaking rate (wpm); faster = shorter run")
    ap.add_argument("--asr", default="auto", choices=["auto", "vosk", "whisper", "pocketsphinx"])
    ap.add_argument("--vad", default="auto", choices=["auto", "silero", "energy"])
    ap.add_argument("--tts", default="auto", choices=["auto", "flite", "piper", "pyttsx3"],
                    help="the text-to-speech engine (auto: as the CLI chooses)")
    ap.add_argument("--trailing-silence-ms", type=int, default=None, help="endpointing (default: the CLI's)")
    ap.add_argument("--settle-ms", type=int, default=None,
                    help="decode ahead after a pause this long (EndpointConfig.settle_ms); 0 turns it off")
    ap.add_argument("--json", default="bench_latency.json", help="where to write the figures")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr)
    from voice_triage.recognition.config import EndpointConfig, RecognizerConfig
    from voice_triage.recognition.listener import build_listener

    audio = VirtualAudio.start()
    endpoint = EndpointConfig(vad=args.vad)
    if args.trailing_silence_ms is not None:
        endpoint = dataclasses.replace(endpoint, trailing_silence_ms=args.trailing_silence_ms)
    if args.settle_ms is not None:
        endpoint = dataclasses.replace(endpoint, settle_ms=args.settle_ms or None)
    listener = build_listener(RecognizerConfig(asr=args.asr), endpoint)
    print(f"bench: speech recognition: {listener.why}", file=sys.stderr)
    sessions = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-latency-") as folder:
            for _ in range(args.rounds):
                for pid in args.personas:
                    sessions.append(run_one(personas[pid], audio, folder, VoiceSettings(rate=args.rate, tts=args.tts),
                                            listener))
                    print(f"bench: {pid}: {sessions[-1]['disposition']}", file=sys.stderr)
    finally:
        audio.stop()
    replies = [t["latency_ms"] for s in sessions for t in s["turns"] if not t["emergency"]]
    emergencies = [t["latency_ms"] for s in sessions for t in s["turns"] if t["emergency"]]
    report = {
        "machine_cores": os.cpu_count(),
        "sessions": len(sessions),
        "sessions_right_disposition": sum(s["disposition"] == s["expected"] for s in sessions),
        "reply_ms": {"n": len(replies), "p50": percentile(replies, 0.5), "p95": percentile(replies, 0.95),
                     "max": max(replies) if replies else None},
        "reply_split_ms": {part: {"p50": percentile(values, 0.5), "p95": percentile(values, 0.95)}
                           for part in ("hearing_ms", "speaking_ms")
                           for values in [[t[part] for s in sessions for t in s["turns"]
                                           if not t["emergency"] and t[part] is not None]]},
        "emergency_ms": {"n": len(emergencies), "p50": percentile(emergencies, 0.5),
                         "p95": percentile(emergencies, 0.95), "all": emergencies},
        "settle_ms": args.settle_ms,
        "recognizer": listener.why,
        "vad": args.vad,
        "goals": {"reply_p95_ms": 800, "emergency_ms": 500},
        "sessions_detail": sessions,
    }
    Path(args.json).write_text(json.dumps(report, indent=1))
    summary = {k: v for k, v in report.items() if k != "sessions_detail"}
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
