/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pkgtest: what a user of the installed packages writes first, built by the
 * packaging tests through pkg-config alone (shared and static). Lists the
 * host's domains, sorted by the host, one name per line, after the library
 * version.
 *
 *   pkgtest URI PASSWORD
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <esx_driver.h>

static const char *password;

static int
auth_cb(esxConnectCredentialPtr cred, unsigned int ncred, void *cbdata)
{
    (void)cbdata;
    for (unsigned int i = 0; i < ncred; i++) {
        const char *a = cred[i].type == ESX_CRED_AUTHNAME ? "root" : password;
        cred[i].result = strdup(a);
        if (!cred[i].result)
            return -1;
        cred[i].resultlen = (unsigned int)strlen(a);
    }
    return 0;
}

int
main(int argc, char **argv)
{
    int types[] = { ESX_CRED_AUTHNAME, ESX_CRED_PASSPHRASE };
    esxConnectAuth auth = { types, 2, auth_cb, NULL };
    unsigned long version = 0;
    esxDomainPtr *doms = NULL;
    esxConnectPtr conn;
    int n;

    if (argc != 3) {
        fprintf(stderr, "usage: pkgtest URI PASSWORD\n");
        return 2;
    }
    password = argv[2];
    if (esxGetVersion(&version, NULL, NULL) < 0 || !(conn = esxConnectOpenAuth(argv[1], &auth, 0))) {
        fprintf(stderr, "error: %s\n", esxGetLastErrorMessage());
        return 1;
    }
    printf("esx-driver %lu\n", version);
    if ((n = esxConnectListAllDomains(conn, &doms, 0)) < 0) {
        fprintf(stderr, "error: %s\n", esxGetLastErrorMessage());
        esxConnectClose(conn);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        printf("%s\n", esxDomainGetName(doms[i]));
        esxDomainFree(doms[i]);
    }
    free(doms);
    esxConnectClose(conn);
    return 0;
}
