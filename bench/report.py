#!/usr/bin/env python3
"""Turns Google Benchmark JSON files from poolviz_bench into the results.

Reads every file given (one per benchmark process, see scripts/bench), takes
the median aggregate of a repeated benchmark (else its single run), and
writes:
  --json  an array of {"case", "impl", "value", "unit"} (bench/results/latest.json)
  --markdown  the table (case, implementation, figure, unit, ratio to ours),
              the issue's targets with met/missed, and the machine it ran on.
The markdown also goes to stdout.

Benchmark names are "<case id>/<impl>/..."; figures are the user counters
named in CASES, their unit read from the counter name's suffix.
"""
import argparse
import json
import os
import platform
import sys
import time

# case id -> (label, [(counter, figure label)]); the order of the table.
CASES = [
    ("c1_w1", "1 empty-task throughput, 1 worker", [("jobs_per_s", ""),
                                                      ("cpu_ns_per_job", "CPU time per job")]),
    ("c1_w2", "1 empty-task throughput, 2 workers", [("jobs_per_s", ""),
                                                       ("cpu_ns_per_job", "CPU time per job")]),
    ("cg_c1_w1", "1 instructions per empty job (callgrind), 1 worker", [("ir_per_job_count", "")]),
    ("cg_c1_w2", "1 instructions per empty job (callgrind), 2 workers", [("ir_per_job_count", "")]),
    ("c2", "2 idle submit-to-start latency", [("p50_ns", "p50"), ("p99_ns", "p99")]),
    ("c3_w1", "3 fork-join fib, 1 worker", [("ns_per_task", "")]),
    ("c3_w2", "3 fork-join fib, 2 workers", [("ns_per_task", "")]),
    ("c4_fifo", "4 per-job cost, FIFO pool", [("ns_per_job", ""), ("cpu_ns_per_job", "CPU time")]),
    ("c4_priority", "4 per-job cost, priority pool", [("ns_per_job", ""),
                                                      ("cpu_ns_per_job", "CPU time")]),
    ("c5_w1", "5 hooks on, 1 worker", [("ns_per_event", "cost per event"),
                                       ("slowdown_x", "slowdown"),
                                       ("cpu_ns_per_event", "CPU time per event"),
                                       ("cpu_slowdown_x", "CPU time slowdown"),
                                       ("dropped_count", "events dropped (GUI ring, 16 ms drain)"),
                                       ("drain_gap_ms", "longest time between two drains, same run"),
                                       ("events_per_job_count", "events per job"),
                                       ("events_per_frame_count", "largest 16 ms batch")]),
    ("c5_w2", "5 hooks on, 2 workers", [("ns_per_event", "cost per event"),
                                        ("slowdown_x", "slowdown"),
                                        ("cpu_ns_per_event", "CPU time per event"),
                                        ("cpu_slowdown_x", "CPU time slowdown"),
                                        ("dropped_count", "events dropped (GUI ring, 16 ms drain)"),
                                        ("drain_gap_ms", "longest time between two drains, same run"),
                                        ("events_per_job_count", "events per job"),
                                        ("events_per_frame_count", "largest 16 ms batch")]),
    ("cg_c5_w1", "5 instructions per event (callgrind, 4 events per job), 1 worker",
     [("ir_per_event_count", "")]),
    ("cg_c5_w2", "5 instructions per event (callgrind, 4 events per job), 2 workers",
     [("ir_per_event_count", "")]),
    ("c6_acquire", "6 token bucket acquire", [("ns_per_acquire", "")]),
    ("c6_rate", "6 token bucket at 1,000/s, burst 1", [("rate_error_pct", "rate error")]),
    ("c6_rate_burst10", "6 token bucket at 1,000/s, burst 10", [("rate_error_pct", "rate error")]),
    ("c7", "7 1,000 idle workers", [("rss_per_worker_kib", "RSS per worker"),
                                    ("create_per_worker_us", "creation per worker")]),
    ("c8", "8 10,000 jobs of 1 ms io", [("peak_threads_count", "peak threads"),
                                        ("peak_rss_mib", "peak RSS"),
                                        ("rss_growth_mib", "RSS growth"),
                                        ("p50_latency_ms", "p50 latency"),
                                        ("p99_latency_ms", "p99 latency"),
                                        ("wall_ms", "wall time")]),
]
IMPL_ORDER = ["poolviz", "asio", "rvaser", "tbb", "textbook", "thread_per_task", "condvar"]
UNITS = [("_per_s", "jobs/s"), ("_ns", "ns"), ("_us", "µs"), ("_ms", "ms"), ("_kib", "KiB"),
         ("_mib", "MiB"), ("_x", "×"), ("_pct", "%"), ("_count", "count")]


def unit_of(counter):
    if counter.startswith("ns_per_") or counter.startswith("cpu_ns_per_"):
        return "ns"
    if counter.startswith("ir_per_"):
        return "instructions"
    for suffix, unit in UNITS:
        if counter.endswith(suffix):
            return unit
    return ""


