# The two commands of the README, and the benchmarks. Every target installs what it needs.
.PHONY: setup setup-test demo test lint bench

setup:
	@bash scripts/setup.sh

setup-test:
	@bash scripts/setup.sh --test

demo: setup
	@bash scripts/run_main.sh

test: setup-test
	@.venv/bin/ruff check .
	@.venv/bin/python -m pytest -q -p no:cacheprovider

lint: setup-test
	@.venv/bin/ruff check .

bench: setup-test
	@bash scripts/bench.sh
