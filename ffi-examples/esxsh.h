/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * esxsh's parts: the command table entry and the helpers every command
 * file uses (esxsh.c holds the domain commands and main, esxsh_storage.c
 * the pool and volume commands).
 */
#ifndef ESXSH_H
#define ESXSH_H

#include <stddef.h>
#include <esx_driver.h>

typedef struct {
    const char *name;
    int (*fn)(esxConnectPtr conn, int argc, char **argv);
    const char *usage;
} command;

/* Prints esxGetLastError() as "error: ..."; returns 1. */
int fail(void);
/* Prints the usage line; returns 2. */
int usage_error(const char *usage);
int has_flag(int argc, char **argv, const char *flag);
/* A domain as virsh finds one: by ID, then UUID, then name. */
esxDomainPtr lookup(esxConnectPtr conn, const char *what);

/* A table as virsh's vshTable prints it (esxsh_storage.c). */
#define MAX_COLUMNS 8

typedef struct {
    size_t ncols;
    size_t nrows;
    char **cells; /* nrows * ncols, row 0 the header */
} table;

int table_add(table *t, const char *const *row);
void table_print(table *t);

extern const command storage_commands[];
extern const size_t storage_ncommands;

#endif
