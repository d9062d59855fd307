#!/usr/bin/env bash
# Set everything up, start the virtual audio devices, run the whole test suite, stop the devices.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
started=0
if pulse_env=$(bash scripts/pulse.sh start 2>/tmp/voice-triage-pulse.log); then
  eval "$pulse_env"
  started=1
else
  echo "test: PulseAudio did not start (see /tmp/voice-triage-pulse.log); audio device tests will say why" >&2
fi
set +e
.venv/bin/python -m pytest "$@"
status=$?
if [ $# -eq 0 ]; then
  # The Home Assistant integration under Home Assistant's own harness, in its own environment (.venv-ha),
  # against a real voice-triage server started from .venv.
  .venv-ha/bin/python -m pytest -q -p no:cacheprovider -c tests_ha/pytest.ini tests_ha
  ha_status=$?
  [ $status -eq 0 ] && status=$ha_status
fi
set -e
[ $started -eq 1 ] && bash scripts/pulse.sh stop >/dev/null 2>&1 || true
exit $status