def load_runs(paths):
    """(case id, impl) -> counters dict, preferring the median aggregate."""
    runs = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        for b in data.get("benchmarks", []):
            parts = b.get("run_name", b["name"]).split("/")
            if len(parts) < 2:
                continue
            key = (parts[0], parts[1])
            if b.get("error_occurred"):
                runs[key] = {"error": b.get("error_message", "error")}
                continue
            if b.get("run_type") == "aggregate":
                if b.get("aggregate_name") != "median":
                    continue
            elif key in runs:
                continue  # an aggregate (or the first run) already stands
            runs[key] = b
    return runs


def load_callgrind(path, runs):
    """Adds Ir per job (c1) and per event (c5) from `name scale instructions` lines.

    Each benchmark ran at two scales of quick mode's 100,000 jobs; the
    difference over the difference in jobs cancels start-up and tear-down.
    """
    by_name = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3:
                by_name.setdefault(parts[0], {})[float(parts[1])] = int(parts[2])
    per_job = {}
    for name, points in by_name.items():
        if len(points) != 2 or 0 in points.values():
            continue
        (s1, i1), (s2, i2) = sorted(points.items())
        per_job[name] = (i2 - i1) / ((s2 - s1) * 100_000)
    for name, ir in per_job.items():
        case_id, impl = name.split("/")[:2]
        if case_id.startswith("c1_"):
            runs.setdefault(("cg_" + case_id, impl), {})["ir_per_job_count"] = ir
    for w in ("w1", "w2"):
        on, off = per_job.get(f"cg_hooks_{w}/poolviz"), per_job.get(f"c1_{w}/poolviz")
        if on is not None and off is not None:
            runs.setdefault((f"cg_c5_{w}", "poolviz"), {})["ir_per_event_count"] = (on - off) / 4.0


def build_rows(runs):
    rows = []  # dicts: case, impl, value, unit, ratio, placeholder
    for case_id, label, counters in CASES:
        impls = sorted({impl for (c, impl) in runs if c == case_id},
                       key=lambda i: IMPL_ORDER.index(i) if i in IMPL_ORDER else 99)
        for counter, figure in counters:
            name = f"{label}: {figure}" if figure else label
            ours = runs.get((case_id, "poolviz"), {}).get(counter)
            for impl in impls:
                run = runs[(case_id, impl)]
                placeholder = run.get("placeholder_count", 0) >= 0.5
                case_name = name + (" (placeholder implementation)" if placeholder else "")
                if "error" in run:
                    rows.append(dict(case=case_name, impl=impl, value=None, unit="error: " + run["error"],
                                     ratio=None))
                    continue
                if counter not in run:
                    continue
                value = run[counter]
                ratio = value / ours if ours not in (None, 0) else None
                rows.append(dict(case=case_name, impl=impl, value=value, unit=unit_of(counter),
                                 ratio=ratio, case_id=case_id, counter=counter))
    return rows


def fmt(value):
    if value is None:
        return "–"
    a = abs(value)
    if a >= 1e6:
        return f"{value / 1e6:.2f} M"
    if a >= 1e4:
        return f"{value / 1e3:.0f} k"
    if a >= 100:
        return f"{value:.0f}"
    if a >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def value_of(runs, case_id, impl, counter):
    run = runs.get((case_id, impl))
    if not run or "error" in run:
        return None
    return run.get(counter)


