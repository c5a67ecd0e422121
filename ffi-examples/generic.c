/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * generic.c: libvirt's generic parts through the C ABI, as a libvirt
 * program uses them: typed parameters of every type, error handlers of
 * both levels and the default printing, error domains, the default URI,
 * the event loop with a program's own descriptors and timers beside the
 * library's domain events (the default loop, and the program's own loop
 * registered with esxEventRegisterImpl), whole and sparse stream
 * transfers, the close callback and keepalive. tests/generic.rs runs each
 * scenario against esx-sim, and again under valgrind.
 *
 *   generic SCENARIO [URI PASSWORD-FILE [ARGS...]]
 *
 * A scenario prints "ok SCENARIO" at its end; the lines it prints before
 * are what the test checks, or steps it waits on (stepped scenarios).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testlib.h"

/* The test has acted on what the last line said (stepped scenarios). */
static void
step(const char *where)
{
    char line[64];

    printf("%s\n", where);
    fflush(stdout);
    if (!fgets(line, sizeof line, stdin)) {
        fprintf(stderr, "FAIL: the test went away at step %s\n", where);
        failures++;
    }
}

/* The last error: its code, domain and (when `needle` is not NULL) a part
 * of its message. */
static void
expect_error(int code, int domain, const char *needle, int line)
{
    esxErrorPtr e = esxGetLastError();
    if (!e || e->code != code || e->domain != domain ||
        (needle && (!e->message || !strstr(e->message, needle)))) {
        fprintf(stderr, "FAIL line %d: error %d/%d '%s', expected %d/%d '%s'\n", line,
                e ? e->code : 0, e ? e->domain : 0, e && e->message ? e->message : "", code,
                domain, needle ? needle : "");
        failures++;
    }
}
#define EXPECT_ERROR(c, d, n) expect_error((c), (d), (n), __LINE__)

/* ------------------------------------------------------------ typed params */

