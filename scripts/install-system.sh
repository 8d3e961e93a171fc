#!/usr/bin/env bash
# Install the system packages camsight's tests need, only those missing. Runs as root (or via sudo).
# ffmpeg: re-muxing clips and making test files; gst-rtsp-server + python3-gi: a real RTSP server for tests;
# chromium: the browser the console's tests drive with Playwright (Playwright downloads no browser here);
# mosquitto and postgresql: the hub's tests start their own broker and database on free ports (a PostgreSQL
# already listening on 127.0.0.1:5432 is used instead, so the server package is installed only without one).
set -euo pipefail
need=()
command -v ffmpeg >/dev/null || need+=(ffmpeg)
command -v chromium >/dev/null || need+=(chromium)
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && ! command -v initdb >/dev/null \
  && ! (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  need+=(postgresql)
fi
dpkg -s gir1.2-gst-rtsp-server-1.0 >/dev/null 2>&1 || need+=(gir1.2-gst-rtsp-server-1.0)
dpkg -s python3-gi >/dev/null 2>&1 || need+=(python3-gi)
for p in gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if ((${#need[@]})); then
  echo "installing system packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
