/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hardening.c: careless and hostile use of the C ABI, each scenario a
 * defect that once crashed, hung or lied. tests/hardening.rs starts esx-sim,
 * arranges the host's misbehaviour through its control endpoints, runs a
 * scenario (also under valgrind) and checks the simulator afterwards.
 *
 *   hardening SCENARIO URI PASSWORD-FILE [ARGS...]
 *
 * A scenario that prints "ready" waits for a line on stdin: the test then
 * arranges the host (faults) and answers "go".
 *
 * Exit status 0 on success; a failed check prints "FAIL file:line: what".
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <esx_driver.h>

#include "testlib.h"

static const char *the_uri;


/* Tells the test the scenario is set up, and waits for it to arrange the
 * host. */
static void
ready(void)
{
    char line[64];
    printf("ready\n");
    fflush(stdout);
    if (!fgets(line, sizeof(line), stdin) || strncmp(line, "go", 2) != 0) {
        fprintf(stderr, "no 'go' from the test\n");
        exit(2);
    }
}

/* ---------------------------------------------------------------- stale */

struct hammer {
    esxConnectPtr conn;
    int ok, invalid, other;
};

static void *
hammer_thread(void *arg)
{
    struct hammer *h = arg;
    for (int i = 0; i < 300; i++) {
        unsigned long v = 0;
        int rc = esxConnectGetVersion(h->conn, &v);
        if (rc == 0 && v > 0)
            h->ok++;
        else if (rc == -1 && esxGetLastErrorCode() == ESX_ERR_INVALID_CONN)
            h->invalid++;
        else
            h->other++;
        if (esxConnectNumOfDomains(h->conn) >= 0)
            h->ok++;
        else if (esxGetLastErrorCode() == ESX_ERR_INVALID_CONN)
            h->invalid++;
        else
            h->other++;
    }
    return NULL;
}

/* Freed, foreign and mistyped handles are errors, never memory accesses;
 * closing while other threads use a connection is safe. */
static void
scenario_stale(const char *uri)
{
    esxConnectPtr conn = connect_to(uri, 0), conn2;
    esxDomainPtr d, d2;
    esxDomainSnapshotPtr snap;
    unsigned long v = 0;
    long on_stack = 0;
    pthread_t threads[4];
    struct hammer h[4];

    CHECK(conn != NULL);
    if (!conn)
        return;
    d = esxDomainLookupByName(conn, "debian-02");
    CHECK(d != NULL);
    CHECK(esxDomainFree(d) == 0);
    CHECK(esxDomainGetName(d) == NULL);
    CHECK_ERROR(ESX_ERR_INVALID_DOMAIN, "invalid domain pointer in esxDomainGetName");
    CHECK(strcmp(esxGetLastError()->message, "invalid domain pointer in esxDomainGetName") == 0);
    CHECK(esxDomainGetID(d) == (unsigned int)-1);
    CHECK_ERROR(ESX_ERR_INVALID_DOMAIN, NULL);
    CHECK(esxDomainCreate(d) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_DOMAIN, NULL);
    /* A second free does not release someone else's handle. */
    d2 = esxDomainLookupByName(conn, "debian-02");
    CHECK(d2 != NULL && d2 != d);
    CHECK(esxDomainFree(d) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_DOMAIN, NULL);
    CHECK(esxDomainGetName(d2) && strcmp(esxDomainGetName(d2), "debian-02") == 0);

    /* Snapshots the same way. */
    snap = esxDomainSnapshotCreateXML(
        d2, "<domainsnapshot><name>stale-test</name></domainsnapshot>", 0);
    CHECK(snap != NULL);
    CHECK(esxDomainSnapshotGetDomain(snap) == d2);
    CHECK(esxDomainSnapshotFree(snap) == 0);
    CHECK(esxDomainSnapshotGetName(snap) == NULL);
    CHECK_ERROR(ESX_ERR_INVALID_DOMAIN_SNAPSHOT, NULL);
    CHECK(esxDomainSnapshotFree(snap) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_DOMAIN_SNAPSHOT, NULL);

    /* Pointers the library never returned, and one of the wrong type. */
    CHECK(esxConnectGetVersion((esxConnectPtr)(void *)&on_stack, &v) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_CONN, NULL);
    CHECK(esxConnectGetVersion((esxConnectPtr)(uintptr_t)0x1234, &v) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_CONN, NULL);
    CHECK(esxConnectGetVersion((esxConnectPtr)(void *)d2, &v) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_CONN, NULL);
    CHECK(esxDomainGetName((esxDomainPtr)(void *)conn) == NULL);
    CHECK_ERROR(ESX_ERR_INVALID_DOMAIN, NULL);
    CHECK(esxDomainFree(d2) == 0);

    /* Closing twice: the second is an error, not someone else's close. */
    conn2 = connect_to(uri, 0);
    CHECK(conn2 != NULL);
    CHECK(esxConnectClose(conn2) == 0);
    CHECK(esxConnectClose(conn2) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_CONN, NULL);
    CHECK(esxConnectGetVersion(conn2, &v) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_CONN, NULL);

    /* Close while four threads use the connection. */
    for (int i = 0; i < 4; i++) {
        memset(&h[i], 0, sizeof(h[i]));
        h[i].conn = conn;
        CHECK(pthread_create(&threads[i], NULL, hammer_thread, &h[i]) == 0);
    }
    usleep(50 * 1000);
    CHECK(esxConnectClose(conn) == 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        CHECK(h[i].other == 0);
        CHECK(h[i].ok + h[i].invalid == 600);
    }
    CHECK(esxConnectClose(conn) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_CONN, NULL);
}

