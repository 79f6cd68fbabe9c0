#!/usr/bin/env bash
# Builds the fuzz targets on a stable toolchain and runs each in turn.
#
#   fuzz/run.sh [SECONDS] [TARGET...]     (default: 600 seconds, every target)
#
# Each target reads its committed seeds (corpus/<target>/) and grows its corpus in
# generated/<target>/ (gitignored: libFuzzer writes new inputs to the first corpus directory it
# is given, so the seeds stay the hand-picked ones). Crashes land in artifacts/<target>/; the
# libFuzzer output of each run is kept in generated/logs/<target>.log. Runs at the lowest
# priority, one target at a time (the machine is shared).
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-600}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo fuzz list)
fi
# --sanitizer none: AddressSanitizer needs nightly's -Zsanitizer (see README.md). The code
# under test is safe Rust (panics, overflows and debug assertions are what is caught), except
# the plugin ABI's small `unsafe` call path, which plugin_wire_reply runs without ASan.
nice -n 19 cargo fuzz build --sanitizer none -O
mkdir -p generated/logs
for t in "${targets[@]}"; do
    mkdir -p "generated/$t" "artifacts/$t"
    echo "== $t (${seconds}s)"
    nice -n 19 cargo fuzz run --sanitizer none -O "$t" "generated/$t" "corpus/$t" -- \
        -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=4096 \
        2>&1 | tee "generated/logs/$t.log" | grep -E "^(#[0-9]+.*DONE|Done|stat::number_of_executed_units|stat::average_exec_per_sec)|^==[0-9]+== ERROR|panicked" || true
done
