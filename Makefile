# make run: set up from nothing, migrate, load demo data, serve on http://127.0.0.1:5000
# make test: set up and run the whole test suite (SQLite; PostgreSQL when TEST_DATABASE_URL is set)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
STAMP := $(VENV)/.installed

.PHONY: run test setup translations chromium bench lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/pybabel compile -d translations >/dev/null

run: export REGISTER_ENV = development
run: setup
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	$(FLASK) run --host 127.0.0.1 --port 5000

# Browser tests drive Debian's Chromium; install it when missing (as root, the way CI runs).
chromium:
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && apt-get install -y -qq chromium >/dev/null); } || \
		echo "Chromium is missing: install the Debian package 'chromium' to run the browser tests."

test: setup chromium
	$(BIN)/python -m pytest -q

# Builds a 500 000-member SQLite database in bench/ (about 3 minutes) and prints the figures as JSON
# (bench/payments.py runs on PostgreSQL too when BENCH_DATABASE_URL is set).
bench: setup
	$(BIN)/python bench/search.py
	$(BIN)/python bench/queues.py --reuse
	$(BIN)/python bench/dues.py
	$(BIN)/python bench/lists.py
	$(BIN)/python bench/payments.py
	$(BIN)/python bench/login.py

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance .pytest_cache
