# The two commands a new engineer needs: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
KIOSK := $(VENV)/bin/kiosk
# Reinstall whenever pyproject.toml changes.
STAMP := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
DATA ?= $(CURDIR)/var

.PHONY: setup run test lint pytest bench clean screenshots field-test field-test-arm64

$(STAMP): pyproject.toml scripts/system-deps.sh
	scripts/system-deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

setup: $(STAMP)

run: setup
	KIOSK_DATA_DIR=$(DATA) $(KIOSK) init --demo
	KIOSK_DATA_DIR=$(DATA) $(KIOSK) run

# Every screen at 800x480 (the official 7" touchscreen) into docs/screens/, on SDL's offscreen driver.
screenshots: setup
	$(PY) -m kiosk.ui.gallery docs/screens --size 800x480

lint: setup
	$(VENV)/bin/ruff check kiosk tests bench scripts field
	$(VENV)/bin/ruff format --check kiosk tests bench scripts field
	$(VENV)/bin/mypy --strict kiosk

pytest: setup
	$(PY) -m pytest -q

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

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
