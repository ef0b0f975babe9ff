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

# -n 4: four pytest-xdist workers on the 2-core machine. The suite waits on subprocesses, sockets and
# sleeps for about a third of its time (256 CPU-s in 204 s with -n 2), so two more workers fill the
# waits: 2 min 44 s with -n 4, 3 min 26 s with -n 2 (5 Dec 2026; tests/conftest.py: what runs where).
test: $(STAMP)
	$(PY) -m ruff check bot handlers tests
	$(PY) -m pytest -n 4

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

# Slack's ack latency against a bare Bolt app: on SQLite (serve's command process), then on PostgreSQL
# with procrastinate (serve enqueues, a worker answers).
bench-slack: $(STAMP)
	$(PY) -m tests.bench.slack_latency
	$(PY) -m tests.bench.slack_latency --engine procrastinate

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
