// The kiosk screen: shows the protocol's events (docs/protocol.md) and the screen's own (docs/screen.md) as
// they arrive on the socket, and sends what the buttons and the typing box give. It keeps nothing: a
// reload asks the kiosk again, and "reset" clears everything of the previous person.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const views = ["waiting", "session", "summary", "gone"];
  let socket = null;
  let retry = 500;
  let replaced = false;
  let sentences = [];      // the assistant's sentences since the person last answered
  let answered = true;     // the next sentence starts a new turn
  let mode = "kiosk";
  let listens = 0;
  let seen = 0;  // sentences of this session shown: every answer carries it, so a tap made before the question
                 // now asked was on the screen (the second tap of a double tap) is not taken as its answer

  function show(view) {
    for (const name of views) $(name).hidden = name !== view;
  }

  function paragraph(text) {
    const p = document.createElement("p");
    p.textContent = text;
    return p;
  }

  function status(text) { $("status").textContent = text; }

  function announce(text) {
    // A live region announces a change only: clear it first so a repeated question is announced again.
    const region = $("announce");
    region.textContent = "";
    window.setTimeout(() => { region.textContent = text; }, 50);
  }

  function notice(text) {
    $("notice").textContent = text;
    $("notice").hidden = !text;
  }

  function renderTurn() {
    const before = $("before");
    before.replaceChildren(...sentences.slice(0, -1).map(paragraph));
    $("question").textContent = sentences.length ? sentences[sentences.length - 1] : "";
  }

  function clear() {
    collecting = false;
    delete document.body.dataset.question;
    delete document.body.dataset.disposition;
    sentences = [];
    answered = true;
    $("before").replaceChildren();
    $("question").textContent = "";
    $("heard").textContent = "";
    notice("");
    $("advice").replaceChildren();
    $("words").value = "";
    $("announce").textContent = "";
  }

  let bannerLines = [];     // the emergency turn's sentences, shown on the banner
  let collecting = false;  // the sentences now arriving belong to the emergency turn

  function bannerLine(text) {
    const title = $("banner-title").textContent.toLowerCase();
    const plain = (text || "").trim();
    if (!plain || plain.replace(/[.!]+$/, "").toLowerCase() === title || bannerLines.includes(plain)) return;
    bannerLines.push(plain);
    $("banner-text").replaceChildren(...bannerLines.map(paragraph));
  }

  function banner(text) {
    bannerLine(text);
    if ($("banner").hidden) {
      $("banner").hidden = false;
      document.documentElement.classList.add("alarm");
      $("main").inert = true;
      $("dismiss").hidden = false;
      $("confirm-dismiss").hidden = true;
      $("cancel-dismiss").hidden = true;
      $("banner-title").focus();
    }
  }

  function unbanner() {
    bannerLines = [];
    $("banner-text").replaceChildren();
    $("banner").hidden = true;
    document.documentElement.classList.remove("alarm");
    $("main").inert = false;
  }

  const handlers = {
    hello(e) {
      mode = e.mode;
      document.body.dataset.mode = mode;
    },
    reset() {
      seen = 0;
      clear();
      show("session");
      status(mode === "web" ? "Starting…" : "Starting… you can speak or use the buttons.");
    },
    waiting(e) {
      seen = 0;
      clear();
      $("invitation").textContent = e.text || "";
      show("waiting");
      status("Ready");
      if ($("banner").hidden) $("start").focus();
    },
    say(e) {
      seen += 1;
      if (collecting) bannerLine(e.text);
      if (answered) { sentences = []; answered = false; notice(""); }
      sentences.push(e.text);
      if (!$("summary").hidden) {
        $("advice").append(paragraph(e.text));
      } else {
        show("session");
        renderTurn();
      }
    },
    listen(e) {
      collecting = false;
      answered = true;
      listens += 1;
      document.body.dataset.question = e.question;   // for styling and for tests: which question, how many
      document.body.dataset.listens = String(listens);
      document.body.dataset.feature = e.feature || "";
      show("session");
      status(mode === "web" ? "Your turn: press a button or type." : "Listening: speak, press a button or type.");
      announce(sentences.join(" "));
      if (e.question === "open" || e.question === "more") $("words").focus();
      else if (!document.activeElement || document.activeElement === document.body ||
               (document.activeElement === $("words") && !$("words").value)) {
        $("question").focus();  // single keys answer a yes/no question; an empty typing box does not keep them
      }
    },
    heard(e) {
      $("heard").textContent = e.text ? "You said: " + e.text : "";
    },
    stale(e) {
      // An answer given before the question now asked was on the screen was not taken: say so, and ask again.
      const button = e.key ? document.querySelector(`#session button[data-key="${CSS.escape(e.key)}"]`) : null;
      const what = button ? "Your \u201c" + button.textContent + "\u201d" : "Your answer";
      const text = what + " was for the previous question, so it was not taken. Please answer this question.";
      notice(text);
      if (e.text && !$("words").value) $("words").value = e.text;  // typed words: back in the box, to send again
      announce(text + " " + $("question").textContent);
    },
    emergency() {
      collecting = true;
      banner("");
    },
    banner(e) { banner(e.text); },
    dismissed() { unbanner(); },
    end(e) {
      collecting = false;
      document.body.dataset.question = "";
      document.body.dataset.disposition = e.disposition;
      $("advice").replaceChildren(...sentences.map(paragraph));
      show("summary");
      status("Finished");
      announce("Summary. " + sentences.join(" "));
      if ($("banner").hidden) $("summary-title").focus();
    },
    replaced() {
      replaced = true;
      show("gone");
      status("Closed");
    },
    error(e) { console.warn("the kiosk did not take a message:", e.message); },
  };

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function connect() {
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws";
    socket = new WebSocket(url);
    socket.onopen = () => { retry = 500; };
    socket.onmessage = (message) => {
      let event;
      try { event = JSON.parse(message.data); } catch (err) { return; }
      const handle = handlers[event.event];
      if (handle) handle(event);
    };
    socket.onclose = () => {
      socket = null;
      if (replaced) return;
      status("Connection lost: trying again…");
      window.setTimeout(connect, retry);
      retry = Math.min(retry * 2, 5000);
    };
  }

  function press(key) {
    if (key === "start") { send({ key: "start" }); return; }
    send({ key: key, seen: seen });
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-key]");
    if (button) press(button.dataset.key);
  });

  $("typing").addEventListener("submit", (event) => {
    event.preventDefault();
    const words = $("words").value.trim();
    if (words) send({ text: words, seen: seen });
    $("words").value = "";
  });

  $("done").addEventListener("click", () => send({ clear: true }));
  $("dismiss").addEventListener("click", () => {
    $("dismiss").hidden = true;
    $("confirm-dismiss").hidden = false;
    $("cancel-dismiss").hidden = false;
    $("confirm-dismiss").focus();
  });
  $("cancel-dismiss").addEventListener("click", () => {
    $("dismiss").hidden = false;
    $("confirm-dismiss").hidden = true;
    $("cancel-dismiss").hidden = true;
    $("dismiss").focus();
  });
  $("confirm-dismiss").addEventListener("click", () => send({ dismiss: true }));

  // Keyboard: the buttons are real buttons (Tab, Enter, Space); single keys answer too, as on the kiosk's
  // keyboard, except while typing or while the emergency banner is up.
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.altKey || event.metaKey) return;
    if (event.repeat) return;  // a held key is one press, not an answer to every question that follows
    if (!$("banner").hidden || event.target.closest("input")) return;
    const key = event.key.toLowerCase();
    if (!$("waiting").hidden && (key === "enter" || key === " ") && event.target === document.body) {
      press("start");
      return;
    }
    if ($("session").hidden) return;
    const button = document.querySelector(`#session button[data-key="${CSS.escape(key)}"]`);
    if (button) {
      event.preventDefault();
      button.focus();
      press(button.dataset.key);
    }
  });

  connect();
})();
