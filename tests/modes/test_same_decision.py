"""One configuration, one decision (issue 21): the same recognition at the same question gives the same
decision in live, kiosk, demo and --io jsonl. Each mode is wired by the command line's own functions (the kiosk
from its file): the Triage the mode makes (cli.triage_factory) and a real Listener built as build_listener builds
one (the configured thresholds of the engine that hears), around an engine that returns a scripted result.

Before: PocketSphinx's "certainly", heard only by free decoding at "does it hurt at rest?", was confirmed in
live mode and recorded yes without confirmation in the kiosk (their confirmation thresholds were wired apart)."""
from __future__ import annotations

import contextlib
import io
import json
import wave

import pytest

from voice_triage import cli
from voice_triage.audio.sinks import RecordingSink
from voice_triage.dialogue.events import Heard, ListenEvent
from voice_triage.modes.jsonl import WavAnswers, run_jsonl
from voice_triage.modes.kiosk.loop import KioskOptions, run_kiosk
from voice_triage.modes.live import run_live
from voice_triage.modes.voice import VoiceChannel
from voice_triage.recognition.base import EngineDefaults, Recognition
from voice_triage.recognition.listener import Listener
from voice_triage.speech.captions import Captions
from voice_triage.speech.output import SpeechOutput
from voice_triage.speech.settings import VoiceSettings
from tests.modes.kiosk.kiosk_fakes import FakeClock, ScriptedChannel
from tests.support.tones import Tone

FIRST = ["yes", "my calf hurts when I walk", "no", "no"]
"""consent, the open question, chest pain, breathlessness: then the question is rest_pain."""


class Scripted(EngineDefaults):
    """PocketSphinx as far as the thresholds go: returns the script's results in turn, then "no"."""

    engine = "pocketsphinx"
    restricts = True

    def __init__(self):
        self.grammar = None
        said = [Recognition(t, 0.9, True, self.engine, heard=t) for t in FIRST]
        self.script = said + [Recognition.not_understood(self.engine, heard="[unk]", free_text="certainly")]

    def set_grammar(self, phrases, *, leads=(), thorough=False, within=False):
        self.grammar = phrases
        return []

    def missing_words(self):
        return []

    def recognize(self, chunks, on_partial=None, finish=None):
        for _ in chunks:
            pass
        if self.grammar is not None and "yes" not in self.grammar:
            # the listener's second decoding with the emergency phrases (after free speech): nothing of them
            return Recognition.not_understood(self.engine)
        if self.script:
            return self.script.pop(0)
        return Recognition("no", 0.9, True, self.engine, heard="no")


def ears(stages) -> Listener:
    """A listener as recognition.listener.build_listener makes it for `stages`, around the scripted engine."""
    engine = Scripted()
    return Listener(engine, stages.endpoint, stages.recognizer.thresholds(engine.engine), "scripted")


def after_rest_pain(listens: list[tuple[str, str | None]]) -> tuple[str, str | None]:
    """What was asked right after the answer at rest_pain: (question, feature)."""
    i = [q for q, _ in listens].index("rest_pain")
    return listens[i + 1]


class Silent(RecordingSink):
    pass


def speech() -> SpeechOutput:
    from tests.modes.test_live import ToneSynth

    return SpeechOutput(ToneSynth(), Silent(), Captions(io.StringIO(), "plain"), VoiceSettings())


def live(stages):
    listens = []

    def seen(event):
        if isinstance(event, ListenEvent):
            listens.append((event.question, event.feature))

    @contextlib.contextmanager
    def source(plan):
        yield Tone()

    run_live(cli.triage_factory(stages), VoiceChannel(speech(), ears(stages), source), on_event=seen)
    return after_rest_pain(listens)


def jsonl(stages, tmp_path):
    wav = tmp_path / "tone.wav"
    with wave.open(str(wav), "wb") as out:
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(16000)
        out.writeframes(b"".join(Tone().chunks()))
    listener = ears(stages)
    lines = io.StringIO((json.dumps({"audio": str(wav)}) + "\n") * 20)
    out = io.StringIO()
    run_jsonl(cli.triage_factory(stages)(), lines, out, io.StringIO(), audio=WavAnswers(lambda: listener, io.StringIO()))
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    return after_rest_pain([(e["question"], e.get("feature")) for e in events if e["event"] == "listen"])


def demo(stages, tmp_path):
    """The spoken demo (its patient's answers rendered by flite and heard by the listener): what the assistant
    asked right after the rest-pain question, read from its captions."""
    from voice_triage.content.loader import load_content
    from voice_triage.modes.demo import run_demo

    questions = load_content().questions
    shown = io.StringIO()
    run_demo("pad", str(tmp_path / "demo.wav"), captions=Captions(shown, "plain"),
             listener_factory=lambda: ears(stages), policy=cli._policy(stages))  # noqa: SLF001
    text = shown.getvalue()
    rest = questions["rest_pain"].ask
    after = text[text.index(rest) + len(rest):]
    confirm = after.find(questions["confirm"].ask.split("{")[0])
    taken = after.find(questions["cold_leg"].ask)
    assert confirm >= 0 or taken >= 0, text[-2000:]
    return ("confirm" if 0 <= confirm and (taken < 0 or confirm < taken) else "cold_leg"), None


def kiosk(config, stages):
    listener = ears(stages)
    clock = FakeClock()
    listens = []

    def hear(plan):
        listens.append((plan.question, None))
        return Heard.from_recognition(listener.listen(Tone(), plan))

    channel = ScriptedChannel([Heard.text_of("hello")] + [hear] * 12, clock)
    run_kiosk(config, lambda: channel, clock, options=KioskOptions(max_sessions=1), stop=channel.stop,
              session_factory=cli.triage_factory(stages))
    asked = [(p.question, None) for p in channel.listens if p.question != "wake"]
    return after_rest_pain(asked)


@pytest.mark.parametrize("typed, expected", [([], "confirm"), (["--confirm-below", "0.1"], "cold_leg")])
def test_the_same_recognition_gives_the_same_decision_in_every_mode(typed, expected, tmp_path):
    """A free-decoding "certainly" at rest_pain (PocketSphinx: taken at 0.2, its confirm_below 0.35) is confirmed
    in every mode; with --confirm-below 0.1 on the command line (and in the kiosk's file) it is taken in every
    mode (the next red flag, a cold leg, is asked next)."""
    settings = cli.parse_args(["--asr", "pocketsphinx", *typed])
    stages = settings.stages
    kiosk_settings = cli.parse_args(["kiosk", "--asr", "pocketsphinx", *typed])
    kiosk_config = cli.kiosk_config(kiosk_settings)
    assert cli.kiosk_stages(kiosk_config).recognizer == stages.recognizer
    got = {"live": live(stages)[0], "jsonl": jsonl(stages, tmp_path)[0],
           "kiosk": kiosk(kiosk_config, cli.kiosk_stages(kiosk_config))[0], "demo": demo(stages, tmp_path)[0]}
    assert got == {"live": expected, "jsonl": expected, "kiosk": expected, "demo": expected}, got
