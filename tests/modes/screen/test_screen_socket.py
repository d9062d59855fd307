"""The screen's server and socket for real on loopback, driven by websockets' own client (another front end):
whole sessions, the events being the protocol's, and every kind of bad input with its defined answer."""
from __future__ import annotations

import http.client
import json
import time

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.support.screen import ScreenKiosk, SocketPage
from voice_triage.modes.screen.hub import ScreenHub, ScreenLimits

PROTOCOL_EVENTS = {"say", "listen", "heard", "emergency", "end"}
SCREEN_EVENTS = {"hello", "reset", "waiting", "banner", "dismissed", "replaced", "error", "stale"}


def answer_all(page: SocketPage, answers: dict[str, str], open_text: str = "my calf hurts when I walk") -> dict:
    """Answer every question with the buttons (keys) and the open question by typing; returns the end event."""
    keys = {"yes": "y", "no": "n", "unsure": "?"}
    while True:
        event = page.until(lambda e: e["event"] in ("listen", "end"))
        if event["event"] == "end":
            return event
        question = event["question"]
        if question in ("open", "more"):
            page.send(text=open_text if question == "open" else "no")
        elif question == "consent":
            page.send(key="y")
        elif question == "confirm":
            page.send(key="y" if answers.get(event["feature"], "no") == event["value"] else "n")
        else:
            page.send(key=keys[answers.get(question, "no")])


def http_get(url: str, path: str, host: str | None = None) -> tuple[int, dict, bytes]:
    netloc = url.split("/")[2]
    connection = http.client.HTTPConnection(netloc, timeout=5)
    connection.request("GET", path, headers={"Host": host} if host else {})
    response = connection.getresponse()
    return response.status, dict(response.getheaders()), response.read()


def test_the_page_is_served_from_the_package_with_nothing_cached_and_nothing_from_elsewhere():
    with ScreenKiosk() as kiosk:
        status, headers, body = http_get(kiosk.url, "/")
        assert status == 200 and b"<main id=\"main\">" in body and headers["Content-Type"].startswith("text/html")
        assert headers["Cache-Control"] == "no-store"
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        for path, kind in (("/screen.js", "text/javascript"), ("/screen.css", "text/css")):
            status, headers, body = http_get(kiosk.url, path)
            assert status == 200 and headers["Content-Type"].startswith(kind) and len(body) > 500
        assert b"http" not in http_get(kiosk.url, "/")[2].replace(b"http-equiv", b"")  # no address of any network
        assert http_get(kiosk.url, "/../../etc/passwd")[0] == 404
        assert http_get(kiosk.url, "/ws")[0] == 426  # a plain GET where the socket is
        assert http_get(kiosk.url, "/", host="attacker.example:80")[0] == 421  # DNS rebinding: not this server


def test_a_whole_session_by_buttons_and_typing_speaks_the_protocol():
    with ScreenKiosk() as kiosk:
        page = SocketPage(kiosk.socket_url)
        assert page.until(lambda e: e["event"] == "waiting")["text"]
        page.send(key="start")
        end = answer_all(page, {"stops_with_rest": "yes", "calf_pain": "yes", "cramping_heaviness": "yes"})
        assert end["disposition"] == "see_doctor" and end["patterns"][0] == "pad_claudication"
        assert {e["event"] for e in page.seen} <= PROTOCOL_EVENTS | SCREEN_EVENTS
        heard = [e for e in page.seen if e["event"] == "heard"]
        assert heard[0] == {"event": "heard", "text": "yes", "intent": "yes"}  # the y button is the word yes
        kiosk.wait_sessions(1)
        assert kiosk.records[0].disposition == "see_doctor" and kiosk.records[0].transcript == []
        page.close()


def test_an_emergency_typed_at_a_late_question_raises_the_banner_until_staff_dismiss_it():
    with ScreenKiosk() as kiosk:
        page = SocketPage(kiosk.socket_url)
        page.send(key="start")
        for _ in range(4):
            event = page.listen()
            page.send(text={"consent": "yes", "open": "my calf hurts when I walk"}.get(event["question"], "no"))
        page.listen()
        page.send(text="wait, now I can't catch my breath")
        assert page.until(lambda e: e["event"] == "emergency")["reason"] == "breathlessness"
        banner = page.until(lambda e: e["event"] == "banner")
        assert "emergency services" in banner["text"].lower()
        assert page.until(lambda e: e["event"] == "end")["disposition"] == "emergency"
        # the next person: the page is cleared, but the banner stays until staff dismiss it
        page.send(key="start")
        page.until(lambda e: e["event"] == "reset")
        assert page.until(lambda e: e["event"] in ("banner", "say"))["event"] == "banner"
        page.send(dismiss=True)
        page.until(lambda e: e["event"] == "dismissed")
        assert kiosk.hub.banner is None
        page.close()


