"""Print an OpenBLAS kernel other than the active one, for `make test`'s notebook run.

    .venv/bin/python scripts/other_blas_kernel.py     # "Haswell" on stdout, the reason on stderr

Why: numpy's OpenBLAS picks a matrix-product kernel for the CPU it runs on (AVX-512 on this
course's servers, AVX2 on most laptops, NEON on ARM), and different kernels round differently.
A printed number that depends on that rounding passes `make test` on the machine that stored it
and fails on a learner's laptop. `make test` therefore runs nbval on the notebooks with
``OPENBLAS_CORETYPE`` set to the kernel this script prints, and requires the stored outputs.
``--avoid-recorded notebooks`` also avoids the kernels the stored outputs were computed under
(``metadata.course.executed_under``, written by scripts/execute_notebooks.py): a run under that
very kernel could not notice that they depend on it.

Which kernel: threadpoolctl reports the active one (``OPENBLAS_CORETYPE`` in the environment
already counts). The candidates are tried in the order below, skipping any the CPU cannot run
(x86 flags from /proc/cpuinfo; without them, only kernels no newer than the active one); each
is checked in a subprocess, and the first under which OpenBLAS really reports another kernel
wins (OpenBLAS silently falls back to the detected kernel for a name it lacks: ``Zen`` runs
``Haswell``, ``Cooperlake`` runs ``SkylakeX`` in numpy's build).

- x86-64: Haswell (AVX2 + FMA: most laptops, AMD Zen included), then SkylakeX (AVX-512), then
  Sandybridge (AVX, no FMA), Nehalem (SSE4.2), Prescott (SSE3).
- aarch64: armv8 (OpenBLAS's generic ARMv8 kernel), then cortexa57 (NEON); both run on any
  ARMv8 CPU.

numpy's own loops (exp, log, tanh, sums ...) also pick code per CPU at run time (AVX-512, AVX2,
or the SSE baseline): ``--numpy-disable`` prints the optional SIMD targets active here
(numpy's ``__cpu_dispatch__`` that this CPU runs), and the notebook run sets
``NPY_DISABLE_CPU_FEATURES`` to them, so numpy runs its baseline code as an older CPU would.
(Measured on this course's AVX-512 server: ``np.exp`` differs in about 5 % of elements between the
AVX-512 and AVX2 paths.) Where the BLAS kernel cannot be switched but numpy's targets can (a Mac
with Accelerate), the notebook run still switches numpy's targets alone.

When that run fails, ``--failed-files OTHER.xml`` names the failing notebooks, `make test` runs
them again under the active kernel, and ``--compare NATIVE.xml OTHER.xml KERNEL`` (pytest
--junitxml reports) lists the cells that fail only under the other kernel, apart from those
that failed both times.

Exit status 0 with the name on stdout (and on stderr which kernel is active); 3 when no other kernel can be used here (numpy's BLAS is
not OpenBLAS, e.g. Apple's Accelerate in numpy's macOS wheels; or no candidate runs), with the
reason on stderr; `make test` then runs the notebooks under the active kernel and says why.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys

SKIP = 3

# name for OPENBLAS_CORETYPE -> the x86 CPU flags (as in /proc/cpuinfo) its kernels execute
X86_CANDIDATES = {
    "Haswell": {"avx2", "fma"},
    "SkylakeX": {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"},
    "Sandybridge": {"avx"},
    "Nehalem": {"ssse3", "sse4_1", "sse4_2"},
    "Prescott": {"pni"},
}
# kernel names as OpenBLAS reports them -> rank (higher needs newer instructions)
X86_RANK = {"skylakex": 4, "cooperlake": 4, "sapphirerapids": 4, "haswell": 3, "zen": 3,
            "sandybridge": 2, "nehalem": 1, "prescott": 0, "katmai": 0, "core2": 0}
ARM_CANDIDATES = ["armv8", "cortexa57"]

PROBE = ("import json, numpy, threadpoolctl; "
         "print(json.dumps([i.get('architecture') for i in threadpoolctl.threadpool_info() "
         "if i.get('internal_api') == 'openblas']))")


def active_kernels(env: dict | None = None) -> list[str] | None:
    """The architecture of every OpenBLAS numpy loaded, in a fresh process; None if it crashed."""
    try:
        result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                                env=env, timeout=60)
    except subprocess.TimeoutExpired:
        return None
    if result.returncode != 0:
        return None  # e.g. SIGILL: the CPU lacks an instruction of that kernel
    return json.loads(result.stdout.strip().splitlines()[-1])


def x86_flags() -> set[str] | None:
    """The CPU's flags from /proc/cpuinfo (Linux), or None where there is no such file."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return None


def candidates(machine: str, active: str, flags: set[str] | None) -> list[str]:
    """Kernels to try, in order of preference, that this CPU can execute."""
    if machine in ("aarch64", "arm64"):
        return [k for k in ARM_CANDIDATES if k != active.lower()]
    if machine not in ("x86_64", "amd64", "i386", "i686", "x86"):
        return []
    names = [k for k in X86_CANDIDATES if k.lower() != active.lower()]
    if flags is not None:
        return [k for k in names if X86_CANDIDATES[k] <= flags]
    top = X86_RANK.get(active.lower(), 0)  # unknown kernel: only the most generic one is safe
    return [k for k in names if X86_RANK[k.lower()] <= top]