/* ---------------------------------------------------------------- teardown */

struct teardown_result {
    int version_rc, lookup_ok, info_rc, close_rc, last_error_ok, ran;
};

static struct teardown_result after_tls, after_keys;
static pthread_key_t conn_key;

/* Calls the library from a thread's teardown: every export must work or
 * fail with its documented value, never abort. */
static void
use_during_teardown(esxConnectPtr conn, struct teardown_result *r)
{
    unsigned long v = 0;
    esxDomainPtr d;
    esxDomainInfo info;
    r->ran = 1;
    r->version_rc = esxConnectGetVersion(conn, &v);
    d = esxDomainLookupByName(conn, "alpine-01");
    r->lookup_ok = d != NULL;
    r->info_rc = d ? esxDomainGetInfo(d, &info) : -2;
    if (d)
        esxDomainFree(d);
    CHECK(esxDomainLookupByName(conn, "no-such-vm") == NULL);
    /* The last error may be unavailable while the thread's storage is
     * torn down; asking for it must still be safe. */
    r->last_error_ok = esxGetLastError() == NULL || esxGetLastErrorCode() == ESX_ERR_NO_DOMAIN;
    r->close_rc = esxConnectClose(conn);
}

/* Registered with the C++ runtime's thread_local mechanism before the
 * thread first calls the library, so it runs after the library's own
 * thread-local storage has been destroyed (as a C++ thread_local object
 * holding a connection does). */
extern int __cxa_thread_atexit_impl(void (*)(void *), void *, void *);
extern void *__dso_handle;

static void
tls_destructor(void *arg)
{
    use_during_teardown(arg, &after_tls);
}

static void
key_destructor(void *arg)
{
    use_during_teardown(arg, &after_keys);
}

struct conn_box {
    esxConnectPtr conn;
};

static void
tls_destructor_boxed(void *arg)
{
    struct conn_box *b = arg;
    tls_destructor(b->conn);
    free(b);
}

