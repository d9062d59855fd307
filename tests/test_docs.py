"""The README and docs/ say what the program does, and the README stays a newcomer's page.

Every `voice-triage` command the pages name (in code: inline spans and fenced blocks) is checked against the real
`--help` of that subcommand, as voice_triage.cli prints it: the subcommand exists, each option is one it accepts,
and a value named for an option with choices (`--asr whisper`) is one of them. The README is under 10 KB, its two
commands are the set-up scripts, its Options section names every session option, and every option of every
subcommand is named somewhere. docs/protocol.md's example is replayed through `voice-triage --io jsonl`.
"""
from __future__ import annotations

import contextlib
import io
import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support import run
from voice_triage import cli

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
"""Where a standalone option (`--tts auto`) must be one of voice-triage's."""
BENCH_PAGES = sorted((ROOT / "docs" / "bench").glob("*.md"))
"""Pages about the scripts too: their `voice-triage` commands are checked, their standalone options (a
script's) are not."""
README_LIMIT = 10_000
"""Bytes: the README is what a newcomer reads on one screen or two; the rest lives in docs/."""


# ------------------------------------------------------------------ what the real --help says

@dataclass
class Command:
    """One parser as its --help describes it."""

    options: dict[str, set[str] | None] = field(default_factory=dict)
    """Each option string -> its choices ({} for a value without choices, None for a flag that takes none)."""
    positional_choices: set[str] = field(default_factory=set)
    """The choices of its positional argument, if it has some (download-model's models)."""
    aliases: dict[str, set[str]] = field(default_factory=dict)
    """Each option string -> every spelling of the same option (-v and --verbose)."""