static void
scenario_typed_params(void)
{
    esxTypedParameterPtr params = NULL, p;
    int n = 0, max = 0, i;
    int iv = 0, bv = 0;
    unsigned int uv = 0;
    long long lv = 0;
    unsigned long long ulv = 0;
    double dv = 0;
    const char *sv = NULL;
    const char *list[] = { "alpha", "beta", "gamma", NULL };
    char name[128];
    struct _esxSchedParameter sched; /* libvirt's struct tags name the type */

    memset(&sched, 0, sizeof sched);
    CHECK(sizeof(struct _esxBlkioParameter) == sizeof(esxTypedParameter));
    CHECK(sizeof(struct _esxMemoryParameter) == 96);

    CHECK(esxTypedParamsAddInt(&params, &n, &max, "int", -42) == 0);
    CHECK(esxTypedParamsAddUInt(&params, &n, &max, "uint", 4000000000U) == 0);
    CHECK(esxTypedParamsAddLLong(&params, &n, &max, "llong", -9000000000LL) == 0);
    CHECK(esxTypedParamsAddULLong(&params, &n, &max, "ullong", 18000000000000000000ULL) == 0);
    CHECK(esxTypedParamsAddDouble(&params, &n, &max, "double", 2.5) == 0);
    CHECK(esxTypedParamsAddBoolean(&params, &n, &max, "boolean", 7) == 0);
    CHECK(esxTypedParamsAddString(&params, &n, &max, "string", "text") == 0);
    CHECK(esxTypedParamsAddString(&params, &n, &max, "empty", NULL) == 0);
    CHECK(esxTypedParamsAddStringList(&params, &n, &max, "list", list) == 0);
    CHECK(esxTypedParamsAddStringList(&params, &n, &max, "none", NULL) == 0);
    CHECK(n == 11 && max >= n);

    CHECK(esxTypedParamsGetInt(params, n, "int", &iv) == 1 && iv == -42);
    CHECK(esxTypedParamsGetUInt(params, n, "uint", &uv) == 1 && uv == 4000000000U);
    CHECK(esxTypedParamsGetLLong(params, n, "llong", &lv) == 1 && lv == -9000000000LL);
    CHECK(esxTypedParamsGetULLong(params, n, "ullong", &ulv) == 1 &&
          ulv == 18000000000000000000ULL);
    CHECK(esxTypedParamsGetDouble(params, n, "double", &dv) == 1 && dv == 2.5);
    CHECK(esxTypedParamsGetBoolean(params, n, "boolean", &bv) == 1 && bv == 1);
    CHECK(esxTypedParamsGetString(params, n, "string", &sv) == 1 && strcmp(sv, "text") == 0);
    CHECK(esxTypedParamsGetString(params, n, "empty", &sv) == 1 && strcmp(sv, "") == 0);
    /* The first of a list's entries; all of them are there. */
    CHECK(esxTypedParamsGetString(params, n, "list", &sv) == 1 && strcmp(sv, "alpha") == 0);
    CHECK(strcmp(params[9].value.s, "beta") == 0 && strcmp(params[10].value.s, "gamma") == 0);
    /* Presence and type only. */
    CHECK(esxTypedParamsGetInt(params, n, "int", NULL) == 1);
    /* Missing: 0 and no error. */
    iv = 5;
    CHECK(esxTypedParamsGetInt(params, n, "nothing", &iv) == 0 && iv == 5);
    CHECK(esxGetLastError() == NULL);
    CHECK(esxTypedParamsGetInt(params, n, NULL, &iv) == 0);
    CHECK(esxTypedParamsGetInt(NULL, 0, "int", &iv) == 0);
    /* Another type: libvirt's error, in no driver's domain; the value stays. */
    CHECK(esxTypedParamsGetInt(params, n, "uint", &iv) == -1 && iv == 5);
    EXPECT_ERROR(ESX_ERR_INVALID_ARG, ESX_FROM_NONE,
                 "invalid argument: Invalid type 'int' requested for parameter 'uint', "
                 "actual type is 'uint'");
    CHECK(esxTypedParamsGetString(params, n, "boolean", &sv) == -1);
    EXPECT_ERROR(ESX_ERR_INVALID_ARG, ESX_FROM_NONE, "actual type is 'boolean'");
    /* esxTypedParamsGet finds the entry itself and leaves the last error. */
    p = esxTypedParamsGet(params, n, "double");
    CHECK(p == &params[4]);
    CHECK(esxGetLastErrorCode() == ESX_ERR_INVALID_ARG);
    CHECK(esxTypedParamsGet(params, n, "nothing") == NULL);

    /* From strings, each type. */
    CHECK(esxTypedParamsAddFromString(&params, &n, &max, "fi", ESX_TYPED_PARAM_INT, "-17") == 0);
    CHECK(esxTypedParamsAddFromString(&params, &n, &max, "fu", ESX_TYPED_PARAM_UINT, "-1") == 0);
    CHECK(esxTypedParamsAddFromString(&params, &n, &max, "fl", ESX_TYPED_PARAM_LLONG,
                                      "-123456789012") == 0);
    CHECK(esxTypedParamsAddFromString(&params, &n, &max, "ful", ESX_TYPED_PARAM_ULLONG,
                                      "123456789012") == 0);
    CHECK(esxTypedParamsAddFromString(&params, &n, &max, "fd", ESX_TYPED_PARAM_DOUBLE, "0.25") == 0);
    CHECK(esxTypedParamsAddFromString(&params, &n, &max, "fb", ESX_TYPED_PARAM_BOOLEAN, "TRUE") == 0);
    CHECK(esxTypedParamsAddFromString(&params, &n, &max, "fs", ESX_TYPED_PARAM_STRING, "s") == 0);
    CHECK(esxTypedParamsGetInt(params, n, "fi", &iv) == 1 && iv == -17);
    CHECK(esxTypedParamsGetUInt(params, n, "fu", &uv) == 1 && uv == 4294967295U);
    CHECK(esxTypedParamsGetLLong(params, n, "fl", &lv) == 1 && lv == -123456789012LL);
    CHECK(esxTypedParamsGetULLong(params, n, "ful", &ulv) == 1 && ulv == 123456789012ULL);
    CHECK(esxTypedParamsGetDouble(params, n, "fd", &dv) == 1 && dv == 0.25);
    CHECK(esxTypedParamsGetBoolean(params, n, "fb", &bv) == 1 && bv == 1);
    CHECK(esxTypedParamsGetString(params, n, "fs", &sv) == 1 && strcmp(sv, "s") == 0);

    /* What does not parse, and what libvirt refuses: nothing changes. */
    {
        esxTypedParameterPtr before = params;
        int n0 = n, max0 = max;
        CHECK(esxTypedParamsAddFromString(&params, &n, &max, "x", ESX_TYPED_PARAM_INT, "12a") == -1);
        EXPECT_ERROR(ESX_ERR_INVALID_ARG, ESX_FROM_NONE,
                     "Invalid value for field 'x': expected int");
        CHECK(esxTypedParamsAddFromString(&params, &n, &max, "x", ESX_TYPED_PARAM_INT,
                                          "99999999999") == -1);
        CHECK(esxTypedParamsAddFromString(&params, &n, &max, "x", ESX_TYPED_PARAM_DOUBLE, "") == -1);
        EXPECT_ERROR(ESX_ERR_INVALID_ARG, ESX_FROM_NONE, "expected double");
        CHECK(esxTypedParamsAddFromString(&params, &n, &max, "x", ESX_TYPED_PARAM_BOOLEAN, "yes") == -1);
        EXPECT_ERROR(ESX_ERR_INVALID_ARG, ESX_FROM_NONE, "Invalid boolean value for field 'x'");
        CHECK(esxTypedParamsAddFromString(&params, &n, &max, "x", ESX_TYPED_PARAM_STRING, NULL) == -1);
        EXPECT_ERROR(ESX_ERR_INVALID_ARG, ESX_FROM_NONE, "NULL value for field 'x'");
        CHECK(esxTypedParamsAddFromString(&params, &n, &max, "x", 99, "1") == -1);
        EXPECT_ERROR(ESX_ERR_INTERNAL_ERROR, ESX_FROM_NONE, "unexpected type 99 for field x");
        memset(name, 'n', sizeof name);
        name[ESX_TYPED_PARAM_FIELD_LENGTH] = '\0';
        CHECK(esxTypedParamsAddString(&params, &n, &max, name, "v") == -1);
        EXPECT_ERROR(ESX_ERR_INTERNAL_ERROR, ESX_FROM_NONE, "too long");
        CHECK(params == before && n == n0 && max == max0);
        name[ESX_TYPED_PARAM_FIELD_LENGTH - 1] = '\0';
        CHECK(esxTypedParamsAddInt(&params, &n, &max, name, 1) == 0);
        CHECK(esxTypedParamsGetInt(params, n, name, &iv) == 1 && iv == 1);
        CHECK(esxTypedParamsAddInt(NULL, &n, &max, "x", 1) == -1);
        EXPECT_ERROR(ESX_ERR_INVALID_ARG, ESX_FROM_NONE, "params must not be NULL");
    }
    /* The same name again is appended (libvirt's code), and found first. */
    CHECK(esxTypedParamsAddInt(&params, &n, &max, "int", 1) == 0);
    CHECK(esxTypedParamsGetInt(params, n, "int", &iv) == 1 && iv == -42);
    esxTypedParamsFree(params, n);

    /* Growth from nothing, a thousand entries, each read back. */
    params = NULL;
    n = max = 0;
    for (i = 0; i < 1000; i++) {
        snprintf(name, sizeof name, "p%d", i);
        CHECK(esxTypedParamsAddString(&params, &n, &max, name, name) == 0);
    }
    CHECK(n == 1000 && max >= 1000);
    for (i = 0; i < 1000; i += 97) {
        snprintf(name, sizeof name, "p%d", i);
        CHECK(esxTypedParamsGetString(params, n, name, &sv) == 1 && strcmp(sv, name) == 0);
    }
    /* Clear frees the strings; the array stays the caller's. */
    esxTypedParamsClear(params, n);
    free(params);
    esxTypedParamsFree(NULL, 0);
    printf("ok typed-params\n");
}

