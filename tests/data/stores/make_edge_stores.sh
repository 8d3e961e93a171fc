#!/bin/sh
# Makes tests/data/stores/edge-{north,south}.db again (see tests/data/README.md): run from the repository root.
set -eu
work=$(mktemp -d)
cp tests/data/opencv_vtest.mp4 "$work/vtest.mp4"
for site in north south; do
  cat > "$work/$site.yaml" <<YAML
site: $site
hub: {mqtt: "mqtt://127.0.0.1:1", drain_timeout_s: 0}
detector: {threads: 2}
cameras:
  - id: gate
    fps: 2
    rules:
      - {kind: loitering, name: stay, min_dwell_s: 1}
YAML
  (cd "$work" && camsight analyze vtest.mp4 --config "$site.yaml" --db "edge-$site.db" >/dev/null)
  cp "$work/edge-$site.db" "tests/data/stores/edge-$site.db"
done
rm -rf "$work"
