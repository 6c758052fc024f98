# The course's commands. Each one sets up .venv by itself the first time (scripts/bootstrap.sh).
#   make lab         open the course in JupyterLab (LAB_ARGS="--no-browser --ip=0.0.0.0" on a server)
#   make test        run every test: unit tests, doctests, nbval on every notebook, structure checks
#   make notebooks   re-execute every notebook in place, the same way the tests do
#   make bench       run the benchmark script and print its table
#   make nav         rewrite the navigation cells of the notebooks
#   make lock        re-freeze constraints.txt after changing requirements.txt
#   make browser-check  run notebooks and drag a slider in real JupyterLab + headless Chromium
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
export VENV
# Quiet, repeatable TensorFlow in every process these targets start (the notebooks set the
# same two variables in their first cell, so that readers in JupyterLab get the same).
export TF_CPP_MIN_LOG_LEVEL := 2
export TF_ENABLE_ONEDNN_OPTS := 0
export PYTHONHASHSEED := 0
# Prefer the kernelspec inside .venv over any user-wide 'python3' kernel.
export JUPYTER_PREFER_ENV_PATH := 1
LAB_ARGS ?=
TEST_ARGS ?=
# Two pytest workers: enough to halve the run on a laptop, small enough for 8 GB of memory.
WORKERS ?= 2

.PHONY: setup lab test notebooks bench nav lock browser-check

setup:
	@scripts/bootstrap.sh

lab: setup
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $(LAB_ARGS)

test: setup
	@# pytest exits 5 when it collected no test: that is a failure here, not a success.
	@MPLBACKEND=Agg $(PY) -m pytest -n $(WORKERS) --dist loadscope $(TEST_ARGS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests - failing" >&2; exit 1; fi; exit $$rc

notebooks: setup
	$(PY) scripts/execute_notebooks.py

bench: setup
	$(PY) benchmarks/run_all.py

nav: setup
	$(PY) scripts/navigation.py

browser-check: setup
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-browser.txt
	$(PY) scripts/browser_check.py $(NOTEBOOKS)

lock: setup
	$(PY) -m pip install --quiet -r requirements.txt
	( sed -n '1,3p' constraints.txt; $(PY) -m pip freeze --exclude-editable | grep -v '^course' ) > constraints.txt.new
	mv constraints.txt.new constraints.txt
