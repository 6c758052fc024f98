"""Mutation testing of course_lib with mutmut 3: how many planted bugs do the unit tests catch?

Run through ``make mutation`` (which installs requirements-mutation.txt into .venv first)::

    make mutation                                       # exercises, widgets and _checks
    make mutation PATHS="course_lib/exercises/nb01.py"  # any files or folders of course_lib
    make mutation PATHS="course_lib/plateau.py" TESTS="tests/test_plateau.py"

mutmut changes one thing at a time in a copy of the code (``<`` into ``<=``, a number into
the next one, a string into another, a dropped argument...) and runs the tests that cover
the changed function; a mutant that no test notices "survives". A survivor is either a bug
the tests would let through, or a change that is equivalent to the original (read it).

Each run works in its own folder ``mutants/<paths>/`` (git-ignored), from scratch, so that
several people can run it at once on different paths and a test added since the last run
always counts. Only the fast unit tests of the mutated modules run (no notebooks, no
doctests, no TensorFlow-marked tests, no workers); the file ``tests/test_<module>.py`` of each
module is found by name, or given with ``TESTS``. The score and every survivor's diff are
printed at the end and kept in ``mutants/<paths>/report.txt``.
"""
from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PATHS = ("course_lib/exercises", "course_lib/widgets", "course_lib/_checks.py")
#: mutmut's exit-code meaning (mutmut/stats.py); a timeout counts as caught, as in mutmut.
CAUGHT = {"killed", "timeout", "caught by type check"}


def source_files(paths: list[str]) -> list[str]:
    """The .py files of course_lib named by ``paths`` (files or folders), relative to the repo."""
    files: list[str] = []
    for p in paths:
        path = (ROOT / p).resolve()
        if not path.exists():
            sys.exit(f"make mutation: {p} does not exist")
        if ROOT / "course_lib" not in (path, *path.parents):
            sys.exit(f"make mutation: {p} is not inside course_lib/")
        found = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        files += [str(f.relative_to(ROOT)) for f in found if f.suffix == ".py" and "__pycache__" not in f.parts]
    if not files:
        sys.exit(f"make mutation: no .py files in {' '.join(paths)}")
    return sorted(set(files))


def tests_for(file: str) -> list[str]:
    """tests/test_<module>.py for course_lib/<module>.py (a leading underscore dropped),
    tests/test_<package>_<module>.py for a module of a subpackage, else every
    tests/test_<package>_*.py (a package's __init__ or a private helper module)."""
    parts = [part.lstrip("_") for part in Path(file).relative_to("course_lib").with_suffix("").parts]
    if len(parts) == 1:
        candidates = [f"tests/test_{parts[0]}.py"]
    else:
        package, module = parts[0], parts[-1]
        candidates = [f"tests/test_{package}_{module}.py", f"tests/test_{module}.py"]
        if module in ("init", "live") or not any((ROOT / c).exists() for c in candidates):
            candidates = [str(t.relative_to(ROOT)) for t in sorted((ROOT / "tests").glob(f"test_{package}_*.py"))]
    return [c for c in candidates if (ROOT / c).exists()]


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def write_config(work: Path, files: list[str], tests: list[str]) -> None:
    """A pyproject.toml for the work folder: the repo's pytest settings without nbval and
    doctests, and the repo's [tool.mutmut] section plus what to mutate and which tests run."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    pytest_ini = dict(project["tool"]["pytest"]["ini_options"])
    pytest_ini.pop("testpaths", None)
    pytest_ini["addopts"] = ["-p", "no:cacheprovider", "-p", "no:nbval", "-p", "no:xdist", "-m", "not tf"]
    mutmut = dict(project["tool"].get("mutmut", {}))
    mutmut.update(source_paths=["course_lib"], only_mutate=files,
                  pytest_add_cli_args_test_selection=tests, use_git_change_detection=False)
    lines = ["[tool.pytest.ini_options]"] + [f"{k} = {_toml(v)}" for k, v in pytest_ini.items()]
    lines += ["", "[tool.mutmut]"] + [f"{k} = {_toml(v)}" for k, v in mutmut.items()]
    (work / "pyproject.toml").write_text("\n".join(lines) + "\n")


def prepare(work: Path, files: list[str], tests: list[str]) -> None:
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", ".hypothesis", "*.pyc")
    shutil.copytree(ROOT / "course_lib", work / "course_lib", ignore=ignore)
    shutil.copytree(ROOT / "tests", work / "tests", ignore=ignore)
    write_config(work, files, tests)


def results(work: Path, files: list[str]) -> dict[str, dict[str, str]]:
    """{file: {mutant name: status}} from mutmut's .meta files."""
    from mutmut.stats import status_by_exit_code

    out = {}
    for f in files:
        meta = work / "mutants" / (f + ".meta")
        codes = json.loads(meta.read_text())["exit_code_by_key"] if meta.exists() else {}
        out[f] = {name: status_by_exit_code[code] for name, code in codes.items()}
    return out


