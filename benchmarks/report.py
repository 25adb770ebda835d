"""Printing, schema check and JSON output of the benchmark results."""

from __future__ import annotations

import json
import math
from pathlib import Path

from benchmarks.suite import IMPLEMENTATIONS, SCHEMA

MIB = float(1 << 20)


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds >= 1.0:
        return f"{seconds:.2f} s"
    return f"{seconds * 1e3:.1f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.0f} us"


def _cell(entry: dict) -> str:
    if entry.get("status") == "ok":
        return _ms(entry["median_s"])
    return entry.get("status", "n/a")


def _mib(nbytes: int | None) -> str:
    return "-" if nbytes is None else f"{nbytes / MIB:.1f} MiB"


def _gbs(bps: float | None) -> str:
    return "-" if bps is None else f"{bps / 1e9:.1f} GB/s"


def _yes_no(value: bool | None) -> str:
    return {True: "yes", False: "NO", None: "n/a"}[value]


def format_table(results: dict) -> str:
    m = results["machine"]
    v = m["versions"]
    s = results["settings"]
    bw = results["bandwidth"]
    lines = []
    size = "QUICK sizes (smoke run: ratios not meaningful)" if s["quick"] else "full sizes"
    lines.append(f"refsnn benchmarks: {size}, {s['dtype']}, median of {s['repeat']} "
                 "interleaved repeats after a warm-up call")
    mem = m.get("memory_total_bytes")
    lines.append(
        f"machine: {m['cpu_model']}, {m['cores_logical']} logical cores ({m['cores_usable']} usable)"
        + (f", {mem / (1 << 30):.1f} GiB RAM" if mem else "")
        + f"; threads {m['threads']} (torch, numba, BLAS); numpy {v['numpy']}, numba {v['numba']}, "
        f"torch {v['torch']}, norse {v['norse']}, refsnn {v['refsnn']}")
    la0, la1 = m.get("load_average_start"), m.get("load_average_end")
    if la0 and la1:
        busy = la0[0] > 0.5 * m["cores_usable"]  # the end value includes this run
        lines.append(
            f"load average (1 min) before / after the run: {la0[0]:.2f} / {la1[0]:.2f} on "
            f"{m['cores_usable']} cores"
            + ("  WARNING: other processes compete for the cores; multithreaded runs "
               "(torch ops, parallel kernels) wait for descheduled threads" if busy else ""))
    par = bw.get("parallel_copy_bytes_per_s")
    lines.append(
        f"memory bandwidth ({bw['array_bytes'] / MIB:.0f} MiB copy, read + write): "
        f"np.copyto (1 thread) {_gbs(bw['copyto_bytes_per_s'])}"
        + (f", numba prange copy ({bw['parallel_copy_threads']} threads) {_gbs(par)}" if par else "")
        + f"; reference = {_gbs(bw['reference_bytes_per_s'])}")
    lines.append("")

    head = (f"{'case':<40} {'numpy':>10} {'numba':>10} {'numba 1st':>10} {'norse':>10}   "
            f"{'target':<19} {'ratio':>8}  met")
    lines.append(head)
    lines.append("-" * len(head))
    for case in results["cases"]:
        r = case["results"]
        numba_first = r["numba"].get("first_call_s") if r["numba"].get("status") == "ok" else None
        left = (f"{case['title']:<40} {_cell(r['numpy']):>10} {_cell(r['numba']):>10} "
                f"{_ms(numba_first) if numba_first is not None else '-':>10} "
                f"{_cell(r['norse']):>10}   ")
        targets = case["targets"] or [None]
        for k, t in enumerate(targets):
            prefix = left if k == 0 else " " * len(left)
            if t is None:
                lines.append(prefix.rstrip())
                continue
            ratio = "-" if t["ratio"] is None else f"{t['ratio']:.2f}x"
            label = f"{t['faster']} >= {t['min_ratio']:g}x {t['than']}"
            lines.append(f"{prefix}{label:<19} {ratio:>8}  {_yes_no(t['met'])}")
    lines.append("")

    head = (f"{'case / implementation':<40} {'steps/s':>9} {'rate':>8} {'=numpy':>8} "
            f"{'traced peak':>12} {'RSS peak':>10} {'needed':>10}  mem")
    lines.append(head)
    lines.append("-" * len(head))
    for case in results["cases"]:
        lines.append(f"{case['title']}  ({case['unit']}/s)")
        for name in IMPLEMENTATIONS:
            e = case["results"][name]
            if e.get("status") != "ok":
                lines.append(f"  {name:<38} {e.get('status')}: {e.get('reason')}")
                continue
            memo = e.get("memory", {})
            same = e.get("same_as_numpy")
            ok = memo.get("ok")
            lines.append(
                f"  {name:<38} {e['per_second']:>9.3g} {e['rate']:>8.3%} "
                f"{'-' if same is None else f'{same:.2%}':>8} "
                f"{_mib(memo.get('peak_traced_bytes')):>12} "
                f"{_mib(memo.get('rss_peak_increase_bytes')):>10} "
                f"{_mib(memo.get('needed_bytes')):>10}  "
                f"{'-' if ok is None else ('ok' if ok else 'OVER')}")
        if case["bandwidth"]:
            b = case["bandwidth"]
            parts = [f"{n} {_gbs(bps)} = {b['share_of_reference'][n]:.0%}"
                     for n, bps in b["effective_bytes_per_s"].items()]
            lines.append(f"  effective bandwidth ({b['per_neuron_step_bytes']} B per neuron-step "
                         f"+ state once): " + ", ".join(parts) + " of reference")
        for note in case["notes"]:
            lines.append(f"  note: {note}")
        for c in case["checks"]:
            if not c["ok"]:
                lines.append(f"  CHECK FAILED: {c['check']} (value {c['value']})")
    lines.append("")
    lines.append("implementations:")
    for name, impl in results["implementations"].items():
        status = "" if impl["available"] else f"  [unavailable: {impl['reason']}]"
        lines.append(f"  {name}: {impl['how']}{status}")
    cost = results.get("check_cost")
    if cost:
        lines.append(
            f"driver checks (non-finite policy, sizing, step size) on {cost['case']} "
            f"({cost['backend']}): {_ms(cost['checked_s'])} vs {_ms(cost['unchecked_s'])} "
            f"without, cost {cost['cost']:+.1%} (target < {cost['target']:.0%}: "
            f"{'met' if cost['met'] else 'MISSED'})")
    return "\n".join(lines)


