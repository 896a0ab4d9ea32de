# The two commands a newcomer needs: `make run` and `make test`. Everything else here serves them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: run test install system-packages lint messages bench

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

# Development settings with fresh random keys, made once; production sets real variables instead.
.env:
	$(PYTHON) bin/make-dev-env > $@

# Seeding keeps what exists (passwords, sessions, addresses). bin/run-dev starts Procfile.dev on $(PORT),
# points notification links at it unless PORTAL_BASE_URL is set, and stops all three on Ctrl-C; `exec`
# leaves no shell between make and it (a shell would die of the Ctrl-C and make would report an error).
run: install .env
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py seed_demo_workspace
	PORT=$(PORT) exec $(BIN)/python bin/run-dev

system-packages:
	bin/install-system-packages

test: install system-packages
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

messages: install
	$(BIN)/python manage.py makemessages --locale pl --ignore '.venv/*' --ignore 'var/*'
	$(BIN)/python manage.py compilemessages --locale pl --ignore '.venv/*'

bench: install system-packages
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/ingest.py --busy --throughput-only
	$(BIN)/python bench/resync.py
	$(BIN)/python bench/mail_list.py
