# litellm-bridge: the two commands a newcomer needs are `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
export BRIDGE_VENV := $(VENV)
export LITELLM_LOCAL_MODEL_COST_MAP := True

.PHONY: setup demo test test-compat lint bench soak snapshots clean

setup:
	@scripts/bootstrap.sh
	@scripts/ensure-postgres.sh
	@scripts/ensure-redis.sh
	@scripts/ensure-node.sh

demo: setup
	@scripts/install-openwebui.sh 0.12.4 >/dev/null
	$(PY) -m devtools.demo

test: setup
	@scripts/install-openwebui.sh 0.12.4 >/dev/null
	@scripts/install-openwebui.sh 0.6.30 >/dev/null
	@scripts/install-chromium.sh
	$(PY) -m pytest

# The LiteLLM matrix (README "Compatibility"): unit, packaging and proxy-level tests on LiteLLM
# 1.77.3 and 1.108.7, each in its own cached environment (the first run installs them, a few
# minutes each); scripts/test-compat.sh VERSION for another release.
test-compat: setup
	@scripts/test-compat.sh

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: setup
	$(PY) -m bench.reconcile
	$(PY) -m bench.triggers
	$(PY) -m bench.latency
	$(PY) -m bench.interception
	$(PY) -m bench.enforcement
	$(PY) -m bench.spend
	$(PY) -m bench.freshness
	$(PY) -m bench.readiness
	$(PY) -m bench.management
	$(PY) -m bench.enrolment --people 1000
	$(PY) -m bench.metrics

# The soak (issue 25, README "What you can rely on"): an hour of load and faults with Open WebUI
# on PostgreSQL, then a pass with Open WebUI on SQLite. SOAK_MINUTES=5 make soak for a short one.
SOAK_MINUTES ?= 60
SOAK_SQLITE_MINUTES ?= 15
soak: setup
	@scripts/install-openwebui.sh 0.12.4 >/dev/null
	$(PY) -m bench.soak --minutes $(SOAK_MINUTES) --fault-every 60
	$(PY) -m bench.soak --minutes $(SOAK_SQLITE_MINUTES) --fault-every 60 --openwebui sqlite

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
