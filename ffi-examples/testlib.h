/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * testlib.h: what the C test programs (harness.c, hardening.c) share: the
 * CHECK macros, connecting with the password from a file, reading it.
 * Each program is one translation unit, so the helpers are static.
 */
#ifndef ESX_TESTLIB_H
#define ESX_TESTLIB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <esx_driver.h>

static int failures;

#define CHECK(cond)                                                           \
    do {                                                                      \
        if (!(cond)) {                                                        \
            esxErrorPtr e_ = esxGetLastError();                               \
            fprintf(stderr, "FAIL %s:%d: %s (last error: %s)\n", __FILE__,    \
                    __LINE__, #cond, e_ && e_->message ? e_->message : "none"); \
            failures++;                                                       \
        }                                                                     \
    } while (0)

/* The last error has this code, comes from the driver (ESX_FROM_ESX) or,
 * for the checks libvirt's public functions make before a driver, from
 * the domain libvirt gives them (the function's file, ESX_FROM_NONE for
 * libvirt.c's, or the handle's kind), and (when `needle` is not NULL)
 * its message contains `needle`. */
static void
check_error(int code, const char *needle, const char *file, int line)
{
    esxErrorPtr e = esxGetLastError();
    if (!e) {
        fprintf(stderr, "FAIL %s:%d: no error recorded, expected %d\n", file, line, code);
        failures++;
        return;
    }
    if (e->code != code) {
        fprintf(stderr, "FAIL %s:%d: error code %d, expected %d (%s)\n", file, line, e->code, code,
                e->message ? e->message : "");
        failures++;
    }
    if (needle && (!e->message || !strstr(e->message, needle))) {
        fprintf(stderr, "FAIL %s:%d: message '%s' lacks '%s'\n", file, line,
                e->message ? e->message : "", needle);
        failures++;
    }
    if (e->domain != ESX_FROM_ESX && e->domain != ESX_FROM_NONE && e->domain != ESX_FROM_DOM && e->domain != ESX_FROM_DOMAIN &&
        e->domain != ESX_FROM_STORAGE && e->domain != ESX_FROM_STREAMS &&
        e->domain != ESX_FROM_DOMAIN_SNAPSHOT && e->domain != ESX_FROM_EVENT) {
        fprintf(stderr, "FAIL %s:%d: error domain %d\n", file, line, e->domain);
        failures++;
    }
}

#define CHECK_ERROR(code_, needle_) check_error((code_), (needle_), __FILE__, __LINE__)

static char password[256];

static int
auth_cb(esxConnectCredentialPtr cred, unsigned int ncred, void *cbdata)
{
    (void)cbdata;
    for (unsigned int i = 0; i < ncred; i++) {
        const char *a = cred[i].type == ESX_CRED_AUTHNAME ? "root" : password;
        cred[i].result = strdup(a);
        cred[i].resultlen = (unsigned int)strlen(a);
    }
    return 0;
}

static esxConnectPtr
connect_to(const char *uri, unsigned int flags)
{
    int types[] = { ESX_CRED_AUTHNAME, ESX_CRED_PASSPHRASE };
    esxConnectAuth auth = { types, 2, auth_cb, NULL };
    return esxConnectOpenAuth(uri, &auth, flags);
}

static void
load_password(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f || !fgets(password, sizeof(password), f)) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    fclose(f);
    password[strcspn(password, "\r\n")] = '\0';
}

#endif
