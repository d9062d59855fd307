"""The real page in headless Chromium (Debian's chromium and chromium-driver, driven by Selenium): whole
sessions by touch and typing to each disposition, the emergency banner, a reset between two people,
keyboard-only use, a reload, and an axe-core accessibility audit (axe-core from npm, run in the page).

Skipped with the reason where Chromium, its driver or axe-core is not installed (scripts/setup.sh --tests
installs them)."""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from tests.support.screen import Pacing, ScreenKiosk

ROOT = Path(__file__).resolve().parents[3]
AXE = ROOT / ".venv" / "node" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
PERSONAS = {p["id"]: p for p in json.loads((ROOT / "tests" / "data" / "own_personas.json").read_text())["personas"]}
KEYS = {"yes": "y", "no": "n", "unsure": "?"}

pytestmark = pytest.mark.skipif(not (Path(CHROMIUM).exists() and Path(DRIVER).exists()),
                                reason="Debian's chromium and chromium-driver are not installed "
                                       "(scripts/setup.sh --tests installs them)")


def chromium(width: int = 1920, height: int = 1080):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-quic", f"--window-size={width},{height}", "--force-device-scale-factor=1"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(DRIVER), options=options)


@pytest.fixture(scope="module")
def browser():
    driver = chromium()
    yield driver
    driver.quit()