/* ------------------------------------------------------------ errors */

static int global_calls, conn_calls;
static int last_code;
static char last_message[512];

static void
on_global(void *userData, esxErrorPtr err)
{
    CHECK(userData == &global_calls);
    CHECK(err == esxGetLastError());
    global_calls++;
    last_code = err->code;
    snprintf(last_message, sizeof last_message, "%s", err->message);
    /* A handler may call into the library. */
    CHECK(strcmp(esxGetLastErrorMessage(), last_message) == 0);
}

static void
on_conn(void *userData, esxErrorPtr err)
{
    CHECK(userData == &conn_calls);
    conn_calls++;
    last_code = err->code;
}

static void
scenario_errors(const char *uri)
{
    esxConnectPtr conn, ro;
    esxDomainPtr dom;
    esxErrorPtr saved;
    esxError copy;
    int types[] = { ESX_CRED_AUTHNAME, ESX_CRED_PASSPHRASE };
    esxConnectAuth auth = { types, 2, auth_cb, NULL };

    CHECK(esxInitialize() == 0);
    CHECK(esxInitialize() == 0);

    /* No handler: each error on standard error, as libvirt's default (the
     * test reads it). */
    CHECK(esxDomainGetName(NULL) == NULL);
    EXPECT_ERROR(ESX_ERR_INVALID_DOMAIN, ESX_FROM_DOM, "invalid domain pointer in esxDomainGetName");
    fprintf(stderr, "-- mark 1\n");

    /* The default URI, from ESX_DEFAULT_URI before LIBVIRT_DEFAULT_URI. */
    unsetenv("ESX_DEFAULT_URI");
    unsetenv("LIBVIRT_DEFAULT_URI");
    CHECK(esxConnectOpenAuth(NULL, &auth, 0) == NULL);
    EXPECT_ERROR(ESX_ERR_NO_CONNECT, ESX_FROM_NONE, "no connection driver available for");
    setenv("LIBVIRT_DEFAULT_URI", uri, 1);
    conn = esxConnectOpenAuth(NULL, &auth, 0);
    CHECK(conn != NULL);
    esxConnectClose(conn);
    setenv("LIBVIRT_DEFAULT_URI", "qemu:///system", 1);
    setenv("ESX_DEFAULT_URI", uri, 1);
    conn = esxConnectOpenAuth("", &auth, 0);
    CHECK(conn != NULL);
    ro = esxConnectOpenAuth(NULL, &auth, ESX_CONNECT_RO);
    CHECK(ro != NULL);
    if (!conn || !ro)
        return;

    /* The global handler gets every error, none is printed. */
    esxSetErrorFunc(&global_calls, on_global);
    CHECK(esxDomainLookupByName(conn, "no-such-vm") == NULL);
    CHECK(global_calls == 1 && last_code == ESX_ERR_NO_DOMAIN);
    CHECK(strstr(last_message, "Domain not found") != NULL);
    /* Domains as libvirt assigns them: the driver's, the function's file,
     * the handle's kind. */
    EXPECT_ERROR(ESX_ERR_NO_DOMAIN, ESX_FROM_ESX, "no-such-vm");
    CHECK(esxConnectGetType(NULL) == NULL);
    EXPECT_ERROR(ESX_ERR_INVALID_CONN, ESX_FROM_DOMAIN, "invalid connection pointer in esxConnectGetType");
    CHECK(esxStorageVolGetName(NULL) == NULL);
    EXPECT_ERROR(ESX_ERR_INVALID_STORAGE_VOL, ESX_FROM_STORAGE, NULL);
    CHECK(esxStreamFinish(NULL) == -1);
    EXPECT_ERROR(ESX_ERR_INVALID_STREAM, ESX_FROM_STREAMS, NULL);
    CHECK(esxDomainSnapshotGetName(NULL) == NULL);
    EXPECT_ERROR(ESX_ERR_INVALID_DOMAIN_SNAPSHOT, ESX_FROM_DOMAIN_SNAPSHOT, NULL);
    CHECK(esxConnectListAllStoragePools(conn, NULL, 0xffff0000U) == -1);
    EXPECT_ERROR(ESX_ERR_INVALID_ARG, ESX_FROM_ESX, "unsupported flags");
    CHECK(esxStoragePoolLookupByName(conn, NULL) == NULL);
    EXPECT_ERROR(ESX_ERR_INVALID_ARG, ESX_FROM_STORAGE, "must not be NULL");
    CHECK(esxDomainAttachDevice(NULL, "<disk/>") == -1);
    EXPECT_ERROR(ESX_ERR_INVALID_DOMAIN, ESX_FROM_DOM, NULL);
    dom = esxDomainLookupByName(ro, "debian-02");
    CHECK(dom != NULL);
    CHECK(esxDomainAttachDevice(dom, "<disk/>") == -1);
    EXPECT_ERROR(ESX_ERR_OPERATION_DENIED, ESX_FROM_DOMAIN, "read only access prevents");
    CHECK(esxDomainSetMetadata(dom, 0, "t", NULL, NULL, 0) == -1);
    CHECK(esxDomainCreate(dom) == -1);
    EXPECT_ERROR(ESX_ERR_OPERATION_DENIED, ESX_FROM_DOMAIN, "read-only");
    esxDomainFree(dom);
    dom = esxDomainLookupByName(conn, "debian-02");
    CHECK(dom != NULL);
    CHECK(esxDomainGetMetadata(dom, ESX_DOMAIN_METADATA_TITLE, NULL, 0) == NULL);
    EXPECT_ERROR(ESX_ERR_NO_SUPPORT, ESX_FROM_DOMAIN,
                 "this function is not supported by the connection driver: esxDomainGetMetadata");

    /* The connection's handler wins for calls on it and its objects; the
     * connection keeps a copy of its last error. */
    global_calls = 0;
    esxConnSetErrorFunc(conn, &conn_calls, on_conn);
    CHECK(esxDomainResume(dom) == -1);
    CHECK(conn_calls == 1 && global_calls == 0 && last_code == ESX_ERR_OPERATION_INVALID);
    saved = esxConnGetLastError(conn);
    CHECK(saved && saved->code == ESX_ERR_OPERATION_INVALID && saved->domain == ESX_FROM_ESX &&
          strstr(saved->message, "debian-02") != NULL);
    CHECK(esxConnCopyLastError(conn, &copy) == ESX_ERR_OPERATION_INVALID);
    CHECK(copy.message && strcmp(copy.message, saved->message) == 0);
    esxResetError(&copy);
    CHECK(copy.message == NULL && copy.code == 0);
    /* An error of another connection, or without one, is not this one's. */
    CHECK(esxDomainLookupByName(ro, "nope") == NULL);
    CHECK(conn_calls == 1 && global_calls == 1);
    CHECK(esxConnGetLastError(conn)->code == ESX_ERR_OPERATION_INVALID);
    CHECK(esxConnGetLastError(ro)->code == ESX_ERR_NO_DOMAIN);
    esxConnResetLastError(conn);
    CHECK(esxConnGetLastError(conn)->code == ESX_ERR_OK);
    CHECK(esxConnCopyLastError(conn, &copy) == 0);
    CHECK(esxConnCopyLastError(NULL, &copy) == -1);
    CHECK(esxConnGetLastError(NULL) == NULL);
    /* The last error survives these calls. */
    CHECK(esxGetLastErrorCode() == ESX_ERR_NO_DOMAIN);
    /* NULL hands the connection back to the global handler. */
    esxConnSetErrorFunc(conn, NULL, NULL);
    CHECK(esxDomainResume(dom) == -1);
    CHECK(conn_calls == 1 && global_calls == 2);

    /* A saved error copies the last one; with none its code is 0. */
    saved = esxSaveLastError();
    CHECK(saved && saved->code == ESX_ERR_OPERATION_INVALID);
    esxFreeError(saved);
    esxResetLastError();
    CHECK(esxGetLastError() == NULL);
    CHECK(strcmp(esxGetLastErrorMessage(), "no error") == 0);
    saved = esxSaveLastError();
    CHECK(saved && saved->code == 0 && saved->message == NULL);
    esxFreeError(saved);

    /* Back to the default: printed again (mark 2 precedes it). */
    esxSetErrorFunc(NULL, NULL);
    fprintf(stderr, "-- mark 2\n");
    CHECK(esxDomainResume(dom) == -1);
    fprintf(stderr, "-- mark 3\n");
    /* esxDefaultErrorFunc prints the error it is given. */
    esxDefaultErrorFunc(esxGetLastError());
    esxDefaultErrorFunc(NULL);
    esxDomainFree(dom);
    esxConnectClose(ro);
    esxConnectClose(conn);
    printf("ok errors\n");
}