static void *
teardown_thread(void *arg)
{
    struct conn_box *box = calloc(1, sizeof(*box));
    esxConnectPtr for_key;
    (void)arg;
    CHECK(box != NULL);
    if (!box)
        return NULL;
    /* Registered first: runs last, after Rust's thread-locals are gone. */
    __cxa_thread_atexit_impl(tls_destructor_boxed, box, &__dso_handle);
    box->conn = connect_to(the_uri, 0);
    CHECK(box->conn != NULL);
    for_key = connect_to(the_uri, 0);
    CHECK(for_key != NULL);
    /* pthread key destructors run after every thread_local destructor. */
    pthread_setspecific(conn_key, for_key);
    return NULL;
}

static void
scenario_teardown(const char *uri)
{
    pthread_t t;
    the_uri = uri;
    CHECK(pthread_key_create(&conn_key, key_destructor) == 0);
    CHECK(pthread_create(&t, NULL, teardown_thread, NULL) == 0);
    pthread_join(t, NULL);
    for (int i = 0; i < 2; i++) {
        struct teardown_result *r = i == 0 ? &after_tls : &after_keys;
        CHECK(r->ran);
        /* Works, or fails cleanly with the documented value. */
        CHECK(r->version_rc == 0 || r->version_rc == -1);
        CHECK(r->info_rc == 0 || r->info_rc == -1 || r->info_rc == -2);
        CHECK(r->close_rc == 0 || r->close_rc == -1);
        CHECK(r->last_error_ok);
        printf("teardown %s: version %d lookup %d info %d close %d\n",
               i == 0 ? "thread_local" : "pthread key", r->version_rc, r->lookup_ok, r->info_rc,
               r->close_rc);
    }
    pthread_key_delete(conn_key);
}

/* ---------------------------------------------------------------- log handler */

static volatile int a_calls, a_calls_after, b_calls, c_calls, d_calls;
static volatile int a_replaced, stop_logging;

static void log_b(int prio, const char *module, const char *msg, void *opaque);

/* Replaces itself from inside the callback: must not hang. */
static void
log_a(int prio, const char *module, const char *msg, void *opaque)
{
    (void)prio; (void)module; (void)msg; (void)opaque;
    if (a_replaced)
        a_calls_after++;
    a_calls++;
    if (!a_replaced) {
        esxSetLogHandler(log_b, NULL);
        a_replaced = 1;
    }
}

static void
log_b(int prio, const char *module, const char *msg, void *opaque)
{
    (void)prio; (void)module; (void)msg; (void)opaque;
    b_calls++;
}

/* Calls back into the library (which logs again) and takes its time. */
static void
log_c(int prio, const char *module, const char *msg, void *opaque)
{
    (void)prio; (void)module; (void)msg; (void)opaque;
    c_calls++;
    (void)esxConnectGetType(NULL);
    usleep(2000);
}

static void
log_d(int prio, const char *module, const char *msg, void *opaque)
{
    (void)prio; (void)module; (void)msg; (void)opaque;
    d_calls++;
}

static void *
logging_thread(void *arg)
{
    (void)arg;
    while (!stop_logging)
        (void)esxConnectGetType(NULL); /* an error: logged at debug level */
    return NULL;
}

static void
scenario_loghandler(const char *uri)
{
    pthread_t t[2];
    int frozen;
    (void)uri;
    alarm(60); /* a deadlock fails the test instead of hanging it */

    CHECK(esxSetLogHandler(log_a, NULL) == 0);
    (void)esxConnectGetType(NULL);
    (void)esxConnectGetType(NULL);
    CHECK(a_replaced == 1);
    CHECK(a_calls_after == 0);
    CHECK(b_calls > 0);

    /* A callback that calls back in, while another thread swaps handlers. */
    CHECK(pthread_create(&t[0], NULL, logging_thread, NULL) == 0);
    CHECK(pthread_create(&t[1], NULL, logging_thread, NULL) == 0);
    for (int i = 0; i < 40; i++) {
        CHECK(esxSetLogHandler(i % 2 ? log_c : log_d, NULL) == 0);
        usleep(3000);
    }
    CHECK(esxSetLogHandler(NULL, NULL) == 0);
    frozen = c_calls + d_calls;
    usleep(20000);
    CHECK(c_calls + d_calls == frozen); /* replaced means never called again */
    stop_logging = 1;
    pthread_join(t[0], NULL);
    pthread_join(t[1], NULL);
    CHECK(c_calls > 0 && d_calls > 0);
    alarm(0);
}

