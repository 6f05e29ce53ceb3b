# lifecircle: the two set-up commands are `make demo` and `make test`.
CARGO ?= cargo
OUT ?= out/nanjing
DEMO_OSM ?= data/nanjing-xuanwu-2021.osm.pbf

.PHONY: demo test bench bootstrap build check-clients clean-out fuzz bench-memory qgis-plugin

bootstrap:
	@bash scripts/bootstrap.sh

build: bootstrap
	$(CARGO) build --release --locked

## make demo: install what is missing, build, run the whole plan on the embedded Nanjing data.
demo:
	@bash scripts/bootstrap.sh demo
	$(CARGO) build --release --locked
	./target/release/lifecircle plan --osm $(DEMO_OSM) --out $(OUT)

## make test: install what is missing, then run every unit, integration and doc test, and the QGIS
## plugin's pure-Python unit tests (plain python3, no QGIS needed).
test: bootstrap
	$(CARGO) test --locked
	python3 -m unittest discover -s qgis/tests -t qgis

## make qgis-plugin: the QGIS plugin as target/lifecircle-qgis.zip (QGIS: Plugins → Install from ZIP).
qgis-plugin:
	python3 scripts/build_qgis_plugin.py --out target/lifecircle-qgis.zip

## make bench: the speed benchmarks recorded in BENCHMARKS.md (release build).
bench: bootstrap
	$(CARGO) bench --locked

## make fuzz: run each reader's fuzz target for FUZZ_SECONDS (default 600) with cargo-fuzz, one at a
## time (see FUZZING.md; installs cargo-fuzz if missing; not part of make test).
FUZZ_SECONDS ?= 600
fuzz:
	bash scripts/fuzz.sh $(FUZZ_SECONDS)

## make bench-memory: peak memory of `plan` on Porto tiled x1, x4, x16, x64 (see BENCHMARKS.md).
bench-memory:
	bash scripts/bench_memory.sh

## make check-clients: open a plan's package in headless QGIS (styles, Chinese aliases and legends; then the
## English package) and the report in headless Chromium, then
## install the plugin zip into a fresh QGIS profile and run it headless (scripts/check_qgis_plugin.py)
## (installs chromium and python3-qgis, ~1 GB; not part of make test).
check-clients: qgis-plugin
	@bash scripts/bootstrap.sh clients
	$(CARGO) build --release --locked
	rm -rf target/check-clients && mkdir -p target/check-clients
	./target/release/lifecircle plan --quiet --osm $(DEMO_OSM) --out target/check-clients/plan
	scripts/check_report_chromium.sh target/check-clients/plan/report.html target/check-clients/report.png 1400x1000
	QT_QPA_PLATFORM=offscreen /usr/bin/python3 scripts/check_qgis.py --lang zh --gpkg target/check-clients/plan/lifecircle.gpkg --geojson-dir target/check-clients/plan/geojson --render target/check-clients/qgis.png
	./target/release/lifecircle plan --quiet --lang en --osm $(DEMO_OSM) --out target/check-clients/plan-en
	scripts/check_report_chromium.sh target/check-clients/plan-en/report.html target/check-clients/report-en.png 1400x1000
	QT_QPA_PLATFORM=offscreen /usr/bin/python3 scripts/check_qgis.py --lang en --gpkg target/check-clients/plan-en/lifecircle.gpkg --geojson-dir target/check-clients/plan-en/geojson
	QT_QPA_PLATFORM=offscreen /usr/bin/python3 scripts/check_qgis_plugin.py --zip target/lifecircle-qgis.zip --binary ./target/release/lifecircle --osm $(DEMO_OSM) --work target/check-clients/plugin

clean-out:
	rm -rf out
