#!/usr/bin/env bash
# Create (or refresh) the course's local virtual environment in .venv.
#
# Idempotent: does nothing when .venv already matches requirements.txt, constraints.txt and
# pyproject.toml (a hash of the three is kept in .venv/.course-stamp). Needs Python 3.11 and,
# the first time only, access to the package index. No conda, no root.
#   PYTHON=/path/to/python3.11 scripts/bootstrap.sh   # choose the interpreter
#   VENV=/somewhere/else scripts/bootstrap.sh          # choose where the environment goes
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}

die() { printf '\nsetup failed: %s\n' "$*" >&2; exit 1; }

stamp_now() { cat requirements.txt constraints.txt pyproject.toml $(find jupyter-config -type f | LC_ALL=C sort) | sha256sum | cut -d' ' -f1; }

if [ -x "$VENV/bin/python" ] && [ -f "$VENV/.course-stamp" ] \
   && [ "$(cat "$VENV/.course-stamp")" = "$(stamp_now)" ]; then
  exit 0
fi

find_python() {
  for candidate in "${PYTHON:-}" python3.11 python3 python; do
    [ -n "$candidate" ] || continue
    command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
  # Requirements changed since the last setup: update the existing environment in place
  # (pip installs exactly the pinned versions). `rm -rf .venv` gives a from-scratch one.
  echo "==> updating $VENV to the pinned requirements"
else
  py=$(find_python) || die "no Python 3.11 found on PATH.
  Install Python 3.11 (python.org, your package manager, or pyenv) and run this again,
  or point to one with: PYTHON=/path/to/python3.11 make test"
  echo "==> creating $VENV with $($py --version) ($(command -v "$py"))"
  if ! "$py" -m venv --clear "$VENV" 2>/tmp/course-venv-err.$$; then
    cat /tmp/course-venv-err.$$ >&2; rm -f /tmp/course-venv-err.$$
    die "could not create a virtual environment. On Debian/Ubuntu: sudo apt install python3.11-venv"
  fi
  rm -f /tmp/course-venv-err.$$
fi

pip_install() {
  "$VENV/bin/python" -m pip install --disable-pip-version-check --quiet "$@" \
    || die "pip could not install the course's packages (see the messages above).
  The first setup needs the package index (PyPI) to be reachable; afterwards everything runs offline.
  Check your network or proxy (HTTPS_PROXY / PIP_INDEX_URL), then run the same command again."
}

echo "==> installing pinned packages (the first time: about 1 GB, a few minutes)"
pip_install -r requirements.txt -c constraints.txt
echo "==> installing course_lib in editable mode"
pip_install --no-deps -e .
echo "==> registering the environment's python3 kernel (inside .venv, nothing global)"
"$VENV/bin/python" -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (course)" >/dev/null
"$VENV/bin/python" scripts/install_jupyter_config.py >/dev/null  # offline JupyterLab: jupyter-config/README.md
stamp_now > "$VENV/.course-stamp"
echo "==> environment ready: $VENV"
