# Two commands do all the set-up on a fresh machine:
#   make run   - install, create/upgrade the SQLite database, load the seed data once, start the app
#   make test  - install (Debian's chromium too, when missing) and run every test
#                (again on PostgreSQL when MONEV_TEST_DATABASE_URL is set; .ci/run sets it)
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PYTHON ?= python3
PORT   ?= 8501

.PHONY: run test install browser bench clean-db

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) manage.py ensure-seeded
	$(VENV)/bin/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT)

browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Memasang chromium dari Debian (untuk uji peramban)..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }

test: install browser
	env -u MONEV_TEST_DATABASE_URL $(PY) -m pytest -q -p no:cacheprovider
	@if [ -n "$$MONEV_TEST_DATABASE_URL" ]; then \
	  echo "== the same suite on PostgreSQL =="; \
	  $(PY) -m pytest -q -p no:cacheprovider; \
	fi

bench: install
	$(PY) bench/import_rank.py --rows 100000

clean-db:
	rm -f var/monev.db var/monev.db-wal var/monev.db-shm