def _finite(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def validate(results: dict) -> list[str]:
    """Problems with the structure of ``results`` (empty when it matches the schema)."""
    problems = []

    def need(obj, key, kind, where):
        if not isinstance(obj, dict) or key not in obj:
            problems.append(f"{where}: missing {key!r}")
            return None
        if kind is not None and not isinstance(obj[key], kind):
            problems.append(f"{where}.{key}: expected {kind}, got {type(obj[key]).__name__}")
            return None
        return obj[key]

    if results.get("schema") != SCHEMA:
        problems.append(f"schema must be {SCHEMA!r}")
    for key in ("created", "command"):
        need(results, key, str, "results")
    settings = need(results, "settings", dict, "results") or {}
    for key, kind in (("quick", bool), ("repeat", int), ("threads", int), ("dtype", str)):
        need(settings, key, kind, "settings")
    machine = need(results, "machine", dict, "results") or {}
    for key, kind in (("cpu_model", str), ("cores_logical", int), ("threads", int),
                      ("versions", dict)):
        need(machine, key, kind, "machine")
    for key in ("numpy", "numba", "torch", "norse", "refsnn"):
        if key not in machine.get("versions", {}):
            problems.append(f"machine.versions: missing {key!r}")
    impls = need(results, "implementations", dict, "results") or {}
    for name in IMPLEMENTATIONS:
        entry = need(impls, name, dict, "implementations") or {}
        need(entry, "available", bool, f"implementations.{name}")
        need(entry, "how", str, f"implementations.{name}")
    bw = need(results, "bandwidth", dict, "results") or {}
    for key in ("copyto_bytes_per_s", "reference_bytes_per_s"):
        if not _finite(bw.get(key)):
            problems.append(f"bandwidth.{key}: not a finite number")
    cases = need(results, "cases", list, "results") or []
    for case in cases:
        where = f"cases[{case.get('key', '?')}]"
        for key, kind in (("key", str), ("title", str), ("neurons", int), ("steps", int),
                          ("results", dict), ("ratios", dict), ("targets", list),
                          ("checks", list)):
            need(case, key, kind, where)
        for name in IMPLEMENTATIONS:
            entry = case.get("results", {}).get(name)
            if not isinstance(entry, dict):
                problems.append(f"{where}.results: missing {name!r}")
                continue
            status = entry.get("status")
            if status not in ("ok", "n/a", "error"):
                problems.append(f"{where}.results.{name}.status: {status!r}")
            if status == "ok":
                for key in ("median_s", "first_call_s", "per_second", "rate"):
                    if not _finite(entry.get(key)):
                        problems.append(f"{where}.results.{name}.{key}: not a finite number")
                times = entry.get("times_s")
                if not (isinstance(times, list) and times and all(_finite(t) for t in times)):
                    problems.append(f"{where}.results.{name}.times_s: not a list of numbers")
                need(entry, "memory", dict, f"{where}.results.{name}")
            elif not isinstance(entry.get("reason"), str):
                problems.append(f"{where}.results.{name}: status {status} without a reason")
        for t in case.get("targets", []):
            for key in ("faster", "than", "min_ratio", "ratio", "met"):
                if key not in t:
                    problems.append(f"{where}.targets: missing {key!r}")
            if t.get("ratio") is not None and not _finite(t["ratio"]):
                problems.append(f"{where}.targets: ratio not a number")
            if t.get("met") not in (True, False, None):
                problems.append(f"{where}.targets: met must be true/false/null")
    return problems


def write_json(results: dict, path: Path) -> None:
    Path(path).write_text(json.dumps(results, indent=2, allow_nan=False) + "\n")