def test_a_reload_mid_session_shows_the_conversation_where_it_was_and_replaces_the_old_page():
    with ScreenKiosk() as kiosk:
        first = SocketPage(kiosk.socket_url)
        first.send(key="start")
        first.listen()
        first.send(key="y")
        question = first.listen()["question"]
        second = SocketPage(kiosk.socket_url)  # a reload, or a second browser: the newest page has the screen
        assert first.until(lambda e: e["event"] == "replaced")
        with pytest.raises(ConnectionClosed):
            first.until(lambda e: False, timeout=3)
        second.until(lambda e: e["event"] == "listen" and e["question"] == question)  # the replay ends there
        assert any(e["event"] == "heard" and e["text"] == "yes" for e in second.seen)
        second.send(text="my calf hurts when I walk")
        assert second.listen()["question"] != question  # the session goes on from the new page
        second.close()


def test_between_sessions_nothing_of_the_previous_person_is_sent_to_a_new_page():
    with ScreenKiosk(summary_s=0.5) as kiosk:
        page = SocketPage(kiosk.socket_url)
        page.send(key="start")
        page.listen()
        page.send(key="y")
        page.listen()
        page.send(text="my left calf aches after the school run")
        page.listen()
        page.send(key="s")  # stop
        page.until(lambda e: e["event"] == "end")
        page.until(lambda e: e["event"] == "waiting", timeout=5)  # the summary was shown, then cleared
        page.close()
        later = SocketPage(kiosk.socket_url)
        later.until(lambda e: e["event"] == "waiting")
        time.sleep(0.3)
        later.ws.send(json.dumps({"clear": True}))
        text = json.dumps(later.seen)
        assert "school run" not in text and "calf" not in text
        assert [e["event"] for e in later.seen] == ["hello", "reset", "waiting"]
        later.close()


def test_bad_messages_get_an_error_and_change_nothing():
    with ScreenKiosk() as kiosk:
        page = SocketPage(kiosk.socket_url)
        page.send(key="start")
        listen = page.listen()
        for bad in ("not json", "[1, 2]", "{}", '{"text": 5}', '{"text": "  "}', '{"key": "yes"}',
                    '{"audio": "/etc/passwd"}', '{"text": "yes", "key": "y"}', '{"dismiss": "please"}'):
            page.ws.send(bad)
            assert page.until(lambda e: e["event"] in ("error", "heard", "listen"))["event"] == "error", bad
        page.ws.send(b"\x00\x01binary")
        assert page.until(lambda e: e["event"] != "say")["event"] == "error"
        page.send(key="y")  # the question stands, and is answered as usual
        assert page.until(lambda e: e["event"] == "heard") == {"event": "heard", "text": "yes", "intent": "yes"}
        assert page.listen()["question"] != listen["question"]
        page.close()