class Screen:
    """The page as a person uses it: read what it shows, press its buttons."""

    def __init__(self, driver, url: str):
        self.driver = driver
        self._pacing = Pacing()
        driver.get(url)
        self.wait(lambda: not self.find("#waiting").get_attribute("hidden") or self.listens() > 0)

    def find(self, css):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def wait(self, condition, timeout: float = 15.0, what: str = "the page"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if condition():
                    return
            except Exception:  # the page is between two renders
                pass
            time.sleep(0.05)
        raise AssertionError(f"{what} did not change as expected; it shows: {self.text()[:400]!r}")

    def text(self) -> str:
        return self.find("body").text

    def attribute(self, name: str) -> str | None:
        return self.find("body").get_attribute(f"data-{name}")

    def listens(self) -> int:
        return int(self.attribute("listens") or 0)

    def question(self) -> str | None:
        return self.attribute("question")

    def press(self, label: str) -> None:
        from selenium.webdriver.common.by import By

        buttons = [b for b in self.driver.find_elements(By.CSS_SELECTOR, "button") if b.is_displayed()
                   and b.text == label]
        assert buttons, f"no visible button {label!r}"
        self._pacing.before(label)
        buttons[0].click()

    def key(self, key: str) -> None:
        """Press one key of the keyboard on the page."""
        from selenium.webdriver.common.action_chains import ActionChains

        self._pacing.before(key)
        ActionChains(self.driver).send_keys(key).perform()

    def type(self, words: str) -> None:
        self._pacing.before(None)
        field = self.find("#words")
        field.clear()
        field.send_keys(words)
        self.press("Send")

    def begin(self, words: str) -> None:
        """Start a session, consent with the Yes button, and type `words` at the open question."""
        self.press("Start")
        self.next_listen(0)
        self.press("Yes")
        self.next_listen(1)
        self.type(words)

    def next_listen(self, before: int) -> str:
        """Wait for the question after `before` listens (or the end); returns the question id or "end"."""
        self.wait(lambda: self.listens() > before or self.attribute("disposition"), what="the next question")
        return "end" if self.attribute("disposition") else self.question()


def run_persona(screen: Screen, persona: dict) -> str:
    """A whole session by buttons (the open question typed); returns the disposition the page shows."""
    screen.press("Start")
    facts = persona["features"]
    seen = 0
    while True:
        question = screen.next_listen(seen)
        if question == "end":
            return screen.attribute("disposition")
        seen = screen.listens()
        if question == "open":
            screen.type(persona.get("open", "it hurts when I walk"))
        elif question == "more":
            screen.press("No")
        elif question == "consent":
            screen.press("Yes")
        elif question == "confirm":
            screen.press("Yes" if facts.get(screen.attribute("feature"), "no") != "no" else "No")
        else:
            screen.press({"yes": "Yes", "no": "No", "unsure": "Not sure"}[facts.get(question, "no")])


@pytest.mark.parametrize("persona", ["pad-open-a", "dvt-open", "doms-open", "chest-unsure"])
def test_a_whole_session_by_touch_reaches_each_disposition(browser, persona):
    if persona not in PERSONAS:
        pytest.skip(f"persona {persona} is not in own_personas.json")
    with ScreenKiosk() as kiosk:
        screen = Screen(browser, kiosk.url)
        shown = run_persona(screen, PERSONAS[persona])
        expected = PERSONAS[persona]["expect"]["disposition"]
        assert shown == expected
        assert screen.find("#summary").is_displayed() and "Summary" in screen.text()
        kiosk.wait_sessions(1)
        assert kiosk.records[0].disposition == expected


def test_the_emergency_banner_covers_the_screen_and_stays_until_staff_dismiss_it(browser):
    with ScreenKiosk() as kiosk:
        screen = Screen(browser, kiosk.url)
        screen.begin("my legs ache and I have a crushing pain in my chest")
        screen.wait(lambda: screen.find("#banner").is_displayed(), what="the banner")
        banner = screen.find("#banner")
        viewport = browser.execute_script("return [window.innerWidth, window.innerHeight]")
        assert [banner.size["width"], banner.size["height"]] == viewport  # the whole screen
        assert "emergency services" in banner.text.lower()
        assert screen.find("#main").get_attribute("inert") is not None  # nothing else can be pressed
        browser.refresh()  # a reload does not lose it
        screen.wait(lambda: screen.find("#banner").is_displayed(), what="the banner after a reload")
        screen.press("Staff: dismiss")
        assert screen.find("#banner").is_displayed()  # one press is not enough
        screen.press("Confirm: help is on the way")
        screen.wait(lambda: not screen.find("#banner").is_displayed(), what="the dismissed banner")
        assert kiosk.records and kiosk.records[0].emergency and kiosk.records[0].disposition == "emergency"


def test_a_double_click_on_no_answers_one_question_only(browser):
    """A real double click in Chromium on "No" at the chest pain question: the breathing question that appears
    is left for the person to answer (its second click was for the question before)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    with ScreenKiosk() as kiosk:
        screen = Screen(browser, kiosk.url)
        screen.begin("my calf hurts when I walk")
        assert screen.next_listen(2) == "chest_pain"
        no = [b for b in browser.find_elements(By.CSS_SELECTOR, "button") if b.is_displayed() and b.text == "No"][0]
        ActionChains(browser).double_click(no).perform()
        assert screen.next_listen(3) == "breathlessness"
        time.sleep(1.5)
        assert screen.listens() == 4 and screen.question() == "breathlessness"  # still asked, not answered
        screen.press("No")
        assert screen.next_listen(4) == "rest_pain"


def test_two_people_one_after_the_other_the_second_sees_nothing_of_the_first(browser):
    with ScreenKiosk() as kiosk:
        screen = Screen(browser, kiosk.url)
        screen.begin("my left calf aches after the school run")
        screen.wait(lambda: "school run" in screen.text(), what="what was heard")
        screen.next_listen(2)
        screen.press("Stop")
        screen.wait(lambda: screen.find("#summary").is_displayed(), what="the summary")
        screen.press("Done")
        screen.wait(lambda: screen.find("#waiting").is_displayed(), what="the waiting screen")
        assert "school run" not in screen.text()
        screen.press("Start")
        screen.wait(lambda: screen.question() == "consent", what="the second person's first question")
        assert "school run" not in screen.text() and "calf" not in screen.text()
        assert browser.execute_script("return document.getElementById('words').value") == ""
        kiosk.wait_sessions(1)


def test_keyboard_only_a_whole_session(browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    persona = PERSONAS["pad-open-a"]
    with ScreenKiosk() as kiosk:
        screen = Screen(browser, kiosk.url)
        keys = ActionChains(browser)
        screen.wait(lambda: browser.switch_to.active_element.get_attribute("id") == "start", what="focus on Start")
        keys.send_keys(Keys.ENTER).perform()  # Start has the focus
        seen = 0
        while (question := screen.next_listen(seen)) != "end":
            seen = screen.listens()
            if question == "open":
                screen.wait(lambda: browser.switch_to.active_element.get_attribute("id") == "words",
                            what="focus in the typing box")
                ActionChains(browser).send_keys(persona["open"] + Keys.ENTER).perform()
            elif question in ("consent", "confirm"):
                screen.key("y")
            elif question == "more":  # a free question: the typing box has the focus
                screen.wait(lambda: browser.switch_to.active_element.get_attribute("id") == "words",
                            what="focus in the typing box")
                ActionChains(browser).send_keys("no" + Keys.ENTER).perform()
            else:
                screen.key(KEYS[persona["features"].get(question, "no")])
        assert screen.attribute("disposition") == persona["expect"]["disposition"]
        kiosk.wait_sessions(1)


def test_every_button_is_reached_by_tab_with_a_visible_focus_ring(browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    with ScreenKiosk() as kiosk:
        screen = Screen(browser, kiosk.url)
        screen.press("Start")
        screen.wait(lambda: screen.question() == "consent", what="the first question")
        browser.execute_script("document.activeElement.blur()")
        reached = []
        for _ in range(12):
            ActionChains(browser).send_keys(Keys.TAB).perform()
            element = browser.switch_to.active_element
            if element.tag_name == "body":  # past the last control, focus leaves the page once
                continue
            reached.append(element.text or element.get_attribute("id"))
            outline = browser.execute_script("return getComputedStyle(arguments[0]).outlineStyle", element)
            assert outline != "none", reached[-1]
        assert {"Yes", "No", "Not sure", "Repeat", "Help", "Go back", "Stop", "words", "Send"} <= set(reached)


def test_the_question_is_at_least_48_px_and_announced(browser):
    with ScreenKiosk() as kiosk:
        screen = Screen(browser, kiosk.url)
        screen.press("Start")
        screen.wait(lambda: screen.question() == "consent", what="the first question")
        size = browser.execute_script("return parseFloat(getComputedStyle(document.getElementById('question'))"
                                      ".fontSize)")
        assert size >= 48
        region = screen.find("#announce")
        assert region.get_attribute("aria-live") == "polite"
        screen.wait(lambda: "Shall we begin" in browser.execute_script(
            "return document.getElementById('announce').textContent"), what="the live region")


def axe_audit(driver) -> dict:
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag2aaa', 'wcag21a', "
        "'wcag21aa', 'wcag22aa', 'best-practice']}}).then(r => done({violations: r.violations.map("
        "v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))})), passes: r.passes.length,"
        " version: axe.version}), e => done({error: String(e)}));")


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (scripts/setup.sh --tests installs it)")
def test_an_accessibility_audit_finds_no_violations_on_any_screen(browser):
    browser.set_script_timeout(60)
    with ScreenKiosk() as kiosk:
        screen = Screen(browser, kiosk.url)
        results = {"waiting": axe_audit(browser)}
        screen.press("Start")
        screen.wait(lambda: screen.question() == "consent", what="the first question")
        results["question"] = axe_audit(browser)
        screen.press("Yes")
        screen.next_listen(1)
        screen.type("my calf aches, and now my chest feels tight")
        screen.wait(lambda: screen.find("#banner").is_displayed(), what="the banner")
        results["banner"] = axe_audit(browser)
        screen.press("Staff: dismiss")
        screen.press("Confirm: help is on the way")
        screen.wait(lambda: screen.find("#summary").is_displayed(), what="the summary")
        results["summary"] = axe_audit(browser)
    for name, result in results.items():
        assert "error" not in result, result
        assert result["violations"] == [], (name, result["violations"])
        assert result["passes"] > 10, name
