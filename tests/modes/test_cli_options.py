"""Issue 11: every subcommand has its own help and options, every option a one-line description, and
the kiosk takes the command line's options over its configuration file's."""
import subprocess

import pytest

from tests.support import EXE
from voice_triage.cli import SUBCOMMANDS, kiosk_stages, parse_args, parser
from voice_triage.modes.kiosk.config import KioskConfigError, parse_config, with_overrides


def test_every_option_of_every_parser_has_a_description():
    top = parser()
    parsers = [top] + [a for action in top._actions if hasattr(action, "choices") and isinstance(action.choices, dict)
                       for a in action.choices.values()]
    assert len(parsers) == 1 + len(SUBCOMMANDS)
    for p in parsers:
        for action in p._actions:
            assert action.help, (p.prog, action.dest)


@pytest.mark.parametrize("command,has,lacks", [("kiosk", ["--config", "--input-device", "--listen-timeout"], ["--persona"]),
                                               ("demo", ["--persona", "--out"], ["--config", "--input-device"]),
                                               ("doctor", ["--config", "--output-device"], ["--persona"]),
                                               ("download-model", ["whisper-base.en", "whisper-small.en", "--dest"],
                                                ["--persona"])])
def test_a_subcommand_help_describes_its_own_options(command, has, lacks):
    proc = subprocess.run([EXE, command, "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert proc.stdout.startswith(f"usage: voice-triage {command}")
    for option in has:
        assert option in proc.stdout
    for option in lacks:
        assert option not in proc.stdout


def test_an_unknown_option_is_one_line_and_exit_2():
    proc = subprocess.run([EXE, "--text", "--bogus"], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 2 and proc.stderr.strip().endswith("error: unrecognized arguments: --bogus")


@pytest.mark.parametrize("argv,meant", [(["kiosk", "--scren"], "--screen"), (["demo", "--outt", "x.wav"], "--out"),
                                        (["download-model", "--dset=/tmp/x"], "--dest"),
                                        (["doctor", "--confg", "kiosk.toml"], "--config")])
def test_a_typo_in_a_subcommand_option_shows_that_subcommand_usage(argv, meant):
    """`voice-triage kiosk --scren` printed the top level's usage (the live session's options), not the kiosk's."""
    proc = subprocess.run([EXE, *argv], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"usage: voice-triage {argv[0]} "), proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == \
        f"voice-triage {argv[0]}: error: unrecognized arguments: {' '.join(argv[1:])} (did you mean {meant}?)"


def test_download_model_takes_its_options_before_the_model_name():
    """`voice-triage download-model --dest DIR` said "invalid choice: 'DIR'" (the option went after its value)."""
    from voice_triage.recognition.download import MODEL_SHA256, DownloadRequest

    assert parse_args(["download-model", "--dest", "/m", "whisper-small.en"]).download == \
        DownloadRequest("whisper-small.en", "/m", None, MODEL_SHA256)
    assert parse_args(["download-model", "whisper-base.en", "--dest", "/m", "--url", "U"]).download == \
        DownloadRequest("whisper-base.en", "/m", "U", MODEL_SHA256)
    assert parse_args(["download-model", "--sha256", "none", "--dest", "/m"]).download == \
        DownloadRequest("vosk", "/m", None, None)
    assert parse_args(["download-model"]).download == DownloadRequest()


@pytest.mark.parametrize("argv,url", [
    (["--dest", "{dest}", "--url", "https://models.invalid/vosk-model-small-en-us-0.15.zip"],
     "https://models.invalid/vosk-model-small-en-us-0.15.zip"),
    (["--dest", "{dest}", "whisper-base.en", "--url", "https://hf.invalid"],
     "https://hf.invalid/Systran/faster-whisper-base.en/resolve/"),
])
def test_a_failed_download_says_why_in_one_line_and_leaves_no_folder_behind(tmp_path, argv, url):
    """A real failed download (the .invalid domain never resolves, online or not): it left an empty folder."""
    dest = tmp_path / "models" / "here"
    proc = subprocess.run([EXE, "download-model", *(a.format(dest=dest) for a in argv)], capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith(f"download-model: Could not download {url}"), proc.stderr
    assert "invalid choice" not in proc.stderr and "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == [], "the folders the download made are removed again"


def test_options_before_or_after_the_subcommand_mean_the_same():
    a = parse_args(["--asr", "pocketsphinx", "kiosk", "--rate", "120"])
    b = parse_args(["kiosk", "--asr", "pocketsphinx", "--rate", "120"])
    assert (a.command, a.stages.recognizer.asr, a.stages.voice.rate) == \
        (b.command, b.stages.recognizer.asr, b.stages.voice.rate) == ("kiosk", "pocketsphinx", 120)
    assert {"asr", "rate"} <= set(a.given) and {"asr", "rate"} <= set(b.given)


def test_the_kiosk_takes_typed_options_over_its_file():
    config = parse_config("[voice]\nrate = 140\nvolume = 0.5\n[timeouts]\nidle = 30\n")
    merged = with_overrides(config, {"voice": {"rate": 120}, "audio": {"input_device": "USB"}})
    assert (merged.speech.rate, merged.speech.volume, merged.audio.input_device, merged.timeouts.idle) == \
        (120, 0.5, "USB", 30)
    with pytest.raises(KioskConfigError, match=r"^the command line: voice.rate: "):
        with_overrides(config, {"voice": {"rate": 5}})


@pytest.mark.parametrize("mode", [["kiosk", "--no-captions"], ["--no-captions"], ["say", "hello"]],
                         ids=["kiosk", "live", "say"])
@pytest.mark.parametrize("option,what", [("--input-device", "microphone"), ("--output-device", "speaker")])
def test_a_device_that_does_not_exist_is_one_line_and_exit_2(mode, option, what):
    """In every mode that takes the device options, as the README says (the live session went on in captions
    with a speaker that matched nothing, and `say` said three lines and exit 1)."""
    proc = subprocess.run([EXE, *mode, option, "nonsense-device-xyz"], capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if "INFO" not in line]
    assert lines == [f"voice-triage: There is no {what} called 'nonsense-device-xyz'; "
                     "`voice-triage devices` lists them."], proc.stderr


@pytest.mark.parametrize("option,what", [("--input-device", "microphone"), ("--output-device", "speaker")])
def test_a_device_number_that_is_no_such_device_is_one_line_and_exit_2(option, what):
    proc = subprocess.run([EXE, "say", "hello", option, "999"], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert (proc.returncode, proc.stderr.strip()) == \
        (2, f"voice-triage: There is no {what} called '999'; `voice-triage devices` lists them."), proc.stderr


def test_the_voice_activity_detector_is_chosen_on_the_command_line_or_in_the_kiosk_file(tmp_path):
    from voice_triage.cli import kiosk_config, kiosk_stages

    assert parse_args([]).stages.endpoint.vad == "auto"
    assert parse_args(["--vad", "energy"]).stages.endpoint.vad == "energy"
    toml = tmp_path / "kiosk.toml"
    toml.write_text('[timeouts]\nvad = "energy"\n')
    assert kiosk_stages(kiosk_config(parse_args(["kiosk", "--config", str(toml)]))).endpoint.vad == "energy"
    assert kiosk_stages(kiosk_config(parse_args(["kiosk", "--config", str(toml), "--vad", "silero"]))).endpoint.vad \
        == "silero"
    with pytest.raises(KioskConfigError, match="timeouts.vad"):
        parse_config('[timeouts]\nvad = "loud"\n')


def test_the_tts_engine_comes_from_the_command_line_or_the_kiosk_file():
    from voice_triage.cli import kiosk_stages

    assert parse_args(["--text", "--tts", "flite"]).stages.voice.tts == "flite"
    assert parse_args(["--text"]).stages.voice.tts == "auto"
    config = parse_config('[voice]\ntts = "pyttsx3"\nname = "gmw/en-us"\n')
    assert (kiosk_stages(config).voice.tts, kiosk_stages(config).voice.voice) == ("pyttsx3", "gmw/en-us")
    assert kiosk_stages(with_overrides(config, {"voice": {"tts": "flite"}})).voice.tts == "flite"
    with pytest.raises(KioskConfigError, match=r"voice.tts"):
        parse_config('[voice]\ntts = "festival"\n')


def test_the_kiosk_file_and_the_command_line_read_one_schema_with_its_defaults_and_limits():
    """Issue 21: the kiosk's file was a mirror schema (its own defaults and limits for the voice and listening).
    Now its [voice] and [timeouts] keys set the stage configurations themselves: the same defaults as the command
    line, and a value out of bounds is refused by the same class with the same words."""
    from voice_triage.recognition.config import EndpointConfig, RecognizerConfig
    from voice_triage.speech.settings import VoiceSettings

    config = parse_config("")
    assert (config.speech, config.endpoint, config.recognizer) == (VoiceSettings(), EndpointConfig(), RecognizerConfig())
    assert kiosk_stages(config).voice == parse_args(["--text"]).stages.voice
    assert kiosk_stages(config).endpoint == parse_args(["--text"]).stages.endpoint
    for toml, option in (("[voice]\nrate = 1000\n", ["--rate", "1000"]),
                         ("[timeouts]\ntrailing_silence_ms = 50\n", ["--trailing-silence-ms", "50"]),
                         ("[recognizer]\nconfirm_below = 2\n", ["--confirm-below", "2"])):
        with pytest.raises(KioskConfigError) as file_error:
            parse_config(toml)
        with pytest.raises(SystemExit):
            parse_args(option)
        assert str(file_error.value).split(": ", 2)[2].split(",")[0] in _cli_error(option), (toml, option)


def _cli_error(argv):
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.suppress(SystemExit):
        parse_args(argv)
    return err.getvalue()
