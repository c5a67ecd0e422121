#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# AddressSanitizer run of the C harness against an ASan-instrumented build of
# the library. Needs a nightly toolchain (-Zsanitizer) and clang's runtime:
#   rustup toolchain install nightly --component rust-src
#   apt-get install clang
# Not part of `make test` (the stable toolchain cannot build it); valgrind
# covers the same ground there.
set -euo pipefail
cd "$(dirname "$0")/.."
export RUSTFLAGS="-Zsanitizer=address"
cargo +nightly build -Zbuild-std --target x86_64-unknown-linux-gnu --release -p esx-driver --target-dir target/asan
cargo +nightly build --target x86_64-unknown-linux-gnu --release -p esx-sim --target-dir target/asan-sim
lib=target/asan/x86_64-unknown-linux-gnu/release
ln -sf libesx_driver.so "$lib/libesx_driver.so.0"
mkdir -p build
clang -fsanitize=address -g -Iinclude -Iffi-examples ffi-examples/harness.c -o build/harness-asan \
    -L"$lib" -lesx_driver -Wl,-rpath,"$PWD/$lib" -ldl -lpthread
ESX_SIM=target/asan-sim/x86_64-unknown-linux-gnu/release/esx-sim
out=$(mktemp)
"$ESX_SIM" --port 0 > "$out" & pid=$!
trap 'kill $pid; rm -f "$out"' EXIT
sleep 1
port=$(head -n1 "$out" | sed 's|.*:\([0-9]*\)/sdk|\1|')
pw=$(mktemp); echo esx-sim > "$pw"
for s in basic errors lifecycle threads; do
    build/harness-asan "$s" "esx://root@127.0.0.1:$port/?no_verify=1" "$pw"
done
