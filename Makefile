# 守望 Shouwang. `make run`: install, migrate, load the demo, serve. `make test`: the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app webapp
HOST ?= 127.0.0.1
PORT ?= 5000
CATALOGUES := $(wildcard translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)
BABEL_KEYWORDS := -k _l -k lazy_gettext -k ngettext:1,2 -k pgettext:1c,2

.PHONY: run test install translations i18n lint clean

run: install
	$(FLASK) db upgrade
	$(FLASK) demo-data
	@echo ""
	@echo "  守望 is running: open http://$(HOST):$(PORT)/login on your phone or browser."
	@echo "  Log in as 13800000002 (班主任, 阳光小学) with password shouwang-demo."
	@echo ""
	SHOUWANG_ENV=development $(BIN)/gunicorn --bind $(HOST):$(PORT) --workers 2 --threads 4 \
		--access-logfile - 'webapp.wsgi:app'

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

install: $(VENV)/.installed translations

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

translations: $(COMPILED)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -i $< -o $@

# After changing strings: extract, merge into both catalogues, then translate the zh_Hans_CN one.
i18n: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --ignore-dirs=".* __pycache__ node_modules" \
		--no-location --sort-output --omit-header -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching \
		--ignore-obsolete

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) instance $(COMPILED)
