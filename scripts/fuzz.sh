#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs every cargo-fuzz target for SECONDS each (default 600) and prints a
# table of executions and findings. Needs a nightly toolchain and
# cargo-fuzz (`cargo install cargo-fuzz`); not part of `make test`, whose
# bounded property tests (tests/fuzz_props.rs) cover the same readers.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs="${1:-600}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi
mkdir -p ../build/fuzz
echo "| target | seconds | executions | exec/s | findings |"
echo "|---|---|---|---|---|"
for t in "${targets[@]}"; do
    log="../build/fuzz/$t.log"
    status=0
    cargo +nightly fuzz run -O "$t" -- -max_total_time="$secs" -rss_limit_mb=2048 \
        -print_final_stats=1 > "$log" 2>&1 || status=$?
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    speed=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    found=$(ls "artifacts/$t" 2>/dev/null | grep -c . || true)
    [ "$status" -ne 0 ] && found="$found (exit $status, see build/fuzz/$t.log)"
    echo "| $t | $secs | ${runs:-?} | ${speed:-?} | $found |"
done
