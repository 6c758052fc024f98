#!/usr/bin/env bash
# Create (or refresh) the course's local virtual environment in .venv.
#
# Idempotent: does nothing when .venv already matches requirements.txt, constraints.txt and
# pyproject.toml (a hash of the three is kept in .venv/.course-stamp). Needs Python 3.11, 3.12
# or 3.13 (the newest one found is used) and, the first time only, access to the package index.
# No conda, no root.
#   PYTHON=/path/to/python3.12 scripts/bootstrap.sh   # choose the interpreter
#   VENV=/somewhere/else scripts/bootstrap.sh          # choose where the environment goes
#   scripts/bootstrap.sh --which-python                 # print the interpreter it would use
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
# The Python versions TensorFlow 2.21 (pinned in requirements.txt) publishes wheels for.
# Keep in step with requires-python in pyproject.toml (tests/test_environment.py checks).
SUPPORTED="3.11 3.12 3.13"

die() { printf '\nsetup failed: %s\n' "$*" >&2; exit 1; }

stamp_now() { cat requirements.txt constraints.txt pyproject.toml $(find jupyter-config -type f | LC_ALL=C sort) | sha256sum | cut -d' ' -f1; }

# "3.12" for an interpreter that runs, nothing otherwise (a pyenv shim of an inactive version fails)
version_of() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true; }
supported() { case " $SUPPORTED " in *" $1 "*) [ -n "$1" ] ;; *) return 1 ;; esac; }

wrong_python() {
  die "$1
  The course runs on Python 3.11, 3.12 or 3.13: it pins TensorFlow 2.21, which publishes wheels
  only for those (none for 3.14 or later, none for 3.10 or earlier).
  Install one of them: from python.org; or your package manager (Debian 13: python3.13,
  Ubuntu 24.04: python3.12, macOS: brew install python@3.13); or pyenv install 3.13.
  Then run this again, or point to it: PYTHON=/path/to/python3.13 make test"
}

find_python() {  # PYTHON if it is set, else the newest supported interpreter on PATH
  if [ -n "${PYTHON:-}" ]; then
    command -v "$PYTHON" >/dev/null 2>&1 || wrong_python "PYTHON=$PYTHON: no such command."
    local v; v=$(version_of "$PYTHON")
    supported "$v" || wrong_python "PYTHON=$PYTHON is ${v:+Python }${v:-not a Python that runs}."
    echo "$PYTHON"; return 0
  fi
  local best="" best_v="" seen="" candidate v
  for candidate in python3.13 python3.12 python3.11 python3 python; do
    command -v "$candidate" >/dev/null 2>&1 || continue
    v=$(version_of "$candidate")
    [ -n "$v" ] || continue
    seen="$seen $candidate ($v)"
    if supported "$v" && { [ -z "$best" ] || [ "${v#3.}" -gt "${best_v#3.}" ]; }; then
      best=$candidate; best_v=$v
    fi
  done
  [ -n "$best" ] || wrong_python "no Python 3.11, 3.12 or 3.13 found on PATH (found:${seen:- none})."
  echo "$best"
}

if [ "${1:-}" = "--which-python" ]; then find_python; exit 0; fi  # the interpreter setup would use

note_python_unused() {
  if [ -n "${PYTHON:-}" ] && [ "$(version_of "$PYTHON")" != "$(version_of "$VENV/bin/python")" ]; then
    echo "note: $VENV already exists with Python $(version_of "$VENV/bin/python"); PYTHON is used" \
         "only to create it (rm -rf $VENV to switch to $PYTHON)" >&2
  fi
}

if [ -x "$VENV/bin/python" ] && [ -f "$VENV/.course-stamp" ] \
   && [ "$(cat "$VENV/.course-stamp")" = "$(stamp_now)" ]; then
  note_python_unused
  exit 0
fi

venv_version=$( [ -x "$VENV/bin/python" ] && version_of "$VENV/bin/python" || true)
if supported "$venv_version"; then
  note_python_unused
  # Requirements changed since the last setup: update the existing environment in place
  # (pip installs exactly the pinned versions). `rm -rf .venv` gives a from-scratch one.
  echo "==> updating $VENV (Python $venv_version) to the pinned requirements"
else
  py=$(find_python)
  echo "==> creating $VENV with $($py --version 2>&1) ($(command -v "$py"))"
  if ! "$py" -m venv --clear "$VENV" 2>/tmp/course-venv-err.$$; then
    cat /tmp/course-venv-err.$$ >&2; rm -f /tmp/course-venv-err.$$
    die "could not create a virtual environment. On Debian/Ubuntu: sudo apt install python$(version_of "$py")-venv"
  fi
  rm -f /tmp/course-venv-err.$$
fi

pip_install() {
  "$VENV/bin/python" -m pip install --disable-pip-version-check --quiet "$@" \
    || die "pip could not install the course's packages (see the messages above).
  The first setup needs the package index (PyPI) to be reachable; afterwards everything runs offline.
  Check your network or proxy (HTTPS_PROXY / PIP_INDEX_URL), then run the same command again."
}

echo "==> installing pinned packages (the first time: about 2.1 GB, a few minutes)"
pip_install -r requirements.txt -c constraints.txt
echo "==> installing course_lib in editable mode"
pip_install --no-deps -e .
echo "==> registering the environment's python3 kernel (inside .venv, nothing global)"
"$VENV/bin/python" -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (course)" >/dev/null
"$VENV/bin/python" scripts/install_jupyter_config.py >/dev/null  # offline JupyterLab: jupyter-config/README.md
stamp_now > "$VENV/.course-stamp"
echo "==> environment ready: $VENV"