def help_text(*argv: str) -> str:
    """What `voice-triage ARGV --help` prints, through the real entry point (voice_triage.cli.main)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        try:
            code = cli.main([*argv, "--help"])
        except SystemExit as exc:  # download-model's own parser answers its --help and exits
            code = exc.code
    assert code in (0, None), (argv, code)
    assert out.getvalue().startswith("usage: voice-triage"), out.getvalue()[:200]
    return out.getvalue()


OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)(?:[ \n]+([A-Z][A-Z0-9_.]*|\{[^}]*\}))?")


def parse_help(text: str) -> Command:
    """The options and choices in the usage lines of a --help text (argparse lists every option there)."""
    usage = text.split("\n\n", 1)[0]
    command = Command()
    taken: list[tuple[int, int]] = []
    for match in OPTION.finditer(usage):
        name, value = match.group(1), match.group(2)
        if value is None:
            command.options[name] = None
        elif value.startswith("{"):
            command.options[name] = set(value[1:-1].split(","))
            taken.append(match.span(2))
        else:
            command.options[name] = set()
    for match in re.finditer(r"\{([^}]*)\}", usage):
        if not any(start <= match.start() < end for start, end in taken):
            command.positional_choices |= set(match.group(1).split(","))
    for line in re.findall(r"^  (-.*?)(?: {2,}|$)", text, re.M):  # "-h, --help": the usage shows one of the two
        names = [part.split()[0] for part in line.split(", ")]
        known = next((n for n in names if n in command.options), None)
        for name in names:
            if known is not None:
                command.options.setdefault(name, command.options[known])
            command.aliases[name] = set(names)
    return command


@dataclass
class Cli:
    """The top-level parser and each subcommand, from their --help."""

    top: Command
    subcommands: dict[str, Command]

    @classmethod
    def from_help(cls) -> "Cli":
        top_help = help_text()
        section = top_help.split("\nsubcommands:\n", 1)[1]
        names = re.findall(r"^ {4}(\S+)", section, re.M)
        assert names, top_help
        return cls(parse_help(top_help), {name: parse_help(help_text(name)) for name in names})

    def all_options(self) -> dict[str, set[str] | None]:
        merged: dict[str, set[str] | None] = dict(self.top.options)
        for command in self.subcommands.values():
            for name, choices in command.options.items():
                if merged.get(name) is not None and choices is not None:
                    merged[name] = merged[name] | choices
                else:
                    merged.setdefault(name, choices)
        return merged


@pytest.fixture(scope="module")
def real() -> Cli:
    return Cli.from_help()


# ------------------------------------------------------------------ what the pages say

def code_pieces(markdown: str) -> list[tuple[int, str, bool]]:
    """(line number, code, inline?) for every line of a fenced block and every inline code span (which may run
    over a line break, as Markdown allows within a paragraph)."""
    pieces: list[tuple[int, str, bool]] = []
    fenced = False
    paragraph: list[str] = []
    first = 0

    def spans() -> None:
        text = "\n".join(paragraph)
        for match in re.finditer(r"(`+)(.+?)\1", text, re.S):
            code = match.group(2).replace("\n", " ").replace("\\|", "|").strip()
            pieces.append((first + text.count("\n", 0, match.start()), code, True))
        paragraph.clear()

    for number, line in enumerate(markdown.splitlines(), 1):
        if line.lstrip().startswith("```"):
            spans()
            fenced = not fenced
        elif fenced:
            pieces.append((number, line, False))
        elif not line.strip():
            spans()
        else:
            if not paragraph:
                first = number
            paragraph.append(line)
    spans()
    return sorted(pieces, key=lambda piece: piece[0])


def tokens(code: str) -> list[str]:
    try:
        return shlex.split(code, comments=True)
    except ValueError:  # an apostrophe in a comment or a JSON line: plain words are enough
        return code.split("#", 1)[0].split()


def _clean(token: str) -> str:
    return token.strip("[]()").rstrip(",;:")


def _is_placeholder(value: str) -> bool:
    """FILE, N, URI, 0..1, a path or an address: a value the reader chooses, not a literal to check."""
    return not value or not value[0].islower() or "/" in value or ":" in value


def _check_value(where: str, option: str, value: str, choices: set[str] | None, problems: list[str]) -> None:
    if not choices or _is_placeholder(value) or value.startswith("-"):
        return
    for alternative in value.split("|"):
        if alternative and alternative != "..." and alternative not in choices:
            problems.append(f"{where}: {option} {alternative!r} is not one of its choices {sorted(choices)}")


def check_command(where: str, words: list[str], real: Cli, problems: list[str]) -> None:
    """`words` follow `voice-triage`: a subcommand (if any) and options, each checked against the real --help."""
    command, name = real.top, "voice-triage"
    i = 0
    while i < len(words):
        word = _clean(words[i])
        i += 1
        if word in ("", "...", "|", "options"):
            continue
        if word.startswith("-"):
            option, _, inline = word.partition("=")
            if option not in command.options:
                problems.append(f"{where}: `{name} --help` has no option {option}")
                continue
            choices = command.options[option]
            if choices is None:
                continue  # a flag: the next word is not its value
            value = inline
            if not inline and i < len(words):
                value = _clean(words[i])
                i += 1
            _check_value(where, option, value, choices, problems)
            continue
        if command is real.top:
            if word not in real.subcommands:
                problems.append(f"{where}: voice-triage has no subcommand {word!r} "
                                f"(it has {', '.join(real.subcommands)})")
                return
            command, name = real.subcommands[word], f"voice-triage {word}"
            continue
        if command.positional_choices:
            _check_value(where, name, word, command.positional_choices, problems)


def check_markdown(text: str, source: str, real: Cli, *, standalone: bool = True) -> list[str]:
    """Every problem with the voice-triage commands and options `text` names, one line each."""
    problems: list[str] = []
    for number, code, span in code_pieces(text):
        where = f"{source}:{number}"
        words = tokens(code)
        for at, word in enumerate(words):
            if word.rsplit("/", 1)[-1] == "voice-triage":
                end = next((j for j in range(at + 1, len(words)) if words[j] in ("|", "&&", ";", ">", "2>")),
                           len(words))
                check_command(where, words[at + 1:end], real, problems)
        if standalone and span and words and re.match(r"--?[A-Za-z]", words[0]):
            options = real.all_options()
            option, _, inline = words[0].partition("=")
            if option not in options:
                problems.append(f"{where}: {option} is an option of no voice-triage command")
            elif len(words) > 1 or inline:
                _check_value(where, option, inline or _clean(words[1]), options[option], problems)
    return problems


def named_options(text: str) -> set[str]:
    """The options a page names in its code."""
    return {m.group(1) for _, code, _ in code_pieces(text) for m in OPTION.finditer(code)}


def unnamed_options(command: Command, named: set[str], leave_out: set[str] = frozenset()) -> set[str]:
    """The options of `command` (but --help and `leave_out`) of which no spelling is in `named`."""
    return {o for o in command.options if o.startswith("--") and o not in {"--help", *leave_out}
            and not command.aliases.get(o, {o}) & named}


# ------------------------------------------------------------------ the tests

@pytest.mark.parametrize("page", PAGES + BENCH_PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_command_and_option_a_page_names_is_one_the_real_help_accepts(page, real):
    text = page.read_text(encoding="utf-8")
    assert check_markdown(text, str(page.relative_to(ROOT)), real, standalone=page in PAGES) == []


def test_the_checker_catches_a_made_up_option_subcommand_or_choice(real):
    """The check above can fail: made-up names, and real ones in the wrong place, are each reported."""
    page = "\n".join([
        "Run `voice-triage kiosk --made-up-flag` or `voice-triage frobnicate`.",
        "`voice-triage web --input-device USB` (web has no audio), `voice-triage --asr julius`,",
        "`voice-triage download-model whisper-huge.en`, and on its own `--no-such-option` and `--tts festival`.",
        "```sh", ".venv/bin/voice-triage serve --wyoming tcp://127.0.0.1:10700 --bogus   # a comment --ignored",
        "```",
        "Fine: `voice-triage kiosk --screen --port 0`, `--asr whisper`, `voice-triage say \"TEXT\" [--out FILE.wav]`.",
    ])
    problems = check_markdown(page, "made-up.md", real)
    expected = ["made-up.md:1: `voice-triage kiosk --help` has no option --made-up-flag",
                "made-up.md:1: voice-triage has no subcommand 'frobnicate'",
                "made-up.md:2: `voice-triage web --help` has no option --input-device",
                "made-up.md:2: --asr 'julius' is not one of its choices",
                "made-up.md:3: voice-triage download-model 'whisper-huge.en' is not one of its choices",
                "made-up.md:3: --no-such-option is an option of no voice-triage command",
                "made-up.md:3: --tts 'festival' is not one of its choices",
                "made-up.md:5: `voice-triage serve --help` has no option --bogus"]
    assert len(problems) == len(expected), problems
    for want, got in zip(expected, problems):
        assert got.startswith(want), (want, got)


def test_the_help_is_read_from_the_real_parser(real):
    """The checker's picture of the command line is the parser's own (not a list kept beside it)."""
    assert set(real.subcommands) == set(cli.SUBCOMMANDS)
    assert real.top.options["--asr"] == {"auto", "vosk", "whisper", "pocketsphinx"}
    assert "--text" in real.top.options and real.top.options["--text"] is None
    assert "--screen" in real.subcommands["kiosk"].options and "--screen" not in real.subcommands["web"].options
    assert {"vosk", "whisper-base.en", "whisper-small.en"} <= real.subcommands["download-model"].positional_choices


def test_the_readme_is_under_10_kb():
    size = len(README.read_bytes())
    assert size < README_LIMIT, f"README.md is {size} bytes; move details to docs/ (design.md, bench/)"


def test_the_readme_two_commands_are_the_set_up_scripts():
    text = README.read_text(encoding="utf-8")
    section = text.split("## Two commands for a fresh Debian machine", 1)[1].split("\n## ", 1)[0]
    commands = [code for _, code, _ in code_pieces(section) if code.startswith("bash ")]
    assert commands == ["bash scripts/run.sh", "bash scripts/test.sh"]
    for command, setup in zip(commands, ('bash "$top/scripts/setup.sh"', "bash scripts/setup.sh --tests")):
        script = ROOT / command.split()[1]
        assert script.is_file(), script
        assert setup in script.read_text(), f"{script.name} no longer sets everything up ({setup})"


def test_the_readme_says_where_the_command_lives():
    text = README.read_text(encoding="utf-8")
    assert "source .venv/bin/activate" in text and ".venv/bin/voice-triage" in text


def test_the_readme_options_section_names_every_session_option(real):
    text = README.read_text(encoding="utf-8")
    assert "\n## Options\n" in text, "README.md has no Options section"
    section = text.split("\n## Options\n", 1)[1].split("\n## ", 1)[0]
    missing = unnamed_options(real.top, named_options(section), {"--io", "--text"})
    assert not missing, f"README.md's Options do not name {sorted(missing)}"


def test_every_option_of_every_subcommand_is_named_in_the_readme_or_docs(real):
    """The README names every option but download-model's own (its --help and docs/design.md do)."""
    readme = named_options(README.read_text(encoding="utf-8"))
    everywhere = set().union(*(named_options(p.read_text(encoding="utf-8")) for p in PAGES))
    for name, command in [("voice-triage", real.top), *real.subcommands.items()]:
        missing = unnamed_options(command, everywhere if name == "download-model" else readme)
        assert not missing, f"{name}: {sorted(missing)} named nowhere"


