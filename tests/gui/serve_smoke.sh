#!/usr/bin/env bash
# GUI smoke test for `poolviz serve --gui`: the window shows the served pool
# while `poolviz load` floods it, renders it at scenario time 2 s under a
# virtual X server, then the server stops (cancel) and exits 0.
#
#   serve_smoke.sh POOLVIZ PNG_CHECK OUTDIR
set -euo pipefail
poolviz=$1 png_check=$2 outdir=$3
mkdir -p "$outdir"
out="$outdir/serve-gui.png" port_file="$outdir/serve-gui.port"
rm -f "$out" "$port_file"
xvfb-run -a -s "-screen 0 1280x800x24" \
  "$poolviz" serve --gui --port 0 --screenshot "$out" --at 2 --on-exit cancel >"$port_file" &
server=$!
for _ in $(seq 100); do [ -s "$port_file" ] && break; sleep 0.1; done
port=$(head -1 "$port_file")
# The flood may outlive the server (it stops at 2 s); refused connections are fine.
"$poolviz" load "http://127.0.0.1:$port" --rate 60 --duration 1.5 >/dev/null || true
wait "$server"
"$png_check" "$out" 1280 800 16
