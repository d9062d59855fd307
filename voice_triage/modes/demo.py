"""`voice-triage demo`: a whole spoken conversation with no microphone and no speaker.

A scripted patient answers each question from a persona's facts, speaking with a synthesized
voice (flite, or espeak-ng when flite is missing). Each answer is rendered to a WAV file and read
by the real recognizer through the same listen path as the microphone; the assistant's replies
are rendered by pyttsx3. Both voices go, in order, into one WAV file of the whole conversation,
and captions show both sides. The demo is the live loop with the patient as the microphone.
"""
from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from typing import Callable, Iterator, Mapping

from voice_triage.audio import SAMPLE_RATE
from voice_triage.audio.sinks import AudioSink, Pcm, WavFileSink
from voice_triage.audio.sources import AudioSource, WavFileSource
from voice_triage.dialogue.policy import DialoguePolicy
from voice_triage.dialogue.events import ListenEvent
from voice_triage.dialogue.triage import Triage
from voice_triage.errors import AudioDeviceError, VoiceTriageError
from voice_triage.modes.conversation import ConversationOptions, Seen
from voice_triage.modes.live import LiveResult, run_live
from voice_triage.modes.voice import SourceFactory, VoiceChannel
from voice_triage.recognition.listener import Listener, build_listener
from voice_triage.recognition.plan import ListeningPlan
from voice_triage.speech.captions import Captions
from voice_triage.speech.output import SpeechOutput, open_speech_output
from voice_triage.speech.settings import VoiceSettings

logger = logging.getLogger(__name__)

DEFAULT_OUT = "voice-triage-demo.wav"
"""Where the conversation goes unless ``--out`` says otherwise (in the current folder)."""
PATIENT_SAMPLE_RATE = SAMPLE_RATE
"""The patient's voice is made at the recognizer's rate, as a microphone source would deliver it."""
ANSWER_WORDS = {"yes": "yes", "no": "no", "unsure": "I'm not sure"}
"""How the patient says each answer."""


@dataclass(frozen=True)
class Persona:
    """A scripted patient: the facts it answers from and how it sounds."""

    id: str
    """The name ``--persona`` takes."""
    summary: str
    """One line for ``--help`` and the demo's opening caption."""
    features: Mapping[str, str]
    """Feature id -> "yes", "no" or "unsure"; features not listed are answered "no"."""
    open: str
    """What the patient says when asked to describe the pain in their own words."""
    voice: str = "flite:slt"
    """``flite:NAME`` (slt, rms, kal16, awb, kal) or ``espeak:VOICE``."""
    says: Mapping[str, str] = field(default_factory=dict)
    """Question id -> exact words, where the patient says more than yes or no."""
    expect: str = "see_doctor"
    """The disposition this persona should reach (the demo reports whether it did)."""

    def answer(self, listen: Mapping[str, str]) -> str:
        """What this patient says when the assistant listens with `listen` (a protocol ``listen`` event)."""
        question = str(listen.get("question", ""))
        if question in self.says:
            return self.says[question]
        if question == "consent":
            return "yes"
        if question == "open":
            return self.open
        if question == "more":
            return "no"
        if question == "confirm":
            truth = self.features.get(str(listen.get("feature")), "no")
            return "yes" if str(listen.get("value", "")).lower() == truth else "no"
        return ANSWER_WORDS[self.features.get(question, "no")]


def load_personas() -> dict[str, Persona]:
    """The scripted patients of prompts/demo.yaml, by id (a broken file is a one-line ContentError)."""
    from voice_triage.content.loader import ContentError, load_data

    data = load_data(DEMO_FILE)
    if not isinstance(data, dict):
        raise ContentError(f"{DEMO_FILE}: (top): expected a mapping of persona ids")
    personas: dict[str, Persona] = {}
    for pid, entry in data.items():
        try:
            personas[str(pid)] = Persona(
                str(pid), str(entry["summary"]), {str(k): str(v) for k, v in entry["features"].items()},
                str(entry["open"]), str(entry.get("voice", "flite:slt")),
                {str(k): str(v) for k, v in (entry.get("says") or {}).items()},
                str(entry.get("expect", "see_doctor")))
        except (KeyError, TypeError, AttributeError) as exc:
            raise ContentError(f"{DEMO_FILE}: {pid}: missing or malformed ({exc})") from None
    return personas


DEMO_FILE = "prompts/demo.yaml"
"""The demo's patients (content, not code)."""


class PatientVoice:
    """Renders the patient's words to 16 kHz mono WAV files with flite or espeak-ng."""

    def __init__(self, voice: str, folder: str):
        engine, _, name = voice.partition(":")
        if engine == "flite" and shutil.which("flite") is None and shutil.which("espeak-ng"):
            logger.info("flite is not installed; the patient speaks with espeak-ng")
            engine, name = "espeak", "en-us"
        tool = {"flite": "flite", "espeak": "espeak-ng"}.get(engine)
        if tool is None:
            raise VoiceTriageError(f"Unknown patient voice {voice!r}; use flite:NAME or espeak:VOICE.")
        if shutil.which(tool) is None:
            raise VoiceTriageError(f"The demo patient needs {tool} to speak (apt install flite espeak-ng).")
        self.engine, self.name, self.folder = engine, name, folder
        self._count = 0

    def render(self, text: str) -> str:
        """Speak `text` into a new WAV file (with a little silence either side, like a person's turn)."""
        self._count += 1
        raw = os.path.join(self.folder, f"patient-{self._count:03d}.raw.wav")
        if self.engine == "flite":
            cmd = ["flite", "-voice", self.name or "slt", "-t", text, "-o", raw]
        else:
            cmd = ["espeak-ng", "-v", self.name or "en-us", "-w", raw, text]
        try:
            subprocess.run(cmd, check=True, capture_output=True, timeout=60)
            audio = Pcm.from_wav(raw).resampled(PATIENT_SAMPLE_RATE)
        except (OSError, subprocess.SubprocessError) as exc:
            raise VoiceTriageError(f"The demo patient's voice ({cmd[0]}) failed: {exc}") from exc
        finally:
            with contextlib.suppress(OSError):
                os.unlink(raw)
        pad = Pcm.silence(0.3, PATIENT_SAMPLE_RATE).samples
        path = os.path.join(self.folder, f"patient-{self._count:03d}.wav")
        out = WavFileSink(path, PATIENT_SAMPLE_RATE)
        out.play(Pcm(pad + audio.samples + pad + pad, PATIENT_SAMPLE_RATE))
        out.close()
        return path


