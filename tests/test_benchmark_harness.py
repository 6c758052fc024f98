"""benchmarks/run_all.py reports what fails as a row and goes on; its rates cannot go negative.

`make test` is replaced by canned outputs (green with its run of the notebooks under another
kernel, red, no other kernel here); a notebook that raises and a benchmark module that crashes each become a FAILED row
while the next part still runs, and the exit status says so.
"""
from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import run_all  # noqa: E402
from benchmarks.bench_training import spread  # noqa: E402

GREEN = """\
============================= test session starts ==============================
........
=============== 1090 passed, 2 skipped in 151.20s (0:02:31) ===============
==> nbval on notebooks under OPENBLAS_CORETYPE=Haswell NPY_DISABLE_CPU_FEATURES='X86_V3': another CPU's rounding, the same stored outputs
============================= test session starts ==============================
========================= 212 passed in 58.73s =========================
"""
RED = """\
============================= test session starts ==============================
=============== 1090 passed in 150.00s (0:02:30) ===============
==> nbval on notebooks under OPENBLAS_CORETYPE=Haswell NPY_DISABLE_CPU_FEATURES='X86_V3': another CPU's rounding, the same stored outputs
FAILED notebooks/04-sgd-and-mini-batch.ipynb::Cell 5 - Notebook cell execution failed
================== 1 failed, 211 passed in 60.10s (0:01:00) ==================
"""
RED_STDERR = "make test: under OPENBLAS_CORETYPE=Haswell some outputs differ.\n"
SKIPPED = """\
=============== 1090 passed in 150.00s (0:02:30) ===============
==> nbval on notebooks under this machine's own kernel (no other one here: reason above)\n=============== 212 passed in 60.00s (0:01:00) ===============
"""


def fake_make(monkeypatch, stdout, stderr="", returncode=0):
    def run(cmd, **kwargs):
        assert cmd == ["make", "test"]
        return subprocess.CompletedProcess(cmd, returncode, stdout, stderr)
    monkeypatch.setattr(run_all.subprocess, "run", run)


def test_a_green_make_test_gives_its_time_and_each_runs_counts(monkeypatch):
    fake_make(monkeypatch, GREEN)
    whole, second = run_all.test_rows()
    assert whole["ok"] is True and not whole["failed"]
    assert "1090 passed, 2 skipped in 151 s; 212 passed in 59 s" in whole["value"]
    assert second["benchmark"].endswith("OPENBLAS_CORETYPE=Haswell")
    assert second["value"] == "59 s (212 passed)"


def test_a_red_make_test_is_a_failed_row_naming_the_cells_not_a_traceback(monkeypatch):
    fake_make(monkeypatch, RED, RED_STDERR, returncode=2)
    whole, second = run_all.test_rows()
    assert whole["ok"] is False and whole["failed"] is True
    assert whole["value"].startswith("**FAILED** (exit 2)")
    assert "notebooks/04-sgd-and-mini-batch.ipynb::Cell 5" in whole["value"]
    assert second["value"].startswith("60 s (1 failed, 211 passed")


def test_no_other_kernel_here_says_so(monkeypatch):
    fake_make(monkeypatch, SKIPPED, "other_blas_kernel: numpy's BLAS here is not OpenBLAS\n")
    whole, second = run_all.test_rows()
    assert whole["ok"] is True
    assert "own kernel" in second["value"] and "no other one" in second["value"]


def test_guarded_turns_a_crash_into_a_row():
    def crash():
        raise subprocess.CalledProcessError(2, ["make", "test"])
    [row] = run_all.guarded("whole test command", crash)
    assert row["failed"] and row["ok"] is False and "CalledProcessError" in row["value"]
    assert "|" not in row["value"]  # a table cell stays one cell


def test_a_raising_notebook_and_a_crashing_module_are_rows_and_the_run_goes_on(tmp_path, monkeypatch,
                                                                               capsys):
    (tmp_path / "notebooks").mkdir()
    for name, code in [("01-raises.ipynb", "raise RuntimeError('planted')"), ("02-fine.ipynb", "1 + 1")]:
        nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "language": "python",
                                                               "display_name": "Python 3"}})
        nb.cells.append(nbformat.v4.new_code_cell(code))
        nbformat.write(nb, tmp_path / "notebooks" / name)
    bench = tmp_path / "benchmarks"
    bench.mkdir()
    (bench / "bench_a_crash.py").write_text("")
    (bench / "bench_b_fine.py").write_text("")
    modules = {"benchmarks.bench_a_crash": types.SimpleNamespace(run=lambda: 1 / 0),
               "benchmarks.bench_b_fine": types.SimpleNamespace(run=lambda: [
                   {"benchmark": "fine", "median_ms": 1.0, "p90_ms": 2.0}])}
    monkeypatch.setattr(run_all, "ROOT", tmp_path)
    monkeypatch.setattr(run_all.importlib, "import_module", modules.__getitem__)
    monkeypatch.setattr(sys, "argv", ["run_all.py", "--skip-setup", "--skip-tests"])
    monkeypatch.setattr(run_all, "import_rows", lambda: [])
    assert run_all.main() == 1
    out = capsys.readouterr()
    table = out.out
    assert "| notebook 01-raises.ipynb | **FAILED**: " in table and "planted" in table
    assert "| notebook 02-fine.ipynb | " in table and "02-fine.ipynb | **FAILED**" not in table
    assert "| benchmarks/bench_a_crash.py | **FAILED**: ZeroDivisionError" in table
    assert "| fine | median 1.0 ms, p90 2.0 ms |" in table
    assert "2 part(s) failed" in out.err
    assert (tmp_path / "benchmarks" / "results" / "latest.md").read_text().strip() == table.strip()


@pytest.mark.parametrize("rates, text", [
    ([3.0, 1.0, 2.0], "repeats 1 / 2 / 3 (min / median / max of 3)"),
    ([1234.5], "repeats 1,234 / 1,234 / 1,234 (min / median / max of 1)"),
])
def test_spread_is_min_median_max(rates, text):
    assert spread(rates) == text
