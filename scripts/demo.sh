#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `make demo`: starts esx-sim on a free port and shows esxsh (a small virsh
# written in C against the installed library) working against it.
set -euo pipefail
cd "$(dirname "$0")/.."

SIM="${ESX_SIM:-target/release/esx-sim}"
ESXSH="${ESXSH:-build/esxsh}"
work=$(mktemp -d)
out="$work/sim.out"

"$SIM" --port 0 --datastore-dir "$work/datastore" > "$out" &
sim_pid=$!
trap 'kill "$sim_pid" 2>/dev/null; wait "$sim_pid" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do
    grep -q '^datastore-dir' "$out" 2>/dev/null && break
    sleep 0.05
done
url=$(head -n1 "$out" | sed 's/^esx-sim listening on //')
port=$(echo "$url" | sed 's|.*:\([0-9]*\)/sdk|\1|')
printf 'esx-sim\n' > "$work/password"
uri="esx://root@127.0.0.1:$port/?no_verify=1"

run() {
    echo
    echo "\$ esxsh -c '$uri' $*"
    "$ESXSH" -c "$uri" --password-file "$work/password" "$@" || true
}

echo "esx-sim: $url"
run version
run nodeinfo
run list --all
run dominfo alpine-01
run schedinfo debian-02 --set shares=-3
run domifaddr alpine-01
run snapshot-create-as debian-02 before-upgrade "taken by the demo"
run snapshot-create-as debian-02 after-upgrade
run snapshot-list debian-02 --tree
run snapshot-revert debian-02 before-upgrade
run snapshot-current debian-02 --name
run snapshot-info debian-02 --current
run dumpxml alpine-01
run domblklist alpine-01
run domstats --state --balloon --block alpine-01
run pool-list --all --details
run vol-create-as datastore1 demo/data.vmdk 64M --allocation 0
run vol-list datastore1 --details
run vol-resize --pool datastore1 demo/data.vmdk 128M
run vol-download --pool datastore1 demo/data.vmdk "$work/data.raw"
run vol-delete --pool datastore1 demo/data.vmdk
run screenshot alpine-01 "$work/alpine-01.png"
if [ -f scripts/demo-questions.sh ]; then
    . scripts/demo-questions.sh
fi
echo
echo "Requests esx-sim answered, by method:"
curl -sk "https://127.0.0.1:$port/sim/stats" | sed 's/^/  /'
