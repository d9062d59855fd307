"""The simulated patients of shared/tools/sim_patient.py, by text, on the public cases and on ours."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT, SHARED
SIM = SHARED / "tools" / "sim_patient.py"
pytestmark = pytest.mark.skipif(not SIM.exists(), reason="shared/tools/sim_patient.py is not beside this checkout")

CASES = [("personas", SHARED / "eval" / "dev_personas.json", []),
         ("personas", SHARED / "eval" / "dev_personas.json", ["--messy", "0.5", "--seed", "11"]),
         ("phrases", SHARED / "eval" / "dev_phrases.json", []),
         ("chatter", SHARED / "eval" / "dev_chatter.json", []),
         ("phrases", SHARED / "eval" / "dev_conversation.json", []),
         ("personas", SHARED / "eval" / "dev_own_words.json", []),
         ("phrases", ROOT / "tests" / "data" / "own_conversation.json", []),
         ("personas", ROOT / "tests" / "data" / "own_words.json", []),
         ("personas", ROOT / "tests" / "data" / "own_personas.json", []),
         ("personas", ROOT / "tests" / "data" / "own_personas.json", ["--messy", "0.4", "--seed", "5"]),
         ("phrases", ROOT / "tests" / "data" / "own_phrases.json", []),
         ("chatter", ROOT / "tests" / "data" / "own_chatter.json", []),
         ("personas", ROOT / "tests" / "data" / "symptoms" / "own_asides.json", []),
         ("personas", ROOT / "tests" / "data" / "symptoms" / "own_asides.json", ["--messy", "0.4", "--seed", "3"])]


@pytest.mark.parametrize("mode,file,extra", CASES, ids=[f"{m}-{f.stem}-{'messy' if e else 'plain'}" for m, f, e in CASES])
def test_every_case_passes(mode, file, extra):
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}")
    proc = subprocess.run([sys.executable, str(SIM), mode, str(file), "--catalog", str(SHARED / "eval" / "features.json"),
                           "--cwd", str(ROOT), *extra], capture_output=True, text=True, env=env, timeout=300)
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    report = json.loads(proc.stdout[: proc.stdout.rstrip().rfind("\n")])
    assert summary["passed"] == summary["cases"], json.dumps(report["failures"], indent=1)[:3000]
    assert summary["unknown_questions"] == []
