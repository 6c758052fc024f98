"""make test's notebook run under another OpenBLAS kernel (scripts/other_blas_kernel.py).

The unit tests drive the kernel choice with a fake probe and fake CPU flags (x86 with and
without AVX-512 or /proc/cpuinfo, ARM, a BLAS that is not OpenBLAS, a name OpenBLAS ignores, a
kernel that crashes). The harness test writes a tiny notebook whose stored output is a float sum
of matrix products printed to full precision (it changes with the kernel's rounding, checked
first), and runs `make test` on it exactly as the README's command runs the notebooks: the run
under the other kernel must fail and name the notebook, the cell and both values; the rerun of
the failing notebook under the active kernel passes, so the report calls the cell CPU-dependent.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import other_blas_kernel as obk  # noqa: E402

AVX512 = {"pni", "ssse3", "sse4_1", "sse4_2", "avx", "avx2", "fma",
          "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"}
AVX2 = {"pni", "ssse3", "sse4_1", "sse4_2", "avx", "avx2", "fma"}


def fake_probe(native: str, table: dict):
    """A probe that reports `native` unforced and table[name] (None = crashed) when forced."""
    calls = []

    def probe(env):
        if env is None:
            return [native] if native else []
        calls.append(env["OPENBLAS_CORETYPE"])
        reported = table.get(env["OPENBLAS_CORETYPE"], native)
        return None if reported is None else [reported]
    probe.calls = calls
    return probe


@pytest.mark.parametrize("active, flags, expected", [
    ("SkylakeX", AVX512, ["Haswell", "Sandybridge", "Nehalem", "Prescott"]),
    ("Haswell", AVX512, ["SkylakeX", "Sandybridge", "Nehalem", "Prescott"]),   # forced on AVX-512
    ("Haswell", AVX2, ["Sandybridge", "Nehalem", "Prescott"]),                 # a Zen 3 laptop
    ("Zen", AVX2, ["Haswell", "Sandybridge", "Nehalem", "Prescott"]),          # probed, then told apart
    ("Sandybridge", {"pni", "ssse3", "sse4_1", "sse4_2", "avx"}, ["Nehalem", "Prescott"]),
    ("Haswell", None, ["Sandybridge", "Nehalem", "Prescott"]),        # no /proc/cpuinfo: never newer
    ("SkylakeX", None, ["Haswell", "Sandybridge", "Nehalem", "Prescott"]),
    ("Excavator", None, ["Prescott"]),                                # unknown name: generic only
    ("Prescott", {"pni"}, []),
])
def test_x86_candidates_are_other_kernels_this_cpu_can_run(active, flags, expected):
    assert obk.candidates("x86_64", active, flags) == expected


def test_arm_candidates_run_on_any_armv8_and_other_machines_have_none():
    assert obk.candidates("aarch64", "neoversen1", None) == ["armv8", "cortexa57"]
    assert obk.candidates("arm64", "ARMV8", None) == ["cortexa57"]
    assert obk.candidates("ppc64le", "POWER9", None) == []


def test_choose_skips_a_name_openblas_ignores_and_a_kernel_that_crashes():
    probe = fake_probe("Haswell", {"SkylakeX": "Haswell", "Sandybridge": None, "Nehalem": "Nehalem"})
    kernel, why = obk.choose("x86_64", AVX512, probe)
    assert kernel == "Nehalem" and probe.calls == ["SkylakeX", "Sandybridge", "Nehalem"]
    assert "Haswell" in why and "Nehalem" in why


def test_choose_says_why_when_nothing_else_runs():
    kernel, why = obk.choose("x86_64", {"pni"}, fake_probe("Prescott", {}))
    assert kernel is None and "Prescott" in why
    kernel, why = obk.choose("x86_64", AVX2, fake_probe("Haswell", {"Sandybridge": None,
                                                                    "Nehalem": "Haswell",
                                                                    "Prescott": "Haswell"}))
    assert kernel is None and "Sandybridge -> crashed" in why and "Nehalem -> Haswell" in why
    kernel, why = obk.choose("arm64", None, fake_probe("", {}))  # e.g. Accelerate on a Mac
    assert kernel is None and "not OpenBLAS" in why


def test_choose_on_arm():
    assert obk.choose("aarch64", None, fake_probe("neoversen1", {"armv8": "armv8"}))[0] == "armv8"
    probe = fake_probe("armv8", {"cortexa57": "cortexa57"})
    assert obk.choose("aarch64", None, probe) == (
        "cortexa57", "active OpenBLAS kernel armv8; notebooks run with OPENBLAS_CORETYPE=cortexa57 "
        "(OpenBLAS reports cortexa57)")


def test_choose_avoids_the_kernel_the_stored_outputs_were_computed_under():
    # stored under Haswell, tested on an AVX-512 machine: Haswell would compare Haswell with Haswell
    probe = fake_probe("SkylakeX", {"Haswell": "Haswell", "Sandybridge": "Sandybridge"})
    kernel, why = obk.choose("x86_64", AVX512, probe, avoid={"haswell"})
    assert kernel == "Sandybridge" and "haswell" in why
    # every other kernel is the stored one, the active one is not: the active kernel will do
    probe = fake_probe("SkylakeX", {"Haswell": "Haswell", "Sandybridge": "Haswell", "Nehalem": "Haswell",
                                    "Prescott": "Haswell"})
    assert obk.choose("x86_64", AVX512, probe, avoid={"Haswell"})[0] == "SkylakeX"
    # the active kernel is the stored one and nothing else runs: no kernel can check it here
    kernel, why = obk.choose("x86_64", {"pni"}, fake_probe("Prescott", {}), avoid={"Prescott"})
    assert kernel is None and "Prescott" in why
    # nothing recorded: only the active kernel is avoided, as before
    assert obk.choose("x86_64", AVX512, fake_probe("SkylakeX", {"Haswell": "Haswell"}))[0] == "Haswell"


def test_recorded_kernels_are_read_from_the_notebooks_metadata(tmp_path):
    for name, under in [("a", {"openblas": "Haswell"}), ("b", {"openblas": "SkylakeX"}), ("c", {}),
                        ("d", None)]:
        meta = {} if under is None else {"course": {"executed_under": under}}
        nbformat.write(nbformat.v4.new_notebook(metadata=meta), tmp_path / f"{name}.ipynb")
    (tmp_path / "broken.ipynb").write_text("{not json")
    assert obk.recorded_kernels([str(tmp_path)]) == {"Haswell", "SkylakeX"}
    assert obk.recorded_kernels([str(tmp_path / "a.ipynb")]) == {"Haswell"}
    assert obk.recorded_kernels([]) == set()
    # the course's own notebooks say what they were executed under (make notebooks records it)
    assert obk.recorded_kernels([str(ROOT / "notebooks")])


def test_failed_files_lists_each_failing_file_once_in_order(tmp_path):
    report = junit(tmp_path, "r.xml", [("nb/b.ipynb", "Cell 1", True), ("nb/a.ipynb", "Cell 0", False),
                                       ("nb/b.ipynb", "Cell 2", True), ("nb/c.ipynb", "Cell 3", True)])
    assert obk.failed_files(report) == ["nb/b.ipynb", "nb/c.ipynb"]
    assert obk.failed_files(str(tmp_path / "missing.xml")) == []
    # the script exits 4 when a failed file cannot be found from here (make then reruns all)
    assert run_script(None, "--failed-files", report).returncode == 4


def run_script(env=None, *args):
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "other_blas_kernel.py"), *args],
                          capture_output=True, text=True, env=env)


def other_kernel() -> str:
    result = run_script()
    if result.returncode == obk.SKIP:
        pytest.skip(result.stderr.strip())
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_script_prints_a_kernel_that_really_differs_here():
    kernel = other_kernel()
    native = obk.active_kernels()
    forced = obk.active_kernels(dict(os.environ, OPENBLAS_CORETYPE=kernel))
    assert native and forced and forced[0].lower() != native[0].lower()
    # a kernel forced in the environment counts as the active one
    again = run_script(dict(os.environ, OPENBLAS_CORETYPE=kernel))
    assert again.returncode == 0 and again.stdout.strip().lower() != forced[0].lower()


BLAS_DEPENDENT = """\
import numpy as np
rng = np.random.default_rng(0)
sums = []
for m, k, n in [(1, 1000, 1), (17, 333, 19), (300, 300, 300)]:
    A, B = rng.standard_normal((m, k)), rng.standard_normal((k, n))
    sums.append(float((A @ B).sum()))