/* ---------------------------------------------------------------- out params */

#define SENTINEL 0x5a5a5a5aUL

/* No failing call writes an output. The test makes every property read of
 * the host fail once "ready" is printed. */
static void
scenario_outparams(const char *uri)
{
    esxConnectPtr conn = connect_to(uri, 0);
    esxDomainPtr d;
    unsigned long lib = SENTINEL, tv = SENTINEL, ver = SENTINEL;
    esxDomainInfo info, info0;
    esxDomainJobInfo job, job0;
    esxNodeInfo node, node0;
    int state = 0x5a5a, reason = 0x5a5a, autostart = 0x5a5a, n, ids[4] = { 7, 7, 7, 7 };
    char *names[4] = { (char *)&n, (char *)&n, (char *)&n, (char *)&n };
    esxDomainPtr *doms = (esxDomainPtr *)&n;
    esxDomainSnapshotPtr *snaps = (esxDomainSnapshotPtr *)&n;
    esxDomainInterfacePtr *ifaces = (esxDomainInterfacePtr *)&n;
    esxTypedParameter params[4];
    esxTypedParameter params0[4];
    unsigned char uuid[ESX_UUID_BUFLEN];

    memset(&info, 0x5a, sizeof(info));
    memcpy(&info0, &info, sizeof(info));
    memset(&job, 0x5a, sizeof(job));
    memcpy(&job0, &job, sizeof(job));
    memset(&node, 0x5a, sizeof(node));
    memcpy(&node0, &node, sizeof(node));
    memset(params, 0x5a, sizeof(params));
    memcpy(params0, params, sizeof(params));

    /* Arguments refused after some outputs could have been written. */
    CHECK(esxGetVersion(&lib, "QEMU", &tv) == -1);
    CHECK_ERROR(ESX_ERR_NO_SUPPORT, "QEMU");
    CHECK(lib == SENTINEL && tv == SENTINEL);
    CHECK(esxGetVersion(&lib, "ESX", &tv) == 0 && lib != SENTINEL && tv == lib);

    CHECK(conn != NULL);
    if (!conn)
        return;
    d = esxDomainLookupByName(conn, "alpine-01");
    CHECK(d != NULL);
    if (!d)
        return;
    CHECK(esxDomainGetState(d, &state, &reason, 0x100) == -1);
    CHECK(state == 0x5a5a && reason == 0x5a5a);
    n = 0x5a5a;
    CHECK(esxDomainGetMemoryParameters(d, params, &n, 0x100) == -1);
    CHECK(n == 0x5a5a);

    ready(); /* every RetrievePropertiesEx fails from now on */

    CHECK(esxDomainGetInfo(d, &info) == -1);
    CHECK(memcmp(&info, &info0, sizeof(info)) == 0);
    CHECK(esxDomainGetJobInfo(d, &job) == -1);
    CHECK(memcmp(&job, &job0, sizeof(job)) == 0);
    CHECK(esxDomainGetState(d, &state, &reason, 0) == -1);
    CHECK(state == 0x5a5a && reason == 0x5a5a);
    CHECK(esxDomainGetAutostart(d, &autostart) == -1);
    CHECK(autostart == 0x5a5a);
    n = 1;
    CHECK(esxDomainGetMemoryParameters(d, params, &n, 0) == -1);
    CHECK(n == 1 && memcmp(params, params0, sizeof(params)) == 0);
    n = 3;
    CHECK(esxDomainGetSchedulerParametersFlags(d, params, &n, 0) == -1);
    CHECK(n == 3 && memcmp(params, params0, sizeof(params)) == 0);
    CHECK(esxNodeGetInfo(conn, &node) == -1);
    CHECK(memcmp(&node, &node0, sizeof(node)) == 0);
    CHECK(esxConnectListAllDomains(conn, &doms, 0) == -1);
    CHECK(doms == (esxDomainPtr *)&n);
    CHECK(esxConnectListDomains(conn, ids, 4) == -1);
    CHECK(ids[0] == 7 && ids[3] == 7);
    CHECK(esxConnectListDefinedDomains(conn, names, 4) == -1);
    CHECK(names[0] == (char *)&n && names[3] == (char *)&n);
    CHECK(esxDomainSnapshotListNames(d, names, 4, 0) == -1);
    CHECK(names[0] == (char *)&n);
    CHECK(esxDomainListAllSnapshots(d, &snaps, 0) == -1);
    CHECK(snaps == (esxDomainSnapshotPtr *)&n);
    CHECK(esxDomainInterfaceAddresses(d, &ifaces, ESX_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT, 0) == -1);
    CHECK(ifaces == (esxDomainInterfacePtr *)&n);
    CHECK(esxConnectGetVersion(NULL, &ver) == -1 && ver == SENTINEL);
    CHECK(esxConnectGetLibVersion(NULL, &ver) == -1 && ver == SENTINEL);
    CHECK(esxDomainGetUUID(NULL, uuid) == -1);
    esxDomainFree(d);
    esxConnectClose(conn);
}