def targets(runs):
    """The issue's targets: (text, measured, met or None when not measured)."""
    out = []

    def ratio_target(text, a, b, minimum=None, maximum=None):
        if a is None or b in (None, 0):
            out.append((text, "not measured", None))
            return
        r = a / b
        met = (minimum is None or r >= minimum) and (maximum is None or r <= maximum)
        out.append((text, f"{r:.2f}×", met))

    for w in (1, 2):
        c = f"c1_w{w}"
        ours = value_of(runs, c, "poolviz", "jobs_per_s")
        ratio_target(f"fixed pool ≥ 1.0× asio throughput, {w} worker(s)", ours,
                     value_of(runs, c, "asio", "jobs_per_s"), minimum=1.0)
        ratio_target(f"fixed pool ≥ 1.5× textbook throughput, {w} worker(s)", ours,
                     value_of(runs, c, "textbook", "jobs_per_s"), minimum=1.5)
        ratio_target(f"fixed pool ≥ 50× thread-per-task throughput, {w} worker(s)", ours,
                     value_of(runs, c, "thread_per_task", "jobs_per_s"), minimum=50)
    for w in (1, 2):
        c = f"c1_w{w}"
        ours = value_of(runs, c, "poolviz", "cpu_ns_per_job")
        for peer, factor in (("asio", 1.0), ("textbook", 1.5)):
            theirs = value_of(runs, c, peer, "cpu_ns_per_job")
            # Throughput ratio ≥ factor <=> our CPU time per job ≤ theirs / factor.
            ratio_target(f"(supplementary) fixed pool CPU time per job ≤ {peer}'s / {factor:g}, {w} worker(s)",
                         ours, theirs, maximum=1.0 / factor)
    for w in (1, 2):
        c = f"c3_w{w}"
        ph = value_of(runs, c, "poolviz", "placeholder_count")
        ratio_target(f"work-stealing fib ≤ 1.5× TBB's time, {w} worker(s)"
                     + (" [placeholder executor]" if ph else ""),
                     value_of(runs, c, "poolviz", "ns_per_task"),
                     value_of(runs, c, "tbb", "ns_per_task"), maximum=1.5)
    ph = value_of(runs, "c4_priority", "poolviz", "placeholder_count")
    for counter, what in (("ns_per_job", "wall"), ("cpu_ns_per_job", "CPU")):
        ratio_target(f"priority pool ≤ 1.5× FIFO per-job cost ({what} time)"
                     + (" [placeholder queue]" if ph else ""),
                     value_of(runs, "c4_priority", "poolviz", counter),
                     value_of(runs, "c4_fifo", "poolviz", counter), maximum=1.5)
    for w in (1, 2):
        c = f"c5_w{w}"
        ns = value_of(runs, c, "poolviz", "ns_per_event")
        out.append((f"(supplementary) hooks ≤ 15 ns per event (wall time), {w} worker(s)",
                    "not measured" if ns is None else f"{ns:.1f} ns", None if ns is None else ns <= 15))
        ns = value_of(runs, c, "poolviz", "cpu_ns_per_event")
        out.append((f"(supplementary) hooks ≤ 15 ns per event (CPU time), {w} worker(s)",
                    "not measured" if ns is None else f"{ns:.1f} ns", None if ns is None else ns <= 15))
        sd = value_of(runs, c, "poolviz", "cpu_slowdown_x")
        out.append((f"hooks ≤ 1.25× slowdown (CPU time), {w} worker(s)",
                    "not measured" if sd is None else f"{sd:.2f}×", None if sd is None else sd <= 1.25))
        sd = value_of(runs, c, "poolviz", "slowdown_x")
        out.append((f"hooks ≤ 1.25× slowdown (wall time), {w} worker(s)",
                    "not measured" if sd is None else f"{sd:.2f}×", None if sd is None else sd <= 1.25))
        dr = value_of(runs, c, "poolviz", "dropped_count")
        out.append((f"hooks drop 0 events at a 16 ms drain, {w} worker(s)",
                    "not measured" if dr is None else f"{dr:.0f}", None if dr is None else dr == 0))
    ratio_target("idle submit-to-start p50 ≤ 1.2× a raw condvar wake",
                 value_of(runs, "c2", "poolviz", "p50_ns"), value_of(runs, "c2", "condvar", "p50_ns"),
                 maximum=1.2)
    return out


def machine(mode):
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = "?"
    try:
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        pass
    return (f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {mode} run, {cpu}, "
            f"{os.cpu_count()} cores, Linux {platform.release()}, load average {load} at the end")


def markdown(rows, runs, mode):
    lines = [f"Machine: {machine(mode)}", "",
             "Ratio to ours = the figure ÷ poolviz's figure in the same row group "
             "(for throughput, < 1 means poolviz is faster; for times and costs, > 1 means poolviz is faster).",
             "", "| case | implementation | figure | unit | ratio to ours |", "|---|---|---:|---|---:|"]
    for r in rows:
        ratio = "–" if r["ratio"] is None else f"{r['ratio']:.2f}"
        lines.append(f"| {r['case']} | {r['impl']} | {fmt(r['value'])} | {r['unit']} | {ratio} |")
    lines += ["", "| target | measured | |", "|---|---:|---|"]
    for text, measured, met in targets(runs):
        verdict = "not measured" if met is None else ("met" if met else "**missed**")
        lines.append(f"| {text} | {measured} | {verdict} |")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("inputs", nargs="+", help="Google Benchmark JSON files")
    ap.add_argument("--json", help="where to write the results array")
    ap.add_argument("--markdown", help="where to write the markdown table")
    ap.add_argument("--callgrind", help="`name scale instructions` lines from scripts/bench --callgrind")
    ap.add_argument("--mode", default="full", help="full or quick (shown in the machine line)")
    args = ap.parse_args()

    runs = load_runs(args.inputs)
    if args.callgrind:
        load_callgrind(args.callgrind, runs)
    rows = build_rows(runs)
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump([{"case": r["case"], "impl": r["impl"], "value": r["value"], "unit": r["unit"]}
                       for r in rows], f, indent=1, ensure_ascii=False)
            f.write("\n")
    text = markdown(rows, runs, args.mode)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
