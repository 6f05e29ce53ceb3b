# lifecircle: the two set-up commands are `make demo` and `make test`.
CARGO ?= cargo
OUT ?= out/nanjing
DEMO_OSM ?= data/nanjing-xuanwu-2021.osm.pbf

.PHONY: demo test bench bootstrap build release check-clients clean-out

bootstrap:
	@bash scripts/bootstrap.sh

build: bootstrap
	$(CARGO) build --release --locked

## make demo: install what is missing, build, run the whole plan on the embedded Nanjing data.
demo: build
	./target/release/lifecircle plan --osm $(DEMO_OSM) --out $(OUT)

## make test: install what is missing, then run every unit, integration and doc test.
test: bootstrap
	$(CARGO) test --locked

## make bench: the speed benchmarks recorded in BENCHMARKS.md (release build).
bench: bootstrap
	$(CARGO) bench --locked

clean-out:
	rm -rf out
