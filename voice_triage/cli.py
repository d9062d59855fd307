"""The one composition root: parse arguments into frozen Settings, wire the adapters, run.

    voice-triage                 the live, hands-free session (microphone and speaker)
    voice-triage --text          typed answers, printed words
    voice-triage --io jsonl      one session over the JSON-lines protocol (shared/protocol.md)
    voice-triage demo            a whole spoken conversation with no microphone and no speaker
    voice-triage devices         list audio devices
    voice-triage download-model  fetch the small English Vosk model (needs internet)
    voice-triage kiosk           one session after another, for a clinic or pharmacy kiosk
    voice-triage doctor          self-check: devices, recognizer and model, speech, configuration
"""
from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass

from voice_triage.errors import VoiceTriageError
from voice_triage.modes import EXIT_INTERRUPTED

log = logging.getLogger("voice_triage")



@dataclass(frozen=True)
class Settings:
    """Everything the command line decides; nothing else travels beyond main()."""

    command: str
    """live, text, jsonl, demo, devices or download-model."""
    asr: str = "auto"
    """Which recognizer: auto, vosk or pocketsphinx."""
    vosk_model: str | None = None
    """A Vosk model folder, if given."""
    input_device: str | None = None
    """Microphone (index or name); None for the default."""
    output_device: str | None = None
    """Speaker (index or name); None for the default."""
    extra: tuple[str, ...] = ()
    """download-model: the arguments after the command, passed on."""
    rate: int | None = None
    """Speaking rate in words per minute; None for the engine's default."""
    volume: float | None = None
    """Speaking volume, 0 to 1; None for the default."""
    voice: str | None = None
    """A TTS voice id or name."""
    captions: bool = True
    """Print every spoken sentence."""
    confirm_below: float | None = None
    """Ask "did I hear you right?" for answers heard with less confidence than this."""
    persona: str = "pad"
    """demo: which scripted patient speaks."""
    out: str = "voice-triage-demo.wav"
    """demo: where the conversation's WAV goes."""
    config: str | None = None
    """kiosk and doctor: the kiosk's TOML configuration file."""
    trailing_silence_ms: int = 600
    """End of an answer after this much silence."""
    listen_timeout_s: float = 8.0
    """No speech for this long counts as silence."""
    given: frozenset[str] = frozenset()
    """The options typed on the command line (the kiosk overrides its configuration file only with these)."""


def _add(p: argparse.ArgumentParser, groups: set[str], *, sub: bool) -> None:
    """The options of `groups` on parser `p`. On a subcommand every default is SUPPRESS, so an option
    given before the subcommand is not overwritten by the subcommand's default."""
    d = (lambda value: argparse.SUPPRESS) if sub else (lambda value: value)
    if "asr" in groups:
        p.add_argument("--asr", choices=["auto", "vosk", "pocketsphinx"], default=d("auto"),
                       help="the speech recognizer (auto: Vosk when an English Vosk model is found, else PocketSphinx)")
        p.add_argument("--vosk-model", metavar="PATH", default=d(None), help="a Vosk model folder")
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
        p.add_argument("--voice", default=d(None), help="a text-to-speech voice id or name")
        p.add_argument("--no-captions", action="store_true", default=d(False), help="do not print what is spoken")
    if "listen" in groups:
        p.add_argument("--trailing-silence-ms", type=int, metavar="MS", default=d(600),
                       help="milliseconds of quiet that end an answer")
        p.add_argument("--listen-timeout", type=float, metavar="SECONDS", default=d(8.0),
                       help="seconds without speech that count as silence")
    if "config" in groups:
        p.add_argument("--config", metavar="FILE", default=d(None), help="the kiosk's TOML configuration file")
    p.add_argument("-v", "--verbose", action="store_true", default=d(False), help="log more to standard error")


SUBCOMMANDS = {
    "demo": ("a whole spoken conversation with no microphone and no speaker, written to a WAV file",
             {"asr", "voice", "listen"}),
    "devices": ("list the audio devices", set()),
    "download-model": ("fetch the small English Vosk model (needs internet)", set()),
    "kiosk": ("one session after another, for a clinic or pharmacy kiosk (options override the --config file)",
              {"asr", "devices", "voice", "listen", "config"}),
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
        if name == "download-model":
            sp.add_argument("extra", nargs=argparse.REMAINDER, help="passed on to the download (see its --help)")
        _add(sp, groups, sub=True)
    return p


def parse_args(argv: list[str] | None) -> Settings:
    p = parser()
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO if a.verbose or a.command == "kiosk" else logging.WARNING, stream=sys.stderr,
                        format="voice-triage: %(levelname)s: %(message)s")
    if a.volume is not None and not 0 <= a.volume <= 1:
        p.error("--volume must be between 0 and 1")
    command = a.command or ("jsonl" if a.io == "jsonl" else "text" if a.text else "live")
    given = {k for k in vars(a) if any(k == o.dest for o in p._actions)}  # noqa: SLF001
    return Settings(command=command, asr=a.asr, vosk_model=a.vosk_model, input_device=a.input_device,
                    output_device=a.output_device, rate=a.rate, volume=a.volume, voice=a.voice,
                    captions=not a.no_captions, confirm_below=a.confirm_below,
                    persona=getattr(a, "persona", "pad"), out=getattr(a, "out", "voice-triage-demo.wav"),
                    config=getattr(a, "config", None), extra=tuple(getattr(a, "extra", ()) or ()),
                    trailing_silence_ms=a.trailing_silence_ms, listen_timeout_s=a.listen_timeout,
                    given=frozenset(_given(argv)) & given)


