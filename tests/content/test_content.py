"""Loading and validating the clinical content: the real files, and broken copies of them."""
import json
import re

import pytest

from voice_triage.errors import ContentError
from voice_triage.content.model import Kind
from voice_triage.content.loader import FILES, content_from_texts, load_content
from voice_triage.content.templates import expand

from tests.support import ROOT
SHARED = ROOT.parent / "shared" / "eval" / "features.json"


def texts():
    return {part: (ROOT / file).read_text() for part, file in FILES.items()}


def broken(part, old, new):
    t = texts()
    assert old in t[part], f"test setup: {old!r} not in {FILES[part]}"
    t[part] = t[part].replace(old, new, 1)
    return t


def test_real_content_loads():
    c = load_content()
    assert len([f for f in c.features.values() if f.kind is Kind.RED_FLAG]) == 7
    assert len([f for f in c.features.values() if f.kind is Kind.PATTERN]) == 15
    assert set(c.questions) == set(c.features) | {"consent", "open", "confirm", "more"}
    assert c.screening[:2] == ("chest_pain", "breathlessness")


@pytest.mark.skipif(not SHARED.exists(), reason="shared/eval/features.json is not beside this checkout")
def test_catalog_matches_the_shared_contract():
    shared = json.loads(SHARED.read_text())
    c = load_content()
    assert list(c.features) == [f["id"] for f in shared["features"]]
    assert set(c.patterns) == {p["id"] for p in shared["patterns"]}
    for p in shared["patterns"]:
        assert c.patterns[p["id"]].disposition.value == p["disposition"]


def test_every_question_and_rule_cites_a_paragraph():
    c = load_content()
    cite = re.compile(r"^P[1-9]( P[1-9])*$")
    assert all(cite.match(q.source) for q in c.questions.values())
    assert all(cite.match(r.source) for r in c.rules)
    assert all(cite.match(p.source) for p in c.patterns.values())


@pytest.mark.parametrize("part,old,new,message", [
    ("questions", "  calf_pain:\n", "  calf_pains:\n", r"prompts/questions.yaml: questions.calf_pains: not a feature id"),
    ("questions", '    simpler: "Does it hurt in your calf?"\n', "", r"questions.calf_pain.simpler: missing or empty"),
    ("rules", "      calf_pain:              {yes: 1, source: P7}", "      calf_pain:              {yes: 1}",
     r"rules/triage.yaml: patterns.pad_claudication.evidence.calf_pain.source: must cite"),
    ("rules", "      calf_pain:              {yes: 1, source: P7}", "      calf_pian:              {yes: 1, source: P7}",
     r"patterns.pad_claudication.evidence.calf_pian: unknown feature id"),
    ("rules", "    then: urgent\n", "    then: soon\n", r"dispositions\[1\].then: unknown disposition"),
    ("rules", "    source: P8 P9\n", "    source: page 8\n", r"dispositions\[1\].source: must cite"),
    ("rules", "screening: [chest_pain, breathlessness,", "screening: [breathlessness, chest_pain,",
     r"screening: chest_pain and breathlessness must come first"),
    ("answers", '    - "(no|nope|nah|naw|nay|no no|', '    - "(yes|no|nope|nah|naw|nay|no no|', r"the phrase 'yes' is also claimed"),
    ("answers", '    - "[yes] (it|they) [sure] (does|do)"', '    - "[yes] (it|they [sure] (does|do)"',
     r"grammars/answers.yaml: yes.exact\[4\]: "),
    ("commands", '    - "help"\n', '    - "help"\n    - "no"\n', r"the phrase 'no' is also claimed"),
    ("cues", "    yes:\n      - '\\b(calf|", "    yes:\n      - '\\b((calf|", r"grammars/features.yaml: features.calf_pain.yes\[0\]: bad regular expression"),
    ("emergency", "source: P9\n", "source: page nine\n", r"grammars/emergency.yaml: \(top\).source: must cite"),
    ("symptoms", '      - "[upper] (chest|', '      - "[upper (chest|', r"grammars/symptoms.yaml: sites.chest_pain.strong\[0\]: "),
    ("symptoms", "  palpitation:\n    with: [chest_pain]", "  palpitation:\n    with: [chest]",
     r"grammars/symptoms.yaml: findings.palpitation.with: list the reasons"),
    ("symptoms", "window: 8", "window: 80", r"grammars/symptoms.yaml: window: must be a whole number"),
    ("symptoms", "    unless: '\\b(can not", "    unless: '\\b((can not", r"grammars/symptoms.yaml: senses\[\d+\].unless: bad"),
    ("context", "    - direction: forward\n      scope: 10", "    - direction: sideways\n      scope: 10",
     r"grammars/context.yaml: triggers.negated\[0\].direction: must be forward, backward or both"),
    ("context", "  possible:", "  maybe:", r"grammars/context.yaml: triggers.maybe: not a ConText category"),
    ("speech", "goodbye:\n", "farewell:\n", r"prompts/speech.yaml: goodbye: missing sentence"),
    ("catalog", '"id": "calf_pain"', '"id": "chest_pain"', r"rules/features.json: features\[8\].id: missing or repeated"),
    ("questions", "questions:\n", "questions: [\n", r"prompts/questions.yaml: line \d+: not valid YAML"),
])
def test_broken_content_names_file_and_key(part, old, new, message):
    with pytest.raises(ContentError, match=message):
        content_from_texts(broken(part, old, new))


def test_missing_file_is_a_clear_error(tmp_path):
    for part, file in FILES.items():
        (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
        if part != "rules":
            (tmp_path / file).write_text((ROOT / file).read_text())
    with pytest.raises(ContentError, match=r"rules/triage.yaml: \(top\): the file is missing"):
        load_content(tmp_path)


def test_broken_content_reaches_the_user_as_one_line(tmp_path):
    import subprocess
    import sys

    for part, file in FILES.items():
        (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / file).write_text((ROOT / file).read_text().replace("    threshold: 3\n", "    threshold: high\n", 1))
    proc = subprocess.run([sys.executable, "-m", "voice_triage.cli", "--io", "jsonl"], input="", text=True,
                          capture_output=True, env={"VOICE_TRIAGE_CONTENT": str(tmp_path), "PATH": "/usr/bin:/bin"},
                          cwd=ROOT, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "rules/triage.yaml: patterns.critical_limb_ischemia.threshold: must be a number" in proc.stderr


def test_templates_expand():
    assert expand("[yes] i (think|believe) so") == ["yes i think so", "yes i believe so", "i think so", "i believe so"]
    with pytest.raises(ContentError):
        expand("(a|b")


def test_regex_syntax_in_a_template_is_refused():
    # "(really )?" in a template once expanded to phrases with a literal "?" that nobody could say
    with pytest.raises(ContentError, match=r"templates take only words"):
        expand("i can not (really )?(say|tell)")
