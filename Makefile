# One command to run, one to test. Everything installs into .venv and node_modules.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
FLASK  := $(BIN)/flask --app app
PYTEST_ARGS ?=

.PHONY: run install install-test assets translations babel-extract babel-update babel-compile db test test-cluster test-sqlite test-postgres bench bench-data bench-load bench-compare clean

# The outbox worker runs beside the web server and stops with it (README, Messages).
run: install db
	$(FLASK) outbox work & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

install: $(VENV)/.installed assets translations

install-test: install $(VENV)/.installed-test
	@[ -x /usr/bin/chromium ] || echo "note: /usr/bin/chromium is missing: browser tests will be skipped (apt-get install chromium)"

$(VENV)/.installed: pyproject.toml
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $@

assets: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d translations

babel-extract: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -o translations/messages.pot --no-location --sort-output --project=beneficiary-relations --ignore-dirs='.* ._ node_modules instance tests bench build' .

babel-update: babel-extract
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

babel-compile: translations

db: install
	$(FLASK) db upgrade
	$(FLASK) seed
	$(FLASK) users bootstrap

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Several servers on this machine (tests/cluster): PostgreSQL (CLUSTER_DATABASE_URL, an empty database
# that is wiped), redis-server and an S3 server (moto) on loopback, two gunicorn nodes, two outbox workers.
test-cluster: install-test
	@[ -n "$(CLUSTER_DATABASE_URL)" ] || { echo "set CLUSTER_DATABASE_URL=postgresql://user:pass@127.0.0.1/empty_db"; exit 2; }
	@command -v redis-server >/dev/null || { echo "redis-server is missing (apt-get install redis-server)"; exit 2; }
	CLUSTER_DATABASE_URL=$(CLUSTER_DATABASE_URL) $(BIN)/python -m pytest tests/cluster $(PYTEST_ARGS)

# Benchmark (bench/README.md): 100,000 beneficiaries and 300,000 requests in bench/bench.db,
# made once (a few minutes); `make bench-data` makes it again. DATABASE_URL switches to PostgreSQL.
BENCH_SIZE ?= --beneficiaries 100000 --applications 300000 --seed 1

bench/bench.db:
	$(BIN)/python -m bench.generate $(BENCH_SIZE)

bench-data: install
	$(BIN)/python -m bench.generate $(BENCH_SIZE) --reset

bench: install $(if $(DATABASE_URL),,bench/bench.db)
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.import_run

bench-load: install $(if $(DATABASE_URL),,bench/bench.db)
	$(BIN)/python -m bench.load --seconds $(or $(SECONDS),60)

# This project against the Django-admin peer (../shared/peer-django, or PEER_DIR) over HTTP:
# the peer's venv and data under bench/peer/ (made once), both served by gunicorn, measured
# alternately; table + bench/compare.json. DATABASE_URL puts the project on PostgreSQL.
bench-compare: install
	$(BIN)/python -m bench.compare $(BENCH_COMPARE_ARGS)

clean:
	rm -rf $(VENV) node_modules