def test_an_oversized_message_closes_that_connection_and_the_session_goes_on_from_a_new_one():
    with ScreenKiosk() as kiosk:
        page = SocketPage(kiosk.socket_url)
        page.send(key="start")
        page.listen()
        page.ws.send(json.dumps({"text": "x" * 40_000}))
        with pytest.raises(ConnectionClosed) as closed:
            page.until(lambda e: False, timeout=5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
        again = SocketPage(kiosk.socket_url)
        assert again.listen()["question"] == "consent"
        again.send(text="yes " + "very " * 600)  # long but within the limit: cut to 2,000 characters
        heard = again.until(lambda e: e["event"] == "heard")
        assert len(heard["text"]) <= 2000
        again.close()
        assert kiosk.error is None and not kiosk.records  # nothing crashed, the session is still going


def test_a_socket_from_another_site_is_refused():
    with ScreenKiosk() as kiosk:
        with pytest.raises(InvalidStatus) as refused:
            SocketPage(kiosk.socket_url, origin="http://evil.example")
        assert refused.value.response.status_code == 403
        page = SocketPage(kiosk.socket_url, origin=kiosk.url.rstrip("/"))  # the page's own origin is fine
        page.until(lambda e: e["event"] == "waiting")
        page.close()


def test_garbage_on_the_port_does_not_stop_the_screen():
    import socket

    with ScreenKiosk() as kiosk:
        host, port = kiosk.url.split("/")[2].split(":")
        for junk in (b"\x16\x03\x01\x02\x00garbage-tls", b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 500 + b"\r\n",
                     b"POST /ws HTTP/1.1\r\nHost: x\r\n\r\n", b"\r\n\r\n"):
            with socket.create_connection((host, int(port)), timeout=5) as raw:
                raw.sendall(junk)
                raw.settimeout(5)
                try:
                    raw.recv(1000)
                except OSError:
                    pass
        page = SocketPage(kiosk.socket_url)
        page.send(key="start")
        assert page.listen()["question"] == "consent"
        page.close()


def test_the_page_closed_mid_session_leaves_the_session_waiting_to_be_let_go():
    config = "[timeouts]\nlisten = 1\nidle = 2\n[screen]\nsummary = 1\npatience = 2\n"
    with ScreenKiosk(config) as kiosk:
        page = SocketPage(kiosk.socket_url)
        page.send(key="start")
        page.listen()
        page.close()  # the tab is closed: nobody answers
        kiosk.wait_sessions(1, timeout=10)
        assert kiosk.records[0].ending == "idle" and kiosk.records[0].disposition == "incomplete"
        assert not kiosk.hub.attached


def test_the_hub_drops_a_page_that_stops_reading_and_keeps_inputs_bounded():
    hub = ScreenHub(limits=ScreenLimits(max_inputs=3, max_outbox=5))

    class Stuck:
        def send(self, message):
            time.sleep(3)

        def close(self, code=1000, reason=""):
            pass

    stuck = Stuck()
    hub.attach(stuck)
    for n in range(20):
        hub.publish({"event": "say", "text": str(n)})
    assert not hub.attached  # the outbox filled: the page is dropped, the kiosk never waited
    hub._closed.set()

    other = ScreenHub(limits=ScreenLimits(max_inputs=3))
    other.attach(page := Stuck())
    for key in "ynrhs?":
        other.receive(page, json.dumps({"key": key}))
    taken = [other.take().key for _ in range(3)]
    assert taken == ["h", "s", "?"] and other.take() is None  # the oldest were dropped
    other._closed.set()


def test_done_ends_the_summary_timer_at_once_so_threads_do_not_pile_up():
    """Found by a 2,000-session run of `voice-triage web`: each "Done" left its timer's thread asleep for the
    summary's 30 s, and RSS grew 34 -> 78 MiB; with the timer ended it stays at 43.5 MiB."""
    import threading

    hub = ScreenHub(summary_s=30)

    class Page:
        def send(self, message):
            pass

        def close(self, code=1000, reason=""):
            pass

    hub.attach(page := Page())
    before = threading.active_count()
    for _ in range(50):
        hub.new_session()
        hub.session_ended()
        hub.receive(page, json.dumps({"clear": True}))
    time.sleep(0.5)
    assert threading.active_count() <= before + 1
    hub.close()


def shown(page: SocketPage) -> int:
    """The sentences of this session the page has shown (what the real page sends as `seen`)."""
    since = max((i for i, e in enumerate(page.seen) if e["event"] in ("reset", "waiting")), default=-1)
    return sum(1 for e in page.seen[since + 1:] if e["event"] == "say")


def test_the_second_tap_of_a_double_tap_does_not_answer_the_next_red_flag_and_the_page_is_told():
    """"No" tapped twice at chest pain: the second tap, sent before the breathing question was on the screen,
    is not taken as "no" to it, and the page is told (`stale`) so the person answers again."""
    with ScreenKiosk() as kiosk:
        page = SocketPage(kiosk.socket_url)
        page.until(lambda e: e["event"] == "waiting")
        page.send(key="start")
        assert page.listen()["question"] == "consent"
        page.send(key="y", seen=shown(page))
        assert page.listen()["question"] == "open"
        page.send(text="my calf hurts when I walk", seen=shown(page))
        assert page.listen()["question"] == "chest_pain"
        at_chest = shown(page)
        page.send(key="n", seen=at_chest)
        page.send(key="n", seen=at_chest)  # the double tap, still on the chest pain question
        assert page.listen()["question"] == "breathlessness"
        told = page.until(lambda e: e["event"] in ("stale", "heard", "listen"))  # not answered by the second tap
        assert told == {"event": "stale", "key": "n"}
        page.send(key="n", seen=shown(page))  # the person now answers it
        assert page.listen()["question"] == "rest_pain"
        heard = [e["text"] for e in page.seen if e["event"] == "heard"]
        assert heard == ["yes", "my calf hurts when I walk", "no", "no"]
        page.close()


@pytest.mark.parametrize("stamped", [True, False], ids=["seen", "no-seen"])
def test_a_quick_answer_to_the_next_question_is_taken(stamped):
    """"No" to chest pain, then "No" again the moment the breathing question arrives (well within 0.5 s of the
    first): a person who knows the questions. Both are taken, with `seen` or without (then by arrival time);
    the 0.5 s double-tap rule dropped the second."""
    def stamp(page):
        return {"seen": shown(page)} if stamped else {}

    with ScreenKiosk() as kiosk:
        page = SocketPage(kiosk.socket_url)
        page.until(lambda e: e["event"] == "waiting")
        page.send(key="start")
        assert page.listen()["question"] == "consent"
        page.send(key="y", **stamp(page))
        assert page.listen()["question"] == "open"
        page.send(text="my calf hurts when I walk", **stamp(page))
        assert page.listen()["question"] == "chest_pain"
        page.send(key="n", **stamp(page))
        assert page.listen()["question"] == "breathlessness"
        page.send(key="n", **stamp(page))  # at once
        assert page.listen()["question"] == "rest_pain"
        assert not [e for e in page.seen if e["event"] == "stale"]
        page.close()


def test_a_tap_after_the_question_appeared_counts_even_before_the_listen_and_unstamped_inputs_still_work():
    hub = ScreenHub("web")
    try:
        hub.new_session()
        hub.publish({"event": "say", "text": "Shall we begin?"})
        hub.receive(hub_page := _Collecting(), "{}")  # a page not attached: ignored
        hub.attach(hub_page)
        hub.receive(hub_page, json.dumps({"key": "y", "seen": 1}))  # tapped while the question is spoken
        hub.publish({"event": "listen", "question": "consent", "state": "consent"})
        assert hub.take().key == "y"
        hub.publish({"event": "say", "text": "Tell me about the pain."})
        hub.receive(hub_page, json.dumps({"key": "n", "seen": 1}))  # meant for the question before
        hub.receive(hub_page, json.dumps({"key": "?"}))  # another front end: no stamp, came after the question
        hub.publish({"event": "listen", "question": "open", "state": "open"})
        assert hub.take().key == "?" and hub.take() is None
        hub.receive(hub_page, json.dumps({"key": "y", "seen": "two"}))
        deadline = time.monotonic() + 5
        while not any(json.loads(m)["event"] == "error" for m in hub_page.sent) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert [json.loads(m)["message"] for m in hub_page.sent if json.loads(m)["event"] == "error"] == [
            "seen must be the number of sentences the page has shown (a whole number)"]
        assert hub.take() is None
        assert hub_page.events("stale") == [{"event": "stale", "key": "n"}]  # the "n" for the question before
    finally:
        hub.close()


def test_an_answer_given_before_the_question_now_asked_is_told_back_and_one_after_it_is_taken_at_once():
    """The hub alone: the second "n" of a double tap, stamped (or, unstamped, arriving) before the breathing
    question was put, is not taken and the page is told (typed words are sent back); "n" again after it is put
    is taken, at once."""
    hub = ScreenHub("web")
    try:
        hub.new_session()
        hub.attach(page := _Collecting())
        hub.publish({"event": "say", "text": "Do you have chest pain?"})
        hub.publish({"event": "listen", "question": "chest_pain", "state": "red_flags"})
        hub.receive(page, json.dumps({"key": "n", "seen": 1}))
        hub.receive(page, json.dumps({"key": "n", "seen": 1}))  # the double tap, the question not yet changed
        hub.receive(page, json.dumps({"key": "n"}))  # a front end without `seen`, arriving before it changed
        hub.receive(page, json.dumps({"text": "no, none", "seen": 1}))  # typed for chest pain, sent late
        assert hub.take().key == "n"
        hub.publish({"event": "say", "text": "Are you short of breath?"})
        hub.publish({"event": "listen", "question": "breathlessness", "state": "red_flags"})
        assert hub.take() is None
        hub.receive(page, json.dumps({"key": "n", "seen": 2}))  # a quick answer, the new question on the page
        assert hub.take().key == "n"
        hub.publish({"event": "say", "text": "Does it hurt at rest?"})
        hub.publish({"event": "listen", "question": "rest_pain", "state": "pattern"})
        hub.receive(page, json.dumps({"key": "n"}))  # a quick answer without `seen`, after the question was put
        assert hub.take().key == "n"
        deadline = time.monotonic() + 5
        while len(page.events("stale")) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert page.events("stale") == [{"event": "stale", "key": "n"}] * 2 + [{"event": "stale", "text": "no, none"}]
    finally:
        hub.close()


class _Collecting:
    """A page that keeps what it is sent."""

    def __init__(self):
        self.sent: list[str] = []

    def send(self, message: str) -> None:
        self.sent.append(message)

    def events(self, name: str) -> list[dict]:
        return [e for e in map(json.loads, self.sent) if e["event"] == name]

    def close(self, code: int = 1000, reason: str = "") -> None:
        pass
