#!/usr/bin/env bash
# Set everything up, start the virtual audio devices, run the whole test suite, stop the devices.
# With no arguments: the main suite on three workers (pytest-xdist; the virtual-audio tests together on one of them,
# tests/conftest.py) while the Home Assistant test environment is set up beside it, then the Home Assistant tests.
# With arguments: those are pytest's, and only the main suite runs.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then
  bash scripts/setup.sh --tests --no-ha
  ha_log=$(mktemp /tmp/voice-triage-setup-ha.XXXXXX)
  bash scripts/setup.sh --ha >"$ha_log" 2>&1 &
  ha_setup=$!
else
  bash scripts/setup.sh --tests
fi
started=0
if pulse_env=$(bash scripts/pulse.sh start 2>/tmp/voice-triage-pulse.log); then
  eval "$pulse_env"
  started=1
else
  echo "test: PulseAudio did not start (see /tmp/voice-triage-pulse.log); audio device tests will say why" >&2
fi
set +e
if [ $# -eq 0 ]; then
  workers=3  # the virtual-audio tests play in real time on one worker and leave a core idle part of the time: a third worker fills it
  [ "$(nproc 2>/dev/null || echo 1)" -lt 2 ] && workers=2
  .venv/bin/python -m pytest -n "$workers" --dist loadgroup --durations=15  # the slowest tests, for the 12-minute budget
  status=$?
  echo "test: waiting for the Home Assistant test environment ..." >&2
  wait "$ha_setup"
  ha_setup_status=$?
  cat "$ha_log" >&2
  rm -f "$ha_log"
  if [ $ha_setup_status -ne 0 ]; then
    echo "test: the Home Assistant test environment could not be set up (above)" >&2
    ha_status=$ha_setup_status
  else
    # The Home Assistant integration under Home Assistant's own harness, in its own environment (.venv-ha),
    # against a real voice-triage server started from .venv.
    .venv-ha/bin/python -m pytest -q -p no:cacheprovider -c tests_ha/pytest.ini tests_ha
    ha_status=$?
  fi
  [ $status -eq 0 ] && status=$ha_status
else
  .venv/bin/python -m pytest "$@"
  status=$?
fi
set -e
[ $started -eq 1 ] && bash scripts/pulse.sh stop >/dev/null 2>&1 || true
exit $status
