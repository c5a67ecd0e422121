#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `make deb`: the Debian packages of debian/, built by dpkg-buildpackage from
# a copy of the tree (tracked and new files, with their times) in build/deb,
# so that the tree itself, its build/ and target/ stay as they are. Cargo
# builds into build/deb/target, kept between runs. lintian checks the
# result; an error fails. Packages: build/deb/*.deb.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(dpkg-parsechangelog -S Version)
deb=build/deb
src="$deb/src/esx-driver-$version"
for tool in dpkg-buildpackage dh lintian; do
    command -v "$tool" >/dev/null || {
        echo "make deb needs $tool (apt-get install dpkg-dev debhelper lintian)" >&2
        exit 1
    }
done

rm -rf "$deb/src" "$deb"/*.deb "$deb"/*.ddeb "$deb"/lintian.txt
mkdir -p "$src"
git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -T - -cf - | tar -xf - -C "$src"

start=$(date +%s)
(cd "$src" && CARGO_TARGET_DIR="$PWD/../../target" dpkg-buildpackage -b -uc -us)
echo "dpkg-buildpackage: $(( $(date +%s) - start )) s"

mv "$deb"/src/*.deb "$deb"/
mv "$deb"/src/*.ddeb "$deb"/ 2>/dev/null || true
changes=$(ls "$deb"/src/*.changes)
# lintian reads the .changes and the packages it names, next to it.
(cd "$deb/src" && ln -sf ../*.deb . && { ln -sf ../*.ddeb . 2>/dev/null || true; })
lintian --fail-on error --display-info "$changes" | tee "$deb/lintian.txt"
echo "lintian: no errors"
ls -l "$deb"/*.deb