def recorded_kernels(paths: list[str]) -> set[str]:
    """The OpenBLAS kernels the notebooks under ``paths`` were executed under, as
    scripts/execute_notebooks.py records them (``metadata.course.executed_under.openblas``)."""
    from pathlib import Path
    found = set()
    for path in paths:
        p = Path(path)
        for nb in sorted(p.rglob("*.ipynb")) if p.is_dir() else [p]:
            try:
                meta = json.loads(nb.read_text(encoding="utf-8")).get("metadata", {})
            except (OSError, ValueError):
                continue
            kernel = meta.get("course", {}).get("executed_under", {}).get("openblas")
            if isinstance(kernel, str) and kernel:
                found.add(kernel)
    return found


def choose(machine: str | None = None, flags: set[str] | None = None,
           probe=active_kernels, avoid: set[str] | frozenset = frozenset()) -> tuple[str | None, str]:
    """(kernel, explanation), or (None, reason it cannot be done here).

    The kernel differs from the active one and from every kernel in ``avoid`` (those the stored
    outputs were computed under): a run under the very kernel that produced the outputs would
    not notice that they depend on it. If every other kernel this CPU runs is in ``avoid`` but
    the active one is not, the active kernel is the answer (it already differs from theirs).
    """
    machine = (machine or platform.machine()).lower()
    avoid_l = {k.lower() for k in avoid}
    active = probe(None)
    if not active:
        return None, ("numpy's BLAS here is not OpenBLAS (Apple's Accelerate, MKL, ...), so "
                      "OPENBLAS_CORETYPE cannot switch its kernel")
    current = active[0]
    if flags is None and machine in ("x86_64", "amd64", "i386", "i686", "x86"):
        flags = x86_flags()
    tried = []
    stored = f" (the stored outputs were computed under {', '.join(sorted(avoid))})" if avoid else ""
    for kernel in candidates(machine, current, flags):
        reported = probe(dict(os.environ, OPENBLAS_CORETYPE=kernel))
        if reported and reported[0].lower() != current.lower() and reported[0].lower() not in avoid_l:
            return kernel, (f"active OpenBLAS kernel {current}; notebooks run with "
                            f"OPENBLAS_CORETYPE={kernel} (OpenBLAS reports {reported[0]}){stored}")
        tried.append(f"{kernel} -> {reported[0] if reported else 'crashed'}")
    if avoid_l and current.lower() not in avoid_l:
        return current, (f"no other kernel runs here that differs from the stored outputs' one; the "
                         f"active kernel {current} does{stored}")
    why = f"tried {', '.join(tried)}" if tried else f"no candidate kernel for {machine}"
    return None, f"no OpenBLAS kernel other than the active {current}{stored} runs on this CPU ({why})"


def failed_tests(junit_xml: str) -> dict[str, bool] | None:
    """{test id: failed?} of a pytest --junitxml report (junit_family=xunit1), None if unreadable."""
    import xml.etree.ElementTree as ET
    try:
        root = ET.parse(junit_xml).getroot()
    except (OSError, ET.ParseError):
        return None
    return {f"{case.get('file') or case.get('classname')}::{case.get('name')}":
            any(child.tag in ("failure", "error") for child in case)
            for case in root.iter("testcase")}


def numpy_features_to_disable() -> list[str]:
    """numpy's optional SIMD targets that this CPU runs (empty if numpy does not say)."""
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    except ImportError:  # a numpy without run-time dispatch information
        return []
    return [name for name in __cpu_dispatch__ if __cpu_features__.get(name)]


def failed_files(junit_xml: str) -> list[str]:
    """The files (notebooks) with a failed or erroring test in a --junitxml report, in order."""
    tests = failed_tests(junit_xml) or {}
    return list(dict.fromkeys(t.split("::")[0] for t, bad in tests.items() if bad))


def compare(first_xml: str, second_xml: str, kernel: str) -> str:
    """Which cells fail only under the other kernel (CPU-dependent) and which failed both times."""
    first, second = failed_tests(first_xml), failed_tests(second_xml)
    if second is None:
        return f"(no report of the run under {kernel} to compare)"
    failed = [test for test, bad in second.items() if bad]
    both = [t for t in failed if first is not None and first.get(t)]
    only = [t for t in failed if t not in both]
    lines = []
    if only:
        lines.append(f"CPU-dependent: these pass under the active kernel and fail under {kernel}: show "
                     "the number at a precision that is stable, or in an ignored cell with a check beside it")
        lines += [f"  {t}" for t in only]
    if both:
        lines.append(f"Failed under both kernels (not a question of the CPU; see the first run): {len(both)}")
        lines += [f"  {t}" for t in both]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", nargs=3, metavar=("FIRST_XML", "SECOND_XML", "KERNEL"),
                        help="say which failures under the other kernel are CPU-dependent (make test)")
    parser.add_argument("--avoid-recorded", nargs="*", metavar="PATH", default=[],
                        help="also avoid the kernels these notebooks were executed under (their metadata)")
    parser.add_argument("--failed-files", metavar="JUNIT_XML",
                        help="print the files with a failed test in a pytest --junitxml report")
    parser.add_argument("--numpy-disable", action="store_true",
                        help="print numpy's active optional SIMD targets, for NPY_DISABLE_CPU_FEATURES")
    args = parser.parse_args(argv)
    if args.numpy_disable:
        print(" ".join(numpy_features_to_disable()))
        return 0
    if args.compare:
        print(compare(*args.compare))
        return 0
    if args.failed_files:
        files = failed_files(args.failed_files)
        print(" ".join(files))
        return 0 if files and all(os.path.exists(f) for f in files) else 4
    kernel, explanation = choose(avoid=recorded_kernels(args.avoid_recorded))
    print(f"other_blas_kernel: {explanation}", file=sys.stderr)
    if kernel is None:
        return SKIP
    print(kernel)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
