#!/usr/bin/env bash
# Set up voice-triage on a Debian machine: system packages (only those missing), a virtual
# environment in .venv, and the package with its extras. Safe to run again: it does only what is
# still missing. Usage: scripts/setup.sh [--tests [--no-ha]] | --ha
#   --tests   also what the tests need, the Home Assistant test environment (.venv-ha) included
#   --no-ha   with --tests: all but .venv-ha (scripts/test.sh sets it up while the main tests run)
#   --ha      only .venv-ha
set -euo pipefail
cd "$(dirname "$0")/.."
want_tests=0; want_ha=0; only_ha=0
for arg in "$@"; do
  case "$arg" in
    --tests) want_tests=1; want_ha=1 ;;
    --no-ha) want_ha=0 ;;
    --ha) want_ha=1; only_ha=1 ;;
    *) echo "setup: unknown option $arg (use --tests, --no-ha or --ha)" >&2; exit 2 ;;
  esac
done
step() { echo "setup: $*" >&2; }
# This machine's pip configuration may name index folders that do not exist; pip says so for every package
# ("WARNING: Location 'file:///...' is ignored: it is neither a file nor a directory"): not ours, left out.
# pip's own lines go to standard error too, as every line of the set-up does (scripts/run.sh's output stays the demo's).
pip_run() { "$@" 2> >(grep --line-buffered -v "^WARNING: Location '.*' is ignored" >&2) >&2; }

if [ $only_ha -eq 0 ]; then
# System packages: speech synthesis (espeak-ng for pyttsx3, flite for the demo's patient and the
# tests), sox, PortAudio for sounddevice, PulseAudio for the virtual audio devices of the tests.
pkgs=(espeak-ng libespeak-ng1 flite sox libsox-fmt-all libportaudio2 pulseaudio pulseaudio-utils)
# The tests also drive the kiosk screen in Debian's Chromium (with its driver) and audit it with axe-core (npm).
[ $want_tests -eq 1 ] && pkgs+=(chromium chromium-driver)
[ $want_tests -eq 1 ] && ! command -v npm >/dev/null 2>&1 && pkgs+=(nodejs npm)
command -v python3 >/dev/null 2>&1 || pkgs+=(python3)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || pkgs+=(python3-venv)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  step "installing Debian packages: ${missing[*]} (apt-get) ..."
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python3 - <<'PY' || { echo "setup: voice-triage needs Python 3.11 or newer" >&2; exit 1; }
import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)
PY
if [ ! -x .venv/bin/python ]; then
  step "creating .venv"
  python3 -m venv .venv
fi

extras="speech"
[ $want_tests -eq 1 ] && extras="speech,test,vosk-ko-test,piper,ovos,ovos-test"
stamp=".venv/.voice-triage-$(sha256sum pyproject.toml | cut -c1-16)-${extras//,/-}"
if [ ! -e "$stamp" ]; then
  step "upgrading pip in .venv ..."
  pip_run .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  step "installing voice-triage and its extras ${extras} (pip; a few minutes the first time) ..."
  pip_run .venv/bin/python -m pip install --disable-pip-version-check -e ".[${extras}]"
  touch "$stamp"
fi
if [ $want_tests -eq 1 ] && [ ! -e .venv/node/node_modules/axe-core/axe.min.js ]; then
  step "installing axe-core for the screen's accessibility tests (npm) ..."
  mkdir -p .venv/node
  npm install --silent --no-audit --no-fund --prefix .venv/node axe-core@4.14.1 >/dev/null
fi
fi
# The Home Assistant integration's tests run under Home Assistant's own harness, which needs Python 3.13 or
# newer: its own environment in .venv-ha (pinned in tests_ha/requirements.txt).
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
if [ $want_ha -eq 1 ]; then
  ha_python=""
  for candidate in python3.13 python3.14 "$(command -v pyenv >/dev/null 2>&1 && pyenv root)"/versions/3.1[34]*/bin/python \
                   "$HOME"/.pyenv/versions/3.1[34]*/bin/python; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys, venv; sys.exit(sys.version_info < (3, 13))' 2>/dev/null; then
      ha_python=$candidate; break
    fi
  done
  if [ -z "$ha_python" ] && apt-cache show python3.13-venv >/dev/null 2>&1; then
    step "installing Python 3.13 for the Home Assistant tests (apt-get) ..."
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3.13 python3.13-venv >/dev/null
    ha_python=python3.13
  fi
  if [ -z "$ha_python" ]; then
    echo "setup: the Home Assistant tests need Python 3.13 or newer (Debian 13: apt install python3.13-venv; or pyenv install 3.13)" >&2
    exit 1
  fi
  if [ ! -x .venv-ha/bin/python ]; then
    step "creating .venv-ha (Python 3.13) for the Home Assistant tests"
    "$ha_python" -m venv .venv-ha
  fi
  ha_stamp=".venv-ha/.requirements-$(sha256sum tests_ha/requirements.txt | cut -c1-16)"
  if [ ! -e "$ha_stamp" ]; then
    step "installing Home Assistant and its test harness into .venv-ha (pip; a few minutes the first time) ..."
    pip_run .venv-ha/bin/python -m pip install --disable-pip-version-check -r tests_ha/requirements.txt
    touch "$ha_stamp"
  fi
fi
if [ $only_ha -eq 1 ]; then
  step "Home Assistant test environment ready in ${SECONDS} s (.venv-ha)"
else
  step "ready in ${SECONDS} s (.venv/bin/voice-triage)"
fi
