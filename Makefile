# Every target sets up what it needs: a fresh machine only needs python3 (3.10+) and network access
# to PyPI. `make test` = lint (ruff, mypy) + the whole suite on the newest Airflow 3.3.x, then on the
# middle of the range, 3.2.2 (both with the OpenLineage provider), and on our floor, 3.1.8 (without it:
# the provider must work either way), then the reduced scale run (`test-scale`: CeleryExecutor, one
# worker and one triggerer killed). The 3.2 and 3.1 runs deselect the tests that never touch Airflow
# (KAKACLO_SUITE=airflow, listed in tests/suites.py): they ran already on 3.3.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
FLOOR_VENV ?= .venv-floor
MID_VENV ?= .venv-mid
SCALE_VENV ?= .venv-scale
PY := $(VENV)/bin/python
FLOOR_PY := $(FLOOR_VENV)/bin/python
MID_PY := $(MID_VENV)/bin/python
PYTEST_ARGS ?=
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help venv venv-floor venv-mid venv-scale lint test test-latest test-mid test-floor test-scale test-load mutate demo bench chaos scale sandbox clean

help:
	@echo "make demo   - example DAGs in real Airflow against the sandbox (SQLite)"
	@echo "make test   - lint + every test on Airflow 3.3.2, then every test that touches Airflow on 3.2.2 and on the 3.1.8 floor"
	@echo "               then the reduced scale run (test-latest, test-mid, test-floor, test-scale run one part each)"
	@echo "make test-load - trigger/sensor/operator tests 5 times with every core busy (RUNS=n)"
	@echo "make mutate - mutation testing of the promise-carrying functions (slow), mutate/last-run.md"
	@echo "make bench  - benchmarks against the sandbox, table + bench/results.json"
	@echo "make chaos  - the fault campaign (orders under faults, syncs interrupted), one table"
	@echo "make scale  - CeleryExecutor, 3 workers, 2 triggerers, PostgreSQL + Redis on loopback: kills and budgets, one table"
	@echo "make test-scale - the same stack, reduced: one worker kill and one triggerer kill, 30 orders and 30 sensors (part of make test)"
	@echo "make sandbox - run the vendor sandbox on http://127.0.0.1:8980 (orders ship on their own after 15 s; AUTOPILOT=0 turns that off)"

$(VENV)/.installed: pyproject.toml ci/constraints-latest.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -c ci/constraints-latest.txt "apache-airflow" -e ".[dev,lineage]"
	touch $@

$(FLOOR_VENV)/.installed: pyproject.toml ci/constraints-floor.txt
	$(PYTHON) -m venv $(FLOOR_VENV)
	$(FLOOR_VENV)/bin/pip install -q --upgrade pip
	$(FLOOR_VENV)/bin/pip install -q -c ci/constraints-floor.txt "apache-airflow" -e ".[dev]"
	touch $@

$(MID_VENV)/.installed: pyproject.toml ci/constraints-mid.txt
	$(PYTHON) -m venv $(MID_VENV)
	$(MID_VENV)/bin/pip install -q --upgrade pip
	$(MID_VENV)/bin/pip install -q -c ci/constraints-mid.txt "apache-airflow" -e ".[dev,lineage]"
	touch $@

# The scale stack's own venv: the Celery provider stays out of the one the tests run in.
$(SCALE_VENV)/.installed: pyproject.toml ci/constraints-latest.txt
	$(PYTHON) -m venv $(SCALE_VENV)
	$(SCALE_VENV)/bin/pip install -q --upgrade pip
	$(SCALE_VENV)/bin/pip install -q -c ci/constraints-latest.txt "apache-airflow" -e ".[scale]"
	touch $@

venv: $(VENV)/.installed
venv-scale: $(SCALE_VENV)/.installed
venv-floor: $(FLOOR_VENV)/.installed
venv-mid: $(MID_VENV)/.installed

