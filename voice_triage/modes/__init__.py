"""The front ends, each a thin wiring of the conversation: live, demo, jsonl, text, doctor, kiosk.

Their exit statuses are the same everywhere: 0 when the session (or the kiosk) ended as it should,
1 when a device failed, 2 for a mistake the user can fix (one line on standard error), and 130 after
Ctrl-C, as shells count an interrupt.
"""
EXIT_OK = 0
EXIT_DEVICE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
