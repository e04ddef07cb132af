SHELL := /bin/bash
# The two commands of the README: `make run` and `make test`.
# `make odoo` creates .venv; once it exists the two commands use it.
# The Python they run with: .venv's once it exists; else python3 when it imports Odoo 18.0 (a
# system-wide Odoo); else .venv, which `make odoo` then creates first from ODOO_SRC (one line says so).
VENV        ?= $(CURDIR)/.venv
BASE_PYTHON ?= python3
# Odoo's official 18.0 source archive, or a copy of it already on the machine (where CI keeps one).
ODOO_URL    := https://github.com/odoo/odoo/archive/refs/heads/18.0.tar.gz
ODOO_LOCAL  ?= $(CURDIR)/../shared/odoo/odoo-18.0.tar.gz
ODOO_SRC    ?= $(if $(wildcard $(ODOO_LOCAL)),$(abspath $(ODOO_LOCAL)),$(ODOO_URL))
ifeq ($(origin PYTHON),undefined)
ifneq ($(wildcard $(VENV)/bin/python),)
PYTHON      := $(VENV)/bin/python
else ifeq ($(shell $(BASE_PYTHON) -c 'import odoo.release as r; print(r.version_info[0])' 2>/dev/null),18)
PYTHON      := $(BASE_PYTHON)
else
PYTHON      := $(VENV)/bin/python
CREATE_VENV := 1
endif
endif
DB          ?= dental_clinic
TEST_DB     ?= dental_clinic_test
DB_HOST     ?= 127.0.0.1
DB_PORT     ?= 5432
DB_USER     ?= $(shell id -un)
DB_PASSWORD ?=
HTTP_HOST   ?= 127.0.0.1
HTTP_PORT   ?= 8069
CONF        ?= $(CURDIR)/.odoo.conf
ODOO        := $(PYTHON) -m odoo -c $(CONF)
PYTEST_ARGS ?=
# `make run WORKERS=2`: Odoo's prefork server, cron in its own process. Limits sized for a
# clinic of 20 chairs (README, "Several workers"): a request is killed after 120 s of wall
# time, a worker recycled above 640 MB (soft) and killed above 800 MB (hard).
WORKERS           ?= 0
LIMIT_TIME_REAL   ?= 120
LIMIT_MEMORY_SOFT ?= 671088640
LIMIT_MEMORY_HARD ?= 838860800
GEVENT_PORT       ?= 8072
# The garbage collector's thresholds (odoo.conf's dental_gc_thresholds, docs/deployment.md): off for the
# tests (Python's own), Odoo's later values for the server and the benchmarks; `GC_THRESHOLDS=` turns them off.
GC_THRESHOLDS     ?=
run bench: GC_THRESHOLDS = True
SERVE              = $(ODOO)
# The prefork server re-executes sys.argv[0] for its gevent process, which `python -m odoo` cannot be:
# serve through odoo-bin (a source checkout) or the `odoo` script next to the interpreter.
ODOO_BIN     = $(shell $(PYTHON) -c "import os, sys, odoo; b = os.path.join(os.path.dirname(os.path.dirname(\
	odoo.__file__)), 'odoo-bin'); print(b if os.path.exists(b) else os.path.join(os.path.dirname(sys.executable), 'odoo'))")
ifneq ($(WORKERS),0)
SERVE       = $(PYTHON) $(ODOO_BIN) -c $(CONF)
SERVE_OPTS := --workers=$(WORKERS) --max-cron-threads=1 --limit-time-real=$(LIMIT_TIME_REAL) \
	--limit-memory-soft=$(LIMIT_MEMORY_SOFT) --limit-memory-hard=$(LIMIT_MEMORY_HARD) --gevent-port=$(GEVENT_PORT)
endif
# The addon and its bridges: installed, tested and translated together.
ADDONS      := dental_clinic,dental_clinic_sms
ADDON_DIRS  := dental_clinic dental_clinic_sms
TEST_TAGS   := /dental_clinic,/dental_clinic_sms

export PGHOST=$(DB_HOST)
export PGPORT=$(DB_PORT)
export PGUSER=$(DB_USER)
export PGPASSWORD=$(DB_PASSWORD)

.PHONY: run test test-odoo preflight bench lint pot odoo upgrade-check backup restore export-clinic

## odoo: create $(VENV) with Odoo 18.0 from ODOO_SRC (folder, archive or URL), its requirements and ours
odoo:
	@bash tools/make_odoo.sh "$(ODOO_SRC)" "$(VENV)" "$(BASE_PYTHON)"

# No Odoo 18.0 importable: every target that runs Odoo creates .venv first, as `make odoo` would.
ifeq ($(CREATE_VENV),1)
preflight lint: $(VENV)/bin/python
$(VENV)/bin/python:
	@echo "dental_clinic: no Odoo 18.0 importable by $(BASE_PYTHON): creating $(VENV) from $(ODOO_SRC) first (make odoo, once)"
	@bash tools/make_odoo.sh "$(ODOO_SRC)" "$(VENV)" "$(BASE_PYTHON)"
endif

preflight:
	@WORKERS=$(WORKERS) GC_THRESHOLDS=$(GC_THRESHOLDS) $(PYTHON) tools/preflight.py $(CONF) $(DB_HOST) $(DB_PORT) $(DB_USER) $(DB_PASSWORD)

