#!/usr/bin/env bash
# Fuzz lifecircle's readers with cargo-fuzz (libFuzzer), one target at a time (see FUZZING.md).
#   scripts/fuzz.sh [SECONDS] [TARGET...]     default: 600 s each, all four targets
# The stable compiler runs cargo-fuzz's nightly flags under RUSTC_BOOTSTRAP=1. Each target's corpus in
# fuzz/corpus/TARGET is seeded from the test data (tests/, data/profiles) and fuzz/seeds/TARGET; crashes
# land in fuzz/artifacts/TARGET and belong in tests/fuzz_regressions/ once fixed. Leak detection is off:
# the only leaks LeakSanitizer reports are one-off allocations inside PROJ/GEOS (C++), and a leak per
# input would still show as growing RSS against -rss_limit_mb.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(geojson survey_csv profile_toml osm_pbf)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

seed() {  # seed TARGET FILE...
    local dir="fuzz/corpus/$1"; shift
    mkdir -p "$dir"
    for f in "$@"; do [ -f "$f" ] && cp -n "$f" "$dir/seed-$(basename "$f")"; done
    return 0
}
seed geojson tests/bad_input/files/*.geojson fuzz/seeds/geojson/* tests/fuzz_regressions/geojson/*
seed survey_csv tests/bad_input/files/*.csv tests/data/layers/survey_* fuzz/seeds/survey_csv/* tests/fuzz_regressions/survey_csv/*
seed profile_toml data/profiles/*.toml tests/bad_input/files/*.toml fuzz/seeds/profile_toml/* tests/fuzz_regressions/profile_toml/*
seed osm_pbf tests/data/extract-cases.osm.pbf tests/data/shanghai-jingan-roads.osm.pbf tests/bad_input/files/*.osm.pbf fuzz/seeds/osm_pbf/* tests/fuzz_regressions/osm_pbf/*

export RUSTC_BOOTSTRAP=1
export RAYON_NUM_THREADS=1  # one core per fuzz run (the machine is shared)
export ASAN_OPTIONS=detect_leaks=0  # else LeakSanitizer's report at exit is taken for a crash
for t in "${targets[@]}"; do
    echo "== fuzz $t for ${seconds}s"
    (cd fuzz && nice -n 10 cargo fuzz run -O "$t" "corpus/$t" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -detect_leaks=0 -print_final_stats=1) 2>&1 | tee "fuzz/$t.log" | grep -E "^(#[0-9]+.*(DONE|pulse)|==|INFO: seed|stat::|SUMMARY|Test unit written)" || true
done
