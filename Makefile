# The course's commands. Each one sets up .venv by itself the first time (scripts/bootstrap.sh).
#   make lab         open the course in JupyterLab (LAB_ARGS="--no-browser --ip=0.0.0.0" on a server)
#   make test        run every test: unit tests, doctests, structure checks, then nbval on every
#                    notebook under another OpenBLAS kernel (another CPU's rounding)
#   make notebooks   re-execute every notebook in place, the same way the tests do
#   make bench       run the benchmark script and print its table
#   make nav         rewrite the navigation cells of the notebooks
#   make lock        re-freeze constraints.txt after changing requirements.txt
#   make browser-check  run notebooks and move every widget control in real JupyterLab + headless Chromium
#   make mutation    mutation testing of chosen course_lib modules (slow; not in make test)
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
# make test runs nbval on these paths under another OpenBLAS kernel than the active one and
# than the one their stored outputs were computed under (recorded by make notebooks), with
# numpy's optional SIMD code switched off (scripts/other_blas_kernel.py), so that an output
# depending on the CPU's rounding fails here, not first on a learner's laptop. Only if something
# fails are the failing notebooks run again under the active kernel, to name the CPU-dependent
# cells. Off when TEST_ARGS chooses tests; KERNEL_CHECK= runs the notebooks in the main run instead.
KERNEL_CHECK ?= $(if $(TEST_ARGS),,notebooks)
KERNEL_PATHS ?= $(if $(TEST_ARGS),,$(KERNEL_CHECK))
# The main run: TEST_ARGS if given, else pyproject's test paths, without the notebooks when
# KERNEL_CHECK runs them.
MAIN_ARGS = $(if $(TEST_ARGS),$(TEST_ARGS),$(if $(KERNEL_CHECK),tests course_lib,))

.PHONY: setup lab test notebooks bench nav lock browser-check mutation

setup:
	@scripts/bootstrap.sh

lab: setup
	@# The course's offline settings (no update check, no news): jupyter-config/README.md
	@$(PY) scripts/install_jupyter_config.py
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $(LAB_ARGS)

test: setup
	@# pytest exits 5 when it collected no test: that is a failure here, not a success.
	@reports=$$(mktemp -d); trap 'rm -rf "$$reports"' EXIT; junit="-o junit_family=xunit1 --junitxml"; \
	  MPLBACKEND=Agg $(PY) -m pytest -n $(WORKERS) --dist loadscope $$junit=$$reports/main.xml $(MAIN_ARGS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests - failing" >&2; rc=1; fi; \
	  if [ -n "$(KERNEL_CHECK)" ]; then \
	    kernel=$$($(PY) scripts/other_blas_kernel.py --avoid-recorded $(KERNEL_PATHS)); krc=$$?; \
	    feats=$$($(PY) scripts/other_blas_kernel.py --numpy-disable); \
	    if [ $$krc -eq 0 ] || { [ $$krc -eq 3 ] && [ -n "$$feats" ]; }; then \
	      other="$${kernel:+OPENBLAS_CORETYPE=$$kernel }NPY_DISABLE_CPU_FEATURES='$$feats'"; \
	      echo "==> nbval on $(KERNEL_CHECK) under $$other: another CPU's rounding, the same stored outputs"; \
	      env $${kernel:+OPENBLAS_CORETYPE=$$kernel} NPY_DISABLE_CPU_FEATURES="$$feats" MPLBACKEND=Agg \
	        $(PY) -m pytest -n $(WORKERS) --dist loadscope $$junit=$$reports/other.xml $(KERNEL_CHECK); krc=$$?; \
	      if [ $$krc -eq 5 ]; then echo "make test: the notebook run collected no tests - failing" >&2; krc=1; fi; \
	      if [ $$krc -ne 0 ]; then rc=1; \
	        again=$$($(PY) scripts/other_blas_kernel.py --failed-files $$reports/other.xml) || again="$(KERNEL_CHECK)"; \
	        echo "==> the failing notebooks again under this machine's own kernel, to tell CPU-dependent outputs apart"; \
	        MPLBACKEND=Agg $(PY) -m pytest -n $(WORKERS) --dist loadscope $$junit=$$reports/native.xml $$again; \
	        echo "make test: under $$other some outputs differ." >&2; \
	        $(PY) scripts/other_blas_kernel.py --compare $$reports/native.xml $$reports/other.xml "$$other" >&2; fi; \
	    elif [ $$krc -eq 3 ]; then \
	      echo "==> nbval on $(KERNEL_CHECK) under this machine's own kernel (no other one here: reason above)"; \
	      MPLBACKEND=Agg $(PY) -m pytest -n $(WORKERS) --dist loadscope $(KERNEL_CHECK) || rc=1; \
	    else echo "make test: scripts/other_blas_kernel.py failed" >&2; rc=1; fi; \
	  fi; exit $$rc

notebooks: setup
	$(PY) scripts/execute_notebooks.py

bench: setup
	$(PY) benchmarks/run_all.py

nav: setup
	$(PY) scripts/navigation.py

browser-check: setup
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-browser.txt
	$(PY) scripts/browser_check.py $(NOTEBOOKS)

# Mutation testing (slow, not part of `make test`): how many planted bugs the unit tests catch.
#   make mutation PATHS="course_lib/exercises/nb01.py" [TESTS="tests/test_x.py"] [JOBS=2]
PATHS ?= course_lib/exercises course_lib/widgets course_lib/_checks.py
mutation: setup
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-mutation.txt -c constraints.txt
	$(PY) scripts/mutation.py $(PATHS) --tests "$(TESTS)" --jobs $(or $(JOBS),1)

lock: setup
	$(PY) -m pip install --quiet -r requirements.txt
	( sed -n '1,3p' constraints.txt; $(PY) -m pip freeze --exclude-editable | grep -v '^course' ) > constraints.txt.new
	mv constraints.txt.new constraints.txt
