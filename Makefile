.PHONY: run test check bench bootstrap clean

run:        ## paper trading on the synthetic market (Ctrl-C to stop)
	scripts/run

test:       ## checks + the whole test suite
	scripts/test

check:      ## ruff, ruff format, mypy, import layers
	scripts/check

bench:      ## benchmarks against peers, written to docs/benchmarks.md
	scripts/bench

bootstrap:  ## create .venv with the pinned dependencies
	scripts/bootstrap

clean:
	rm -rf .venv .mypy_cache .ruff_cache .pytest_cache .hypothesis
