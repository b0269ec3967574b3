#!/usr/bin/env bash
# Record → replay, pixel for pixel: a live run pictured scrubbed back to T, and
# the recording of that same run (the window's own, written by --record)
# replayed and pictured at T, must show the same canvas and counters row.
#
# Why not a second live run of the same scenario and seed at T: the engine runs
# on real threads, so two runs with one seed differ in timing (which worker
# takes which job, a few ms here and there) and never stop at the same event;
# the honest pair is one run's events shown two ways. The plots, the transport
# and the timeline bar differ by design (live series vs the recording's, "engine
# paused" vs "replaying a recording"), so only the canvas and counters are compared.
#
#   replay_pixels.sh POOLVIZ PNG_CHECK SCENARIO AT SCRUB_TO OUTDIR
set -euo pipefail
poolviz=$1 png_check=$2 scenario=$3 at=$4 scrub_to=$5 outdir=$6
mkdir -p "$outdir"
live="$outdir/$scenario-live-$scrub_to.png" replayed="$outdir/$scenario-replay-$scrub_to.png"
recording="$outdir/$scenario.jsonl"
rm -f "$live" "$replayed" "$recording"

# Runs a screenshot under Xvfb (tried again only when Xvfb was not up); prints its stdout.
shot() {
  local attempt log out status
  for attempt in 1 2 3; do
    log=$(mktemp) out=$(mktemp)
    status=0
    xvfb-run -a -s "-screen 0 1280x800x24" "$poolviz" screenshot "$scenario" --size 1280x800 "$@" >"$out" 2>"$log" ||
      status=$?
    cat "$log" >&2
    if [ "$status" -eq 0 ] || ! grep -q "cannot open a window" "$log"; then
      cat "$out"
      rm -f "$log" "$out"
      return "$status"
    fi
    rm -f "$log" "$out"
    echo "replay_pixels: Xvfb was not ready (attempt $attempt); trying again" >&2
  done
  return 1
}

live_out=$(shot --at "$at" --scrub-to "$scrub_to" --record "$recording" --out "$live")
echo "$live_out"
replay_out=$(shot --replay "$recording" --at "$scrub_to" --scrub-to "$scrub_to" --out "$replayed")
echo "$replay_out"
regions() { sed -n 's/^regions: canvas \(.*\) counters \(.*\)$/\1 \2/p' <<<"$1"; }
live_regions=$(regions "$live_out") replay_regions=$(regions "$replay_out")
if [ -z "$live_regions" ] || [ "$live_regions" != "$replay_regions" ]; then
  echo "replay_pixels: the two windows laid out differently: '$live_regions' vs '$replay_regions'" >&2
  exit 1
fi
# shellcheck disable=SC2086  # eight numbers, split on purpose
"$png_check" --same "$live" "$replayed" $live_regions
