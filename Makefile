# ilteo — the two quick-start commands are `make demo` and `make test`.
# Needs Python 3.11 with pip (uv is installed from PyPI on first use); `make test` as root also
# installs Chromium, a Korean font and PostgreSQL from Debian (scripts/setup_system.sh).

PYTHON ?= python3
UV_VERSION := 0.13.8
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := $(PYTHON) -m uv
endif
export ILTEO_REFERENCE_DIR ?= $(abspath ../shared/data)
export UV_PYTHON ?= 3.11

.PHONY: demo test lint bench serve install vendor system clean docs

.venv/.synced: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet "uv==$(UV_VERSION)"
	$(UV) sync --frozen --all-groups
	@touch $@

install: .venv/.synced

vendor: .venv/.synced  ## KRDS, its font and Swagger UI, from npm into static/vendor (no CDN)
	$(UV) run python scripts/vendor_krds.py
	$(UV) run python scripts/vendor_swagger.py

system:  ## Chromium, fonts-nanum, PostgreSQL (needs root; a no-op when present)
	bash scripts/setup_system.sh

demo: install vendor  ## reference data, a synthetic country, everything built, server on :8000
	ILTEO_ENV=$${ILTEO_ENV:-dev} $(UV) run ilteo demo

serve: install vendor
	ILTEO_ENV=$${ILTEO_ENV:-dev} $(UV) run ilteo serve

lint: install
	$(UV) run ruff check src tests benchmarks scripts
	$(UV) run ruff format --check src tests benchmarks scripts
	$(UV) run mypy

test: system install vendor lint  ## every test: unit, SQLite + PostgreSQL, MCP client, browser
	$(UV) run pytest -n 2 --dist loadfile

docs: install  ## the docs site, reference pages generated from code, into site/ (no CDN)
	$(UV) run python scripts/build_docs.py

bench: install
	$(UV) run python benchmarks/bench_reference.py
	$(UV) run python benchmarks/bench_synth.py
	$(UV) run python benchmarks/bench_lake_ingest.py
	$(UV) run python benchmarks/bench_lake_linkage.py
	$(UV) run python benchmarks/bench_login.py
	$(UV) run python benchmarks/bench_funnel_report.py
	$(UV) run python benchmarks/bench_api_load.py
	$(UV) run python benchmarks/bench_mcp_calls.py

clean:
	rm -rf .venv .pytest_cache .mypy_cache .ruff_cache src/ilteo/web/static/vendor
