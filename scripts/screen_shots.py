"""Screenshots of the kiosk screen for docs/screen/ (the question, a tap that came before its question, the
summary, the emergency banner) at 1080p, the banner also at 200% and 400% zoom, on a 320x568 phone and a portrait
1080p screen (emergency-SIZE.png as it comes up, emergency-SIZE-end.png scrolled to its end where it scrolls),
and the axe-core audit of each, from a real `voice-triage web` session in headless Chromium.

    .venv/bin/python scripts/screen_shots.py [--out docs/screen]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.modes.screen.test_screen_page import (SIZES, Screen, axe_audit, chromium,  # noqa: E402
                                                 click_twice_at_once, emulate)
from tests.support.screen import ScreenKiosk  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "screen"))
    out = Path(ap.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    driver = chromium(1920, 1080)
    driver.set_script_timeout(60)
    audits = {}
    try:
        with ScreenKiosk() as kiosk:
            screen = Screen(driver, kiosk.url)
            audits["waiting"] = axe_audit(driver)
            screen.press("Start")
            screen.next_listen(0)
            screen.press("Yes")
            screen.next_listen(1)
            screen.type("my calf cramps after a few hundred yards and eases when I stand still")
            screen.wait(lambda: screen.question() not in ("open", None) and screen.listens() >= 3)
            driver.save_screenshot(str(out / "question.png"))
            audits["question"] = axe_audit(driver)
            facts = {"chest_pain": "No", "breathlessness": "No", "stops_with_rest": "Yes", "calf_pain": "Yes",
                     "cramping_heaviness": "Yes"}
            seen = screen.listens()
            question = screen.question()
            if question == "chest_pain":  # a double tap on "No": the second tap is told back, not taken
                click_twice_at_once(driver, "n")
                question = screen.next_listen(seen)
                seen = screen.listens()
                screen.wait(lambda: screen.find("#notice").is_displayed())
                driver.save_screenshot(str(out / "stale.png"))
                audits["stale"] = axe_audit(driver)
            while question != "end":
                screen.press("No" if question == "more" else facts.get(question, "No"))
                question = screen.next_listen(seen)
                seen = screen.listens()
            driver.save_screenshot(str(out / "summary.png"))
            audits["summary"] = axe_audit(driver)
            screen.press("Done")
            screen.wait(lambda: screen.find("#waiting").is_displayed())
            screen.press("Start")
            screen.next_listen(0)
            screen.type("I can't get my breath")
            screen.wait(lambda: screen.find("#banner").is_displayed())
            screen.wait(lambda: "emergency" in screen.find("#banner-text").text.lower() or
                        screen.find("#banner-text").text)
            driver.save_screenshot(str(out / "emergency.png"))
            audits["banner"] = axe_audit(driver)
            for size in SIZES:
                if size == "1080p":
                    continue
                emulate(driver, size)
                try:
                    driver.execute_script("document.getElementById('banner').scrollTop = 0")
                    driver.save_screenshot(str(out / f"emergency-{size}.png"))
                    audits[f"banner-{size}"] = axe_audit(driver)
                    if driver.execute_script("const b = document.getElementById('banner');"
                                             "b.scrollTop = b.scrollHeight; return b.scrollTop > 0"):
                        driver.save_screenshot(str(out / f"emergency-{size}-end.png"))
                finally:
                    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    finally:
        driver.quit()
    for name, result in audits.items():
        print(json.dumps({"screen": name, "axe": result.get("version"), "violations": result.get("violations"),
                          "passes": result.get("passes"), "error": result.get("error")}))
    return 0 if all(not r.get("violations") and "error" not in r for r in audits.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
