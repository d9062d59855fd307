"""Count own-words answers: recorded right, backwards, asked back, not reached (from sim_patient --verbose)."""
import json, sys
from collections import Counter
rep, _ = json.JSONDecoder().raw_decode(open(sys.argv[1]).read())
cases = {p["id"]: p for p in json.load(open(sys.argv[2]))["personas"]}
tally = Counter(); bad = []
for r in rep["results"]:
    p = cases[r["id"]]
    log = r["log"]
    for feat, said in p.get("say", {}).items():
        want = p["features"].get(feat)
        # find the heard event with this text after a listen of this feature
        outcome = "not reached"
        for i, e in enumerate(log):
            if e.get("event") == "heard" and e.get("text") == said:
                prev = [x for x in log[:i] if x.get("event") == "listen"][-1]
                if prev.get("question") != feat and prev.get("feature") != feat:
                    continue
                nxt = log[i + 1:]
                confirm = next((x for x in nxt if x.get("event") == "listen"), {}).get("question") == "confirm"
                if e.get("feature") == feat and e.get("value") in ("yes", "no") and not confirm:
                    outcome = "right" if e["value"] == want else "BACKWARDS"
                elif confirm:
                    final = next((x.get("answers", {}).get(feat) for x in nxt if x.get("event") == "end"), None)
                    emerg = any(x.get("event") == "emergency" for x in nxt)
                    outcome = "asked back" if final in (want, None) or (emerg and want == "yes") else "asked back, then BACKWARDS(%s)" % final
                else:
                    # asked back, then what was recorded for feat later?
                    rec = None
                    for x in nxt:
                        if x.get("event") == "emergency": rec = "emergency"; break
                        if x.get("event") == "heard" and x.get("feature") == feat and x.get("value"):
                            rec = x["value"]; break
                        if x.get("event") == "end":
                            rec = x.get("answers", {}).get(feat); break
                    outcome = "asked back" if rec is None or rec == want or (rec == "emergency" and want == "yes") else "asked back, then BACKWARDS(%s)" % rec
                    if e.get("intent") not in ("ask_back",) and outcome.startswith("asked back"):
                        outcome = "other:" + str(e.get("intent"))
                break
        else:
            # maybe emergency raised at this text
            for e in log:
                if e.get("event") == "emergency" and e.get("heard") == said:
                    outcome = "emergency" if want == "yes" and feat in ("chest_pain", "breathlessness") else "ALARM"
        tally[outcome.split("(")[0] if "BACK" in outcome else outcome] += 1
        if outcome not in ("right",):
            bad.append((outcome, r["id"], feat, want, said))
print(dict(tally))
for b in sorted(bad): print(b)
