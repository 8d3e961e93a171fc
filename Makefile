# camsight — two commands on a fresh machine:
#   make demo   create .venv, install, analyse the bundled real clip, print the events, then serve the
#               console on http://127.0.0.1:8080/ with a generated admin password (Ctrl-C stops)
#   make test   create .venv, install, run the whole test suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint system venv clean bench

$(STAMP): pyproject.toml scripts/install-system.sh
	bash scripts/install-system.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# CPU build of torch first: a plain torch requirement would pull several GB of CUDA build.
	$(PY) -m pip install -q "torch==2.13.0"
	$(PY) -m pip install -q -e ".[embed,postgres,dev,pose]"
	# MediaPipe 0.10.14 bundles BlazePose (pose_landmark_full) and works beside numpy 2; its declared pins would
	# pull numpy<2, jax and opencv-contrib, so it goes in without them (its real needs are the `pose` extra).
	$(PY) -m pip install -q --no-deps "mediapipe==0.10.14"
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/camsight demo

test: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy
	# Three workers on two cores: about a quarter of the suite's time is spent waiting on brokers, databases,
	# streams and child processes, which a third worker fills (measured 578 s against 660 s with two);
	# loadscope keeps each module's tests in one worker, so a module's fixtures are made once.
	# The live-stream tests marked solo then run alone.
	$(PY) -m pytest -q -p no:cacheprovider --timeout=900 -n 3 --dist loadscope -m "not solo" --doctest-modules src tests
	$(PY) -m pytest -q -p no:cacheprovider --timeout=900 -m solo tests

bench: $(STAMP)
	$(PY) bench/throughput.py

clean:
	rm -rf $(VENV) camsight-data
