#!/usr/bin/env bash
# GUI smoke test for one scenario: render it with the real engine at scenario
# time 3 s under a virtual X server, then check the PNG's size and that it is
# not blank. `poolviz screenshot` itself fails on any OpenGL error.
#
#   screenshot_smoke.sh POOLVIZ PNG_CHECK SCENARIO OUTDIR [WIDTHxHEIGHT [EXTRA ARGS...]]
set -euo pipefail
poolviz=$1 png_check=$2 scenario=$3 outdir=$4 size=${5:-1280x800}
shift $(($# < 5 ? $# : 5))
width=${size%x*} height=${size#*x}
mkdir -p "$outdir"
out="$outdir/$scenario-$size${1:+$1}.png"
rm -f "$out"
# -a picks a free display number, so tests can run in parallel. On a loaded
# machine Xvfb sometimes is not up when the window opens ("cannot open a
# window"); that is the test rig, not poolviz, so that case alone is tried again.
for attempt in 1 2 3; do
  log=$(mktemp)
  status=0
  xvfb-run -a -s "-screen 0 1280x800x24" \
    "$poolviz" screenshot "$scenario" --at 3 --size "$size" --out "$out" "$@" 2>"$log" || status=$?
  cat "$log" >&2
  if [ "$status" -eq 0 ] || ! grep -q "cannot open a window" "$log"; then
    rm -f "$log"
    break
  fi
  rm -f "$log"
  echo "screenshot_smoke: Xvfb was not ready (attempt $attempt); trying again" >&2
done
[ "$status" -eq 0 ] || exit "$status"
"$png_check" "$out" "$width" "$height" 16
