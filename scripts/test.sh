#!/usr/bin/env bash
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

what="${1:-all}"
case "$what" in
    c) exec cargo test --release --test c_programs --test abi ;;
    pyvmomi) exec cargo test --release --test pyvmomi ;;
    virsh) exec cargo test --release --test virsh ;;
    valgrind) exec cargo test --release --test c_programs valgrind ;;
esac

cargo fmt --all -- --check
cargo clippy --release --workspace --all-targets -- -D warnings
# Debug assertions (overflow checks included) on in the optimised build.
RUSTFLAGS="-Cdebug-assertions" cargo test --release --workspace