## run: (WORKERS=2 for the prefork server) create or update $(DB) with the addon and its demo data, then serve http://$(HTTP_HOST):$(HTTP_PORT)
run: preflight
	@if $(PYTHON) tools/db_state.py $(DB) | grep -q installed; then \
		$(ODOO) -d $(DB) -u $(ADDONS) --stop-after-init; \
	else \
		$(ODOO) -d $(DB) -i $(ADDONS) --stop-after-init; \
	fi
	$(SERVE) -d $(DB) --http-interface=$(HTTP_HOST) --http-port=$(HTTP_PORT) $(SERVE_OPTS)

## test: fresh $(TEST_DB), install the addon, run the whole suite (browser tours included) with pytest-odoo
test: preflight
	$(PYTHON) tools/db_state.py $(TEST_DB) --drop
	$(ODOO) -d $(TEST_DB) -i $(ADDONS) --stop-after-init --log-level=warn --http-port=0
	$(PYTHON) tools/warm_assets.py $(CONF) $(TEST_DB)
	$(PYTHON) -m pytest -p no:cacheprovider --odoo-config=$(CONF) --odoo-database=$(TEST_DB) --odoo-http \
		dental_clinic/tests dental_clinic_sms/tests tests $(PYTEST_ARGS)

## test-odoo: the same suite under Odoo's own runner (fails on a failure, an error or a skipped test)
test-odoo: preflight
	$(PYTHON) tools/db_state.py $(TEST_DB) --drop
	$(ODOO) -d $(TEST_DB) -i $(ADDONS) --test-enable --test-tags $(TEST_TAGS) --stop-after-init \
		--log-level=test --http-port=$(HTTP_PORT) 2>&1 | tee $(CURDIR)/.test-odoo.log; \
		test $${PIPESTATUS[0]} -eq 0
	@! grep -E "odoo\.addons\.dental_clinic(_sms)?\.tests\.[a-z_]+: skipped" $(CURDIR)/.test-odoo.log
	@grep -E "dental_clinic(_sms)?: [0-9]+ tests" $(CURDIR)/.test-odoo.log | tail -2

BACKUP_DIR ?= $(CURDIR)/backups
## backup: $(DB) in Odoo's own backup format (dump.sql + filestore + manifest.json, one ZIP) into $(BACKUP_DIR)
backup: preflight
	$(PYTHON) tools/backup.py backup $(CONF) $(DB) $(BACKUP_DIR)

## restore: FILE=<backup.zip> DB=<new database> [NEUTRALIZE=1 for a test copy that never writes to patients]
restore: preflight
	@test -n "$(FILE)" || { echo "dental_clinic: make restore FILE=<backup.zip> DB=<new database>" >&2; exit 1; }
	$(PYTHON) tools/backup.py restore $(CONF) $(FILE) $(DB) $(if $(NEUTRALIZE),--neutralize)

EXPORT_DB ?= $(DB)
## export-clinic: DIR=<folder>: every patient's data export (JSON + PDF in a ZIP, logged) of $(EXPORT_DB)
export-clinic: preflight
	@test -n "$(DIR)" || { echo "dental_clinic: make export-clinic DIR=<folder>" >&2; exit 1; }
	$(PYTHON) tools/export_clinic.py $(CONF) $(EXPORT_DB) $(DIR)

UPGRADE_DB ?= dental_clinic_upgrade
## upgrade-check: previous release (tag v18.0.1.0.0) with demo -> -u from this code: nothing lost or changed;
##                then uninstall leaves no orphan and reinstall works (drops and recreates $(UPGRADE_DB))
upgrade-check: preflight
	$(PYTHON) tools/upgrade_check.py $(CONF) $(UPGRADE_DB)

## lint: offline (no pre-commit download): ruff lint + format check, pylint-odoo (.pylintrc), XML/PO/CSV
LINT_PATHS := $(ADDON_DIRS) bench tools tests conftest.py
lint:
	$(PYTHON) -m ruff check $(LINT_PATHS)
	$(PYTHON) -m ruff format --check $(LINT_PATHS)
	$(PYTHON) -m pylint --rcfile=.pylintrc $(ADDON_DIRS)
	$(PYTHON) tools/lint_data.py $(ADDON_DIRS)

## pot: regenerate each addon's i18n/<addon>.pot from $(DB) (updated first) and merge it into its pt_BR.po;
##      prints the strings still to translate
pot: preflight
	$(ODOO) -d $(DB) -u $(ADDONS) --stop-after-init --log-level=warn
	@for addon in $(ADDON_DIRS); do \
		$(ODOO) -d $(DB) --i18n-export=$$addon/i18n/$$addon.pot --modules=$$addon --stop-after-init \
			--log-level=warn || exit 1; \
		echo "== $$addon"; $(PYTHON) tools/update_po.py $$addon || exit 1; \
	done

BENCH_DB ?= dental_clinic_bench
## bench: benchmark database (no demo data) once, then every bench/bench_*.py script
bench: preflight
	@if ! $(PYTHON) tools/db_state.py $(BENCH_DB) | grep -q installed; then \
		$(ODOO) -d $(BENCH_DB) -i $(ADDONS) --without-demo=all --stop-after-init --log-level=warn; \
	else \
		$(ODOO) -d $(BENCH_DB) -u $(ADDONS) --stop-after-init --log-level=warn; \
	fi
	@for script in bench/bench_*.py; do BENCH_DB=$(BENCH_DB) DEMO_DB=$(DB) ODOO_CONF=$(CONF) $(PYTHON) $$script || exit 1; done
