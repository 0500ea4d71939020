.PHONY: start test check lint format
start:  ## set up and run the web app, a worker and the fake MIS
	bin/start
test:   ## run the tests
	bin/test
lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy .
format:
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .
check: lint test
	.venv/bin/python manage.py makemigrations --check --dry-run