/* ---------------------------------------------------------------- arguments */

/* libvirt's argument rules; GetAutostart of a VM that is gone. */
static void
scenario_argrules(const char *uri)
{
    esxConnectPtr conn = connect_to(uri, 0);
    esxDomainPtr d, other;
    esxTypedParameter params[3];
    int n, autostart = 7;

    CHECK(conn != NULL);
    if (!conn)
        return;
    d = esxDomainLookupByName(conn, "debian-02");
    CHECK(d != NULL);
    if (!d)
        return;
    CHECK(esxDomainSetMemoryParameters(d, NULL, 0, 0) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, NULL);
    CHECK(esxDomainSetMemoryParameters(d, params, 0, 0) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, NULL);
    CHECK(esxDomainSetSchedulerParameters(d, NULL, 0) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, NULL);
    CHECK(esxDomainSetSchedulerParametersFlags(d, NULL, 0, 0) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, NULL);
    CHECK(esxDomainSetSchedulerParametersFlags(d, params, 0, 0) == 0);
    n = 3;
    CHECK(esxDomainGetSchedulerParameters(d, NULL, &n) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, NULL);
    n = 0;
    CHECK(esxDomainGetSchedulerParameters(d, params, &n) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, NULL);
    /* The same flags whether counting or reading. */
    n = 0;
    CHECK(esxDomainGetMemoryParameters(d, NULL, &n, ESX_TYPED_PARAM_STRING_OKAY) == 0 && n == 1);
    CHECK(esxDomainGetMemoryParameters(d, params, &n, ESX_TYPED_PARAM_STRING_OKAY) == 0);
    n = 0;
    CHECK(esxDomainGetMemoryParameters(d, NULL, &n, 0x100) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "0x100");
    n = 1;
    CHECK(esxDomainGetMemoryParameters(d, params, &n, 0x100) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "0x100");

    /* The VM goes away behind the handle's back. */
    other = esxDomainLookupByName(conn, "debian-02");
    CHECK(other && esxDomainUndefine(other) == 0);
    CHECK(esxDomainGetAutostart(d, &autostart) == -1);
    CHECK_ERROR(ESX_ERR_NO_DOMAIN, "debian-02");
    CHECK(autostart == 7);
    esxDomainFree(other);
    esxDomainFree(d);
    esxConnectClose(conn);
}

