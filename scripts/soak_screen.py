"""A spoken kiosk soak with the screen attached, on PulseAudio's virtual devices.

The real kiosk loop, voice channel (flite out, Whisper tiny.en in, Silero endpointing) and screen server run
in this process; a person answers through the page's socket (buttons, typing) and through the virtual
microphone (flite's voice): voice and touch in the same sessions. Five kinds of visit take turns, each to a
known disposition. Prints one JSON line per `--every` sessions (RSS, sessions, wrong dispositions) and a
summary line.

    .venv/bin/python scripts/soak_screen.py --sessions 200

It starts (or reuses) the private PulseAudio server of scripts/pulse.sh. Two soaks side by side need a
server each (their own virtual microphone and speaker):

    VOICE_TRIAGE_PULSE_DIR=/tmp/soak-a .venv/bin/python scripts/soak_screen.py --sessions 100 --seed 1 &
    VOICE_TRIAGE_PULSE_DIR=/tmp/soak-b .venv/bin/python scripts/soak_screen.py --sessions 100 --seed 2 &
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.screen import SocketPage  # noqa: E402
from tests.support.virtual import VirtualAudio  # noqa: E402

VISITS = {
    # name: (how it starts, the open answer, {question: (how, answer)}, the disposition expected)
    "pad_buttons": ("button", "my calves cramp after a few hundred yards and it eases when I stop",
                    {"stops_with_rest": "yes", "calf_pain": "yes", "cramping_heaviness": "yes"}, "see_doctor"),
    "dvt_voice_wake": ("voice", "my calf is swollen and warm",
                       {"one_leg_swelling": "yes", "warm_red_leg": "yes", "calf_pain": "yes"}, "urgent"),
    "doms_mixed": ("button", "my legs ache all over since the long hike",
                   {"delayed_onset": "yes", "unusual_exertion": "yes", "diffuse_ache": "yes"}, "self_care"),
    "emergency_voice": ("button", None, {}, "emergency"),
    "stop_button": ("button", "it hurts when I walk", {}, "incomplete"),
}


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Person:
    """Answers one visit through the page and the virtual microphone."""

    def __init__(self, page: SocketPage, audio: VirtualAudio, render, rng: random.Random):
        self.page, self.audio, self.render, self.rng = page, audio, render, rng
        self.spoken = 0
        self.pressed = 0

    def speak(self, words: str) -> None:
        wav = self.render(words)
        time.sleep(0.5)  # the microphone opens after the question has been spoken
        self.audio.play_into_mic(wav).wait()
        self.spoken += 1

    def visit(self, name: str) -> str:
        start, open_text, facts, _ = VISITS[name]
        if start == "voice":
            threading.Thread(target=self.speak, args=("hello",), daemon=True).start()
        else:
            self.page.send(key="start")
            self.pressed += 1
        turns = 0
        while True:
            event = self.page.until(lambda e: e["event"] in ("listen", "end"), timeout=120)
            if event["event"] == "end":
                return event["disposition"]
            turns += 1
            question = event["question"]
            if name == "stop_button" and turns == 3:
                self.page.send(key="s")
            elif name == "emergency_voice" and question == "open":
                self.speak("my chest hurts and I can't breathe")
            elif question == "consent":
                self.speak("yes") if self.rng.random() < 0.5 else self.page.send(key="y")
            elif question == "open":
                self.page.send(text=open_text)
            elif question == "more":
                self.page.send(key="n")
            else:
                value = facts.get(question if question != "confirm" else event.get("feature", ""), "no")
                if question == "confirm":
                    value = "yes" if value == event.get("value") else "no"
                if question in ("chest_pain", "breathlessness") and self.rng.random() < 0.5:
                    self.speak("no")  # red flags answered aloud half the time
                else:
                    self.page.send(key={"yes": "y", "no": "n", "unsure": "?"}[value])
                    self.pressed += 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=200)
    ap.add_argument("--every", type=int, default=10)
    ap.add_argument("--rate", type=int, default=320, help="the assistant's words per minute")
    ap.add_argument("--seed", type=int, default=22, help="which answers are spoken and which pressed")
    args = ap.parse_args()

    from voice_triage.cli import kiosk_stages, voice_channel
    from voice_triage.content.loader import load_content
    from voice_triage.dialogue.triage import Triage
    from voice_triage.modes.demo import PatientVoice
    from voice_triage.modes.kiosk.channel import SystemClock
    from voice_triage.modes.kiosk.config import parse_config
    from voice_triage.modes.kiosk.loop import KioskOptions, run_kiosk
    from voice_triage.modes.screen.channel import HubKeys, ScreenChannel
    from voice_triage.modes.screen.hub import ScreenHub
    from voice_triage.modes.screen.server import ScreenServer

    audio = VirtualAudio.start()
    config = parse_config(f"[voice]\nrate = {args.rate}\ncaptions = \"off\"\n[timeouts]\nlisten = 6\nidle = 30\n"
                          "[screen]\nsummary = 1\n")
    hub = ScreenHub("kiosk", invitation=config.wake.invitation, summary_s=1.0)
    server = ScreenServer(hub, "127.0.0.1", 0).start()
    stages = kiosk_stages(config)
    content = load_content()
    records = []
    stop = threading.Event()

    def channel():
        return ScreenChannel(hub, voice_channel(stages, keys=lambda: HubKeys(hub), speaker_required=True))

    kiosk = threading.Thread(target=run_kiosk, args=(config, channel, SystemClock()), daemon=True,
                             kwargs=dict(session_factory=lambda: Triage(content), stop=stop,
                                         options=KioskOptions(max_sessions=args.sessions),
                                         on_session_end=records.append))
    kiosk.start()
    rendered = {}
    voice = PatientVoice("flite:slt", tempfile.mkdtemp(prefix="soak-"))

    def render(words):
        if words not in rendered:
            rendered[words] = voice.render(words)
        return rendered[words]

    page = SocketPage(server.url.replace("http://", "ws://") + "ws")
    person = Person(page, audio, render, random.Random(args.seed))
    names = list(VISITS)
    wrong, started, rows = [], time.monotonic(), []
    try:
        for n in range(args.sessions):
            name = names[n % len(names)]
            page.until(lambda e: e["event"] == "waiting", timeout=60)
            shown = person.visit(name)
            while len(records) <= n:
                time.sleep(0.05)
            record = records[n]
            if shown != VISITS[name][3] or record.disposition != VISITS[name][3]:
                wrong.append({"session": n + 1, "visit": name, "shown": shown, "recorded": record.disposition})
            if (n + 1) % args.every == 0 or n == 0:
                row = {"sessions": n + 1, "rss_mib": round(rss_mib(), 1), "minutes": round((time.monotonic() - started) / 60, 1),
                       "wrong": len(wrong), "spoken": person.spoken, "pressed": person.pressed}
                rows.append(row)
                print(json.dumps(row), flush=True)
    finally:
        stop.set()
        page.close()
        kiosk.join(30)
        server.close()
        audio.stop()
    print(json.dumps({"summary": True, "sessions": len(records), "wrong": wrong,
                      "rss_first_mib": rows[0]["rss_mib"] if rows else None,
                      "rss_last_mib": rows[-1]["rss_mib"] if rows else None,
                      "endings": dict(__import__("collections").Counter(r.ending for r in records)),
                      "dispositions": dict(__import__("collections").Counter(r.disposition for r in records))}))
    return 0 if not wrong and len(records) == args.sessions else 1


if __name__ == "__main__":
    sys.exit(main())
