# Two commands do everything: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app

.PHONY: run test install translations lint extract-messages update-messages clean

run: install translations
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	$(FLASK) search rebuild --if-missing
	# The one search-index writer runs beside the web server and stops with it.
	$(FLASK) search writer --quiet & trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
		$(FLASK) run --host 127.0.0.1 --port 5000

test: install translations
	$(BIN)/python -m pytest -n 2

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

translations: install
	$(BIN)/pybabel compile --statistics -d translations

lint: install
	$(BIN)/ruff check .

# Translator workflow (see README): extract new strings, merge them into en, translate, compile.
extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot .

update-messages: extract-messages
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance/*.db .pytest_cache
