SHELL := /bin/bash
# The two commands of the README: `make run` and `make test`.
PYTHON      ?= python3
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

export PGHOST=$(DB_HOST)
export PGPORT=$(DB_PORT)
export PGUSER=$(DB_USER)
export PGPASSWORD=$(DB_PASSWORD)

.PHONY: run test test-odoo preflight bench lint pot

preflight:
	@$(PYTHON) tools/preflight.py $(CONF) $(DB_HOST) $(DB_PORT) $(DB_USER) $(DB_PASSWORD)

## run: create or update $(DB) with the addon and its demo data, then serve http://$(HTTP_HOST):$(HTTP_PORT)
run: preflight
	@if $(PYTHON) tools/db_state.py $(DB) | grep -q installed; then \
		$(ODOO) -d $(DB) -u dental_clinic --stop-after-init; \
	else \
		$(ODOO) -d $(DB) -i dental_clinic --stop-after-init; \
	fi
	$(ODOO) -d $(DB) --http-interface=$(HTTP_HOST) --http-port=$(HTTP_PORT)

## test: fresh $(TEST_DB), install the addon, run the whole suite (browser tours included) with pytest-odoo
test: preflight
	$(PYTHON) tools/db_state.py $(TEST_DB) --drop
	$(ODOO) -d $(TEST_DB) -i dental_clinic --stop-after-init --log-level=warn --http-port=0
	$(PYTHON) -m pytest -p no:cacheprovider --odoo-config=$(CONF) --odoo-database=$(TEST_DB) --odoo-http \
		dental_clinic/tests tests $(PYTEST_ARGS)

## test-odoo: the same suite under Odoo's own runner (fails on a failure, an error or a skipped test)
test-odoo: preflight
	$(PYTHON) tools/db_state.py $(TEST_DB) --drop
	$(ODOO) -d $(TEST_DB) -i dental_clinic --test-enable --test-tags /dental_clinic --stop-after-init \
		--log-level=test --http-port=$(HTTP_PORT) 2>&1 | tee $(CURDIR)/.test-odoo.log; \
		test $${PIPESTATUS[0]} -eq 0
	@! grep -E "odoo\.addons\.dental_clinic\.tests\.[a-z_]+: skipped" $(CURDIR)/.test-odoo.log
	@grep -E "dental_clinic: [0-9]+ tests" $(CURDIR)/.test-odoo.log | tail -1

lint:
	$(PYTHON) -m ruff check dental_clinic bench tools tests conftest.py

## pot: regenerate i18n/dental_clinic.pot from $(DB) (updated first) and merge it into pt_BR.po;
##      prints the strings still to translate
pot: preflight
	$(ODOO) -d $(DB) -u dental_clinic --stop-after-init --log-level=warn
	$(ODOO) -d $(DB) --i18n-export=dental_clinic/i18n/dental_clinic.pot --modules=dental_clinic --stop-after-init \
		--log-level=warn
	$(PYTHON) tools/update_po.py dental_clinic

BENCH_DB ?= dental_clinic_bench
## bench: benchmark database (no demo data) once, then every bench/bench_*.py script
bench: preflight
	@if ! $(PYTHON) tools/db_state.py $(BENCH_DB) | grep -q installed; then \
		$(ODOO) -d $(BENCH_DB) -i dental_clinic --without-demo=all --stop-after-init --log-level=warn; \
	else \
		$(ODOO) -d $(BENCH_DB) -u dental_clinic --stop-after-init --log-level=warn; \
	fi
	@for script in bench/bench_*.py; do BENCH_DB=$(BENCH_DB) DEMO_DB=$(DB) ODOO_CONF=$(CONF) $(PYTHON) $$script || exit 1; done
