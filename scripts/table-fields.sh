#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Writes, from the public header, the list of every driver table and its
# fields for the C harness (which checks each field against the export of
# the same name): TABLE(type, getter), FIELD(name)..., END_TABLE per table,
# and UNSUPPORTED(export) for each export that only refuses (its comment
# ends "Not supported: ESX_ERR_NO_SUPPORT."; scripts/libvirt-api.py writes
# them): libvirt's tables leave such callbacks NULL, and so do ours.
# One source of truth: the header cbindgen generates.
#
#   scripts/table-fields.sh include/esx_driver.h > build/table_fields.h
set -eu
awk '
/^typedef struct \{/ { inside = 1; n = 0; next }
inside && /\(\*[A-Za-z0-9_]+\)/ {
    match($0, /\(\*[A-Za-z0-9_]+\)/)
    fields[n++] = substr($0, RSTART + 2, RLENGTH - 3)
    next
}
inside && /^\} esx[A-Za-z]*Driver;/ {
    t = $2; sub(/;/, "", t)
    printf "TABLE(%s, esxGet%s)\n", t, substr(t, 4)
    for (i = 0; i < n; i++) printf "FIELD(%s)\n", fields[i]
    print "END_TABLE"
    inside = 0; next
}
inside && /^\}/ { inside = 0 }
/Not supported: ESX_ERR_NO_SUPPORT\./ { refuses = 1; next }
refuses && /^[A-Za-z].*[ *]esx[A-Za-z0-9_]+\(/ {
    match($0, /esx[A-Za-z0-9_]+\(/)
    printf "UNSUPPORTED(%s)\n", substr($0, RSTART, RLENGTH - 1)
    refuses = 0; next
}
refuses && /^\*\/|^ \*\// { next }
refuses && !/^ \*/ { refuses = 0 }
' "$1"