/* ------------------------------------------------------------ event loop */

static int pipefd[2];
static int handle_calls, timer_calls, zero_calls, events_seen, frees;
static int watch = -1, timer = -1, zero_timer = -1, once_timer = -1, zero_seen = -2;
static esxDomainPtr loop_dom;

/* Counts the free functions the loop ran (the opaque is the callback's). */
static void
count_free(void *opaque)
{
    (void)opaque;
    frees++;
}

static void
on_readable(int w, int fd, int events, void *opaque)
{
    char b;
    CHECK(w == watch && fd == pipefd[0] && opaque == &handle_calls);
    CHECK(events & ESX_EVENT_HANDLE_READABLE);
    CHECK(read(fd, &b, 1) == 1);
    handle_calls++;
    /* A callback may call anything: a change on the host, whose event the
     * same loop delivers. */
    if (handle_calls == 1)
        CHECK(esxDomainSuspend(loop_dom) == 0);
    /* ... and remove itself. */
    if (handle_calls == 2)
        CHECK(esxEventRemoveHandle(w) == 0);
}

static void
on_timer(int t, void *opaque)
{
    char b = 'x';
    CHECK(t == timer && opaque == &timer_calls);
    timer_calls++;
    /* The timer writes into the program's pipe, once at a time. */
    CHECK(write(pipefd[1], &b, 1) == 1);
    if (timer_calls == 2)
        esxEventUpdateTimeout(t, -1);
}

static void
on_zero(int t, void *opaque)
{
    (void)opaque;
    /* The adding thread may not have stored its id yet: checked after. */
    zero_seen = t;
    zero_calls++;
    if (zero_calls == 3)
        CHECK(esxEventRemoveTimeout(t) == 0);
}

static void
on_once(int t, void *opaque)
{
    (void)opaque;
    CHECK(t == once_timer);
    fprintf(stderr, "FAIL: a disabled timer fired\n");
    failures++;
}

static int
on_loop_event(esxConnectPtr conn, esxDomainPtr dom, int event, int detail, void *opaque)
{
    (void)conn;
    (void)opaque;
    if (strcmp(esxDomainGetName(dom), "alpine-01") != 0)
        return 0;
    printf("event %d detail %d\n", event, detail);
    fflush(stdout);
    events_seen++;
    if (event == ESX_DOMAIN_EVENT_SUSPENDED)
        CHECK(esxDomainResume(loop_dom) == 0);
    return 0;
}

