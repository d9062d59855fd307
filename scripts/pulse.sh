#!/usr/bin/env bash
# A private PulseAudio server with a virtual speaker and a virtual microphone, for tests, the
# latency benchmark and a dev shell without sound hardware. Works as root (CI) and as a user.
#
#   eval "$(scripts/pulse.sh start)"   # start (or reuse) the server; prints the export lines
#   eval "$(scripts/pulse.sh env)"     # only the export lines for a running server
#   scripts/pulse.sh status            # exit 0 when the server answers with both devices
#   scripts/pulse.sh stop              # stop the server and remove its folder
#
# Devices (both are the server's defaults, so PortAudio/sounddevice's "default" device uses them):
#   vt_speaker          null sink: the virtual speaker; record it with
#                       parec --device=vt_speaker.monitor
#   vt_mic_feed         null sink: play a person's voice into the microphone with
#                       paplay --device=vt_mic_feed answer.wav
#   vt_mic              the virtual microphone: module-remap-source over vt_mic_feed.monitor
#   vt_drain            keeps the virtual speaker in real time (see below); not for use
#
# The server runs in user mode with its own runtime folder ($VOICE_TRIAGE_PULSE_DIR, default
# /tmp/voice-triage-pulse-$UID) and an anonymous unix socket there, so it neither needs nor
# touches a desktop session's server. As root, pulseaudio warns that it is "not intended to be
# run as root" and runs anyway; --system would need the pulse user, a D-Bus policy and
# per-client access groups, none of which a CI container has.
set -euo pipefail

DIR=${VOICE_TRIAGE_PULSE_DIR:-/tmp/voice-triage-pulse-$(id -u)}
SOCKET="$DIR/native"
SERVER="unix:$SOCKET"

say() { printf 'pulse.sh: %s\n' "$*" >&2; }

exports() {
  printf 'export PULSE_SERVER=%q\n' "$SERVER"
  printf 'export VOICE_TRIAGE_PULSE_DIR=%q\n' "$DIR"
}

pa() { PULSE_SERVER="$SERVER" "$@"; }

running() { pa pactl info >/dev/null 2>&1; }

has_devices() {
  local sinks sources
  sinks=$(pa pactl list short sinks 2>/dev/null) || return 1
  sources=$(pa pactl list short sources 2>/dev/null) || return 1
  grep -qw vt_speaker <<<"$sinks" && grep -qw vt_mic_feed <<<"$sinks" && grep -qw vt_drain <<<"$sinks" &&
    grep -qw vt_mic <<<"$sources"
}

need() {
  local tool
  for tool in pulseaudio pactl; do
    command -v "$tool" >/dev/null 2>&1 || { say "$tool is not installed (apt install pulseaudio pulseaudio-utils)"; exit 3; }
  done
}

start() {
  need
  mkdir -p "$DIR"
  chmod 700 "$DIR"
  if ! running; then
    rm -f "$SOCKET" "$DIR/pid"
    # -n: no default.pa (no hardware probing, no X11/D-Bus modules); --exit-idle-time=-1: stay up
    # between test sessions; HOME and XDG_* keep the cookie and state inside $DIR. No shared memory:
    # with memfd/shm, PulseAudio 16 aborts under many short-lived streams from one client
    # (memblock.c "n_imported > 0" assertion, upstream issue 824); copying over the socket is fine
    # for a few mono 16-22 kHz streams.
    HOME="$DIR" XDG_RUNTIME_DIR="$DIR" XDG_CONFIG_HOME="$DIR/config" XDG_STATE_HOME="$DIR/state" \
    PULSE_RUNTIME_PATH="$DIR" PULSE_STATE_PATH="$DIR/state" \
      pulseaudio --daemonize=yes --use-pid-file=yes --exit-idle-time=-1 --disallow-exit=yes \
        --disable-shm=yes --enable-memfd=no \
        --disallow-module-loading=no -n \
        --load="module-native-protocol-unix auth-anonymous=1 socket=$SOCKET" \
        --log-target="file:$DIR/pulseaudio.log" 2>>"$DIR/start.err" \
      || { say "pulseaudio failed to start:"; cat "$DIR/start.err" "$DIR/pulseaudio.log" >&2 2>/dev/null; exit 1; }
    for _ in $(seq 1 50); do running && break; sleep 0.1; done
    running || { say "pulseaudio started but does not answer on $SOCKET"; cat "$DIR/pulseaudio.log" >&2 2>/dev/null; exit 1; }
  fi
  if ! has_devices; then
    pa pactl list short sinks | grep -qw vt_speaker ||
      pa pactl load-module module-null-sink sink_name=vt_speaker rate=22050 channels=1 \
        sink_properties=device.description=voice-triage-speaker >/dev/null
    pa pactl list short sinks | grep -qw vt_mic_feed ||
      pa pactl load-module module-null-sink sink_name=vt_mic_feed rate=16000 channels=1 \
        sink_properties=device.description=voice-triage-microphone-feed >/dev/null
    # A null sink nobody listens to runs at its 2 s maximum latency, and a clip written to it then
    # takes about 2 s longer than it lasts. A low-latency reader of the speaker's monitor (a
    # loopback into a second null sink) keeps the virtual speaker in real time, like a sound card.
    if ! pa pactl list short sinks | grep -qw vt_drain; then
      pa pactl load-module module-null-sink sink_name=vt_drain rate=16000 channels=1 \
        sink_properties=device.description=voice-triage-drain >/dev/null
      pa pactl load-module module-loopback source=vt_speaker.monitor sink=vt_drain latency_msec=20 \
        source_dont_move=true sink_dont_move=true >/dev/null
    fi
    pa pactl list short sources | grep -qw vt_mic ||
      pa pactl load-module module-remap-source master=vt_mic_feed.monitor source_name=vt_mic \
        rate=16000 channels=1 source_properties=device.description=voice-triage-microphone >/dev/null
  fi
  pa pactl set-default-sink vt_speaker
  pa pactl set-default-source vt_mic
  has_devices || { say "the virtual devices could not be made"; exit 1; }
  # The first stream of a fresh server waits about 2 s for the loopback to settle; take that wait
  # here (0.1 s of silence) rather than in the first sentence of a test.
  head -c 4410 /dev/zero | pa pacat --playback --device=vt_speaker --raw --format=s16le --rate=22050 \
    --channels=1 2>/dev/null || true
  say "PulseAudio on $SERVER: speaker vt_speaker, microphone vt_mic (feed it with paplay --device=vt_mic_feed)"
  exports
}

stop() {
  local pid=""
  [ -f "$DIR/pid" ] && pid=$(cat "$DIR/pid" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
    say "stopped PulseAudio (pid $pid)"
  else
    say "no PulseAudio server of ours was running"
  fi
  rm -rf "$DIR"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) exports ;;
  status) running && has_devices ;;
  *) echo "usage: $0 start|stop|env|status" >&2; exit 2 ;;
esac
