"""`import course_lib` and its numpy modules stay free of TensorFlow (time: benchmarks/run_all.py)."""
import subprocess
import sys
from pathlib import Path

import course_lib


def numpy_modules() -> list[str]:
    """Every module of course_lib outside tf_twins, found on disk (importing nothing)."""
    root = Path(course_lib.__file__).parent
    names = [".".join(("course_lib",) + p.relative_to(root).with_suffix("").parts)
             for p in root.rglob("*.py") if "tf_twins" not in p.parts]
    return sorted(n.removesuffix(".__init__") for n in names)


def test_numpy_half_never_imports_tensorflow():
    modules = numpy_modules()
    assert "course_lib.data" in modules and len(modules) >= 5
    code = ("import sys, importlib\n"
            f"for name in {modules!r}: importlib.import_module(name)\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras'))\n"
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, f"TensorFlow/Keras imported by the numpy half: {result.stdout}{result.stderr}"


def test_import_has_no_side_effects_on_matplotlib_or_numpy_seed():
    code = ("import matplotlib as mpl, numpy as np\n"
            "before = dict(mpl.rcParams); state = np.random.get_state()[1].copy()\n"
            "import course_lib, course_lib.plotting, course_lib.data, course_lib.widgets\n"
            "assert dict(mpl.rcParams) == before\n"
            "assert (np.random.get_state()[1] == state).all()\n")
    subprocess.run([sys.executable, "-c", code], check=True)
