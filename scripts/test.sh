#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `make test`: formatting, lints, and every test (Rust unit and integration
# tests, the C harness and esxsh, valgrind, pyvmomi, virsh, the ABI check).
# With CI=true a missing prerequisite fails the run instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."

# pyvmomi for the fidelity tests, in a private virtualenv.
if [ ! -x build/venv/bin/python ] || ! build/venv/bin/python -c 'import pyVmomi' 2>/dev/null; then
    python3 -m venv build/venv
    build/venv/bin/pip install --quiet --disable-pip-version-check pyvmomi
fi
export ESX_PYTHON="$PWD/build/venv/bin/python"

# govmomi's simulator: built when Go and the govmomi sources are here; in CI
# they must be.
if command -v go >/dev/null && [ -d /usr/share/gocode/src/github.com/vmware/govmomi/simulator ]; then
    make --no-print-directory vcsim
elif [ "${CI:-}" = true ]; then
    echo "golang-go and golang-github-vmware-govmomi-dev are required in CI (govmomi's simulator)" >&2
    exit 1
fi

# The Debian packages, for tests/packaging.rs: built (release profile, in
# build/deb) in CI, where that test must run; elsewhere it runs once `make
# deb` has.
if [ "${CI:-}" = true ]; then
    make --no-print-directory deb
fi

# The profile `make test` built everything in (release code with debug
# assertions and overflow checks): the tests reuse that build.
profile="${PROFILE:-ci}"
export ESX_SIM="$PWD/target/$profile/esx-sim"

# Tests skipped for a missing prerequisite (never in CI) are listed at the
# end: libtest itself can only say "ok" for them.
export ESX_SKIP_LOG="$PWD/build/skipped.txt"
mkdir -p build
rm -f "$ESX_SKIP_LOG"
report_skips() {
    if [ -s "$ESX_SKIP_LOG" ]; then
        echo
        echo "SKIPPED $(wc -l < "$ESX_SKIP_LOG") test(s) for missing prerequisites (run with CI=true to fail instead):"
        sort "$ESX_SKIP_LOG" | sed 's/^/  /'
    fi
}
trap report_skips EXIT

what="${1:-all}"
case "$what" in
    rust) cargo test --profile "$profile" --workspace; exit ;;
    c) cargo test --profile "$profile" --test c_programs --test abi --test names; exit ;;
    pyvmomi) cargo test --profile "$profile" --test pyvmomi; exit ;;
    virsh) cargo test --profile "$profile" --test virsh; exit ;;
    valgrind) cargo test --profile "$profile" --test c_programs valgrind; exit ;;
esac

cargo fmt --all -- --check
cargo clippy --profile "$profile" --workspace --all-targets -- -D warnings
cargo test --profile "$profile" --workspace
