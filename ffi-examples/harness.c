/*
 * harness.c: the C test harness. It drives the library through its ABI
 * only; tests/c_programs.rs starts esx-sim, prepares each scenario through
 * the simulator's control endpoints and checks the simulator's state
 * afterwards. Run under valgrind there as well.
 *
 *   harness SCENARIO URI PASSWORD-FILE [ARGS...]
 *
 * Exit status 0 on success; a failed check prints "FAIL file:line: what".
 */

#include <dlfcn.h>
#include <pthread.h>
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
    if (e->domain != ESX_FROM_ESX) {
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

/* Connection, listing, lookups, identity, errors, reference counts. */
static void
scenario_basic(const char *uri)
{
    esxConnectPtr conn = connect_to(uri, 0);
    esxDomainPtr *doms = NULL;
    esxDomainPtr dom, dom2;
    unsigned char uuid[ESX_UUID_BUFLEN];
    char uuidstr[ESX_UUID_STRING_BUFLEN];
    esxNodeInfo node;
    unsigned long ver = 0;
    char *s;
    int n, ids[8];
    esxError copy;
    esxErrorPtr saved;

    CHECK(conn != NULL);
    if (!conn)
        return;
    CHECK(strcmp(esxConnectGetType(conn), "ESX") == 0);
    CHECK(esxConnectGetVersion(conn, &ver) == 0 && ver == 7000003);
    CHECK(esxNodeGetInfo(conn, &node) == 0 && node.cpus == 40 && node.sockets == 2);
    CHECK(strcmp(node.model, "Intel Xeon Gold 6230 CPU @ 2.10") == 0);
    s = esxConnectGetHostname(conn);
    CHECK(s && strcmp(s, "esx-sim.lab.example") == 0);
    free(s);
    s = esxConnectGetURI(conn);
    CHECK(s && strcmp(s, uri) == 0);
    free(s);
    s = esxConnectGetCapabilities(conn);
    CHECK(s && strstr(s, "<domain type='vmware'/>"));
    free(s);
    CHECK(esxConnectIsEncrypted(conn) == 1);
    CHECK(esxConnectIsSecure(conn) == 0);
    CHECK(esxConnectIsAlive(conn) == 1);
    CHECK(esxNodeGetFreeMemory(conn) > 0);

    n = esxConnectListAllDomains(conn, &doms, 0);
    CHECK(n == 5);
    CHECK(doms && doms[n > 0 ? n : 0] == NULL);
    for (int i = 0; i < n; i++)
        CHECK(esxDomainFree(doms[i]) == 0);
    free(doms);
    CHECK(esxConnectListAllDomains(conn, NULL, ESX_CONNECT_LIST_DOMAINS_ACTIVE) == 2);
    CHECK(esxConnectNumOfDomains(conn) == 1);
    CHECK(esxConnectListDomains(conn, ids, 8) == 1 && ids[0] == 1);
    CHECK(esxConnectNumOfDefinedDomains(conn) == 4);
    {
        char *names[8] = { 0 };
        int m = esxConnectListDefinedDomains(conn, names, 8);
        CHECK(m == 4);
        for (int i = 0; i < m; i++)
            free(names[i]);
    }

    dom = esxDomainLookupByName(conn, "alpine-01");
    CHECK(dom != NULL);
    if (dom) {
        CHECK(strcmp(esxDomainGetName(dom), "alpine-01") == 0);
        CHECK(esxDomainGetID(dom) == 1);
        CHECK(esxDomainGetUUID(dom, uuid) == 0);
        CHECK(esxDomainGetUUIDString(dom, uuidstr) == 0 && strlen(uuidstr) == 36);
        CHECK(esxDomainGetConnect(dom) == conn);
        dom2 = esxDomainLookupByUUID(conn, uuid);
        CHECK(dom2 && strcmp(esxDomainGetName(dom2), "alpine-01") == 0);
        esxDomainFree(dom2);
        dom2 = esxDomainLookupByUUIDString(conn, uuidstr);
        CHECK(dom2 && esxDomainGetID(dom2) == 1);
        esxDomainFree(dom2);
        dom2 = esxDomainLookupByID(conn, 1);
        CHECK(dom2 && strcmp(esxDomainGetName(dom2), "alpine-01") == 0);
        esxDomainFree(dom2);
    }
    dom2 = esxDomainLookupByName(conn, "debian-02");
    CHECK(dom2 && esxDomainGetID(dom2) == (unsigned int)-1);
    esxDomainFree(dom2);

    /* Errors: codes, messages, and the error API. */
    CHECK(esxDomainLookupByName(conn, "no-such-vm") == NULL);
    CHECK_ERROR(ESX_ERR_NO_DOMAIN, "No domain with name 'no-such-vm'");
    CHECK(esxCopyLastError(&copy) == ESX_ERR_NO_DOMAIN);
    CHECK(copy.message && strstr(copy.message, "no-such-vm"));
    esxResetError(&copy);
    CHECK(copy.message == NULL);
    saved = esxSaveLastError();
    CHECK(saved && saved->code == ESX_ERR_NO_DOMAIN);
    esxFreeError(saved);
    CHECK(esxGetLastErrorCode() == ESX_ERR_NO_DOMAIN);
    esxResetLastError();
    CHECK(esxGetLastError() == NULL);
    CHECK(strcmp(esxGetLastErrorMessage(), "no error") == 0);

    CHECK(esxDomainLookupByID(conn, 2) == NULL);
    CHECK_ERROR(ESX_ERR_NO_DOMAIN, "No domain with ID 2");
    CHECK(esxDomainLookupByName(conn, NULL) == NULL);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "must not be NULL");
    CHECK(esxDomainLookupByName(conn, "\xff\xfe") == NULL);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "UTF-8");
    CHECK(esxDomainLookupByUUIDString(conn, "not-a-uuid") == NULL);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "not a UUID");
    CHECK(esxConnectListAllDomains(conn, NULL, 1u << 30) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "unsupported flags");
    CHECK(esxNodeGetInfo(conn, NULL) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "info");
    CHECK(esxConnectGetVersion(NULL, &ver) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_CONN, NULL);
    CHECK(esxConnectClose(NULL) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_CONN, NULL);
    CHECK(esxDomainFree(NULL) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_DOMAIN, NULL);
    CHECK(esxDomainGetName(NULL) == NULL);
    CHECK(esxDomainGetID(NULL) == (unsigned int)-1);
    CHECK(esxConnectOpen(NULL) == NULL);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, NULL);
    CHECK(esxConnectOpen("esx://127.0.0.1/?bogus=1") == NULL);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "'bogus'");
    CHECK(connect_to(uri, 0x80) == NULL);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "unsupported flags");

    /* A domain handle keeps its connection: closing returns the references
     * left, and the handle still works. */
    CHECK(esxConnectRef(conn) == 0);
    CHECK(esxConnectClose(conn) >= 2);
    CHECK(esxConnectClose(conn) == 1);
    if (dom) {
        esxDomainPtr other = esxDomainLookupByName(esxDomainGetConnect(dom), "debian-02");
        CHECK(esxDomainGetID(dom) == 1);
        CHECK(esxDomainRef(dom) == 0);
        CHECK(esxDomainFree(dom) == 0);
        CHECK(other != NULL);
        esxDomainFree(other);
        /* The last reference: the connection logs out now. */
        CHECK(esxDomainFree(dom) == 0);
    } else {
        esxConnectClose(conn);
    }
}

