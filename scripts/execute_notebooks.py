"""Re-execute notebooks in place, top to bottom in a fresh kernel, the way the tests run them.

    .venv/bin/python scripts/execute_notebooks.py                 # every notebook
    .venv/bin/python scripts/execute_notebooks.py notebooks/02-*.ipynb

Each notebook runs in the course's python3 kernel with its folder as working directory and
the same quiet/deterministic environment as `make test` (TF log level, oneDNN off, hash seed).
Prints each notebook's wall-clock time; exits 1 if any cell raised.

Each notebook's metadata records the OpenBLAS kernel and numpy SIMD targets it was executed
under (``metadata.course.executed_under``), so that `make test` checks its stored outputs under
another kernel than the one that produced them (scripts/other_blas_kernel.py).
"""
from __future__ import annotations

import os
import sys
import sysconfig
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import other_blas_kernel  # noqa: E402  (scripts/ is not a package)

ENV = {"TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0", "PYTHONHASHSEED": "0",
       "JUPYTER_PREFER_ENV_PATH": "1"}


def executed_under() -> dict:
    """The OpenBLAS kernel (as a fresh process with this environment reports it) and numpy's
    active optional SIMD targets, i.e. what decides the rounding of the stored outputs."""
    kernels = other_blas_kernel.active_kernels(dict(os.environ))
    return {"openblas": kernels[0] if kernels else None,
            "numpy_simd": other_blas_kernel.numpy_features_to_disable()}


def relative_tracebacks(nb) -> None:
    """Strip this machine's folders from stored tracebacks (cells tagged raises-exception show
    one on purpose): ``<site-packages>/keras/...`` becomes ``keras/...`` and ``<repo>/course_lib/...``
    ``course_lib/...``. nbval never compares tracebacks, so the run and the stored file agree."""
    prefixes = sorted({sysconfig.get_paths()["purelib"] + os.sep, str(ROOT) + os.sep}, key=len, reverse=True)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                lines = out.get("traceback", [])
                for prefix in prefixes:
                    lines = [line.replace(prefix, "") for line in lines]
                out["traceback"] = lines


def execute(path: Path, timeout: int = 300, under: dict | None = None) -> float:
    """Execute one notebook in place; return its wall-clock time in seconds."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata.setdefault("course", {})["executed_under"] = under or executed_under()
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}},
                            record_timing=False, store_widget_state=True,
                            # Like nbval's kernel: don't capture what C++ libraries write straight
                            # to file descriptor 2 (TensorFlow's runtime log lines), so the stored
                            # outputs are exactly the ones nbval will compare against.
                            extra_arguments=["--IPKernelApp.capture_fd_output=False"])
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    relative_tracebacks(nb)
    nbformat.write(nb, path)
    return elapsed


def main(argv: list[str]) -> int:
    os.environ.update(ENV)
    os.environ.pop("MPLBACKEND", None)  # notebooks choose %matplotlib inline themselves
    paths = [Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    failed = 0
    under = executed_under()
    print(f"executing under OpenBLAS kernel {under['openblas']}, numpy SIMD {under['numpy_simd'] or 'baseline'}")
    for path in paths:
        try:
            print(f"{path.name:<50} {execute(path, under=under):6.1f} s", flush=True)
        except CellExecutionError as exc:
            failed += 1
            print(f"{path.name:<50} FAILED\n{str(exc)[-2000:]}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
