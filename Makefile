# The two commands: `make run` (demo community on SQLite at http://127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

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
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(BIN)/fangkong
	$(BIN)/ruff check fangkong tests benchmarks

messages: $(BIN)/fangkong
	cd fangkong && ../$(BIN)/fangkong makemessages -l zh_Hans --no-obsolete && ../$(BIN)/fangkong compilemessages
