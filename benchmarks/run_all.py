"""The course's benchmark script: one table of everything whose speed matters.

    .venv/bin/python benchmarks/run_all.py                 # everything (fresh setup included)
    .venv/bin/python benchmarks/run_all.py --skip-setup --skip-tests

Rows: a fresh setup of the virtual environment (in a temporary folder; pip's cache makes a
second run faster than a first-ever install), the whole test command, each notebook's
execution (on a copy, so the stored notebooks are untouched), the import of course_lib, and
every `benchmarks/bench_*.py` module's `run()` rows (training speed, widget latency).
Targets are printed beside the measurements; the table is also written to
benchmarks/results/latest.md. A part that fails (a red `make test`, a notebook that raises, a
benchmark module that crashes) becomes a row that says so, and the other rows still run; the
exit status is then 1.
"""
from __future__ import annotations

import argparse
import importlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
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


SESSION_END = re.compile(r"^=+ (.+?) in ([\d.]+)s\b.*=+$", re.M)  # pytest's last line
SECOND_RUN = re.compile(r"^==> nbval on .* under OPENBLAS_CORETYPE=(\S+?)[ :]", re.M)


def test_rows() -> list[dict]:
    """The README's test command, timed whole, and its nbval run under another kernel on its own."""
    start = time.perf_counter()
    result = subprocess.run(["make", "test"], cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    out = result.stdout + result.stderr
    second = SECOND_RUN.search(result.stdout)
    runs = [SESSION_END.findall(part) for part in
            ([result.stdout[:second.start()], result.stdout[second.start():]] if second
             else [result.stdout])]
    counts = "; ".join(f"{m[-1][0]} in {float(m[-1][1]):.0f} s" for m in runs if m)
    value = f"{seconds:.0f} s ({counts or 'no pytest summary'})"
    if result.returncode != 0:
        failing = re.findall(r"^FAILED (.+?)(?: - .*)?$", out, re.M)
        value = (f"**FAILED** (exit {result.returncode}) after {value}; failing: "
                 + (", ".join(dict.fromkeys(failing[:5])) or out.strip().splitlines()[-1][:200]))
    rows = [{"benchmark": "whole test command (make test, after setup)", "value": value,
             "target": "<= 240 s, green", "ok": seconds <= 240 and result.returncode == 0,
             "failed": result.returncode != 0}]
    if second and len(runs) == 2 and runs[1]:
        rows.append({"benchmark": f"  of which: nbval on the notebooks under OPENBLAS_CORETYPE={second.group(1)}",
                     "value": f"{float(runs[1][-1][1]):.0f} s ({runs[1][-1][0]})", "target": "", "ok": ""})
    else:
        skipped = re.search(r"^==> nbval on .* under this machine's own kernel.*$|^other_blas_kernel: .*$",
                            out, re.M)
        rows.append({"benchmark": "  of which: nbval on the notebooks under another OpenBLAS kernel",
                     "value": skipped.group(0) if skipped else "did not run", "target": "", "ok": ""})
    return rows


def failure_row(name: str, exc: BaseException) -> dict:
    """A row for a part of the benchmark that raised, instead of a traceback that ends the run."""
    last = traceback.format_exception_only(type(exc), exc)[-1].strip().replace("|", "/")
    return {"benchmark": name, "value": f"**FAILED**: {last[:300]}", "target": "", "ok": False,
            "failed": True}


def guarded(name: str, rows: Callable[[], list[dict]]) -> list[dict]:
    try:
        return rows()
    except Exception as exc:  # noqa: BLE001 - any failure becomes a row; the next part still runs
        return [failure_row(name, exc)]


def notebook_rows() -> list[dict]:
    from execute_notebooks import ENV, execute
    os.environ.update(ENV)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")):
            copy = Path(tmp) / "notebooks" / path.name
            copy.parent.mkdir(exist_ok=True)
            shutil.copy(path, copy)
            try:
                seconds = execute(copy)
            except Exception as exc:  # noqa: BLE001 - e.g. a cell that raises: a row, then the next
                rows.append(failure_row(f"notebook {path.name}", exc))
                continue
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
        try:
            produced = importlib.import_module(f"benchmarks.{path.stem}").run()
        except Exception as exc:  # noqa: BLE001 - one module's crash does not end the table
            rows.append(failure_row(f"benchmarks/{path.name}", exc))
            continue
        for row in produced:
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
        rows += guarded("import course_lib", import_rows)
    if args.only is None and not args.skip_setup:
        rows += guarded("fresh setup (bootstrap.sh into an empty folder)", lambda: [setup_row()])
    if args.only is None and not args.skip_tests:
        rows += guarded("whole test command (make test, after setup)", test_rows)
    if args.only in (None, "notebooks"):
        rows += guarded("notebooks", notebook_rows)
    if args.only in (None, "modules"):
        rows += guarded("benchmark modules", module_rows)
    text = f"Machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, {blas()}\n\n{table(rows)}"
    print(text)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.md").write_text(text + "\n")
    failed = [r["benchmark"] for r in rows if r.get("failed")]
    if failed:
        print(f"\nrun_all: {len(failed)} part(s) failed (rows marked FAILED above): {', '.join(failed)}",
              file=sys.stderr)
    return 1 if failed else 0


def blas() -> str:
    """numpy's BLAS and its kernel, as threadpoolctl reports them (timings depend on it)."""
    try:
        import numpy  # noqa: F401  (loads the BLAS library threadpoolctl inspects)
        import threadpoolctl
        info = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    except ImportError:
        return "BLAS unknown"
    return ", ".join(dict.fromkeys(  # numpy's and scipy's OpenBLAS usually agree: name it once
        f"{i['internal_api']} {i.get('architecture') or ''} ({i['num_threads']} threads)" for i in info)) \
        or "BLAS unknown"


if __name__ == "__main__":
    sys.exit(main())
