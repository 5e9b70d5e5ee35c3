# The two commands a newcomer needs: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PYTEST_WORKERS ?= 2

.PHONY: install run test lint format migrate worker beat messages compilemessages seed bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed compilemessages

# Compiled .mo files are committed; they are rebuilt here whenever gettext is present.
compilemessages: $(VENV)/.installed
	@if command -v msgfmt >/dev/null 2>&1; then \
		$(PY) manage.py compilemessages -v0 --ignore='.venv/*' ; \
	else echo "msgfmt not found (Debian package gettext): using the committed .mo files"; fi

# Re-extract translatable strings: each app keeps its own catalogue, the project one covers templates/ and config/.
messages: $(VENV)/.installed
	for app in members tiers points privileges services; do \
		(cd $$app && ../$(PY) ../manage.py makemessages -l zh_Hans -l en --no-obsolete -v0); done
	$(PY) manage.py makemessages -l zh_Hans -l en --no-obsolete -v0 \
		--ignore='.venv/*' --ignore='members/*' --ignore='tiers/*' --ignore='points/*' \
		--ignore='privileges/*' --ignore='services/*' --ignore='tests/*' --ignore='bench/*'

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	PORT=$(PORT) $(PY) manage.py seed_demo

run: seed
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

worker: install
	$(VENV)/bin/celery -A config worker -l info

beat: install
	$(VENV)/bin/celery -A config beat -l info

clean:
	rm -rf $(VENV) staticfiles .test-media
