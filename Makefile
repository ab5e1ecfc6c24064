# MiniConf: the two set-up commands are `make freeze` and `make test`; both install first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SITEDATA ?= sitedata
OUT ?= build
PORT ?= 5000

.PHONY: install run freeze validate pipeline test test-fast bench lint clean

install: $(VENV)/.installed

# torch first, pinned to the CPU build on this machine's disk: a bare requirement
# would pull several GB of CUDA wheels. The pipeline's range accepts 2.13.0.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	$(BIN)/python -m pip install --quiet -e ".[pipeline,test]"
	touch $@

validate: install
	$(BIN)/miniconf validate $(SITEDATA)

# The pipeline runs first only when its outputs (sitedata/pipeline/) no longer match the
# papers; when they are current it returns at once and imports no torch.
freeze: install
	HF_HUB_OFFLINE=1 $(BIN)/miniconf pipeline $(SITEDATA) --if-stale
	$(BIN)/miniconf freeze $(SITEDATA) --out $(OUT)

pipeline: install
	HF_HUB_OFFLINE=1 $(BIN)/miniconf pipeline $(SITEDATA)

run: install
	$(BIN)/miniconf run $(SITEDATA) --port $(PORT)

test: install
	$(BIN)/ruff check miniconf tests bench scripts
	$(BIN)/ruff format --check miniconf tests bench scripts
	$(BIN)/mypy miniconf
	$(BIN)/python -m pytest -q -ra

# The quick loop while editing: no browser, no homeserver, nothing marked slow, spread
# over the cores (make test runs in one process: one Chromium and one homeserver).
test-fast: install
	$(BIN)/ruff check miniconf tests bench scripts
	$(BIN)/ruff format --check miniconf tests bench scripts
	$(BIN)/mypy miniconf
	$(BIN)/python -m pytest -q -n auto -m "not browser and not homeserver and not slow"

bench: install
	$(BIN)/python bench/run.py

lint: install
	$(BIN)/ruff check miniconf tests bench scripts
	$(BIN)/ruff format --check miniconf tests bench scripts
	$(BIN)/mypy miniconf

clean:
	rm -rf $(OUT) .miniconf-cache bench/out .pytest_cache .ruff_cache

# --- Authors' pull requests: the site tools alone, without the pipeline (no torch).
# The pipeline's outputs are committed and freeze never imports torch, so the pull-request
# check and the GitHub Pages deploy (.github/workflows/) install just this.
.PHONY: install-site check-site
FORMAT ?= text

install-site: $(VENV)/.installed-site

$(VENV)/.installed-site: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# What a pull request must pass: validate (FORMAT=github: annotations on the diff),
# a valid chat rooms file (unchanged since BASE, the branch a pull request targets:
# only provisioning writes it), freeze, and no broken internal link or asset in the build.
BASE ?=
check-site: install-site
	$(BIN)/miniconf validate $(SITEDATA) --format $(FORMAT)
	$(BIN)/miniconf chat check-rooms-file $(SITEDATA) --format $(FORMAT) $(if $(BASE),--base $(BASE))
	$(BIN)/miniconf freeze $(SITEDATA) --out $(OUT)
	$(BIN)/miniconf linkcheck $(OUT) --sitedata $(SITEDATA) --format $(FORMAT)
