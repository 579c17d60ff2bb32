# licensedesk — every target installs what it needs first.
# Django 6 needs Python 3.12+: the first one found, pyenv's versions included.
PYTHON ?= $(shell for p in python3.12 python3.13 python3 $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -V); do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { command -v $$p || echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test bench lint fmt clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "licensedesk needs Python 3.12 or newer (需要 Python 3.12+); none found"; exit 1; }
	@if [ -x $(BIN)/python ] && ! $(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then \
		echo "recreating $(VENV) with $(PYTHON)"; rm -rf $(VENV); fi
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)
	@$(BIN)/python -m licensedesk.web.translations

# Migrates the embedded SQLite database under var/, loads the demo data (idempotent), prints the
# sign-ins and serves http://127.0.0.1:8000 with gunicorn (WSGI).
run: install
	$(BIN)/licensedesk serve

# The persistence tests run a second time on PostgreSQL (running locally, trust auth). Django creates
# (and drops) test_<name>; a name of this run's own keeps two runs on one server apart.
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/licensedesk_$(shell date +%s%N)

# System packages first (chromium, CJK fonts, poppler, LibreOffice, nginx, PostgreSQL client): installed
# when this runs as root with apt-get, otherwise it stops at once naming what is missing.
test: install
	scripts/system-packages.sh
	$(BIN)/python -m pytest
	DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest tests/web tests/bench/test_web.py -p no:cacheprovider

bench: install
	$(BIN)/python bench/screen.py
	$(BIN)/python bench/documents.py
	$(BIN)/python bench/web.py
	$(BIN)/python bench/upload.py
	$(BIN)/python bench/api.py
	$(BIN)/python bench/export.py
	$(BIN)/python bench/reports.py

# ruff; bandit on src/ (medium and high findings; each reviewed false positive carries
# ``# nosec BXXX: why`` on its line, so any new finding fails); Django's deployment checks with the settings a production
# deployment uses (behind nginx, deploy/README.md); pip-audit against the OSV vulnerability database
# when it can be reached (skipped with a note when not).
DEPLOY_CHECK_ENV = LICENSEDESK_DEBUG=0 LICENSEDESK_SSL_REDIRECT=1 LICENSEDESK_HSTS_SECONDS=31536000 \
	LICENSEDESK_BEHIND_PROXY=1 ALLOWED_HOSTS=licensedesk.example.cn \
	LICENSEDESK_SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -r src -ll -ii -q
	$(DEPLOY_CHECK_ENV) $(BIN)/python -m licensedesk.web check --deploy --fail-level WARNING
	@if $(BIN)/python -c "import socket; socket.create_connection(('api.osv.dev', 443), timeout=5).close()" \
		2>/dev/null; then $(BIN)/pip-audit --vulnerability-service osv --skip-editable --progress-spinner off; \
	else echo "pip-audit skipped: the vulnerability database (api.osv.dev) cannot be reached from here"; fi

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache .hypothesis
