"""Issue 11: the content ships inside the wheel, so a plain (not editable) install runs from any
folder; a content file that is not UTF-8 gets the same one-line error as any other broken file."""
import json
import os
import subprocess
import sys
import zipfile

import pytest

from tests.support import ROOT
from voice_triage.content.loader import FILES, ContentError, load_content


BUILD_OUTPUT: list[str] = []
"""What pip and the build backend printed while building the wheel of `installed`."""


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The wheel built from this checkout, unpacked as site-packages would hold it."""
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        pytest.fail(f"the wheel did not build: {proc.stderr[-2000:]}")
    wheel = next(out.glob("voice_triage-*.whl"))
    site = out / "site"
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        zf.extractall(site)
    BUILD_OUTPUT.append(proc.stdout + proc.stderr)
    return site, names


def test_the_wheel_builds_without_warnings_of_ours(installed):
    """setuptools warned twice, in every build: "`project.license` as a TOML table is deprecated" (an SPDX string
    now, which needs setuptools>=77) and "Package 'voice_triage.modes.screen.static' is absent from the
    `packages` configuration" (it is listed now); the screen's files still ship."""
    _, names = installed
    output = BUILD_OUTPUT[-1]
    assert "BuildBackendWarning" not in output and "deprecated" not in output, output
    for name in ("index.html", "screen.css", "screen.js"):
        assert f"voice_triage/modes/screen/static/{name}" in names


def test_the_wheel_carries_every_content_file(installed):
    _, names = installed
    from voice_triage.modes.demo import DEMO_FILE

    for file in (*FILES.values(), DEMO_FILE):
        assert f"voice_triage/content/{file}" in names, file


def test_the_wheel_carries_the_ovos_skill_its_intents_and_entry_points(installed):
    """`pip install voice-triage[ovos]` is all an OVOS install needs: the skill, its locale files and the entry
    points ovos-core's plugin manager reads (opm.skill, opm.pipeline)."""
    site, names = installed
    for intent in ("start.intent", "emergency.intent"):
        assert f"voice_triage/modes/assistant/ovos/locale/en-us/{intent}" in names
    points = next(site.glob("voice_triage-*.dist-info/entry_points.txt")).read_text()
    assert "[opm.skill]\nvoice-triage.voice-triage = voice_triage.modes.assistant.ovos:VoiceTriageSkill" in points
    assert "voice-triage-emergency-pipeline = voice_triage.modes.assistant.ovos.pipeline:EmergencyPipeline" in points


def test_an_installed_package_runs_a_session_from_another_folder(installed, tmp_path):
    """Regression: `pip install .` gave a program that could not find prompts/, grammars/ or rules/."""
    site, _ = installed
    env = {k: v for k, v in os.environ.items() if k != "VOICE_TRIAGE_CONTENT"}
    env["PYTHONPATH"] = str(site)
    lines = [{"text": "yes"}, {"text": "my calf cramps when I walk and it goes away when I stop"}] + \
        [{"text": "no"}] * 20
    proc = subprocess.run([sys.executable, "-m", "voice_triage.cli", "--io", "jsonl"], cwd=tmp_path, env=env,
                          input="".join(json.dumps(line) + "\n" for line in lines), capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    end = json.loads(proc.stdout.splitlines()[-1])
    assert end["event"] == "end" and end["disposition"] == "see_doctor"
    found = subprocess.run([sys.executable, "-c", "from voice_triage.content.loader import default_root as d; print(d())"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert found.stdout.strip().startswith(str(site))


def test_a_content_file_that_is_not_utf8_is_named_in_one_line(tmp_path):
    for file in FILES.values():
        (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / file).write_bytes((ROOT / file).read_bytes())
    speech = tmp_path / "prompts" / "speech.yaml"
    speech.write_bytes(speech.read_bytes().replace(b"Goodbye", "Au revoir, \u00e0 bient\u00f4t".encode("latin-1")))
    with pytest.raises(ContentError, match=r"^prompts/speech.yaml: \(top\): not UTF-8 text"):
        load_content(tmp_path)
