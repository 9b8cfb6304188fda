# The two commands: `make run` (demo community on SQLite at http://127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
# The suite runs on every core (pytest-xdist), a test file to a worker; TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= auto

.PHONY: run demo serve test lint messages

$(BIN)/fangkong: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements-dev.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $@

run: $(BIN)/fangkong
	$(BIN)/fangkong demo $(if $(REBUILD),--rebuild)
	$(BIN)/fangkong collectstatic --noinput -v 0
	$(BIN)/fangkong serve

test: $(BIN)/fangkong
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: $(BIN)/fangkong
	$(BIN)/ruff check fangkong tests benchmarks

messages: $(BIN)/fangkong
	cd fangkong && ../$(BIN)/fangkong makemessages -l zh_Hans --no-obsolete && ../$(BIN)/fangkong compilemessages
