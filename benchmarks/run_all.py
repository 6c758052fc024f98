"""The course's benchmark script: one table of everything whose speed matters.

    .venv/bin/python benchmarks/run_all.py                 # everything (fresh setup included)
    .venv/bin/python benchmarks/run_all.py --skip-setup --skip-tests

Rows: a fresh setup of the virtual environment (in a temporary folder; pip's cache makes a
second run faster than a first-ever install), the whole test command, each notebook's
execution (on a copy, so the stored notebooks are untouched), the import of course_lib, and
every `benchmarks/bench_*.py` module's `run()` rows (training speed, widget latency).
Targets are printed beside the measurements; the table is also written to
benchmarks/results/latest.md.
"""
from __future__ import annotations

import argparse
import importlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))


def timed(cmd: list[str], **kwargs) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, **kwargs)
    return time.perf_counter() - start


def setup_row() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, VENV=str(Path(tmp) / "venv"))
        seconds = timed(["bash", "scripts/bootstrap.sh"], env=env)
    return {"benchmark": "fresh setup (bootstrap.sh into an empty folder)", "value": f"{seconds:.0f} s",
            "target": "", "ok": ""}


def test_row() -> dict:
    seconds = timed(["make", "test"])
    return {"benchmark": "whole test command (make test, after setup)", "value": f"{seconds:.0f} s",
            "target": "<= 240 s", "ok": seconds <= 240}


def notebook_rows() -> list[dict]:
    from execute_notebooks import ENV, execute
    os.environ.update(ENV)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")):
            copy = Path(tmp) / "notebooks" / path.name
            copy.parent.mkdir(exist_ok=True)
            shutil.copy(path, copy)
            seconds = execute(copy)
            rows.append({"benchmark": f"notebook {path.name}", "value": f"{seconds:.1f} s",
                         "target": "<= 40 s", "ok": seconds <= 40})
    return rows


def import_rows() -> list[dict]:
    rows = []
    for label, stmt in [("import course_lib", "import course_lib"),
                        ("import course_lib + every numpy module",
                         "import course_lib.data, course_lib.synthetic, course_lib.plotting, "
                         "course_lib.widgets, " + ", ".join(
                             f"course_lib.{m}" for m in ("schedules", "plateau", "clipping", "models",
                                                         "optim", "training", "regularization",
                                                         "early_stopping", "metrics", "curves")
                             if (ROOT / "course_lib" / f"{m}.py").exists()))]:
        code = f"import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"
        samples = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                        check=True, cwd=ROOT).stdout) for _ in range(5)]
        seconds = statistics.median(samples)
        target = "<= 0.3 s" if label == "import course_lib" else ""
        rows.append({"benchmark": f"{label} (median of 5 fresh processes)", "value": f"{seconds:.3f} s",
                     "target": target, "ok": seconds <= 0.3 if target else ""})
    return rows


def module_rows() -> list[dict]:
    rows = []
    for path in sorted((ROOT / "benchmarks").glob("bench_*.py")):
        module = importlib.import_module(f"benchmarks.{path.stem}")
        for row in module.run():
            if "median_ms" in row:  # widget latency rows
                row = {"benchmark": row["benchmark"],
                       "value": f"median {row['median_ms']:.1f} ms, p90 {row['p90_ms']:.1f} ms",
                       "target": row.get("target", "median <= 50 ms"),
                       "ok": row.get("ok", row["median_ms"] <= 50)}
            rows.append(row)
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| benchmark | measured | target | met |", "|---|---|---|---|"]
    for r in rows:
        ok = {True: "yes", False: "**no**"}.get(r.get("ok"), "")
        lines.append(f"| {r['benchmark']} | {r['value']} | {r.get('target', '')} | {ok} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-setup", action="store_true")
    parser.add_argument("--skip-tests", action="store_true")
    parser.add_argument("--only", choices=["imports", "notebooks", "modules"], default=None)
    args = parser.parse_args()
    rows: list[dict] = []
    if args.only in (None, "imports"):
        rows += import_rows()
    if args.only is None and not args.skip_setup:
        rows.append(setup_row())
    if args.only is None and not args.skip_tests:
        rows.append(test_row())
    if args.only in (None, "notebooks"):
        rows += notebook_rows()
    if args.only in (None, "modules"):
        rows += module_rows()
    text = f"Machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}\n\n{table(rows)}"
    print(text)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.md").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
