# The two commands a new engineer needs: `make run` and `make test`. Both set everything up first,
# from the locked installs in requirements/ (exact versions, checked against their hashes).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
KIOSK := $(VENV)/bin/kiosk
# Exactly the locked files, nothing resolved on the way; then the kiosk package itself, built
# with the locked setuptools.
INSTALL := $(PY) -m pip install --quiet --no-deps --require-hashes
INSTALL_SELF := $(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
# Reinstall whenever pyproject.toml or a set's lock file changes: one stamp per set.
sum = $(shell cat $(1) | cksum | cut -d' ' -f1)
RUN_STAMP := $(VENV)/.installed-kiosk-$(call sum,pyproject.toml requirements/build.txt requirements/kiosk.txt)
DEV_STAMP := $(VENV)/.installed-dev-$(call sum,pyproject.toml requirements/build.txt requirements/dev.txt)
DATA ?= $(CURDIR)/var

.PHONY: setup run test lint pytest bench clean screenshots lock lock-check field-test field-test-arm64 translations

# Running the kiosk: its own packages only (no test tools, no PostgreSQL, no browser).
$(RUN_STAMP): pyproject.toml requirements/build.txt requirements/kiosk.txt scripts/system-deps.sh
	scripts/system-deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(INSTALL) -r requirements/build.txt -r requirements/kiosk.txt
	$(INSTALL_SELF)
	rm -f $(VENV)/.installed-kiosk-*
	touch $@

# Testing it: everything the tests, lint and benchmarks use.
$(DEV_STAMP): pyproject.toml requirements/build.txt requirements/dev.txt scripts/system-deps.sh
	scripts/system-deps.sh --test
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(INSTALL) -r requirements/build.txt -r requirements/dev.txt
	$(INSTALL_SELF)
	rm -f $(VENV)/.installed-dev-*
	touch $@

setup: $(DEV_STAMP)

run: $(RUN_STAMP)
	KIOSK_DATA_DIR=$(DATA) $(KIOSK) init --demo
	KIOSK_DATA_DIR=$(DATA) $(KIOSK) run

# Every screen at 800x480 (the official 7" touchscreen) into docs/screens/, on SDL's offscreen driver;
# then at 800x480 and 1024x600 (a 7" panel) in every language into docs/screens/<size>/<language>/.
# The screen words: kiosk/ui/locale/*/LC_MESSAGES/kiosk.po are edited (scripts/translations.py adds
# new words); their compiled .mo files are kept beside them, so running the kiosk needs no Babel.
# tests/ui/test_languages.py fails when a .mo is older than its .po.
translations: setup
	$(VENV)/bin/pybabel -q compile -d kiosk/ui/locale -D kiosk

screenshots: setup
	$(PY) -m kiosk.ui.gallery docs/screens --size 800x480
	$(PY) -m kiosk.ui.gallery docs/screens/800x480 --size 800x480 --languages all
	$(PY) -m kiosk.ui.gallery docs/screens/1024x600 --size 1024x600 --languages all

lint: setup
	$(VENV)/bin/ruff check kiosk tests bench scripts field
	$(VENV)/bin/ruff format --check kiosk tests bench scripts field
	$(VENV)/bin/mypy --strict kiosk
	$(VENV)/bin/lint-imports --no-cache

# On every core (pytest-xdist), a test file to a worker: each file's fixtures (a PostgreSQL
# cluster, a browser, a Kivy window) stay in one process.
pytest: setup
	$(PY) -m pytest -q -n auto --dist loadfile

test: lint pytest

bench: setup
	$(PY) bench/run_all.py

# The kiosk installed exactly as docs/deploy.md says, on Debian 12 booted with systemd in a
# container, then in a VM whose screen is photographed from outside (root; docs/field-test.md).
field-test: setup
	field/host-deps.sh
	$(PYTHON) -m field all

# The same installer on arm64 through qemu-user: the Pi extras build, the CLI, offscreen screens.
field-test-arm64: setup
	field/host-deps.sh
	$(PYTHON) -m field arm64

# Refresh the lock files after changing dependencies in pyproject.toml (pins kept where they
# still fit). `make lock LOCK_FLAGS=--upgrade` moves every package to the newest allowed;
# `LOCK_FLAGS="--upgrade-package ruff"` just one.
lock: setup
	scripts/lock.sh $(LOCK_FLAGS)

# CI: the committed lock files are what `make lock` makes from pyproject.toml today.
lock-check: setup
	rm -rf $(VENV)/lock-check && mkdir -p $(VENV)/lock-check/scripts
	cp -r pyproject.toml requirements $(VENV)/lock-check/
	cp scripts/lock.sh $(VENV)/lock-check/scripts/
	UV=$(CURDIR)/$(VENV)/bin/uv $(VENV)/lock-check/scripts/lock.sh
	diff -r requirements $(VENV)/lock-check/requirements && rm -rf $(VENV)/lock-check

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis .import_linter_cache
