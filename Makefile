# Set-up, demo and tests on a fresh machine: `make demo`, `make test`.
# Both create .venv when missing, install everything into it, and reuse it
# on later runs (the stamp file changes whenever a requirement changes).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
TORCH_VERSION ?= 2.13.0
REQS := setup.cfg $(wildcard requirements/*.txt)
STAMP := $(VENV)/.aclnet-mm-installed
DEMO_DIR ?= work_dirs/demo
PYTEST_ARGS ?=
LINT_PATHS := aclnet_mm tools tests configs demo setup.py

.PHONY: install demo ablation test lint format data footage clean help

help:
	@echo "make demo   - install into $(VENV) and run the main job on the embedded data"
	@echo "make test   - install into $(VENV), run the linters and the tests"
	@echo "make ablation - 7 variants (CE, ACLNet, ProtoGCN) x 5 seeds on the embedded data (docs/advanced_guides/ablation.md)"
	@echo "make lint   - linters only; make format - apply isort and yapf"

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) $(REQS)
	@# Keep a torch that is already there (e.g. a CUDA build >= 2.1); else
	@# take the CPU build, which an open range would not select.
	$(PY) -c "import torch, sys; v = tuple(int(x) for x in torch.__version__.split('+')[0].split('.')[:2]); sys.exit(v < (2, 1))" 2>/dev/null \
		|| $(PIP) install torch==$(TORCH_VERSION)
	@# openmim pulls openxlab, which downgrades setuptools to 60.2: the
	@# runtime requirements, installed after it, pin setuptools back.
	$(PIP) install openmim==0.3.9
	$(PIP) install -r requirements/runtime.txt -r requirements/demo.txt
	$(PIP) install --no-deps -r requirements/mmaction.txt -r requirements/data.txt -r requirements/mediapipe.txt
	$(PIP) install -r requirements/tests.txt
	$(PIP) install --no-deps -e .
	$(PY) -c "import aclnet_mm; print('aclnet_mm', aclnet_mm.__version__, 'installed')"
	touch $(STAMP)

install: $(STAMP)

data: $(STAMP)
	$(PY) tools/data/embedded/prepare_pose_classification_kit.py

# Real footage for the video demo's tests (Debian's opencv-doc samples).
footage:
	bash tools/data/footage/fetch_opencv_samples.sh data/footage/opencv

demo: $(STAMP)
	$(PY) tools/run_demo.py --work-dir $(DEMO_DIR)

ablation: $(STAMP)
	$(PY) tools/ablation.py --work-dir work_dirs/ablation

lint: $(STAMP)
	$(VENV)/bin/flake8 $(LINT_PATHS)
	$(VENV)/bin/isort --check-only --diff $(LINT_PATHS)
	$(VENV)/bin/yapf --diff --recursive $(LINT_PATHS)

format: $(STAMP)
	$(VENV)/bin/isort $(LINT_PATHS)
	$(VENV)/bin/yapf -i --recursive $(LINT_PATHS)

test: lint footage
	$(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) work_dirs build *.egg-info
