"""The clinical content, loaded from data and checked before a session may use it.

Layers, as in hassil: ``load_content(root)`` reads the files of a checkout (rules/, prompts/,
grammars/), ``content_from_texts`` takes their texts (tests pass strings), ``content_from_data``
takes the parsed mappings. Any mistake is a ``ContentError`` naming the file and the key.

The domain types are in content/model.py, one parser per file in content/parse.py; this module reads the
files (from a checkout, the installed package, or $VOICE_TRIAGE_CONTENT) and parses their text.
"""
from __future__ import annotations

import functools
import json
import os
import re
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Mapping

from voice_triage.content.model import Content
from voice_triage.content.parse import FILES, content_from_data
from voice_triage.errors import ContentError

ROOT_ENV = "VOICE_TRIAGE_CONTENT"


def _parse(part: str, text: str) -> Any:
    return _parse_file(FILES[part], text)


def _parse_file(file: str, text: str) -> Any:
    if file.endswith(".json"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ContentError(f"{file}: line {exc.lineno}: not valid JSON: {exc.msg}") from None
    loader = _yaml_loader()
    import yaml

    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(top)"
        raise ContentError(f"{file}: {where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None


@functools.lru_cache(maxsize=1)
def _yaml_loader():
    """A safe YAML loader for which yes and no are words, not booleans (only true/false are)."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc, valid-type]
        pass

    Loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }
    bool_rx = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
    Loader.add_implicit_resolver("tag:yaml.org,2002:bool", bool_rx, list("tTfF"))
    return Loader


def content_from_texts(texts: Mapping[str, str]) -> Content:
    """Build the content from the files' texts (keys as in FILES)."""
    return content_from_data({part: _parse(part, text) for part, text in texts.items()})


def default_root() -> Traversable:
    """Where the content files are: $VOICE_TRIAGE_CONTENT; else the copy shipped inside the installed
    package (voice_triage/content/prompts/ ...); else the checkout this package sits in."""
    env = os.environ.get(ROOT_ENV)
    if env:
        return Path(env)
    packaged = resources.files(__package__)
    if packaged.joinpath("prompts").is_dir():
        return packaged
    return Path(__file__).resolve().parents[2]


@functools.lru_cache(maxsize=4)
def load_content(root: str | Path | Traversable | None = None) -> Content:
    """Read and validate the content files below `root` (a folder or a package's resources)."""
    base = Path(root) if isinstance(root, str) else root if root is not None else default_root()
    texts = {part: _read(base, file) for part, file in FILES.items()}
    return content_from_texts(texts)


def _read(base: Path | Traversable, file: str) -> str:
    """The text of one content file, or a one-line ContentError naming it."""
    path = base.joinpath(*file.split("/"))
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ContentError(f"{file}: (top): the file is missing (looked in {base})") from None
    except UnicodeDecodeError as exc:
        raise ContentError(f"{file}: (top): not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None
    except OSError as exc:
        raise ContentError(f"{file}: (top): cannot be read: {exc.strerror}") from None


def load_data(file: str, root: str | Path | Traversable | None = None) -> Any:
    """One more content file (not part of `Content`, e.g. the demo's patients), parsed, from the same place
    as the rest; errors are the same one-line ContentError."""
    base = Path(root) if isinstance(root, str) else root if root is not None else default_root()
    return _parse_file(file, _read(base, file))
