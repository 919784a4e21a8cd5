# The two commands a new engineer needs: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
KIOSK := $(VENV)/bin/kiosk
# Reinstall whenever pyproject.toml changes.
STAMP := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
DATA ?= $(CURDIR)/var

.PHONY: setup run test lint pytest bench clean screenshots
# The screen words' catalogues: the .po files are kept in the repository, compiled here.
PO := $(wildcard kiosk/ui/locale/*/LC_MESSAGES/kiosk.po)
MO := $(PO:.po=.mo)

$(STAMP): pyproject.toml scripts/system-deps.sh
	scripts/system-deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

setup: $(STAMP) $(MO)

%.mo: %.po $(STAMP)
	$(VENV)/bin/pybabel -q compile -i $< -o $@

run: setup
	KIOSK_DATA_DIR=$(DATA) $(KIOSK) init --demo
	KIOSK_DATA_DIR=$(DATA) $(KIOSK) run

# Every screen at 800x480 (the official 7" touchscreen) into docs/screens/, on SDL's offscreen driver;
# then at 800x480 and 1024x600 (a 7" panel) in every language into docs/screens/<size>/<language>/.
screenshots: setup
	$(PY) -m kiosk.ui.gallery docs/screens --size 800x480
	$(PY) -m kiosk.ui.gallery docs/screens/800x480 --size 800x480 --languages all
	$(PY) -m kiosk.ui.gallery docs/screens/1024x600 --size 1024x600 --languages all

lint: setup
	$(VENV)/bin/ruff check kiosk tests bench scripts
	$(VENV)/bin/ruff format --check kiosk tests bench scripts
	$(VENV)/bin/mypy --strict kiosk

pytest: setup
	$(PY) -m pytest -q

test: lint pytest

bench: setup
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
