# Two commands set up everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench bench-slack bench-teams bench-delivery bench-flood bench-scale chaos install clean fuzz

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the pinned requirements change.
$(STAMP): $(PY) requirements.txt requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) -m bot demo

# -n auto: one pytest-xdist worker per core. On the 2-core machine, shared with other test runs, the suite
# took 2.6-4.4 min with -n 2 and 4.1-7.9 min without, by how busy it was (tests/conftest.py: what runs where).
test: $(STAMP)
	$(PY) -m ruff check bot handlers tests
	$(PY) -m pytest -n auto

# Every HTTP endpoint against thousands of hostile requests (tests/security; `make test` runs a bounded
# number of examples per property). HYPOTHESIS_PROFILE picks the count (tests/security/conftest.py).
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest tests/security -p no:randomly -x

lint: $(STAMP)
	$(PY) -m ruff check bot handlers tests

bench: $(STAMP)
	$(PY) -m bot bench --ambassadors 250 --weeks 12
	$(PY) -m bot bench --ambassadors 500 --weeks 12
	$(PY) -m bot bench --ambassadors 1000 --weeks 12

bench-slack: $(STAMP)
	$(PY) -m tests.bench.slack_latency

bench-teams: $(STAMP)
	$(PY) -m tests.bench.teams_latency

bench-delivery: $(STAMP)
	$(PY) -m tests.bench.delivery_rate

bench-flood: $(STAMP)
	$(PY) -m tests.bench.rejection_flood

# The delivery benchmark with 1, 2 and 3 procrastinate workers on a private PostgreSQL cluster (initdb).
bench-scale: $(STAMP)
	$(PY) -m tests.bench.scale

# 2 web and 3 worker processes on a private PostgreSQL, workers SIGKILLed, the database restarted: five
# seeded runs of 3 minutes (`make test` runs tests/chaos/test_chaos.py, a short form).
chaos: $(STAMP)
	$(PY) -m tests.chaos.run --repeat 5 --seconds 180

clean:
	rm -rf $(VENV) var demo-output .pytest_cache