/* Adds a timer from another thread while the loop waits in poll. */
static void *
add_from_thread(void *arg)
{
    (void)arg;
    once_timer = esxEventAddTimeout(-1, on_once, NULL, count_free);
    CHECK(once_timer > 0);
    zero_timer = esxEventAddTimeout(0, on_zero, NULL, count_free);
    CHECK(zero_timer > 0);
    return NULL;
}

static void
scenario_loop(const char *uri)
{
    esxConnectPtr conn;
    int cb, iterations = 0;
    pthread_t t;

    /* Nothing registered: libvirt's -1 without an error. */
    CHECK(esxEventAddHandle(0, ESX_EVENT_HANDLE_READABLE, on_readable, NULL, NULL) == -1);
    CHECK(esxEventAddTimeout(10, on_timer, NULL, NULL) == -1);
    CHECK(esxEventRemoveTimeout(1) == -1);
    CHECK(esxEventRunDefaultImpl() == -1);
    CHECK(esxEventRegisterDefaultImpl() == 0);
    CHECK(esxEventRegisterDefaultImpl() == 0);
    conn = connect_to(uri, 0);
    CHECK(conn != NULL);
    if (!conn)
        return;
    loop_dom = esxDomainLookupByName(conn, "alpine-01");
    CHECK(loop_dom != NULL);
    CHECK(pipe(pipefd) == 0);
    cb = esxConnectDomainEventRegisterAny(conn, NULL, ESX_DOMAIN_EVENT_ID_LIFECYCLE,
                                          ESX_DOMAIN_EVENT_CALLBACK(on_loop_event), NULL, NULL);
    CHECK(cb > 0);
    watch = esxEventAddHandle(pipefd[0], ESX_EVENT_HANDLE_READABLE, on_readable, &handle_calls,
                              count_free);
    CHECK(watch > 0);
    timer = esxEventAddTimeout(1, on_timer, &timer_calls, count_free);
    CHECK(timer > 0);
    /* The program's pipe, its timer and the host's events in one loop:
     * timer -> pipe -> suspend -> SUSPENDED -> resume -> RESUMED. */
    while ((events_seen < 2 || handle_calls < 2) && iterations++ < 100000)
        CHECK(esxEventRunDefaultImpl() == 0);
    CHECK(events_seen == 2 && handle_calls == 2 && timer_calls == 2);
    /* The handle removed itself: its free function ran in the loop. */
    CHECK(frees == 0 || frees == 1);
    CHECK(esxEventRemoveHandle(watch) == -1);
    CHECK(esxEventRemoveTimeout(timer) == 0);
    CHECK(esxEventRemoveTimeout(timer) == -1);
    /* A timer of 0 fires every iteration; a disabled one never; both
     * added by another thread while the loop waits. */
    CHECK(pthread_create(&t, NULL, add_from_thread, NULL) == 0);
    while (zero_calls < 3)
        CHECK(esxEventRunDefaultImpl() == 0);
    CHECK(pthread_join(t, NULL) == 0);
    CHECK(zero_seen == zero_timer);
    CHECK(esxEventRemoveTimeout(once_timer) == 0);
    /* The free functions run by the loop, after the removals. */
    CHECK(esxEventRunDefaultImplTimeout(0) == 0);
    CHECK(frees == 4);
    CHECK(esxConnectDomainEventDeregisterAny(conn, cb) == 0);
    close(pipefd[0]);
    close(pipefd[1]);
    esxDomainFree(loop_dom);
    esxConnectClose(conn);
    printf("ok loop\n");
}

/* ------------------------------------------------------- the program's loop */

/* A minimal loop of the program's own: one descriptor, timers in an array. */
#define MAX_TIMERS 8
static struct {
    int used, freq;
    esxEventTimeoutCallback cb;
    void *opaque;
    esxFreeCallback ff;
} timers[MAX_TIMERS];
static pthread_mutex_t own_lock = PTHREAD_MUTEX_INITIALIZER;
static int own_adds, own_updates, own_removes, own_handles;

static int
own_add_handle(int fd, int event, esxEventHandleCallback cb, void *opaque, esxFreeCallback ff)
{
    (void)fd; (void)event; (void)cb; (void)opaque; (void)ff;
    own_handles++;
    return 77;
}

static void own_update_handle(int w, int e) { (void)w; (void)e; }
static int own_remove_handle(int w) { return w == 77 ? 0 : -1; }

static int
own_add_timeout(int freq, esxEventTimeoutCallback cb, void *opaque, esxFreeCallback ff)
{
    int i;
    pthread_mutex_lock(&own_lock);
    for (i = 0; i < MAX_TIMERS && timers[i].used; i++)
        ;
    if (i < MAX_TIMERS) {
        timers[i].used = 1;
        timers[i].freq = freq;
        timers[i].cb = cb;
        timers[i].opaque = opaque;
        timers[i].ff = ff;
        own_adds++;
    }
    pthread_mutex_unlock(&own_lock);
    return i < MAX_TIMERS ? i + 1 : -1;
}

static void
own_update_timeout(int t, int freq)
{
    pthread_mutex_lock(&own_lock);
    if (t >= 1 && t <= MAX_TIMERS)
        timers[t - 1].freq = freq;
    own_updates++;
    pthread_mutex_unlock(&own_lock);
}

static int
own_remove_timeout(int t)
{
    esxFreeCallback ff = NULL;
    void *opaque = NULL;
    pthread_mutex_lock(&own_lock);
    if (t >= 1 && t <= MAX_TIMERS && timers[t - 1].used) {
        timers[t - 1].used = 0;
        ff = timers[t - 1].ff;
        opaque = timers[t - 1].opaque;
    }
    own_removes++;
    pthread_mutex_unlock(&own_lock);
    if (ff)
        ff(opaque);
    return 0;
}

