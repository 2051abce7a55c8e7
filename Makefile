# qa-pipeline: two commands from a fresh clone.
#   make demo   install into .venv, make the embedded model available, run the demo night
#   make test   set up the machine (scripts/test_env.sh: Debian packages, PostgreSQL), install
#               into .venv with dev extras, run ruff, mypy, the rubrics' examples and pytest
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | sha256sum | cut -c1-12)
EXTRAS ?= asr,postgres,dask,transformers,dev
PYTEST_ARGS ?=

.PHONY: install demo test lint typecheck pytest rubrics clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel

# setuptools announces every editable install with an informational warning, "Editable
# installation" (the strict and compat modes print one too, and compat is deprecated);
# pip shows it even with -q. Only that warning is ignored: errors and other warnings show.
$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	PYTHONWARNINGS="$${PYTHONWARNINGS:+$$PYTHONWARNINGS,}ignore:Editable installation:UserWarning" \
	  $(BIN)/pip install -q -c constraints.txt -e '.[$(EXTRAS)]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/qa models fetch base
	$(BIN)/qa demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy qa_pipeline flows

rubrics: install
	@for r in rubrics/*.yaml; do $(BIN)/qa rubric test $$r || exit 1; done

# pytest as this machine is: tests whose component is missing skip and say why
pytest: install
	$(BIN)/pytest $(PYTEST_ARGS)

# everything, on a machine set up for all of it, or one line on what is missing
test:
	@bash scripts/test_env.sh $(MAKE) --no-print-directory lint typecheck rubrics pytest

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build *.egg-info
