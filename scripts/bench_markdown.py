"""Turn `stormwatch bench --json` output into the markdown table of docs/PERFORMANCE.md.

    stormwatch bench --json --store S > bench.json
    python scripts/bench_markdown.py bench.json

Prints the numbers exactly as measured (no rounding beyond display).
"""

from __future__ import annotations

import json
import sys


def _f(x: float | None, spec: str = ".3g") -> str:
    return "" if x is None else format(x, spec)


def main(path: str) -> None:
    with open(path, encoding="utf-8") as fh:
        docs = json.load(fh)
    cols = ["kernel", "N", "T", "W", "kernel s", "baseline", "baseline s", "speedup", "bound s"]
    cols += ["kernel/bound", "target", "met"]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for d in docs:
        target = []
        if d.get("target_speedup") is not None:
            target.append(f">= {d['target_speedup']:g}x")
        if d.get("target_over_bound") is not None:
            target.append(f"<= {d['target_over_bound']:g}x bound")
        met = d.get("meets_target")
        extra = d.get("extra") or {}
        if met is None and "target_ok" in extra:
            met = extra["target_ok"]
            target.append(f"< {extra['target_seconds']:g} s")
        star = "" if str(d["baseline_note"]).startswith("measured") else " *"
        ratio = d.get("kernel_over_bound")
        print(
            f"| {d['kernel']} | {d['n']} | {d['t']:,} | {d['window']} | {_f(d['seconds'])} | "
            f"{d['baseline']} | "
            f"{_f(d['baseline_seconds'])}{star} | {d['speedup']:.1f}x | {_f(d.get('bound_seconds'))} | "
            f"{_f(ratio, '.2f')} | {', '.join(target)} | {'' if met is None else ('yes' if met else 'no')} |"
        )
    print()
    for d in docs:
        if not str(d["baseline_note"]).startswith("measured"):
            print(f"* {d['kernel']} N={d['n']}: {d['baseline_note']}")
    for d in docs:
        if d.get("extra"):
            print(f"- {d['kernel']}: " + ", ".join(f"{k}={v}" for k, v in d["extra"].items()))


if __name__ == "__main__":
    main(sys.argv[1])
