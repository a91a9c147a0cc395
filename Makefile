# Every target sets itself up from nothing: a fresh clone needs only python3.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SHARED ?= ../shared
export ORT_DISABLE_TELEMETRY := 1

.PHONY: setup demo test bench bench-rendering schema clean record record-key textquality-reference

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: setup
	$(BIN)/pipeline demo --shared $(SHARED)

test: setup
	$(BIN)/python -m pytest

# Re-record the LLM cassettes a live model can reproduce (tests/test_llm.py: RECORDABLE) against
# the endpoint in PIPELINE_LLM_BASE_URL / PIPELINE_LLM_API_KEY (or OPENAI_API_KEY) / PIPELINE_LLM_MODEL.
# Scripted cassettes (re-ask, 429, 401, hybrid dispute) are skipped; `python tests/cassettes/handwritten.py`
# regenerates them. Review the diff of tests/cassettes before committing a recording.
record: record-key setup
	PIPELINE_LLM_API_KEY="$${PIPELINE_LLM_API_KEY:-$$OPENAI_API_KEY}" PIPELINE_LLM_RECORD=1 \
	  $(BIN)/python -m pytest tests/test_llm.py -q -p no:cacheprovider

# Refuses before any setup work when no key is set (the command line above shows no key value).
record-key:
	@if [ -z "$${PIPELINE_LLM_API_KEY:-$${OPENAI_API_KEY:-}}" ]; then \
	  echo "make record: no API key. Set PIPELINE_LLM_API_KEY (or OPENAI_API_KEY), and PIPELINE_LLM_BASE_URL /" >&2; \
	  echo "PIPELINE_LLM_MODEL for an endpoint other than api.openai.com; the replayed cassettes stay as they are." >&2; \
	  exit 2; \
	fi

bench: setup
	$(BIN)/python -m bench

# PDFs and OCR'd scans of seeds, ../shared/dev and generated reports against their text versions
# (about 15 minutes on 2 cores: every page is OCR'd).
bench-rendering: setup
	$(BIN)/python -m bench.rendering_bench

# Rebuild the garbage detector's reference table (pipeline/data/textquality_bigrams.tsv, package
# data) from clean generated reports; tests/test_textquality.py fails until it matches the generator.
textquality-reference: setup
	$(BIN)/python -m pipeline.synth.reference

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
