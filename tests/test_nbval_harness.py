"""The harness itself: nbval really fails when a stored output no longer matches.

Copies notebook 00 to a temporary folder, edits one printed number in a stored output, and
runs nbval on the copy with the project's own options: the run must fail and name the cell.
"""
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_nbval_fails_on_an_edited_printed_number(tmp_path):
    nb_path = tmp_path / "00-course-overview.ipynb"
    shutil.copy(ROOT / "notebooks" / "00-course-overview.ipynb", nb_path)
    nb = json.loads(nb_path.read_text())
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code"
                and any("(1797, 64)" in line for o in c["outputs"] for line in o.get("text", [])))
    for out in cell["outputs"]:
        out["text"] = [line.replace("(1797, 64)", "(1797, 65)") for line in out.get("text", [])]
    nb_path.write_text(json.dumps(nb))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-o", "addopts=",
         "--nbval", "--nbval-current-env", f"--nbval-sanitize-with={ROOT / 'tests' / 'nbval_sanitize.cfg'}",
         "--rootdir", str(tmp_path), str(nb_path)],
        capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 1, result.stdout[-2000:]
    index = [c for c in nb["cells"] if c["cell_type"] == "code"].index(cell)
    assert f"00-course-overview.ipynb::Cell {index}" in result.stdout
    assert "(1797, 65)" in result.stdout and "(1797, 64)" in result.stdout