/* One iteration: every timer of frequency 0 fires (the library arms its
 * delivery timer so); otherwise a short nap. */
static void
own_iterate(void)
{
    int i, fired = 0;
    for (i = 0; i < MAX_TIMERS; i++) {
        esxEventTimeoutCallback cb = NULL;
        void *opaque = NULL;
        pthread_mutex_lock(&own_lock);
        if (timers[i].used && timers[i].freq == 0) {
            cb = timers[i].cb;
            opaque = timers[i].opaque;
        }
        pthread_mutex_unlock(&own_lock);
        if (cb) {
            cb(i + 1, opaque);
            fired++;
        }
    }
    if (!fired)
        poll(NULL, 0, 5);
}

static int own_events;

static int
on_own_event(esxConnectPtr conn, esxDomainPtr dom, int event, int detail, void *opaque)
{
    (void)conn; (void)detail; (void)opaque;
    if (strcmp(esxDomainGetName(dom), "alpine-01") == 0) {
        printf("own loop event %d\n", event);
        own_events++;
    }
    return 0;
}

static void
scenario_own_loop(const char *uri)
{
    esxConnectPtr conn;
    esxDomainPtr dom;
    int cb, n = 0;

    esxEventRegisterImpl(own_add_handle, own_update_handle, own_remove_handle, own_add_timeout,
                         own_update_timeout, own_remove_timeout);
    /* The first registration stays. */
    CHECK(esxEventRegisterDefaultImpl() == 0);
    esxEventRegisterImpl(NULL, NULL, NULL, NULL, NULL, NULL);
    /* The program's loop serves esxEventAdd*; the default one refuses to run. */
    CHECK(esxEventAddHandle(0, ESX_EVENT_HANDLE_READABLE, NULL, NULL, NULL) == 77);
    CHECK(own_handles == 1);
    CHECK(esxEventRemoveHandle(77) == 0);
    CHECK(esxEventRunDefaultImpl() == -1);
    EXPECT_ERROR(ESX_ERR_OPERATION_INVALID, ESX_FROM_EVENT, "its own event loop");
    conn = connect_to(uri, 0);
    CHECK(conn != NULL);
    if (!conn)
        return;
    dom = esxDomainLookupByName(conn, "alpine-01");
    cb = esxConnectDomainEventRegisterAny(conn, dom, ESX_DOMAIN_EVENT_ID_LIFECYCLE,
                                          ESX_DOMAIN_EVENT_CALLBACK(on_own_event), NULL, NULL);
    CHECK(cb > 0);
    /* The library's delivery timer is the program's. */
    CHECK(own_adds == 1);
    CHECK(esxDomainSuspend(dom) == 0);
    while (own_events < 1 && n++ < 20000)
        own_iterate();
    CHECK(esxDomainResume(dom) == 0);
    while (own_events < 2 && n++ < 20000)
        own_iterate();
    CHECK(own_events == 2 && own_updates >= 2);
    CHECK(esxConnectDomainEventDeregisterAny(conn, cb) == 0);
    esxDomainFree(dom);
    esxConnectClose(conn);
    printf("ok own-loop\n");
}

/* ------------------------------------------------------------ streams */

#define THIN_SIZE (8 << 20)
#define DATA2_AT (3 << 20)

static unsigned char
pattern(size_t i)
{
    return (unsigned char)(i * 7 % 251 + 1);
}

static int
sink_fd(esxStreamPtr st, const char *data, size_t n, void *opaque)
{
    (void)st;
    return (int)write(*(int *)opaque, data, n);
}

/* virsh's hole handler: seek, and extend the file to there. */
static int
hole_fd(esxStreamPtr st, long long len, void *opaque)
{
    int fd = *(int *)opaque;
    off_t at;
    (void)st;
    if ((at = lseek(fd, len, SEEK_CUR)) == (off_t)-1)
        return -1;
    return ftruncate(fd, at);
}

static int
source_fd(esxStreamPtr st, char *data, size_t n, void *opaque)
{
    (void)st;
    return (int)read(*(int *)opaque, data, n);
}

/* virsh's: where the source is (data or hole) and for how long. */
static int
in_data_fd(esxStreamPtr st, int *in_data, long long *len, void *opaque)
{
    int fd = *(int *)opaque;
    off_t cur = lseek(fd, 0, SEEK_CUR), end = lseek(fd, 0, SEEK_END), data, hole;
    (void)st;
    lseek(fd, cur, SEEK_SET);
    if (cur >= end) {
        *in_data = 0;
        *len = 0;
        return 0;
    }
    data = lseek(fd, cur, SEEK_DATA);
    if (data == (off_t)-1 && errno == ENXIO)
        data = end;
    if (data > cur) {
        *in_data = 0;
        *len = data - cur;
    } else {
        hole = lseek(fd, cur, SEEK_HOLE);
        *in_data = 1;
        *len = hole - cur;
    }
    lseek(fd, cur, SEEK_SET);
    return 0;
}

static int
skip_fd(esxStreamPtr st, long long len, void *opaque)
{
    (void)st;
    return lseek(*(int *)opaque, len, SEEK_CUR) == (off_t)-1 ? -1 : 0;
}

static size_t source_at, source_total;
static int source_fail_after = -1;

static int
source_pattern(esxStreamPtr st, char *data, size_t n, void *opaque)
{
    size_t i;
    (void)st; (void)opaque;
    if (source_fail_after >= 0 && source_at >= (size_t)source_fail_after) {
        errno = EPIPE;
        return -1;
    }
    for (i = 0; i < n && source_at < source_total; i++)
        data[i] = (char)pattern(source_at++);
    return (int)i;
}

static int sink_calls;

static int
sink_full(esxStreamPtr st, const char *data, size_t n, void *opaque)
{
    (void)st; (void)data; (void)opaque;
    if (sink_calls++ > 0) {
        errno = ENOSPC;
        return -1;
    }
    return (int)n;
}

