# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
DATABASE_URL_TEST ?= postgres://postgres@127.0.0.1:5432/trestle

.PHONY: install run test lint format bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

## make run: migrate, create the demo account, then web + worker + beat (Ctrl-C stops all).
run: export TRESTLE_PORT = $(PORT)
run: install
	@mkdir -p .run
	@mkdir -p $${TRESTLE_RUN_DIR:-.run} && echo $(PORT) > $${TRESTLE_RUN_DIR:-.run}/port
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py demo_setup
	$(PY) manage.py procore_sandbox_seed --if-empty
	@echo "Trestle: http://127.0.0.1:$(PORT)  (Ctrl-C stops web, worker and scheduler)"
	exec $(VENV)/bin/honcho -f Procfile start

## make test: lint, format check, migrations check and the whole suite on PostgreSQL.
test: install
	@DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL=$${DATABASE_URL:-$(DATABASE_URL_TEST)} \
	  $(PY) manage.py db_check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL=$${DATABASE_URL:-$(DATABASE_URL_TEST)} \
	  $(PY) manage.py makemigrations --check --dry-run
	@DATABASE_URL=$${DATABASE_URL:-$(DATABASE_URL_TEST)} $(VENV)/bin/pytest $(PYTEST_ARGS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; exit $$rc

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	@for script in bench/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean:
	rm -rf .run staticfiles