def _given(argv: list[str] | None) -> set[str]:
    """The option names the user typed (so that the kiosk overrides its file only with those)."""
    out = set()
    for arg in (sys.argv[1:] if argv is None else argv):
        if arg.startswith("--"):
            out.add(arg[2:].split("=", 1)[0].replace("-", "_"))
    return out


def run(settings: Settings) -> int:
    if settings.command == "jsonl":
        from voice_triage.dialogue.session import Session
        from voice_triage.modes.jsonl import run_jsonl

        session = Session(confirm_below=settings.confirm_below)
        return run_jsonl(session, sys.stdin, sys.stdout, sys.stderr, audio=_audio_answers(settings))
    if settings.command == "text":
        from voice_triage.dialogue.session import Session
        from voice_triage.modes.textmode import run_text

        return run_text(Session(confirm_below=settings.confirm_below), sys.stdin, sys.stdout)
    if settings.command in ("live", "demo"):
        return _run_voice(settings)
    if settings.command == "devices":
        from voice_triage.audio.sources import list_devices

        print(list_devices())
        return 0
    if settings.command == "download-model":
        from voice_triage.recognition import download_main

        return download_main(list(settings.extra))
    if settings.command == "kiosk":
        from voice_triage.modes.kiosk import kiosk_main

        return kiosk_main(settings.config, overrides=_kiosk_overrides(settings))
    if settings.command == "doctor":
        from voice_triage.modes.doctor import DoctorOptions, run_doctor

        return run_doctor(DoctorOptions(config_path=settings.config, asr=settings.asr, vosk_model=settings.vosk_model,
                                        input_device=settings.input_device, output_device=settings.output_device,
                                        voice=settings.voice))
    raise VoiceTriageError(f"'{settings.command}' is not available in this build")


def _kiosk_overrides(settings: Settings) -> dict[str, dict[str, object]]:
    """The command-line options typed for the kiosk, by section of its configuration."""
    sections = {"audio": {"input_device": "input_device", "output_device": "output_device"},
                "recognizer": {"asr": "asr", "vosk_model": "vosk_model", "confirm_below": "confirm_below"},
                "voice": {"voice": "name", "rate": "rate", "volume": "volume", "no_captions": "captions"},
                "timeouts": {"listen_timeout": "listen", "trailing_silence_ms": "trailing_silence_ms"}}
    values = {"input_device": settings.input_device, "output_device": settings.output_device, "asr": settings.asr,
              "vosk_model": settings.vosk_model, "confirm_below": settings.confirm_below, "voice": settings.voice,
              "rate": settings.rate, "volume": settings.volume, "no_captions": "off",
              "listen_timeout": settings.listen_timeout_s, "trailing_silence_ms": settings.trailing_silence_ms}
    out: dict[str, dict[str, object]] = {}
    for section, keys in sections.items():
        for option, key in keys.items():
            if option in settings.given:
                out.setdefault(section, {})[key] = values[option]
    return out


def _voice_settings(settings: Settings):
    from voice_triage.speech.settings import VoiceSettings

    given = {"rate": settings.rate, "volume": settings.volume, "voice": settings.voice}
    try:
        return VoiceSettings(**{k: v for k, v in given.items() if v is not None})
    except ValueError as exc:
        raise VoiceTriageError(str(exc)) from None


def _run_voice(settings: Settings) -> int:
    """The live session (microphone and speaker) or the spoken demo."""
    from voice_triage.dialogue.session import Session
    from voice_triage.speech.captions import Captions

    voice = _voice_settings(settings)
    captions = Captions(sys.stderr, "large" if settings.captions else "off")
    if settings.command == "demo":
        import functools

        from voice_triage.recognition import endpoint
        from voice_triage.modes.demo import run_demo

        listen = functools.partial(endpoint.listen, trailing_silence_ms=settings.trailing_silence_ms,
                                   timeout_s=settings.listen_timeout_s)
        return run_demo(settings.persona, settings.out, settings=voice, captions=captions, asr=settings.asr,
                        vosk_model=settings.vosk_model, listen=listen,
                        session_factory=lambda: Session(confirm_below=settings.confirm_below))
    from voice_triage.modes.live import open_speech_in, run_live
    from voice_triage.speech.output import open_speech_output
    from voice_triage.speech_in import CONFIRM_BELOW

    ears = open_speech_in(settings.asr, settings.vosk_model, settings.input_device, settings.trailing_silence_ms,
                          settings.listen_timeout_s)
    # the live session confirms answers the recognizer was not sure of
    confirm_below = settings.confirm_below if settings.confirm_below is not None \
        else CONFIRM_BELOW.get(ears.recognizer.engine)
    captions.notice(f"speech recognition: {ears.why}")
    speech = open_speech_output(voice, output_device=settings.output_device, captions=captions)
    try:
        return run_live(lambda: Session(confirm_below=confirm_below), ears.recognizer, ears.source_factory, speech,
                        listen=ears.listen).exit_code
    finally:
        speech.close()


def _audio_answers(settings: Settings):
    """The {"audio": PATH} handler for --io jsonl; builds the recognizer on first use only."""
    state: dict = {}

    def answer(path: str, session):
        from voice_triage.speech_in import recognize_file

        return recognize_file(path, session, settings, state)

    return answer


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
    except Exception:  # the last line of defence: no traceback reaches a user
        log.debug("unexpected error", exc_info=True)
        logging.getLogger("voice_triage").error("unexpected error", exc_info=settings.command in ("jsonl",))
        print(f"voice-triage: something went wrong and the session had to stop. {_safety_net()}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