static void
scenario_streams(const char *uri, const char *dir)
{
    esxConnectPtr conn = connect_to(uri, 0);
    esxStoragePoolPtr pool;
    esxStorageVolPtr thin, iso, up;
    esxStreamPtr st;
    char path[4096], buf[65536];
    int fd, out, got;
    long long hole, total = 0, holes = 0;
    struct stat sb;
    size_t i;

    CHECK(conn != NULL);
    if (!conn)
        return;
    pool = esxStoragePoolLookupByName(conn, "datastore1");
    thin = esxStorageVolCreateXML(pool,
        "<volume><name>generic/thin.vmdk</name><capacity unit='M'>8</capacity>"
        "<allocation>0</allocation></volume>", 0);
    CHECK(thin != NULL);

    /* A sparse local file: two runs of data, holes around them. */
    snprintf(path, sizeof path, "%s/src.raw", dir);
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0 && ftruncate(fd, THIN_SIZE) == 0);
    for (i = 0; i < 4096; i++)
        buf[i] = (char)pattern(i);
    CHECK(pwrite(fd, buf, 4096, 0) == 4096);
    CHECK(pwrite(fd, buf, 4096, DATA2_AT) == 4096 && pwrite(fd, buf, 4096, DATA2_AT + 4096) == 4096);
    CHECK(pwrite(fd, buf, 1808, DATA2_AT + 8192) == 1808);
    lseek(fd, 0, SEEK_SET);

    /* Sparse upload: holes reach the host as zeros (it takes whole files). */
    st = esxStreamNew(conn, 0);
    CHECK(esxStorageVolUpload(thin, st, 0, 0, ESX_STORAGE_VOL_UPLOAD_SPARSE_STREAM) == 0);
    CHECK(esxStreamSparseSendAll(st, source_fd, in_data_fd, skip_fd, &fd) == 0);
    CHECK(esxStreamFinish(st) == 0);
    esxStreamFree(st);
    close(fd);

    /* Sparse download with esxStreamSparseRecvAll: the zeros become holes. */
    snprintf(path, sizeof path, "%s/out.raw", dir);
    out = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    st = esxStreamNew(conn, 0);
    CHECK(esxStorageVolDownload(thin, st, 0, 0, ESX_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM) == 0);
    CHECK(esxStreamSparseRecvAll(st, sink_fd, hole_fd, &out) == 0);
    CHECK(esxStreamFinish(st) == 0);
    esxStreamFree(st);
    CHECK(fstat(out, &sb) == 0);
    printf("sparse download: %lld bytes, %lld allocated\n", (long long)sb.st_size,
           (long long)sb.st_blocks * 512);
    close(out);

    /* By hand: data, -3 at a hole, its length, data again. */
    st = esxStreamNew(conn, 0);
    CHECK(esxStorageVolDownload(thin, st, 0, 0, ESX_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM) == 0);
    for (;;) {
        got = esxStreamRecvFlags(st, buf, sizeof buf, ESX_STREAM_RECV_STOP_AT_HOLE);
        if (got == -3) {
            CHECK(esxStreamRecvHole(st, &hole, 0) == 0 && hole > 0);
            total += hole;
            holes++;
            continue;
        }
        CHECK(got >= 0);
        if (got <= 0)
            break;
        total += got;
    }
    CHECK(total == THIN_SIZE);
    printf("holes %lld\n", holes);
    CHECK(esxStreamRecvHole(st, &hole, 0) == 0 && hole == 0);
    CHECK(esxStreamFinish(st) == 0);
    esxStreamFree(st);

    /* A plain download of the same disk: the holes as zeros. */
    st = esxStreamNew(conn, 0);
    CHECK(esxStorageVolDownload(thin, st, 0, 0, 0) == 0);
    CHECK(esxStreamRecvFlags(st, buf, sizeof buf, ESX_STREAM_RECV_STOP_AT_HOLE) > 0);
    CHECK(esxStreamRecvHole(st, &hole, 0) == -1);
    EXPECT_ERROR(ESX_ERR_OPERATION_INVALID, ESX_FROM_ESX, "not sparse");
    esxStreamAbort(st);
    esxStreamFree(st);

    /* RecvAll of an image into a file. */
    iso = esxStorageVolLookupByPath(conn, "[datastore1] generic/notes.iso");
    CHECK(iso != NULL);
    snprintf(path, sizeof path, "%s/notes.iso", dir);
    out = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    st = esxStreamNew(conn, 0);
    CHECK(esxStorageVolDownload(iso, st, 0, 0, 0) == 0);
    CHECK(esxStreamRecvAll(st, sink_fd, &out) == 0);
    CHECK(esxStreamFinish(st) == 0);
    esxStreamFree(st);
    close(out);

    /* A sink that fails: -1, libvirt's error, the stream aborted. */
    sink_calls = 0;
    st = esxStreamNew(conn, 0);
    CHECK(esxStorageVolDownload(thin, st, 0, 0, 0) == 0);
    CHECK(esxStreamRecvAll(st, sink_full, NULL) == -1);
    EXPECT_ERROR(ESX_ERR_SYSTEM_ERROR, ESX_FROM_STREAMS, "recv handler failed: No space left on device");
    CHECK(esxStreamFinish(st) == -1);
    EXPECT_ERROR(ESX_ERR_OPERATION_ABORTED, ESX_FROM_ESX, NULL);
    esxStreamFree(st);
    CHECK(esxStreamRecvAll(NULL, sink_fd, NULL) == -1);
    EXPECT_ERROR(ESX_ERR_INVALID_STREAM, ESX_FROM_STREAMS, NULL);

    /* SendAll replaces an image whole. */
    up = esxStorageVolLookupByPath(conn, "[datastore1] generic/up.iso");
    CHECK(up != NULL);
    source_at = 0;
    source_total = 300000;
    st = esxStreamNew(conn, 0);
    CHECK(esxStorageVolUpload(up, st, 0, 0, 0) == 0);
    CHECK(esxStreamSendHole(st, 10, 0) == -1);
    EXPECT_ERROR(ESX_ERR_OPERATION_INVALID, ESX_FROM_ESX, "not sparse");
    esxStreamFree(st);
    st = esxStreamNew(conn, 0);
    CHECK(esxStorageVolUpload(up, st, 0, 0, 0) == 0);
    CHECK(esxStreamSendAll(st, source_pattern, NULL) == 0);
    CHECK(esxStreamFinish(st) == 0);
    esxStreamFree(st);
    /* A source that fails part way: nothing changes on the host. */
    source_at = 0;
    source_total = 900000;
    source_fail_after = 262120;
    st = esxStreamNew(conn, 0);
    CHECK(esxStorageVolUpload(up, st, 0, 0, 0) == 0);
    CHECK(esxStreamSendAll(st, source_pattern, NULL) == -1);
    EXPECT_ERROR(ESX_ERR_SYSTEM_ERROR, ESX_FROM_STREAMS, "send handler failed: Broken pipe");
    esxStreamFree(st);
    /* An unused stream has nothing to abort. */
    st = esxStreamNew(conn, 0);
    CHECK(esxStreamAbort(st) == 0);
    esxStreamFree(st);

    esxStorageVolFree(up);
    esxStorageVolFree(iso);
    esxStorageVolFree(thin);
    esxStoragePoolFree(pool);
    esxConnectClose(conn);
    printf("ok streams\n");
}