/* ---------------------------------------------------------------- hostile replies */

struct listing {
    esxConnectPtr conn;
    int rc, code;
    char message[512];
};

static void *
list_on_small_stack(void *arg)
{
    struct listing *l = arg;
    esxDomainPtr *doms = NULL;
    l->rc = esxConnectListAllDomains(l->conn, &doms, 0);
    l->code = esxGetLastErrorCode();
    snprintf(l->message, sizeof(l->message), "%s", esxGetLastErrorMessage());
    if (l->rc > 0) {
        for (int i = 0; i < l->rc; i++)
            esxDomainFree(doms[i]);
        free(doms);
    }
    return NULL;
}

/* A reply nested 20,000 levels deep, read on a thread with a 256 KiB
 * stack. */
static void
scenario_deep(const char *uri)
{
    esxConnectPtr conn = connect_to(uri, 0);
    pthread_attr_t attr;
    pthread_t t;
    struct listing l;

    CHECK(conn != NULL);
    if (!conn)
        return;
    ready(); /* the next RetrievePropertiesEx answers 20,000 levels deep */
    memset(&l, 0, sizeof(l));
    l.conn = conn;
    pthread_attr_init(&attr);
    CHECK(pthread_attr_setstacksize(&attr, 256 * 1024) == 0);
    CHECK(pthread_create(&t, &attr, list_on_small_stack, &l) == 0);
    pthread_join(t, NULL);
    pthread_attr_destroy(&attr);
    CHECK(l.rc == -1);
    CHECK(l.code == ESX_ERR_RPC);
    CHECK(strstr(l.message, "nested") != NULL);
    /* The connection is fine afterwards. */
    CHECK(pthread_create(&t, NULL, list_on_small_stack, &l) == 0);
    pthread_join(t, NULL);
    CHECK(l.rc == 5);
    esxConnectClose(conn);
}