def diff_of(work: Path, name: str, path: str) -> str:
    """The changed lines of one mutant (what ``mutmut show`` prints, without its headers)."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    cwd = os.getcwd()
    os.chdir(work)
    try:
        diff = get_diff_for_mutant(name, path=path)
    except Exception as exc:  # a report line, not a crash: the score is already known
        diff = f"+ (diff unavailable: {type(exc).__name__}: {exc})"
    finally:
        os.chdir(cwd)
    return "\n".join(line for line in diff.splitlines()
                     if line.startswith(("+", "-")) and not line.startswith(("+++", "---")))


def report(work: Path, by_file: dict[str, dict[str, str]], tests: list[str]) -> str:
    lines = [f"tests run: {' '.join(tests)}", ""]
    survivors = []
    total_caught = total = 0
    for f, statuses in by_file.items():
        caught = sum(s in CAUGHT for s in statuses.values())
        counted = [s for s in statuses.values() if s != "skipped"]
        total_caught, total = total_caught + caught, total + len(counted)
        score = f"{caught / len(counted):.1%}" if counted else "no mutants"
        lines.append(f"{f}: {caught} / {len(counted)} killed ({score})")
        survivors += [(name, s, f) for name, s in statuses.items() if s not in CAUGHT | {"skipped"}]
    lines.append("")
    lines.append(f"MUTATION SCORE: {total_caught} / {total} killed"
                 + (f" ({total_caught / total:.1%})" if total else "")
                 + f"; {len(survivors)} not killed")
    if survivors:
        lines += ["", "Not killed (status, name, then the change):"]
        for name, status, path in sorted(survivors):
            lines.append(f"  [{status}] {name}")
            lines += ["      " + d for d in diff_of(work, name, path).splitlines()]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", default=list(DEFAULT_PATHS))
    parser.add_argument("--tests", default="", help="test files to run instead of tests/test_<module>.py")
    parser.add_argument("--jobs", type=int, default=1, help="mutants tested at once (default 1)")
    parser.add_argument("--report-only", action="store_true",
                        help="only print the report of the last run on these paths")
    args = parser.parse_args()

    files = source_files(args.paths)
    tests = args.tests.split() or sorted({t for f in files for t in tests_for(f)})
    if not tests:
        sys.exit(f"make mutation: no tests/test_<module>.py found for {' '.join(files)}; give TESTS=...")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", "_".join(args.paths)).strip("-")
    if len(slug) > 60:
        slug = slug[:48] + "-" + hashlib.sha1(slug.encode()).hexdigest()[:8]
    work = ROOT / "mutants" / slug
    work.parent.mkdir(exist_ok=True)
    with open(work.parent / f"{slug}.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            sys.exit(f"make mutation: another run on the same paths is using {work}; wait for it")
        if args.report_only:
            text = report(work, results(work, files), tests)
            print(text)
            return 0
        prepare(work, files, tests)
        print(f"mutating {len(files)} file(s) in {work.relative_to(ROOT)}; tests: {' '.join(tests)}", flush=True)
        env = dict(os.environ, MPLBACKEND="Agg", COURSE_DATA_DIR=str(ROOT / "data"),
                   TF_CPP_MIN_LOG_LEVEL="2", TF_ENABLE_ONEDNN_OPTS="0")
        run = subprocess.run([sys.executable, "-m", "mutmut", "run", "--max-children", str(args.jobs)],
                             cwd=work, env=env)
        if run.returncode != 0:
            print(f"make mutation: mutmut failed (exit {run.returncode}); see above", file=sys.stderr)
            return run.returncode
        text = report(work, results(work, files), tests)
    (work / "report.txt").write_text(text + "\n")
    print("\n" + text + f"\n\n(report kept in {(work / 'report.txt').relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
