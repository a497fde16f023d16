# Every target goes through ./run, which sets up .venv and a browser when missing.
PY := .venv/bin/python
URL ?=

.PHONY: install test test-fast lint format scan site bench bench-queue cog
install:
	./run --version
test:
	./run test
test-fast:
	./run test -m "not browser"
lint: install
	$(PY) -m ruff check scanner signatures reports tests benchmarks
	$(PY) -m ruff format --check scanner signatures reports tests benchmarks
	$(PY) -m mypy scanner signatures reports
format: install
	$(PY) -m ruff format scanner signatures reports tests benchmarks
	$(PY) -m ruff check --fix scanner signatures reports tests benchmarks
scan:
	./run scan $(URL)
site: install
	$(PY) -m scanner.demo.localweb
bench: install
	$(PY) -m benchmarks.bench
bench-queue: install
	$(PY) -m benchmarks.queue_bench
cog: install
	$(PY) -m cogapp -r README.md docs/findings.md