static long
peak_rss_kib(void)
{
    char line[256];
    long kib = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

/* A 32 MiB reply of empty elements: an error (not an empty listing), in
 * bounded memory. */
static void
scenario_wide(const char *uri)
{
    esxConnectPtr conn = connect_to(uri, 0);
    esxDomainPtr *doms = NULL;
    long before, after;

    CHECK(conn != NULL);
    if (!conn)
        return;
    ready(); /* the next two RetrievePropertiesEx answer 32 MiB of <a/> */
    before = peak_rss_kib();
    CHECK(esxConnectNumOfDomains(conn) == -1);
    CHECK_ERROR(ESX_ERR_RPC, "RetrievePropertiesEx");
    CHECK(esxConnectListAllDomains(conn, &doms, 0) == -1);
    CHECK_ERROR(ESX_ERR_RPC, "RetrievePropertiesEx");
    after = peak_rss_kib();
    printf("peak RSS grew by %ld KiB for a 32768 KiB reply\n", after - before);
    /* A small multiple of the reply's size. */
    CHECK(after - before < 8 * 32 * 1024);
    CHECK(esxConnectNumOfDomains(conn) == 1);
    esxConnectClose(conn);
}

/* A host that answers every WaitForUpdatesEx at once with "no change":
 * the wait backs off and ends at task_timeout. */
static void
scenario_emptywait(const char *uri)
{
    esxConnectPtr conn = connect_to(uri, 0);
    esxDomainPtr d;
    time_t start;

    CHECK(conn != NULL);
    if (!conn)
        return;
    d = esxDomainLookupByName(conn, "debian-02");
    CHECK(d != NULL);
    start = time(NULL);
    CHECK(esxDomainCreate(d) == -1);
    CHECK_ERROR(ESX_ERR_OPERATION_TIMEOUT, "task_timeout=3s");
    CHECK(time(NULL) - start < 30);
    esxDomainFree(d);
    esxConnectClose(conn);
}

/* Out-of-range integers from the host are errors that name the property. */
static void
scenario_hostints(const char *uri)
{
    esxConnectPtr conn = connect_to(uri, 0);
    esxDomainPtr d;
    esxDomainInfo info;

    CHECK(conn != NULL);
    if (!conn)
        return;
    d = esxDomainLookupByName(conn, "debian-02");
    CHECK(d != NULL);
    for (int i = 0; i < 2; i++) {
        ready(); /* memoryMB is 2^32+1, then 2^54 */
        CHECK(esxDomainGetMaxMemory(d) == 0);
        CHECK_ERROR(ESX_ERR_RPC, "config.hardware.memoryMB");
        CHECK(esxDomainGetInfo(d, &info) == -1);
        CHECK_ERROR(ESX_ERR_RPC, "config.hardware.memoryMB");
    }
    esxDomainFree(d);
    esxConnectClose(conn);
}

/* ---------------------------------------------------------------- errors */

/* Messages a user can act on: bounded, one line, naming the right party. */
static void
scenario_messages(const char *uri, const char *proxy_uri)
{
    esxConnectPtr conn = connect_to(uri, 0);
    esxDomainPtr d;
    const char *m;

    CHECK(conn != NULL);
    if (!conn)
        return;
    /* Control characters from input are escaped. */
    CHECK(esxDomainLookupByName(conn, "evil\nname\x1b[2J") == NULL);
    CHECK_ERROR(ESX_ERR_NO_DOMAIN, "evil\\nname\\u{1b}[2J");
    m = esxGetLastErrorMessage();
    CHECK(strchr(m, '\n') == NULL && strchr(m, '\x1b') == NULL);

    d = esxDomainLookupByName(conn, "debian-02");
    CHECK(d != NULL);
    ready(); /* the next PowerOnVM_Task faults with a 1 MiB message */
    CHECK(esxDomainCreate(d) == -1);
    m = esxGetLastErrorMessage();
    CHECK(strlen(m) < 4096 + 200);
    CHECK(strstr(m, "message cut") != NULL);

    ready(); /* now the waits for the next task drop, twice */
    CHECK(esxDomainCreate(d) == -1);
    CHECK_ERROR(ESX_ERR_RPC, "was started on the host");
    CHECK(strstr(esxGetLastErrorMessage(), "haTask") != NULL);
    esxDomainFree(d);
    esxConnectClose(conn);

    /* An unreachable proxy is named as such. */
    CHECK(connect_to(proxy_uri, 0) == NULL);
    CHECK_ERROR(ESX_ERR_RPC, "proxy 127.0.0.1:1");
}

/* Control characters in a name or description become VMX escapes: the
 * .vmx written for them reads back. */
static void
scenario_vmxescape(const char *uri)
{
    esxConnectPtr conn = connect_to(uri, 0);
    char *vmx;
    const char *xml =
        "<domain type='vmware'><name>two&#10;lines</name>"
        "<description>a&#10;b\"c&#13;</description>"
        "<memory>524288</memory><os><type>hvm</type></os></domain>";
    CHECK(conn != NULL);
    if (!conn)
        return;
    vmx = esxConnectDomainXMLToNative(conn, "vmware-vmx", xml, 0);
    CHECK(vmx != NULL);
    if (vmx) {
        CHECK(strstr(vmx, "displayName = \"two|0alines\"") != NULL);
        CHECK(strstr(vmx, "annotation = \"a|0ab|22c|0d\"") != NULL);
        /* Every line is a whole key = "value" line. */
        for (char *line = strtok(vmx, "\n"); line; line = strtok(NULL, "\n"))
            CHECK(strstr(line, " = \"") && line[strlen(line) - 1] == '"');
        free(vmx);
    }
    esxConnectClose(conn);
}

/* A percent-encoded '@' in the host is refused before anything is sent. */
static void
scenario_uri(const char *uri, const char *evil)
{
    (void)uri;
    CHECK(connect_to(evil, 0) == NULL);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "URI host");
}

