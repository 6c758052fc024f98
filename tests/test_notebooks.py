"""Structure of every notebook (nbval, run by the same command, checks their outputs).

Each notebook must: use the python3 kernelspec; be stored executed top to bottom in one fresh
run (execution counts 1..n) with no error output; have a title and headings for learning
objectives, summary and exercises; have only relative links and images that resolve; stay
under 2 MB; carry up-to-date generated navigation; keep machine paths and TensorFlow's
start-up noise out of its outputs; and pair every output-ignored cell with a check.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
MAX_BYTES = 2_000_000
RAISES = "raises-exception"  # nbval's cell tag for a cell that must raise
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
IMG_TAG = re.compile(r"<img[^>]+src=[\"']([^\"']+)[\"']")
MACHINE_NOISE = re.compile(r"/root/|/home/|/Users/|site-packages|\.venv|oneDNN|TF_ENABLE_ONEDNN|cuda|WARNING: All log")


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def markdown(nb: dict) -> str:
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found under notebooks/"
    assert NOTEBOOKS[0].name == "00-course-overview.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_kernel_size_and_execution(path):
    nb = load(path)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert path.stat().st_size < MAX_BYTES, f"{path.name} is {path.stat().st_size} bytes"
    counts = [c.get("execution_count") for c in code_cells(nb)]
    assert counts == list(range(1, len(counts) + 1)), f"not one fresh top-to-bottom run: {counts}"
    # A cell tagged raises-exception shows a failure on purpose (nbval expects that error, and its
    # message is compared); every other stored error is a defect, and a tagged cell must raise.
    tagged = [RAISES in c.get("metadata", {}).get("tags", []) for c in code_cells(nb)]
    errors = [o for c, t in zip(code_cells(nb), tagged) if not t for o in c["outputs"] if o["output_type"] == "error"]
    assert not errors, f"stored error outputs: {[e['ename'] for e in errors]}"
    silent = [i for i, (c, t) in enumerate(zip(code_cells(nb), tagged), start=1)
              if t and not any(o["output_type"] == "error" for o in c["outputs"])]
    assert not silent, f"code cells {silent} are tagged {RAISES!r} but stored no error"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_headings(path):
    text = markdown(load(path))
    assert re.search(r"^# \S", text, re.M), "no '# ' title"
    for word in ("objective", "summary", "exercise"):
        assert re.search(rf"^#+ .*{word}", text, re.M | re.I), f"no heading mentioning {word!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_links_and_images_resolve(path):
    text = markdown(load(path))
    targets = LINK.findall(text) + IMG_TAG.findall(text)
    for target in targets:
        if "://" in target or target.startswith(("mailto:", "#")):
            continue
        file_part = target.split("#")[0]
        assert (path.parent / file_part).exists(), f"{path.name}: link target {target!r} does not exist"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_have_no_machine_paths_or_tf_noise(path):
    for i, cell in enumerate(code_cells(load(path)), start=1):
        for out in cell["outputs"]:
            text = "".join(out.get("text", "")) + "".join(out.get("data", {}).get("text/plain", ""))
            # a stored traceback (cells tagged raises-exception) names files relative to the
            # repository or to site-packages: scripts/execute_notebooks.py strips the folders
            text += "\n".join(out.get("traceback", [])) + out.get("evalue", "")
            found = MACHINE_NOISE.search(text)
            assert not found, f"{path.name} code cell {i}: machine-dependent output {found.group(0)!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_ignored_outputs_are_checked(path):
    """An output nbval does not compare must have an assert in the same or the next code cell."""
    cells = code_cells(load(path))
    for i, cell in enumerate(cells):
        src = "".join(cell["source"])
        tags = cell.get("metadata", {}).get("tags", [])
        if "NBVAL_IGNORE_OUTPUT" in src or "nbval-ignore-output" in tags:
            nearby = src + ("".join(cells[i + 1]["source"]) if i + 1 < len(cells) else "")
            assert re.search(r"\bassert\b|check_", nearby), (
                f"{path.name} code cell {i + 1}: output ignored without a check beside it")
        assert "NBVAL_SKIP" not in src and "nbval-skip" not in tags, (
            f"{path.name} code cell {i + 1}: a skipped cell tests nothing; use IGNORE_OUTPUT + assert")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_tensorflow_is_quiet(path):
    """A notebook that imports TensorFlow sets the two variables that silence it first."""
    cells = [("".join(c["source"])) for c in code_cells(load(path))]
    uses_tf = any(re.search(r"import tensorflow|tf_twins|import keras", s) for s in cells)
    if uses_tf:
        first = cells[0]
        assert 'TF_CPP_MIN_LOG_LEVEL"] = "2"' in first and 'TF_ENABLE_ONEDNN_OPTS"] = "0"' in first


def test_navigation_is_up_to_date():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "navigation.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
