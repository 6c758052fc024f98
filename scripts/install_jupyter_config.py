"""Install the course's Jupyter configuration (jupyter-config/) into the environment's prefix.

    .venv/bin/python scripts/install_jupyter_config.py            # into this interpreter's venv
    python scripts/install_jupyter_config.py --prefix /some/env    # into another prefix

scripts/bootstrap.sh runs it on every setup. It copies each file of jupyter-config/etc and
jupyter-config/share to the same relative path under the prefix (sys-prefix configuration, the
place `jupyter --paths` lists as the environment's), so nothing outside .venv changes. What the
files turn off, and why, is in jupyter-config/README.md. Idempotent: an identical file is left
as it is; a file the course used to install but no longer ships is not removed.
"""
from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "jupyter-config"
TREES = ("etc", "share")


def config_files(source: Path = SOURCE) -> list[Path]:
    """The files to install, relative to the source tree (README.md is not installed)."""
    return sorted(p.relative_to(source) for tree in TREES for p in (source / tree).rglob("*")
                  if p.is_file())


def install(prefix: Path, source: Path = SOURCE) -> list[Path]:
    """Copy every configuration file under prefix; return the paths written (changed files only)."""
    written = []
    for rel in config_files(source):
        target = prefix / rel
        if target.is_file() and filecmp.cmp(source / rel, target, shallow=False):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / rel, target)
        written.append(target)
    return written


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", type=Path, default=None,
                        help="environment prefix (default: this interpreter's virtual environment)")
    args = parser.parse_args(argv)
    if args.prefix is None:
        if sys.prefix == sys.base_prefix:
            print("install_jupyter_config: this Python is not a virtual environment; run it with "
                  ".venv/bin/python or give --prefix", file=sys.stderr)
            return 2
        args.prefix = Path(sys.prefix)
    for path in install(args.prefix):
        print(f"installed {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
