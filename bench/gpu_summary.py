"""Folds `bench/gpu.sh`'s runs into one JSON object on stdout and a table on stderr.

A run's rate is the median over its steps after the first of (tokens in the step) / (time
from the previous step's end to this one's); both sides report each step's running token total
and its end time since training started, so the first step, which compiles kernels and
autotunes, is reported apart. Each Tunelab row is divided by PyTorch's at the same batch.
"""

import json
import statistics
import sys
from pathlib import Path


def rates(steps):
    """Median tokens/s over the steps after the first, and the first step's seconds."""
    per_step = [
        (b["tokens"] - a["tokens"]) / (b["elapsed_s"] - a["elapsed_s"])
        for a, b in zip(steps, steps[1:])
        if b["elapsed_s"] > a["elapsed_s"]
    ]
    return (statistics.median(per_step) if per_step else None), (steps[0]["elapsed_s"] if steps else None)


def main():
    runs, batches = Path(sys.argv[1]), sys.argv[2].split()
    variants = sys.argv[3].split() if len(sys.argv) > 3 else ["fusion", "plain"]
    rows = []
    for batch in batches:
        baseline = None
        for name in [f"pytorch-b{batch}"] + [f"tunelab-{v}-b{batch}" for v in variants]:
            path = runs / f"{name}.json"
            row = {"name": name, "batch": int(batch)}
            if not path.exists():
                row["note"] = "not measured: the run failed, timed out or was not in the bundle (see the log)"
                rows.append(row)
                continue
            result = json.loads(path.read_text())
            steps = result.get("step_times", [])
            tokens_per_s, first_step_s = rates(steps)
            launches = [s["kernel_launches"] for s in steps[1:] if "kernel_launches" in s]
            row.update({
                "kernel_launches_per_step": statistics.median(launches) if launches else None,
                "kernel_launches_first_step": steps[0].get("kernel_launches") if steps else None,
                "device_name": result.get("device_name"),
                "steps": len(steps),
                "tokens_per_s": tokens_per_s,
                "first_step_s": first_step_s,
                "device_memory_peak_mb": result.get("device_memory_peak_mb"),
                "memory_estimate_mb": result.get("memory_estimate_mb"),
                "peak_rss_mb": result.get("peak_rss_mb"),
                "versions": {k: result[k] for k in ("torch", "transformers") if k in result},
            })
            if name.startswith("pytorch"):
                baseline = tokens_per_s
            elif baseline and tokens_per_s:
                row["ratio_to_pytorch"] = tokens_per_s / baseline
            row["run"] = result
            rows.append(row)
    print(json.dumps({"rows": rows}))
    print(f"{'run':<24} {'device':<28} {'steps':>5} {'tokens/s':>10} {'first step s':>12} {'launches':>8} "
          f"{'× PyTorch':>9} {'peak MB':>8} {'estimate MB':>11}", file=sys.stderr)
    for r in rows:
        fmt = lambda v, spec: format(v, spec) if isinstance(v, (int, float)) else "-"
        print(f"{r['name']:<24} {str(r.get('device_name') or '-')[:28]:<28} {fmt(r.get('steps'), '5d')} "
              f"{fmt(r.get('tokens_per_s'), '10.0f')} {fmt(r.get('first_step_s'), '12.2f')} "
              f"{fmt(r.get('kernel_launches_per_step'), '8.0f')} "
              f"{fmt(r.get('ratio_to_pytorch'), '9.2f')} {fmt(r.get('device_memory_peak_mb'), '8.0f')} "
              f"{fmt(r.get('memory_estimate_mb'), '11.0f')}", file=sys.stderr)
    failed = [r["name"] for r in rows if "tokens_per_s" not in r]
    if failed:
        print(f"gpu.sh: not measured: {', '.join(failed)}", file=sys.stderr)


if __name__ == "__main__":
    main()