/* Only regular files of bounded size are read; nothing blocks. */
static void
scenario_files(const char *uri, const char *fifo_uri, const char *zero_uri)
{
    alarm(60);
    CHECK(connect_to(zero_uri, 0) == NULL);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "not a regular file");
    CHECK(connect_to(fifo_uri, 0) == NULL);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "not a regular file");
    setenv("LIBVIRT_AUTH_FILE", "/dev/zero", 1);
    CHECK(connect_to(uri, 0) == NULL);
    CHECK_ERROR(ESX_ERR_AUTH_FAILED, "not a regular file");
    unsetenv("LIBVIRT_AUTH_FILE");
    alarm(0);
}

/* A question with no task behind it: auto_answer=1 answers it and starts
 * the task; auto_answer=0 reports it without naming an earlier task. */
static void
scenario_lonequestion(const char *uri, const char *answering_uri)
{
    esxConnectPtr conn = connect_to(uri, 0), answering;
    esxDomainPtr d;
    int state = 0, reason = 0;

    CHECK(conn != NULL);
    if (!conn)
        return;
    d = esxDomainLookupByName(conn, "debian-02");
    CHECK(d != NULL);
    CHECK(esxDomainCreate(d) == -1);
    CHECK_ERROR(ESX_ERR_OPERATION_INVALID, "Pending question blocks");
    CHECK(strstr(esxGetLastErrorMessage(), "earlier task") == NULL);
    esxDomainFree(d);
    esxConnectClose(conn);

    answering = connect_to(answering_uri, 0);
    CHECK(answering != NULL);
    if (!answering)
        return;
    d = esxDomainLookupByName(answering, "debian-02");
    CHECK(d != NULL);
    CHECK(esxDomainCreate(d) == 0);
    CHECK(esxDomainGetState(d, &state, &reason, 0) == 0 && state == ESX_DOMAIN_RUNNING);
    esxDomainFree(d);
    esxConnectClose(answering);
}

int
main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: hardening SCENARIO URI PASSWORD-FILE [ARGS...]\n");
        return 2;
    }
    /* Debug logging on, so that the log handler scenario has records. */
    if (strcmp(argv[1], "loghandler") == 0)
        setenv("ESX_DRIVER_LOG", "esx_driver=debug", 0);
    load_password(argv[3]);
    if (strcmp(argv[1], "stale") == 0)
        scenario_stale(argv[2]);
    else if (strcmp(argv[1], "teardown") == 0)
        scenario_teardown(argv[2]);
    else if (strcmp(argv[1], "loghandler") == 0)
        scenario_loghandler(argv[2]);
    else if (strcmp(argv[1], "outparams") == 0)
        scenario_outparams(argv[2]);
    else if (strcmp(argv[1], "argrules") == 0)
        scenario_argrules(argv[2]);
    else if (strcmp(argv[1], "deep") == 0)
        scenario_deep(argv[2]);
    else if (strcmp(argv[1], "wide") == 0)
        scenario_wide(argv[2]);
    else if (strcmp(argv[1], "emptywait") == 0)
        scenario_emptywait(argv[2]);
    else if (strcmp(argv[1], "hostints") == 0)
        scenario_hostints(argv[2]);
    else if (strcmp(argv[1], "messages") == 0 && argc > 4)
        scenario_messages(argv[2], argv[4]);
    else if (strcmp(argv[1], "vmxescape") == 0)
        scenario_vmxescape(argv[2]);
    else if (strcmp(argv[1], "uri") == 0 && argc > 4)
        scenario_uri(argv[2], argv[4]);
    else if (strcmp(argv[1], "files") == 0 && argc > 5)
        scenario_files(argv[2], argv[4], argv[5]);
    else if (strcmp(argv[1], "lonequestion") == 0 && argc > 4)
        scenario_lonequestion(argv[2], argv[4]);
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