lint: venv
	$(VENV)/bin/ruff check airflow_provider_kakaclo example_dags tests bench scripts chaos scale
	$(VENV)/bin/mypy  # the package, configured in pyproject.toml [tool.mypy]

test: lint test-latest test-mid test-floor test-scale

# Both runs use real PostgreSQL and Redis servers and Chromium (Debian's packages, installed when
# missing); the browser test starts Airflow's own API server, scheduler, DAG processor and triggerer.
# Screenshots and service logs: test-artifacts/ui/airflow-<version>/.
SERVICES = KAKACLO_TEST_POSTGRES_URI=$$(bash scripts/postgres.sh start) KAKACLO_TEST_REDIS_URL=$$(bash scripts/redis.sh start) \
	KAKACLO_CHROMIUM=$$(bash scripts/chromium.sh)

test-latest: venv
	$(PY) -c "import airflow; print('Airflow', airflow.__version__)"
	$(SERVICES) KAKACLO_SUITE=full KAKACLO_EXPECT_OPENLINEAGE=1 $(PY) -m pytest $(PYTEST_ARGS)

test-mid: venv-mid
	$(MID_PY) -c "import airflow; print('Airflow', airflow.__version__)"
	$(SERVICES) KAKACLO_SUITE=$${KAKACLO_SUITE:-airflow} KAKACLO_EXPECT_OPENLINEAGE=1 $(MID_PY) -m pytest $(PYTEST_ARGS)

test-floor: venv-floor
	$(FLOOR_PY) -c "import airflow; print('Airflow', airflow.__version__)"
	$(SERVICES) KAKACLO_SUITE=$${KAKACLO_SUITE:-airflow} KAKACLO_EXPECT_OPENLINEAGE=0 $(FLOOR_PY) -m pytest $(PYTEST_ARGS)

RUNS ?= 5
test-load: venv
	PYTHON=$(PY) bash scripts/under_load.sh $(RUNS) $(PYTEST_ARGS)

# Not part of `make test` (too slow). Redis for the shared-limiter tests; PostgreSQL-only tests are skipped.
$(VENV)/.mutate-installed: $(VENV)/.installed
	$(VENV)/bin/pip install -q -c ci/constraints-latest.txt -e ".[mutate]"
	touch $@

mutate: $(VENV)/.mutate-installed
	KAKACLO_TEST_REDIS_URL=$$(bash scripts/redis.sh start) $(PY) scripts/mutate.py $(MUTATE_ARGS)

demo: venv
	VENV=$(VENV) bash scripts/demo.sh

bench: venv
	KAKACLO_BENCH_REDIS_URL=$$(bash scripts/redis.sh start) $(PY) bench/run.py

chaos: venv
	$(PY) chaos/run.py

# Under 20 minutes on 2 cores; sizes: SCALE_SKUS (9000), SCALE_ORDERS (300), SCALE_SENSORS (500),
# SCALE_ACCOUNT_SKUS (9000); SCALE_SCENARIOS (budget,workers,triggerers,accounts) picks rows.
scale: venv-scale
	PYTHON=$(SCALE_VENV)/bin/python bash scripts/scale.sh

# The reduced `make scale` of `make test` (3.5-4 minutes on 2 cores, its venv included): the same real
# processes, one worker SIGKILLed while 30 orders are placed (a vendor burst of 10 keeps them placing
# long enough), one triggerer SIGKILLed while 30 sensors wait.
test-scale: venv-scale
	PYTHON=$(SCALE_VENV)/bin/python bash scripts/scale.sh --scenarios workers,triggerers --orders 30 --sensors 30 \
		--order-burst 10 --window 10

sandbox: venv
	$(VENV)/bin/kakaclo-sandbox --host 127.0.0.1 --port 8980 --autopilot $${AUTOPILOT:-15}

clean:
	bash scripts/postgres.sh stop
	bash scripts/redis.sh stop
	rm -rf $(VENV) $(MID_VENV) $(FLOOR_VENV) $(SCALE_VENV) .scale .demo .pytest_cache build *.egg-info mutants mutants-run.log
