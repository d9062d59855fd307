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

log = logging.getLogger("voice_triage")

SAFETY_NET = ("If you get chest pain or trouble breathing, call emergency services at once. "
              "If the leg turns cold, pale or blue, or one leg suddenly swells, get medical help today.")


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


def parse_args(argv: list[str] | None) -> Settings:
    p = argparse.ArgumentParser(prog="voice-triage", description="Offline, hands-free triage of leg pain that "
                                "comes with walking. Not a diagnosis.")
    p.add_argument("command", nargs="?", default=None, choices=["demo", "devices", "download-model", "kiosk", "doctor"],
                   help="what to run (default: the live voice session)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--io", choices=["jsonl"], help="speak the JSON-lines protocol on stdin/stdout")
    mode.add_argument("--text", action="store_true", help="typed answers, printed words")
    p.add_argument("--asr", choices=["auto", "vosk", "pocketsphinx"], default="auto")
    p.add_argument("--vosk-model", metavar="PATH")
    p.add_argument("--input-device", metavar="DEVICE")
    p.add_argument("--output-device", metavar="DEVICE")
    p.add_argument("--rate", type=int, metavar="WPM")
    p.add_argument("--volume", type=float, default=None)
    p.add_argument("--voice")
    p.add_argument("--no-captions", action="store_true")
    p.add_argument("--confirm-below", type=float, metavar="CONFIDENCE")
    p.add_argument("--persona", default="pad", help="demo: the scripted patient")
    p.add_argument("--out", default="voice-triage-demo.wav", help="demo: the WAV file to write")
    p.add_argument("--config", metavar="FILE", help="kiosk, doctor: the kiosk's TOML configuration")
    p.add_argument("--trailing-silence-ms", type=int, default=600)
    p.add_argument("--listen-timeout", type=float, default=8.0)
    p.add_argument("-v", "--verbose", action="store_true", help="log more to standard error")
    a, extra = p.parse_known_args(argv)
    if extra and a.command != "download-model":
        p.error(f"unrecognized arguments: {' '.join(extra)}")
    logging.basicConfig(level=logging.INFO if a.verbose or a.command == "kiosk" else logging.WARNING, stream=sys.stderr,
                        format="voice-triage: %(levelname)s: %(message)s")
    if a.volume is not None and not 0 <= a.volume <= 1:
        p.error("--volume must be between 0 and 1")
    command = a.command or ("jsonl" if a.io == "jsonl" else "text" if a.text else "live")
    return Settings(command=command, asr=a.asr, vosk_model=a.vosk_model, input_device=a.input_device,
                    output_device=a.output_device, rate=a.rate, volume=a.volume, voice=a.voice,
                    captions=not a.no_captions, confirm_below=a.confirm_below, persona=a.persona, out=a.out, config=a.config, extra=tuple(extra),
                    trailing_silence_ms=a.trailing_silence_ms, listen_timeout_s=a.listen_timeout)


def run(settings: Settings) -> int:
    if settings.command == "jsonl":
        from voice_triage.dialogue.session import Session
        from voice_triage.jsonl import run_jsonl

        session = Session(confirm_below=settings.confirm_below)
        return run_jsonl(session, sys.stdin, sys.stdout, sys.stderr, audio=_audio_answers(settings))
    if settings.command == "text":
        from voice_triage.dialogue.session import Session
        from voice_triage.textmode import run_text

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
        from voice_triage.kiosk import kiosk_main

        return kiosk_main(settings.config)
    if settings.command == "doctor":
        from voice_triage.doctor import DoctorOptions, run_doctor

        return run_doctor(DoctorOptions(config_path=settings.config, asr=settings.asr, vosk_model=settings.vosk_model,
                                        input_device=settings.input_device, output_device=settings.output_device,
                                        voice=settings.voice))
    raise VoiceTriageError(f"'{settings.command}' is not available in this build")


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

        from voice_triage.audio import endpoint
        from voice_triage.demo import run_demo

        listen = functools.partial(endpoint.listen, trailing_silence_ms=settings.trailing_silence_ms,
                                   timeout_s=settings.listen_timeout_s)
        return run_demo(settings.persona, settings.out, settings=voice, captions=captions, asr=settings.asr,
                        vosk_model=settings.vosk_model, listen=listen,
                        session_factory=lambda: Session(confirm_below=settings.confirm_below))
    from voice_triage.live import open_speech_in, run_live
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
        print(f"\nvoice-triage: stopped. {SAFETY_NET}", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception:  # the last line of defence: no traceback reaches a user
        log.debug("unexpected error", exc_info=True)
        logging.getLogger("voice_triage").error("unexpected error", exc_info=settings.command in ("jsonl",))
        print(f"voice-triage: something went wrong and the session had to stop. {SAFETY_NET}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
