#!/usr/bin/env bash
# Set everything up and run the main job: the live voice session where a microphone and a speaker
# exist, otherwise the spoken demo (a scripted patient talks to the assistant; the whole
# conversation is written to voice-triage-demo.wav in the current folder).
set -euo pipefail
here="$(pwd)"
top="$(cd "$(dirname "$0")/.." && pwd)"
bash "$top/scripts/setup.sh"
cd "$here"
if "$top/.venv/bin/python" -c 'import sys, sounddevice as sd
try:
    sd.check_input_settings(); sd.check_output_settings()
except Exception:
    sys.exit(1)' >/dev/null 2>&1 && [ -z "${VOICE_TRIAGE_DEMO:-}" ]; then
  exec "$top/.venv/bin/voice-triage" "$@"
fi
echo "run: no microphone or speaker found; running the spoken demo instead" >&2
exec "$top/.venv/bin/voice-triage" demo "$@"