print(sums)"""


def printed(code: str, env=None) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env=env).stdout


SIMD_DEPENDENT = """\
import numpy as np
x = np.linspace(-25, 25, 100001)
print(repr(float(np.tanh(x).sum())))"""


def second_env(kernel: str, feats: str) -> dict:
    return dict(os.environ, OPENBLAS_CORETYPE=kernel, NPY_DISABLE_CPU_FEATURES=feats)


def numpy_features() -> str:
    result = run_script(None, "--numpy-disable")
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_numpy_features_to_disable_are_active_dispatch_targets_and_really_switch_off():
    feats = numpy_features().split()
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    assert set(feats) <= set(__cpu_dispatch__) and all(__cpu_features__[f] for f in feats)
    if not feats:
        pytest.skip("this CPU runs none of numpy's optional SIMD targets")
    probe = ("from numpy._core._multiarray_umath import __cpu_features__ as f; "
             f"print([f[n] for n in {feats!r}])")
    assert printed(probe, dict(os.environ, NPY_DISABLE_CPU_FEATURES=" ".join(feats))).strip() == \
        str([False] * len(feats))


def test_make_test_fails_naming_the_cell_when_an_output_depends_on_the_blas_kernel(tmp_path):
    kernel, feats = other_kernel(), numpy_features()
    forced_env = second_env(kernel, feats)
    stored = printed(BLAS_DEPENDENT)
    assert stored != printed(BLAS_DEPENDENT, forced_env), \
        f"this synthetic output does not depend on the kernel ({kernel}): choose other shapes"
    simd_differs = bool(feats) and printed(SIMD_DEPENDENT) != printed(SIMD_DEPENDENT, forced_env)
    rounded = BLAS_DEPENDENT.replace("print(sums)", "print([f'{s:.6g}' for s in sums])")
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "language": "python",
                                                           "display_name": "Python 3"}})
    for i, (code, text) in enumerate([(BLAS_DEPENDENT, stored),                  # Cell 0: fails
                                      (rounded, printed(rounded)),               # Cell 1: stable
                                      ("# NBVAL_IGNORE_OUTPUT\n" + BLAS_DEPENDENT, stored),
                                      (SIMD_DEPENDENT, printed(SIMD_DEPENDENT))]):  # Cell 3: numpy's SIMD
        nb.cells.append(nbformat.v4.new_code_cell(code, execution_count=i + 1, outputs=[
            nbformat.v4.new_output("stream", name="stdout", text=text)]))
    path = tmp_path / "synthetic-blas.ipynb"
    nbformat.write(nb, path)
    nb_args = f"-p no:cacheprovider -c {ROOT / 'pyproject.toml'} --rootdir={tmp_path} {path}"
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    result = subprocess.run(["make", "--no-print-directory", "test", "WORKERS=0",
                             f"TEST_ARGS={nb_args}", f"KERNEL_CHECK={nb_args}"],
                            capture_output=True, text=True, cwd=ROOT, env=env)
    out = result.stdout + result.stderr
    other = f"OPENBLAS_CORETYPE={kernel} NPY_DISABLE_CPU_FEATURES='{feats}'"
    first, _, rest = result.stdout.partition(f"==> nbval on {nb_args} under {other}")
    second, _, third = rest.partition("==> the failing notebooks again under this machine's own kernel")
    assert second and third, out[-3000:]
    assert "4 passed" in first and "failed" not in first, first[-3000:]        # TEST_ARGS, natively: green
    assert result.returncode != 0, out[-3000:]
    assert re.search(r"FAILED \S*synthetic-blas\.ipynb::Cell 0\b", second), second[-3000:]
    summary = second.split("short test summary")[-1]
    assert "Cell 1" not in summary                                             # the rounded cell passes
    assert stored.strip() in second                                             # the stored value...
    assert printed(BLAS_DEPENDENT, forced_env).strip() in second                # ...and the new one
    n_failed = 2 if simd_differs else 1
    assert f"{4 - n_failed} passed" in second and f"{n_failed} failed" in second
    assert (re.search(r"FAILED \S*synthetic-blas\.ipynb::Cell 3\b", summary) is not None) == simd_differs
    assert "4 passed" in third and "failed" not in third.split("make test:")[0]  # rerun natively: green
    assert f"under {other} some outputs differ" in result.stderr
    report = result.stderr.split("CPU-dependent:")[-1]
    assert re.search(r"^  \S*synthetic-blas\.ipynb::Cell 0$", report, re.M), result.stderr
    assert "Cell 1" not in report and "Cell 2" not in report and "both kernels" not in report


def junit(tmp_path, name, cases):
    xml = "".join(f'<testcase file="{f}" classname="x" name="{n}">' + ("<failure/>" if bad else "")
                  + "</testcase>" for f, n, bad in cases)
    path = tmp_path / name
    path.write_text(f'<testsuites><testsuite name="pytest">{xml}</testsuite></testsuites>')
    return str(path)


def test_compare_tells_cpu_dependent_cells_from_cells_that_failed_both_times(tmp_path):
    first = junit(tmp_path, "first.xml", [("nb/a.ipynb", "Cell 1", False), ("nb/a.ipynb", "Cell 2", True),
                                          ("nb/b.ipynb", "Cell 0", False)])
    second = junit(tmp_path, "second.xml", [("nb/a.ipynb", "Cell 1", True), ("nb/a.ipynb", "Cell 2", True),
                                            ("nb/b.ipynb", "Cell 0", False), ("nb/c.ipynb", "Cell 3", True)])
    text = obk.compare(first, second, "Haswell")
    dependent, _, both = text.partition("Failed under both kernels")
    assert "fail under Haswell" in dependent
    assert "  nb/a.ipynb::Cell 1\n" in dependent and "  nb/c.ipynb::Cell 3" in dependent
    assert "Cell 2" not in dependent and "b.ipynb" not in text
    assert [line.strip() for line in both.strip().splitlines()] == [
        "(not a question of the CPU; see the first run): 1",
        "nb/a.ipynb::Cell 2"]
    assert "no report" in obk.compare(first, str(tmp_path / "missing.xml"), "Haswell")
    # an unreadable first report: every second-run failure is listed as CPU-dependent, none dropped
    assert obk.compare(str(tmp_path / "missing.xml"), second, "Haswell").count("::") == 3
