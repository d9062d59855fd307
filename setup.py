"""Packaging detail that pyproject.toml cannot say: the content folders at the top of the checkout
(prompts/, grammars/, rules/) ship inside the wheel as voice_triage/content/<folder>/, where
voice_triage.content loads them with importlib.resources; the kiosk screen's page (voice_triage/modes/screen/static)
ships as package data too, and so does the learned reader (voice_triage/understanding/models). Everything else is in pyproject.toml."""
from setuptools import find_packages, setup

CONTENT = ("prompts", "grammars", "rules")

MODELS = "voice_triage.understanding.models"
"""The learned reader (ONNX, its tokenizer and reader.json with their checksums): package data."""
OVOS_LOCALE = "voice_triage.modes.assistant.ovos.locale"
"""The OVOS skill's intent files (locale/en-us/*.intent): data beside the skill, where OVOS looks; a folder Python
could import (like STATIC), so named."""
STATIC = "voice_triage.modes.screen.static"
"""A folder of data, not code, but Python could import it (a namespace package), so setuptools wants it named."""

setup(
    packages=find_packages(include=["voice_triage", "voice_triage.*"]) + [f"voice_triage.content.{d}" for d in CONTENT]
    + [STATIC, MODELS, OVOS_LOCALE],
    package_dir={f"voice_triage.content.{d}": d for d in CONTENT},
    package_data={**{f"voice_triage.content.{d}": ["*.yaml", "*.json"] for d in CONTENT}, STATIC: ["*"],
                  MODELS: ["*.onnx", "*.json"], OVOS_LOCALE: ["*/*.intent"]},
)