/* ------------------------------------------------------------ close callback */

static int close_calls, close_frees;

static void
on_close(esxConnectPtr c, int reason, void *opaque)
{
    (void)c; (void)reason; (void)opaque;
    close_calls++;
}

static void
on_close_other(esxConnectPtr c, int reason, void *opaque)
{
    (void)c; (void)reason; (void)opaque;
    close_calls++;
}

static void
close_free(void *opaque)
{
    CHECK(opaque == &close_calls);
    close_frees++;
}

static void
scenario_close(const char *uri)
{
    esxConnectPtr conn = connect_to(uri, 0);
    esxDomainPtr dom;

    CHECK(conn != NULL);
    if (!conn)
        return;
    CHECK(esxConnectRegisterCloseCallback(NULL, on_close, NULL, NULL) == -1);
    EXPECT_ERROR(ESX_ERR_INVALID_CONN, ESX_FROM_DOMAIN, "esxConnectRegisterCloseCallback");
    CHECK(esxConnectRegisterCloseCallback(conn, NULL, NULL, NULL) == -1);
    EXPECT_ERROR(ESX_ERR_INVALID_ARG, ESX_FROM_DOMAIN,
                 "cb in esxConnectRegisterCloseCallback must not be NULL");
    CHECK(esxConnectRegisterCloseCallback(conn, on_close, &close_calls, close_free) == 0);
    /* One per connection; the refused one's data stays the caller's. */
    CHECK(esxConnectRegisterCloseCallback(conn, on_close_other, &close_calls, close_free) == -1);
    EXPECT_ERROR(ESX_ERR_OPERATION_INVALID, ESX_FROM_ESX, "already registered");
    CHECK(esxConnectUnregisterCloseCallback(conn, on_close_other) == -1);
    EXPECT_ERROR(ESX_ERR_OPERATION_INVALID, ESX_FROM_ESX, "A different callback was requested");
    CHECK(close_frees == 0);
    CHECK(esxConnectUnregisterCloseCallback(conn, on_close) == 0);
    CHECK(close_frees == 1);
    CHECK(esxConnectUnregisterCloseCallback(conn, on_close) == -1);
    EXPECT_ERROR(ESX_ERR_OPERATION_INVALID, ESX_FROM_ESX, NULL);
    /* Registered again: freed with the connection, after its last handle;
     * a normal close is not reported to it. */
    CHECK(esxConnectRegisterCloseCallback(conn, on_close, &close_calls, close_free) == 0);
    dom = esxDomainLookupByName(conn, "alpine-01");
    CHECK(dom != NULL);
    CHECK(esxConnectClose(conn) == 1);
    CHECK(close_frees == 1);
    esxDomainFree(dom);
    CHECK(close_frees == 2 && close_calls == 0);
    /* Keepalive: refused as libvirt's ESX driver refuses it. */
    conn = connect_to(uri, 0);
    CHECK(esxConnectSetKeepAlive(conn, 5, 3) == -1);
    EXPECT_ERROR(ESX_ERR_NO_SUPPORT, ESX_FROM_DOMAIN,
                 "this function is not supported by the connection driver: esxConnectSetKeepAlive");
    esxConnectClose(conn);
    printf("ok close\n");
}

int
main(int argc, char **argv)
{
    const char *scenario = argc > 1 ? argv[1] : "";

    if (strcmp(scenario, "typed-params") == 0) {
        scenario_typed_params();
        return failures != 0;
    }
    if (argc < 4) {
        fprintf(stderr, "usage: generic SCENARIO URI PASSWORD-FILE [ARGS...]\n");
        return 2;
    }
    load_password(argv[3]);
    if (strcmp(scenario, "errors") == 0)
        scenario_errors(argv[2]);
    else if (strcmp(scenario, "loop") == 0)
        scenario_loop(argv[2]);
    else if (strcmp(scenario, "close") == 0)
        scenario_close(argv[2]);
    else if (strcmp(scenario, "own-loop") == 0)
        scenario_own_loop(argv[2]);
    else if (strcmp(scenario, "streams") == 0 && argc == 5)
        scenario_streams(argv[2], argv[4]);
    else {
        fprintf(stderr, "unknown scenario %s\n", scenario);
        return 2;
    }
    (void)step;
    (void)check_error;
    return failures != 0;
}