def patient_source_factory(persona: Persona, voice: PatientVoice, recording: AudioSink, captions: Captions,
                           current: Callable[[], ListenEvent | None]) -> SourceFactory:
    """The demo's "microphone": each time the assistant listens, the patient answers out loud.

    The answer to the current session's question is captioned, rendered, appended to the conversation
    recording, and handed to the listener as a WAV source.
    """

    @contextlib.contextmanager
    def open_answer(plan: ListeningPlan) -> Iterator[AudioSource]:
        asked = current()
        listen = {"question": plan.question}
        if plan.question == "confirm" and asked is not None and asked.feature is not None:
            listen.update(feature=asked.feature, value=asked.value)
        text = persona.answer(listen)
        captions.person(text, "Patient")
        path = voice.render(text)
        recording.play(Pcm.from_wav(path))
        yield WavFileSource(path)

    return open_answer


def run_demo(persona: str = "pad", out: str = DEFAULT_OUT, *, settings: VoiceSettings | None = None,
             captions: Captions | None = None, listener_factory: Callable[[], Listener] = build_listener,
             policy: DialoguePolicy | None = None) -> int:
    """Play one spoken conversation between a scripted patient and the assistant into the WAV `out`.

    Returns 0 when the session ended with the persona's expected disposition, 1 when it ended
    otherwise, 2 when the demo could not run. `listener_factory` makes the listener as the command line
    configured it (the default recognizer and endpointing unless given); `policy` is the dialogue's (answers
    heard by voice are confirmed below the thresholds of the recognizer that heard them, whatever it says).
    """
    captions = captions or Captions()
    try:
        personas = load_personas()
    except VoiceTriageError as exc:
        captions.notice(str(exc))
        return 2
    chosen = personas.get(persona)
    if chosen is None:
        captions.notice(f"There is no persona {persona!r}. Choose one of: {', '.join(personas)}.")
        return 2
    out_path = os.path.abspath(out)
    if os.path.isdir(out_path) or not os.path.isdir(os.path.dirname(out_path)):
        try:
            WavFileSink(out_path)  # says why in one sentence (a folder, or a folder that does not exist)
        except AudioDeviceError as exc:
            captions.notice(str(exc))
            return 2
    try:
        listener = listener_factory()
    except VoiceTriageError as exc:
        captions.notice(str(exc))
        return 2
    captions.notice(f"speech recognition: {listener.why}")
    # the conversation is recorded beside `out` and takes its place only when the demo has run, so a
    # failed demo never leaves an empty WAV where a good one was
    handle, part_path = tempfile.mkstemp(prefix=".voice-triage-demo-", suffix=".wav", dir=os.path.dirname(out_path))
    os.close(handle)
    try:
        recording = WavFileSink(part_path)
    except AudioDeviceError as exc:
        os.unlink(part_path)
        captions.notice(str(exc))
        return 2
    speech: SpeechOutput = open_speech_output(settings, captions=captions, sink=recording)
    captions.notice(f"Demo: the patient has {chosen.summary}. Recording to {out_path}")
    result: LiveResult | None = None
    asked: list[ListenEvent] = []

    def new_session() -> Triage:
        return Triage(policy=policy) if policy is not None else Triage()

    def seen(event: Seen) -> None:
        if isinstance(event, ListenEvent):
            asked[:] = [event]

    with tempfile.TemporaryDirectory(prefix="voice-triage-demo-") as folder:
        try:
            voice = PatientVoice(chosen.voice, folder)
            factory = patient_source_factory(chosen, voice, recording, captions,
                                             lambda: asked[-1] if asked else None)
            channel = VoiceChannel(speech, listener, factory, heard_label="Heard")
            result = run_live(new_session, channel, ConversationOptions(), on_event=seen)
        except VoiceTriageError as exc:
            captions.notice(str(exc))
            return 2
        finally:
            speech.close()
            recording.close()
            if result is None or not result.end or result.exit_code:
                os.unlink(part_path)
    if result is None or not result.end or result.exit_code:
        captions.notice(f"The demo did not finish; {out_path} was left as it was.")
        return result.exit_code if result is not None and result.exit_code else 2
    os.replace(part_path, out_path)
    got = result.end.disposition.value if result.end else None
    captions.notice(f"Demo over: disposition {got or 'none'} (expected {chosen.expect}); "
                    f"{recording.seconds_written:.0f} s of conversation in {out_path}")
    return 0 if got == chosen.expect else 1