/* Wrong password, unreachable host, refused certificate. */
static void
scenario_errors(const char *uri)
{
    char wrong[1024];
    strcpy(password, "not-the-password");
    CHECK(connect_to(uri, 0) == NULL);
    CHECK_ERROR(ESX_ERR_AUTH_FAILED, "incorrect user name or password");
    CHECK(esxGetLastError()->str1 && strcmp(esxGetLastError()->str1, "InvalidLogin") == 0);
    snprintf(wrong, sizeof(wrong), "%s", uri);
    {
        char *q = strstr(wrong, "no_verify=1");
        if (q)
            memcpy(q, "no_verify=0", 11);
    }
    CHECK(connect_to(wrong, 0) == NULL);
    CHECK_ERROR(ESX_ERR_RPC, "no_verify=1");
    CHECK(connect_to("esx://root@127.0.0.1:1/?no_verify=1", 0) == NULL);
    CHECK_ERROR(ESX_ERR_RPC, "127.0.0.1:1");
}

/* Every non-NULL field of the driver table is the export of that name. */
static void
scenario_tables(void)
{
    const esxHypervisorDriver *d = esxGetHypervisorDriver();
    void *self = dlopen(NULL, RTLD_NOW);
    int filled = 0;

    CHECK(d && strcmp(d->name, "ESX") == 0);
    CHECK(d->connectOpen == esxConnectOpenAuth);
#define FIELD(f, sym)                                                         \
    do {                                                                      \
        if (d->f) {                                                           \
            void *p = dlsym(self, sym);                                       \
            if (p != (void *)d->f) {                                          \
                fprintf(stderr, "FAIL table field %s is not %s\n", #f, sym);  \
                failures++;                                                   \
            }                                                                 \
            filled++;                                                         \
        }                                                                     \
    } while (0)
#include "table_fields.h"
#undef FIELD
    printf("%d table fields filled\n", filled);
    CHECK(filled >= 20);
    dlclose(self);
}

struct thread_arg {
    esxConnectPtr conn;
    int errors;
};

static void *
hammer(void *p)
{
    struct thread_arg *a = p;
    for (int i = 0; i < 50; i++) {
        esxDomainPtr *doms = NULL;
        int n = esxConnectListAllDomains(a->conn, &doms, 0);
        if (n != 5)
            a->errors++;
        for (int j = 0; j < n; j++)
            esxDomainFree(doms[j]);
        free(doms);
        esxDomainPtr d = esxDomainLookupByName(a->conn, "debian-02");
        if (!d)
            a->errors++;
        esxDomainFree(d);
    }
    return NULL;
}

/* One connection, many threads. */
static void
scenario_threads(const char *uri)
{
    esxConnectPtr conn = connect_to(uri, 0);
    pthread_t t[8];
    struct thread_arg args[8];
    CHECK(conn != NULL);
    if (!conn)
        return;
    for (int i = 0; i < 8; i++) {
        args[i].conn = conn;
        args[i].errors = 0;
        pthread_create(&t[i], NULL, hammer, &args[i]);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        CHECK(args[i].errors == 0);
    }
    CHECK(esxConnectClose(conn) == 0);
}

int
main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: harness SCENARIO URI PASSWORD-FILE [ARGS...]\n");
        return 2;
    }
    load_password(argv[3]);
    if (strcmp(argv[1], "basic") == 0)
        scenario_basic(argv[2]);
    else if (strcmp(argv[1], "errors") == 0)
        scenario_errors(argv[2]);
    else if (strcmp(argv[1], "tables") == 0)
        scenario_tables();
    else if (strcmp(argv[1], "threads") == 0)
        scenario_threads(argv[2]);
    else {
        fprintf(stderr, "unknown scenario %s\n", argv[1]);
        return 2;
    }
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("ok %s\n", argv[1]);
    return 0;
}