def test_the_readme_lists_the_flite_voices_once_and_all_of_them():
    """flite's voices were listed three ways; now the README's --voice row lists the ones the engine has."""
    from voice_triage.speech.flite import DEFAULT_VOICE, VOICES

    text = README.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `--voice"))
    listed = re.search(r"flite: (.*?);", row).group(1)
    assert set(re.findall(r"`(\w+)`", listed)) == set(VOICES) and f"`{DEFAULT_VOICE}` (the default)" in listed
    for page in PAGES[1:]:
        assert "kal16" not in page.read_text(encoding="utf-8"), f"{page.name} lists flite's voices again"


def test_the_readme_keeps_its_safety_licence_and_privacy_lines():
    text = README.read_text(encoding="utf-8")
    assert "It is not a diagnosis." in text
    assert '"call emergency services now"' in text
    assert "GPL-3.0-or-later" in text and "stays MIT" in text
    assert "stores nothing" in text


def _slug(heading: str) -> str:
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("page", PAGES + BENCH_PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_between_the_pages_leads_somewhere(page):
    text = page.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        assert file.exists(), f"{page.relative_to(ROOT)}: link to {target} leads nowhere"
        if anchor and file.suffix == ".md":
            headings = re.findall(r"^#+ (.+)$", file.read_text(encoding="utf-8"), re.M)
            assert anchor in {_slug(h) for h in headings}, f"{page.relative_to(ROOT)}: no heading #{anchor}"


def test_the_protocol_example_is_what_the_program_writes():
    """docs/protocol.md's example replayed through `voice-triage --io jsonl`: the lines before `...` are the
    program's first lines word for word, and its end event is the program's after "no" to every other question."""
    text = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    block = re.search(r"## Example\n.*?```\n(.*?)```", text, re.S).group(1).splitlines()
    cut = block.index("...")
    inputs = [json.loads(line[2:]) for line in block[:cut] if line.startswith("< ")]
    head = [json.loads(line[2:]) for line in block[:cut] if line.startswith("> ")]
    tail = [json.loads(line[2:]) for line in block[cut + 1:] if line.startswith("> ")]
    proc = run(inputs + [{"text": "no"}] * 30, "--io", "jsonl")
    assert proc.returncode == 0, proc.stderr
    written = [json.loads(line) for line in proc.stdout.splitlines()]
    hint = "docs/protocol.md's example is not what `voice-triage --io jsonl` writes: update it from a real run"
    assert written[:len(head)] == head, hint
    assert written[-len(tail):] == tail, hint
