"""The kiosk's screen in a browser: large captions, big answer buttons, the emergency banner.

    hub.py      what the page shows and sends back (no network): the current person's events, the banner,
                the inputs the buttons and the typing box give, one attached page at a time
    server.py   the page and its WebSocket on 127.0.0.1 (websockets' threaded server), with an origin check
    channel.py  ScreenChannel: a kiosk Channel that shows everything on the page, and listens to the page
                beside the microphone (or instead of it: `voice-triage web`)
    static/     the page itself (HTML, CSS, JavaScript): shipped in the package, nothing from a network

The socket carries the JSON-lines protocol's events (docs/protocol.md) and a few of the screen's own
(docs/screen.md), so any front end can use it.
"""
