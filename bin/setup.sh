#!/usr/bin/env bash
# Installs what Streamplane needs on a fresh Debian/Ubuntu machine with Node 20+: ffmpeg/ffprobe from the
# distribution's packages (when missing) and the npm dependencies pinned in package-lock.json. With
# `--test` (or under CI) also Debian's Chromium, for the browser tests (console, hls.js playback), and
# GStreamer's RTSP server (python3-gi), the camera the pull-source tests pull from.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "setup: need root (or sudo) to run: $*" >&2; exit 1; fi
}

missing=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
# SRT ingest: a small python3 helper drives libsrt (which Debian's ffmpeg already depends on).
command -v python3 >/dev/null 2>&1 || missing+=(python3)
# Chromium only runs the browser tests (console, hls.js playback); the plane itself does not need it.
if [ "${STREAMPLANE_SETUP_BROWSER:-auto}" != "no" ] && { [ "${1:-}" = "--test" ] || [ -n "${CI:-}" ]; } && [ ! -x /usr/bin/chromium ]; then
  missing+=(chromium)
fi
# The pull-source tests run a real RTSP camera: GStreamer's RTSP server through python3-gi (test peers only).
if { [ "${1:-}" = "--test" ] || [ -n "${CI:-}" ]; } && ! /usr/bin/python3 -c "import gi; gi.require_version('Gst', '1.0'); gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer" >/dev/null 2>&1; then
  missing+=(python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-rtsp gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly gstreamer1.0-libav)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]} from the Debian packages"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
ffmpeg -hide_banner -version | head -n 1

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
