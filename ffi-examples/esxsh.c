/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * esxsh: a small virsh for esx-driver, written against the installed header
 * and library only (esx_driver.h, -lesx_driver).
 *
 *   esxsh -c URI [--password-file F] [--readonly] [--answer=ask] CMD [ARGS]
 *
 * Without --password-file the password is asked on the terminal
 * (esxConnectAuthPtrDefault), unless an auth.conf has it. Errors are printed
 * from esxGetLastError() and the exit status is 1.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <errno.h>
#include <time.h>

#include <esx_driver.h>

#include "esxsh.h"

static char *password_from_file;

int
fail(void)
{
    esxErrorPtr err = esxGetLastError();
    fprintf(stderr, "error: %s\n", err && err->message ? err->message : "unknown error");
    return 1;
}

int
usage_error(const char *usage)
{
    fprintf(stderr, "error: usage: esxsh -c URI %s\n", usage);
    return 2;
}

int
has_flag(int argc, char **argv, const char *flag)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], flag) == 0)
            return 1;
    return 0;
}

/* The first argument that is not an option. */
static const char *
positional(int argc, char **argv, int index)
{
    int seen = 0;
    for (int i = 0; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1] == '-')
            continue;
        if (seen++ == index)
            return argv[i];
    }
    return NULL;
}

static int
looks_like_uuid(const char *s)
{
    int hex = 0;
    for (; *s; s++) {
        if (isxdigit((unsigned char)*s))
            hex++;
        else if (*s != '-')
            return 0;
    }
    return hex == 32;
}

/* Like virsh: by ID, then UUID, then name. */
esxDomainPtr
lookup(esxConnectPtr conn, const char *what)
{
    char *end;
    long id = strtol(what, &end, 10);
    esxDomainPtr dom = NULL;

    if (*what && *end == '\0' && id >= 0) {
        dom = esxDomainLookupByID(conn, (int)id);
        if (dom)
            return dom;
    }
    if (looks_like_uuid(what)) {
        dom = esxDomainLookupByUUIDString(conn, what);
        if (dom)
            return dom;
    }
    return esxDomainLookupByName(conn, what);
}

static const char *
state_name(int state)
{
    switch (state) {
    case ESX_DOMAIN_RUNNING: return "running";
    case ESX_DOMAIN_BLOCKED: return "idle";
    case ESX_DOMAIN_PAUSED: return "paused";
    case ESX_DOMAIN_SHUTDOWN: return "in shutdown";
    case ESX_DOMAIN_SHUTOFF: return "shut off";
    case ESX_DOMAIN_CRASHED: return "crashed";
    case ESX_DOMAIN_PMSUSPENDED: return "pmsuspended";
    default: return "no state";
    }
}

typedef struct {
    esxDomainPtr dom;
    unsigned int id;
    int state;
} listed;

static int
listed_cmp(const void *a, const void *b)
{
    const listed *x = a, *y = b;
    int xa = x->id != (unsigned int)-1, ya = y->id != (unsigned int)-1;
    if (xa != ya)
        return ya - xa;
    if (xa)
        return x->id < y->id ? -1 : x->id > y->id;
    return strcmp(esxDomainGetName(x->dom), esxDomainGetName(y->dom));
}

/* virsh list's selection options and the listing flags they set. */
static const struct {
    const char *option;
    unsigned int flag;
    int stats; /* a selection esxConnectGetAllDomainStats also takes */
} list_options[] = {
    { "--inactive", ESX_CONNECT_LIST_DOMAINS_INACTIVE, 1 },
    { "--persistent", ESX_CONNECT_LIST_DOMAINS_PERSISTENT, 1 },
    { "--transient", ESX_CONNECT_LIST_DOMAINS_TRANSIENT, 1 },
    { "--state-running", ESX_CONNECT_LIST_DOMAINS_RUNNING, 1 },
    { "--state-paused", ESX_CONNECT_LIST_DOMAINS_PAUSED, 1 },
    { "--state-shutoff", ESX_CONNECT_LIST_DOMAINS_SHUTOFF, 1 },
    { "--state-other", ESX_CONNECT_LIST_DOMAINS_OTHER, 1 },
    { "--autostart", ESX_CONNECT_LIST_DOMAINS_AUTOSTART, 0 },
    { "--no-autostart", ESX_CONNECT_LIST_DOMAINS_NO_AUTOSTART, 0 },
    { "--with-snapshot", ESX_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT, 0 },
    { "--without-snapshot", ESX_CONNECT_LIST_DOMAINS_NO_SNAPSHOT, 0 },
    { "--managed-save", ESX_CONNECT_LIST_DOMAINS_MANAGEDSAVE, 0 },
    { "--with-managed-save", ESX_CONNECT_LIST_DOMAINS_MANAGEDSAVE, 0 },
    { "--without-managed-save", ESX_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE, 0 },
};

/* The value of the state.state parameter of a record. */
static int
record_state(const esxDomainStatsRecord *r)
{
    for (int i = 0; i < r->nparams; i++)
        if (strcmp(r->params[i].field, "state.state") == 0)
            return r->params[i].value.i;
    return ESX_DOMAIN_NOSTATE;
}

/* virsh list: the domains and their states from one listing with the
 * state statistics (one request per 1,000 VMs), sorted in n log n. With a
 * filter the statistics call does not take (autostart, snapshots), one
 * filtered listing and one statistics call for its domains. */
static int
cmd_list(esxConnectPtr conn, int argc, char **argv)
{
    unsigned int flags = ESX_CONNECT_LIST_DOMAINS_ACTIVE;
    int stats_only = 1, explicit = 0;
    esxDomainStatsRecordPtr *recs = NULL;
    listed *all;
    int n, rc = 0;

    if (has_flag(argc, argv, "--all"))
        flags = 0;
    for (size_t i = 0; i < sizeof(list_options) / sizeof(list_options[0]); i++)
        if (has_flag(argc, argv, list_options[i].option)) {
            if (!explicit && !has_flag(argc, argv, "--all"))
                flags = 0;
            explicit = 1;
            flags |= list_options[i].flag;
            stats_only &= list_options[i].stats;
        }
    if (stats_only) {
        n = esxConnectGetAllDomainStats(conn, ESX_DOMAIN_STATS_STATE, &recs, flags);
    } else {
        esxDomainPtr *doms = NULL;
        int m = esxConnectListAllDomains(conn, &doms, flags);
        if (m < 0)
            return fail();
        n = m == 0 ? 0 : esxDomainListGetStats(doms, ESX_DOMAIN_STATS_STATE, &recs, 0);
        for (int i = 0; i < m; i++)
            esxDomainFree(doms[i]);
        free(doms);
    }
    if (n < 0)
        return fail();
    all = calloc(n ? n : 1, sizeof(*all));
    if (!all) {
        esxDomainStatsRecordListFree(recs);
        fprintf(stderr, "error: out of memory\n");
        return 1;
    }
    for (int i = 0; i < n; i++) {
        all[i].dom = recs[i]->dom;
        all[i].id = esxDomainGetID(recs[i]->dom);
        all[i].state = record_state(recs[i]);
    }
    qsort(all, n, sizeof(*all), listed_cmp);
    if (has_flag(argc, argv, "--name") || has_flag(argc, argv, "--uuid")) {
        for (int i = 0; i < n; i++) {
            char uuid[ESX_UUID_STRING_BUFLEN];
            if (has_flag(argc, argv, "--uuid") && esxDomainGetUUIDString(all[i].dom, uuid) == 0)
                printf("%s%s", uuid, has_flag(argc, argv, "--name") ? " " : "\n");
            if (has_flag(argc, argv, "--name"))
                printf("%s\n", esxDomainGetName(all[i].dom));
        }
    } else {
        /* virsh 9's table: columns as wide as their widest cell. */
        table t = { 3, 0, NULL };
        const char *head[] = { "Id", "Name", "State" };
        table_add(&t, head);
        for (int i = 0; i < n; i++) {
            char idbuf[16];
            if (all[i].id == (unsigned int)-1)
                snprintf(idbuf, sizeof(idbuf), "-");
            else
                snprintf(idbuf, sizeof(idbuf), "%u", all[i].id);
            {
                const char *row[] = { idbuf, esxDomainGetName(all[i].dom), state_name(all[i].state) };
                table_add(&t, row);
            }
        }
        table_print(&t);
    }
    free(all);
    esxDomainStatsRecordListFree(recs);
    return rc;
}

/* virsh domstats: the records as virsh prints them. */
static void
print_param(const esxTypedParameter *p)
{
    switch (p->type) {
    case ESX_TYPED_PARAM_INT: printf("  %s=%d\n", p->field, p->value.i); break;
    case ESX_TYPED_PARAM_UINT: printf("  %s=%u\n", p->field, p->value.ui); break;
    case ESX_TYPED_PARAM_LLONG: printf("  %s=%lld\n", p->field, p->value.l); break;
    case ESX_TYPED_PARAM_ULLONG: printf("  %s=%llu\n", p->field, p->value.ul); break;
    case ESX_TYPED_PARAM_DOUBLE: printf("  %s=%f\n", p->field, p->value.d); break;
    case ESX_TYPED_PARAM_BOOLEAN: printf("  %s=%s\n", p->field, p->value.b ? "yes" : "no"); break;
    case ESX_TYPED_PARAM_STRING: printf("  %s=%s\n", p->field, p->value.s); break;
    default: printf("  %s=?\n", p->field);
    }
}

static const struct {
    const char *option;
    unsigned int group;
} stats_options[] = {
    { "--state", ESX_DOMAIN_STATS_STATE },
    { "--cpu-total", ESX_DOMAIN_STATS_CPU_TOTAL },
    { "--balloon", ESX_DOMAIN_STATS_BALLOON },
    { "--vcpu", ESX_DOMAIN_STATS_VCPU },
    { "--interface", ESX_DOMAIN_STATS_INTERFACE },
    { "--block", ESX_DOMAIN_STATS_BLOCK },
};

static int
cmd_domstats(esxConnectPtr conn, int argc, char **argv)
{
    unsigned int groups = 0, flags = 0;
    esxDomainStatsRecordPtr *recs = NULL;
    esxDomainPtr *doms;
    int n, ndoms = 0;

    for (size_t i = 0; i < sizeof(stats_options) / sizeof(stats_options[0]); i++)
        if (has_flag(argc, argv, stats_options[i].option))
            groups |= stats_options[i].group;
    if (has_flag(argc, argv, "--enforce"))
        flags |= ESX_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS;
    if (has_flag(argc, argv, "--list-active"))
        flags |= ESX_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE;
    if (has_flag(argc, argv, "--list-inactive"))
        flags |= ESX_CONNECT_GET_ALL_DOMAINS_STATS_INACTIVE;
    if (has_flag(argc, argv, "--list-running"))
        flags |= ESX_CONNECT_GET_ALL_DOMAINS_STATS_RUNNING;
    if (has_flag(argc, argv, "--list-paused"))
        flags |= ESX_CONNECT_GET_ALL_DOMAINS_STATS_PAUSED;
    if (has_flag(argc, argv, "--list-shutoff"))
        flags |= ESX_CONNECT_GET_ALL_DOMAINS_STATS_SHUTOFF;
    doms = calloc((size_t)argc + 1, sizeof(*doms));
    if (!doms)
        return 1;
    for (int i = 0; i < argc; i++) {
        if (argv[i][0] == '-')
            continue;
        if (!(doms[ndoms] = lookup(conn, argv[i]))) {
            int rc = fail();
            for (int j = 0; j < ndoms; j++)
                esxDomainFree(doms[j]);
            free(doms);
            return rc;
        }
        ndoms++;
    }
    if (ndoms)
        n = esxDomainListGetStats(doms, groups, &recs, flags);
    else
        n = esxConnectGetAllDomainStats(conn, groups, &recs, flags);
    if (n < 0) {
        int rc = fail();
        for (int j = 0; j < ndoms; j++)
            esxDomainFree(doms[j]);
        free(doms);
        return rc;
    }
    for (int i = 0; i < n; i++) {
        printf("Domain: '%s'\n", esxDomainGetName(recs[i]->dom));
        for (int j = 0; j < recs[i]->nparams; j++)
            print_param(&recs[i]->params[j]);
        printf("\n");
    }
    esxDomainStatsRecordListFree(recs);
    for (int j = 0; j < ndoms; j++)
        esxDomainFree(doms[j]);
    free(doms);
    return 0;
}

static int
cmd_nodeinfo(esxConnectPtr conn, int argc, char **argv)
{
    esxNodeInfo info;
    (void)argc; (void)argv;
    if (esxNodeGetInfo(conn, &info) < 0)
        return fail();
    printf("%-20s %s\n", "CPU model:", info.model);
    printf("%-20s %u\n", "CPU(s):", info.cpus);
    printf("%-20s %u MHz\n", "CPU frequency:", info.mhz);
    printf("%-20s %u\n", "CPU socket(s):", info.sockets);
    printf("%-20s %u\n", "Core(s) per socket:", info.cores);
    printf("%-20s %u\n", "Thread(s) per core:", info.threads);
    printf("%-20s %u\n", "NUMA cell(s):", info.nodes);
    printf("%-20s %lu KiB\n", "Memory size:", info.memory);
    return 0;
}

static void
print_version(const char *label, unsigned long v)
{
    printf("%s %lu.%lu.%lu\n", label, v / 1000000, (v / 1000) % 1000, v % 1000);
}

static int
cmd_version(esxConnectPtr conn, int argc, char **argv)
{
    unsigned long lib = 0, hv = 0;
    (void)argc; (void)argv;
    if (esxConnectGetLibVersion(conn, &lib) < 0 || esxConnectGetVersion(conn, &hv) < 0)
        return fail();
    printf("Compiled against library: esx-driver %d.%d.%d\n",
           ESX_DRIVER_VERSION_MAJOR, ESX_DRIVER_VERSION_MINOR, ESX_DRIVER_VERSION_MICRO);
    print_version("Using library: esx-driver", lib);
    printf("Using API: %s\n", esxConnectGetType(conn));
    print_version("Running hypervisor: ESX", hv);
    return 0;
}

static int
print_string(char *s)
{
    if (!s)
        return fail();
    printf("%s\n", s);
    free(s);
    return 0;
}

static int
cmd_hostname(esxConnectPtr conn, int argc, char **argv)
{
    (void)argc; (void)argv;
    return print_string(esxConnectGetHostname(conn));
}

static int
cmd_uri(esxConnectPtr conn, int argc, char **argv)
{
    (void)argc; (void)argv;
    return print_string(esxConnectGetURI(conn));
}

static int
cmd_capabilities(esxConnectPtr conn, int argc, char **argv)
{
    char *caps;
    (void)argc; (void)argv;
    caps = esxConnectGetCapabilities(conn);
    if (!caps)
        return fail();
    fputs(caps, stdout);
    free(caps);
    return 0;
}

static int
with_domain(esxConnectPtr conn, int argc, char **argv, const char *usage,
            int (*fn)(esxDomainPtr dom, int argc, char **argv))
{
    const char *what = positional(argc, argv, 0);
    esxDomainPtr dom;
    int rc;

    if (!what)
        return usage_error(usage);
    dom = lookup(conn, what);
    if (!dom)
        return fail();
    rc = fn(dom, argc, argv);
    esxDomainFree(dom);
    return rc;
}

static int
do_domuuid(esxDomainPtr dom, int argc, char **argv)
{
    char uuid[ESX_UUID_STRING_BUFLEN];
    (void)argc; (void)argv;
    if (esxDomainGetUUIDString(dom, uuid) < 0)
        return fail();
    printf("%s\n", uuid);
    return 0;
}

static int
do_domname(esxDomainPtr dom, int argc, char **argv)
{
    (void)argc; (void)argv;
    printf("%s\n", esxDomainGetName(dom));
    return 0;
}

static int
do_domid(esxDomainPtr dom, int argc, char **argv)
{
    unsigned int id = esxDomainGetID(dom);
    (void)argc; (void)argv;
    if (id == (unsigned int)-1)
        printf("-\n");
    else
        printf("%u\n", id);
    return 0;
}

static int cmd_domuuid(esxConnectPtr c, int argc, char **argv) { return with_domain(c, argc, argv, "domuuid DOMAIN", do_domuuid); }
static int cmd_domname(esxConnectPtr c, int argc, char **argv) { return with_domain(c, argc, argv, "domname ID|UUID", do_domname); }
static int cmd_domid(esxConnectPtr c, int argc, char **argv) { return with_domain(c, argc, argv, "domid DOMAIN", do_domid); }

static int do_start(esxDomainPtr d, int c, char **v) { (void)c; (void)v; if (esxDomainCreate(d) < 0) return fail(); printf("Domain '%s' started\n", esxDomainGetName(d)); return 0; }
static int do_shutdown(esxDomainPtr d, int c, char **v) { (void)c; (void)v; if (esxDomainShutdown(d) < 0) return fail(); printf("Domain '%s' is being shutdown\n", esxDomainGetName(d)); return 0; }
static int do_reboot(esxDomainPtr d, int c, char **v) { (void)c; (void)v; if (esxDomainReboot(d, 0) < 0) return fail(); printf("Domain '%s' is being rebooted\n", esxDomainGetName(d)); return 0; }
static int do_destroy(esxDomainPtr d, int c, char **v) { (void)c; (void)v; if (esxDomainDestroy(d) < 0) return fail(); printf("Domain '%s' destroyed\n", esxDomainGetName(d)); return 0; }
static int do_suspend(esxDomainPtr d, int c, char **v) { (void)c; (void)v; if (esxDomainSuspend(d) < 0) return fail(); printf("Domain '%s' suspended\n", esxDomainGetName(d)); return 0; }
static int do_resume(esxDomainPtr d, int c, char **v) { (void)c; (void)v; if (esxDomainResume(d) < 0) return fail(); printf("Domain '%s' resumed\n", esxDomainGetName(d)); return 0; }

static int
do_domstate(esxDomainPtr dom, int argc, char **argv)
{
    int state, reason;
    (void)argc; (void)argv;
    if (esxDomainGetState(dom, &state, &reason, 0) < 0)
        return fail();
    printf("%s\n", state_name(state));
    return 0;
}

static int cmd_start(esxConnectPtr c, int argc, char **argv) { return with_domain(c, argc, argv, "start DOMAIN", do_start); }
static int cmd_shutdown(esxConnectPtr c, int argc, char **argv) { return with_domain(c, argc, argv, "shutdown DOMAIN", do_shutdown); }
static int cmd_reboot(esxConnectPtr c, int argc, char **argv) { return with_domain(c, argc, argv, "reboot DOMAIN", do_reboot); }
static int cmd_destroy(esxConnectPtr c, int argc, char **argv) { return with_domain(c, argc, argv, "destroy DOMAIN", do_destroy); }
static int cmd_suspend(esxConnectPtr c, int argc, char **argv) { return with_domain(c, argc, argv, "suspend DOMAIN", do_suspend); }
static int cmd_resume(esxConnectPtr c, int argc, char **argv) { return with_domain(c, argc, argv, "resume DOMAIN", do_resume); }
static int cmd_domstate(esxConnectPtr c, int argc, char **argv) { return with_domain(c, argc, argv, "domstate DOMAIN", do_domstate); }



/* ---- questions ---- */

/* question DOMAIN [--answer N|KEY]: the pending question and its choices,
 * or answers it (only the question shown: its id goes with the answer). */
static int
do_question(esxDomainPtr dom, int argc, char **argv)
{
    const char *answer = NULL;
    esxQuestion *q = NULL;
    int r;

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--answer") == 0 && i + 1 < argc)
            answer = argv[i + 1];
        else if (strncmp(argv[i], "--answer=", 9) == 0)
            answer = argv[i] + 9;
    }
    r = esxDomainGetQuestion(dom, &q, 0);
    if (r < 0)
        return fail();
    if (r == 0) {
        printf("Domain '%s' has no pending question\n", esxDomainGetName(dom));
        return answer ? 1 : 0;
    }
    if (!answer) {
        printf("%-12s %s\n", "Question:", q->id);
        printf("%-12s %s\n", "Message:", q->messageId[0] ? q->messageId : "-");
        printf("%-12s %s\n", "Text:", q->text);
        printf("Choices:\n");
        for (unsigned int i = 0; i < q->nchoices; i++)
            printf("  %u) %s [%s]%s\n", i,
                   q->choices[i].summary[0] ? q->choices[i].summary : q->choices[i].label,
                   q->choices[i].label, (int)i == q->defaultIndex ? " (default)" : "");
        esxQuestionFree(q);
        return 0;
    }
    if (esxDomainAnswerQuestion(dom, q->id, answer, 0) < 0) {
        int rc = fail();
        esxQuestionFree(q);
        return rc;
    }
    printf("Question %s of domain '%s' answered with '%s'\n", q->id, esxDomainGetName(dom), answer);
    esxQuestionFree(q);
    return 0;
}

static int cmd_question(esxConnectPtr c, int argc, char **argv) { return with_domain(c, argc, argv, "question DOMAIN [--answer N|KEY]", do_question); }


/* ---- events (virsh event's output) ---- */

struct event_watch {
    int count;
    int loop;
};

static const char *
lifecycle_name(int event)
{
    static const char *const names[] = { "Defined", "Undefined", "Started", "Suspended", "Resumed",
                                         "Stopped", "Shutdown", "PMSuspended", "Crashed" };
    return event >= 0 && event < (int)(sizeof(names) / sizeof(names[0])) ? names[event] : "unknown";
}

static const char *
lifecycle_detail(int event, int detail)
{
    /* The details this driver reports (the first of each event). */
    static const char *const first[] = { "Added", "Removed", "Booted", "Paused", "Unpaused",
                                         "Shutdown", "Finished", "Memory", "Panicked" };
    if (detail == 0 && event >= 0 && event < (int)(sizeof(first) / sizeof(first[0])))
        return first[event];
    return "unknown";
}

static int
print_lifecycle(esxConnectPtr c, esxDomainPtr d, int event, int detail, void *opaque)
{
    (void)c;
    printf("event 'lifecycle' for domain '%s': %s %s\n", esxDomainGetName(d),
           lifecycle_name(event), lifecycle_detail(event, detail));
    fflush(stdout);
    ((struct event_watch *)opaque)->count++;
    return 0;
}

static void
print_reboot(esxConnectPtr c, esxDomainPtr d, void *opaque)
{
    (void)c;
    printf("event 'reboot' for domain '%s'\n", esxDomainGetName(d));
    fflush(stdout);
    ((struct event_watch *)opaque)->count++;
}

static void
print_question(esxConnectPtr c, esxDomainPtr d, const esxQuestion *q, void *opaque)
{
    (void)c;
    if (q)
        printf("event 'question' for domain '%s': %s (question %s)\n", esxDomainGetName(d),
               q->messageId[0] ? q->messageId : q->text, q->id);
    else
        printf("event 'question' for domain '%s': answered\n", esxDomainGetName(d));
    fflush(stdout);
    ((struct event_watch *)opaque)->count++;
}

/* event [DOMAIN] [--event lifecycle|reboot|question] [--all] [--loop]
 * [--timeout S]: as virsh event. */
static int
cmd_event(esxConnectPtr conn, int argc, char **argv)
{
    struct event_watch w = { 0, has_flag(argc, argv, "--loop") };
    const char *which = NULL, *dom_name = NULL;
    long timeout = -1;
    int ids[3], n = 0, all = has_flag(argc, argv, "--all");
    esxDomainPtr dom = NULL;
    int rc = 0;
    struct timespec start, now;

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--event") == 0 && i + 1 < argc)
            which = argv[++i];
        else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
            timeout = strtol(argv[++i], NULL, 10);
        else if (argv[i][0] != '-')
            dom_name = argv[i];
    }
    if (!which && !all)
        return usage_error("event [DOMAIN] {--event NAME | --all} [--loop] [--timeout S]");
    if (dom_name && !(dom = lookup(conn, dom_name)))
        return fail();
    if (esxEventRegisterDefaultImpl() < 0) {
        rc = fail();
        goto out;
    }
    if (all || strcmp(which, "lifecycle") == 0)
        ids[n++] = esxConnectDomainEventRegisterAny(conn, dom, ESX_DOMAIN_EVENT_ID_LIFECYCLE,
                                                    ESX_DOMAIN_EVENT_CALLBACK(print_lifecycle), &w, NULL);
    if (all || strcmp(which, "reboot") == 0)
        ids[n++] = esxConnectDomainEventRegisterAny(conn, dom, ESX_DOMAIN_EVENT_ID_REBOOT,
                                                    ESX_DOMAIN_EVENT_CALLBACK(print_reboot), &w, NULL);
    if (all || strcmp(which, "question") == 0)
        ids[n++] = esxConnectDomainEventRegisterAny(conn, dom, ESX_DOMAIN_EVENT_ID_QUESTION,
                                                    ESX_DOMAIN_EVENT_CALLBACK(print_question), &w, NULL);
    if (n == 0) {
        fprintf(stderr, "error: unknown event type %s\n", which);
        rc = 1;
        goto out;
    }
    for (int i = 0; i < n; i++)
        if (ids[i] < 0) {
            rc = fail();
            goto out;
        }
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (w.loop || w.count == 0) {
        long left = -1;
        if (timeout >= 0) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            left = timeout * 1000 - ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
            if (left <= 0) {
                printf("event loop timed out\n");
                break;
            }
        }
        if (esxEventRunDefaultImplTimeout(left < 0 ? 1000 : (int)(left < 1000 ? left : 1000)) < 0) {
            rc = fail();
            break;
        }
    }
    printf("events received: %d\n", w.count);
    for (int i = 0; i < n; i++)
        if (ids[i] >= 0)
            esxConnectDomainEventDeregisterAny(conn, ids[i]);
 out:
    if (dom)
        esxDomainFree(dom);
    return rc;
}

/* ---- domain information and configuration (virsh's output formats) ---- */

static int
parse_ulong(const char *s, unsigned long *out)
{
    char *end;
    if (!s || !*s || *s == '-')
        return -1;
    errno = 0;
    *out = strtoul(s, &end, 10);
    return (errno || *end) ? -1 : 0;
}

static int
do_dominfo(esxDomainPtr d, int argc, char **argv)
{
    esxDomainInfo info;
    char uuid[ESX_UUID_STRING_BUFLEN];
    char *os;
    int persistent, autostart = 0, has_autostart, managed;
    unsigned int id = esxDomainGetID(d);
    (void)argc; (void)argv;

    if (esxDomainGetInfo(d, &info) < 0 || esxDomainGetUUIDString(d, uuid) < 0)
        return fail();
    if (!(os = esxDomainGetOSType(d)))
        return fail();
    /* As virsh: what the host cannot say is "unknown" or left out, and
     * the rest is still shown. */
    persistent = esxDomainIsPersistent(d);
    has_autostart = esxDomainGetAutostart(d, &autostart) == 0;
    managed = esxDomainHasManagedSaveImage(d, 0);
    if (id == (unsigned int)-1)
        printf("%-15s %s\n", "Id:", "-");
    else
        printf("%-15s %u\n", "Id:", id);
    printf("%-15s %s\n", "Name:", esxDomainGetName(d));
    printf("%-15s %s\n", "UUID:", uuid);
    printf("%-15s %s\n", "OS Type:", os);
    printf("%-15s %s\n", "State:", state_name(info.state));
    printf("%-15s %d\n", "CPU(s):", info.nrVirtCpu);
    if (info.cpuTime != 0)
        printf("%-15s %.1lfs\n", "CPU time:", (double)info.cpuTime / 1e9);
    printf("%-15s %lu KiB\n", "Max memory:", info.maxMem);
    printf("%-15s %lu KiB\n", "Used memory:", info.memory);
    printf("%-15s %s\n", "Persistent:", persistent < 0 ? "unknown" : persistent ? "yes" : "no");
    if (has_autostart)
        printf("%-15s %s\n", "Autostart:", autostart ? "enable" : "disable");
    printf("%-15s %s\n", "Managed save:", managed < 0 ? "unknown" : managed ? "yes" : "no");
    free(os);
    return 0;
}

static int
do_setmem(esxDomainPtr d, int argc, char **argv)
{
    unsigned long kib;
    if (parse_ulong(positional(argc, argv, 1), &kib) < 0)
        return usage_error("setmem DOMAIN KIB");
    return esxDomainSetMemory(d, kib) < 0 ? fail() : 0;
}

static int
do_setmaxmem(esxDomainPtr d, int argc, char **argv)
{
    unsigned long kib;
    if (parse_ulong(positional(argc, argv, 1), &kib) < 0)
        return usage_error("setmaxmem DOMAIN KIB");
    return esxDomainSetMaxMemory(d, kib) < 0 ? fail() : 0;
}

static int
do_setvcpus(esxDomainPtr d, int argc, char **argv)
{
    unsigned long n;
    if (parse_ulong(positional(argc, argv, 1), &n) < 0 || n > UINT_MAX)
        return usage_error("setvcpus DOMAIN COUNT");
    return esxDomainSetVcpus(d, (unsigned int)n) < 0 ? fail() : 0;
}

static int
do_vcpucount(esxDomainPtr d, int argc, char **argv)
{
    int max, cur;
    (void)argc; (void)argv;
    if ((max = esxDomainGetVcpusFlags(d, ESX_DOMAIN_VCPU_MAXIMUM)) < 0 ||
        (cur = esxDomainGetVcpusFlags(d, ESX_DOMAIN_VCPU_CURRENT)) < 0)
        return fail();
    printf("%-12s %-12s %3d\n", "maximum", "live", max);
    printf("%-12s %-12s %3d\n", "current", "live", cur);
    return 0;
}

static void
print_params(esxTypedParameterPtr params, int n)
{
    for (int i = 0; i < n; i++) {
        esxTypedParameterPtr p = &params[i];
        printf("%-15s: ", p->field);
        switch (p->type) {
        case ESX_TYPED_PARAM_INT: printf("%d\n", p->value.i); break;
        case ESX_TYPED_PARAM_UINT: printf("%u\n", p->value.ui); break;
        case ESX_TYPED_PARAM_LLONG: printf("%lld\n", p->value.l); break;
        case ESX_TYPED_PARAM_ULLONG: printf("%llu\n", p->value.ul); break;
        case ESX_TYPED_PARAM_DOUBLE: printf("%f\n", p->value.d); break;
        case ESX_TYPED_PARAM_BOOLEAN: printf("%d\n", p->value.b); break;
        case ESX_TYPED_PARAM_STRING: printf("%s\n", p->value.s); break;
        default: printf("?\n");
        }
    }
}

/* Sets params[i] from "name=value", keeping the parameter's type. */
static int
set_param(esxTypedParameterPtr params, int n, const char *assignment)
{
    const char *eq = strchr(assignment, '=');
    char *end;
    if (!eq)
        return -1;
    for (int i = 0; i < n; i++) {
        if (strlen(params[i].field) != (size_t)(eq - assignment) ||
            strncmp(params[i].field, assignment, (size_t)(eq - assignment)) != 0)
            continue;
        errno = 0;
        long long v = strtoll(eq + 1, &end, 10);
        if (errno || *end || end == eq + 1)
            return -1;
        switch (params[i].type) {
        case ESX_TYPED_PARAM_INT:
            if (v < INT_MIN || v > INT_MAX)
                return -1;
            params[i].value.i = (int)v;
            break;
        case ESX_TYPED_PARAM_LLONG: params[i].value.l = v; break;
        case ESX_TYPED_PARAM_ULLONG:
            if (v < 0)
                return -1;
            params[i].value.ul = (unsigned long long)v;
            break;
        default: return -1;
        }
        /* Move the changed parameter to the front; the caller sends one. */
        esxTypedParameter t = params[0];
        params[0] = params[i];
        params[i] = t;
        return 0;
    }
    return -1;
}

static int
do_schedinfo(esxDomainPtr d, int argc, char **argv)
{
    int n = 0, rc = 1;
    char *type = esxDomainGetSchedulerType(d, &n);
    esxTypedParameterPtr params = NULL;
    if (!type)
        return fail();
    params = calloc((size_t)(n > 0 ? n : 1), sizeof(*params));
    if (!params || esxDomainGetSchedulerParameters(d, params, &n) < 0) {
        rc = fail();
        goto out;
    }
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--set") != 0)
            continue;
        if (i + 1 >= argc || set_param(params, n, argv[i + 1]) < 0) {
            fprintf(stderr, "error: invalid scheduler parameter '%s'\n", i + 1 < argc ? argv[i + 1] : "");
            rc = 1;
            goto out;
        }
        if (esxDomainSetSchedulerParameters(d, params, 1) < 0 ||
            esxDomainGetSchedulerParameters(d, params, &n) < 0) {
            rc = fail();
            goto out;
        }
        i++;
    }
    printf("%-15s: %s\n", "Scheduler", type);
    print_params(params, n);
    rc = 0;
out:
    esxTypedParamsFree(params, n);
    free(type);
    return rc;
}

static int
do_memtune(esxDomainPtr d, int argc, char **argv)
{
    int n = 0;
    esxTypedParameterPtr params;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--min-guarantee") == 0) {
            unsigned long kib;
            esxTypedParameter p;
            if (i + 1 >= argc || parse_ulong(argv[i + 1], &kib) < 0)
                return usage_error("memtune DOMAIN [--min-guarantee KIB]");
            memset(&p, 0, sizeof(p));
            strcpy(p.field, ESX_DOMAIN_MEMORY_MIN_GUARANTEE);
            p.type = ESX_TYPED_PARAM_ULLONG;
            p.value.ul = kib;
            if (esxDomainSetMemoryParameters(d, &p, 1, 0) < 0)
                return fail();
            i++;
        }
    }
    if (esxDomainGetMemoryParameters(d, NULL, &n, 0) < 0)
        return fail();
    if (!(params = calloc((size_t)(n > 0 ? n : 1), sizeof(*params))))
        return 1;
    if (esxDomainGetMemoryParameters(d, params, &n, 0) < 0) {
        free(params);
        return fail();
    }
    print_params(params, n);
    esxTypedParamsFree(params, n);
    return 0;
}

static int
do_autostart(esxDomainPtr d, int argc, char **argv)
{
    int on = !has_flag(argc, argv, "--disable");
    if (esxDomainSetAutostart(d, on) < 0)
        return fail();
    printf("Domain '%s' %s as autostarted\n", esxDomainGetName(d), on ? "marked" : "unmarked");
    return 0;
}

static int
do_domhostname(esxDomainPtr d, int argc, char **argv)
{
    char *h;
    (void)argc; (void)argv;
    if (!(h = esxDomainGetHostname(d, 0)))
        return fail();
    printf("%s\n", h);
    free(h);
    return 0;
}

static int
do_domifaddr(esxDomainPtr d, int argc, char **argv)
{
    unsigned int source = ESX_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT;
    esxDomainInterfacePtr *ifaces = NULL;
    int n;
    for (int i = 0; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--source") != 0)
            continue;
        if (strcmp(argv[i + 1], "lease") == 0)
            source = ESX_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE;
        else if (strcmp(argv[i + 1], "arp") == 0)
            source = ESX_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP;
        else if (strcmp(argv[i + 1], "agent") != 0)
            return usage_error("domifaddr DOMAIN [--source agent|lease|arp]");
    }
    if ((n = esxDomainInterfaceAddresses(d, &ifaces, source, 0)) < 0)
        return fail();
    printf(" %-10s %-17s    %-12s %s\n%s\n", "Name", "MAC address", "Protocol", "Address",
           "-------------------------------------------------------------------------------");
    for (int i = 0; i < n; i++) {
        for (unsigned int j = 0; j < ifaces[i]->naddrs; j++) {
            esxDomainIPAddress *a = &ifaces[i]->addrs[j];
            char addr[128];
            snprintf(addr, sizeof(addr), "%s/%u", a->addr, a->prefix);
            printf(" %-10s %-17s    %-12s %s\n", j ? "-" : ifaces[i]->name,
                   j ? "-" : (ifaces[i]->hwaddr ? ifaces[i]->hwaddr : "-"),
                   a->type == ESX_IP_ADDR_TYPE_IPV6 ? "ipv6" : "ipv4", addr);
        }
        esxDomainInterfaceFree(ifaces[i]);
    }
    free(ifaces);
    return 0;
}

static int cmd_dominfo(esxConnectPtr c, int argc, char **argv) { return with_domain(c, argc, argv, "dominfo DOMAIN", do_dominfo); }
static int cmd_setmem(esxConnectPtr c, int argc, char **argv) { return with_domain(c, argc, argv, "setmem DOMAIN KIB", do_setmem); }
static int cmd_setmaxmem(esxConnectPtr c, int argc, char **argv) { return with_domain(c, argc, argv, "setmaxmem DOMAIN KIB", do_setmaxmem); }
static int cmd_setvcpus(esxConnectPtr c, int argc, char **argv) { return with_domain(c, argc, argv, "setvcpus DOMAIN COUNT", do_setvcpus); }
static int cmd_vcpucount(esxConnectPtr c, int argc, char **argv) { return with_domain(c, argc, argv, "vcpucount DOMAIN", do_vcpucount); }
static int cmd_schedinfo(esxConnectPtr c, int argc, char **argv) { return with_domain(c, argc, argv, "schedinfo DOMAIN [--set NAME=VALUE]", do_schedinfo); }
static int cmd_memtune(esxConnectPtr c, int argc, char **argv) { return with_domain(c, argc, argv, "memtune DOMAIN [--min-guarantee KIB]", do_memtune); }
static int cmd_autostart(esxConnectPtr c, int argc, char **argv) { return with_domain(c, argc, argv, "autostart DOMAIN [--disable]", do_autostart); }
static int cmd_domhostname(esxConnectPtr c, int argc, char **argv) { return with_domain(c, argc, argv, "domhostname DOMAIN", do_domhostname); }
static int cmd_domifaddr(esxConnectPtr c, int argc, char **argv) { return with_domain(c, argc, argv, "domifaddr DOMAIN [--source agent|lease|arp]", do_domifaddr); }


/* ---- snapshots ---- */

static int
do_snapshot_create_as(esxDomainPtr d, int argc, char **argv)
{
    const char *name = positional(argc, argv, 1), *desc = positional(argc, argv, 2);
    unsigned int flags = 0;
    esxDomainSnapshotPtr s;
    char *xml;
    size_t len;
    FILE *f;

    if (!name)
        return usage_error("snapshot-create-as DOMAIN NAME [DESCRIPTION] [--disk-only] [--quiesce]");
    if (has_flag(argc, argv, "--disk-only"))
        flags |= ESX_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY;
    if (has_flag(argc, argv, "--quiesce"))
        flags |= ESX_DOMAIN_SNAPSHOT_CREATE_QUIESCE;
    /* The document, with the user's text escaped. */
    if (!(f = open_memstream(&xml, &len)))
        return 1;
    fputs("<domainsnapshot><name>", f);
    for (const char *p = name; *p; p++)
        fputs(*p == '<' ? "&lt;" : *p == '&' ? "&amp;" : *p == '>' ? "&gt;" : (char[]){ *p, 0 }, f);
    fputs("</name>", f);
    if (desc) {
        fputs("<description>", f);
        for (const char *p = desc; *p; p++)
            fputs(*p == '<' ? "&lt;" : *p == '&' ? "&amp;" : *p == '>' ? "&gt;" : (char[]){ *p, 0 }, f);
        fputs("</description>", f);
    }
    fputs("</domainsnapshot>", f);
    fclose(f);
    s = esxDomainSnapshotCreateXML(d, xml, flags);
    free(xml);
    if (!s)
        return fail();
    printf("Domain snapshot %s created\n", esxDomainSnapshotGetName(s));
    esxDomainSnapshotFree(s);
    return 0;
}

/* virsh's tree drawing (vshTreePrint): each child under its parent with
 * "+- ", a "|" line before the first child, and a blank line after the
 * last leaf of a list. */
static void
tree_print(char **names, char **parents, int n, int dev, int lastdev, int root, char *indent)
{
    int nextlast = -1;
    size_t len = strlen(indent);

    printf("%s%s%s\n", indent, root ? "" : "+- ", names[dev]);
    if (!root) {
        strcat(indent, dev == lastdev ? " " : "|");
        strcat(indent, " ");
    }
    for (int i = 0; i < n; i++)
        if (parents[i] && strcmp(parents[i], names[dev]) == 0)
            nextlast = i;
    if (nextlast != -1)
        printf("%s  |\n", indent);
    strcat(indent, "  ");
    for (int i = 0; i < n; i++)
        if (parents[i] && strcmp(parents[i], names[dev]) == 0)
            tree_print(names, parents, n, i, nextlast, 0, indent);
    indent[strlen(indent) - 2] = '\0';
    if (nextlast == -1 && dev == lastdev)
        printf("%s\n", indent);
    indent[len] = '\0';
}

static int
do_snapshot_list(esxDomainPtr d, int argc, char **argv)
{
    unsigned int flags = ESX_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL;
    esxDomainSnapshotPtr *snaps = NULL;
    char **names, **parents;
    int n, rc = 0;

    if (has_flag(argc, argv, "--tree") && has_flag(argc, argv, "--roots")) {
        fprintf(stderr, "error: Options --roots and --tree are mutually exclusive\n");
        return 1;
    }
    if (has_flag(argc, argv, "--roots"))
        flags |= ESX_DOMAIN_SNAPSHOT_LIST_ROOTS;
    if (has_flag(argc, argv, "--leaves"))
        flags |= ESX_DOMAIN_SNAPSHOT_LIST_LEAVES;
    if ((n = esxDomainListAllSnapshots(d, &snaps, flags)) < 0)
        return fail();
    names = calloc((size_t)n + 1, sizeof(char *));
    parents = calloc((size_t)n + 1, sizeof(char *));
    if (!names || !parents) {
        rc = 1;
        goto out;
    }
    for (int i = 0; i < n; i++) {
        esxDomainSnapshotPtr p = esxDomainSnapshotGetParent(snaps[i], 0);
        names[i] = strdup(esxDomainSnapshotGetName(snaps[i]));
        if (p) {
            parents[i] = strdup(esxDomainSnapshotGetName(p));
            esxDomainSnapshotFree(p);
        } else if (esxGetLastError() && esxGetLastError()->code != ESX_ERR_NO_DOMAIN_SNAPSHOT) {
            rc = fail();
            goto out;
        }
        /* A parent filtered out of the listing makes this a root here. */
        if (parents[i]) {
            int listed = 0;
            for (int j = 0; j < n && !listed; j++)
                listed = j != i && strcmp(esxDomainSnapshotGetName(snaps[j]), parents[i]) == 0;
            if (!listed) {
                free(parents[i]);
                parents[i] = NULL;
            }
        }
    }
    if (has_flag(argc, argv, "--tree")) {
        char indent[4096] = "";
        for (int i = 0; i < n; i++)
            if (!parents[i])
                tree_print(names, parents, n, i, i, 1, indent);
    } else {
        printf(" %-20s %-10s %s\n%s\n", "Name", "State", "Parent",
               "----------------------------------------------");
        for (int i = 0; i < n; i++) {
            char *xml = esxDomainSnapshotGetXMLDesc(snaps[i], 0);
            const char *st = xml ? strstr(xml, "<state>") : NULL;
            char state[32] = "?";
            if (st)
                sscanf(st + 7, "%31[^<]", state);
            printf(" %-20s %-10s %s\n", names[i], state, parents[i] ? parents[i] : "-");
            free(xml);
        }
    }
out:
    for (int i = 0; i < n; i++) {
        if (names)
            free(names[i]);
        if (parents)
            free(parents[i]);
        esxDomainSnapshotFree(snaps[i]);
    }
    free(names);
    free(parents);
    free(snaps);
    return rc;
}

static int
do_snapshot_current(esxDomainPtr d, int argc, char **argv)
{
    esxDomainSnapshotPtr s = esxDomainSnapshotCurrent(d, 0);
    (void)argc; (void)argv;
    if (!s)
        return fail();
    printf("%s\n", esxDomainSnapshotGetName(s));
    esxDomainSnapshotFree(s);
    return 0;
}

/* Runs fn on the snapshot named by the second positional argument. */
static int
with_snapshot(esxDomainPtr d, int argc, char **argv, const char *usage,
              int (*fn)(esxDomainSnapshotPtr s, int argc, char **argv))
{
    const char *name = positional(argc, argv, 1);
    esxDomainSnapshotPtr s;
    int rc;
    if (!name)
        return usage_error(usage);
    if (!(s = esxDomainSnapshotLookupByName(d, name, 0)))
        return fail();
    rc = fn(s, argc, argv);
    esxDomainSnapshotFree(s);
    return rc;
}

static int
snap_parent(esxDomainSnapshotPtr s, int argc, char **argv)
{
    esxDomainSnapshotPtr p = esxDomainSnapshotGetParent(s, 0);
    (void)argc; (void)argv;
    if (!p)
        return fail();
    printf("%s\n", esxDomainSnapshotGetName(p));
    esxDomainSnapshotFree(p);
    return 0;
}

static int
snap_revert(esxDomainSnapshotPtr s, int argc, char **argv)
{
    (void)argc; (void)argv;
    return esxDomainRevertToSnapshot(s, 0) < 0 ? fail() : 0;
}

static int
snap_delete(esxDomainSnapshotPtr s, int argc, char **argv)
{
    unsigned int flags = 0;
    if (has_flag(argc, argv, "--children"))
        flags |= ESX_DOMAIN_SNAPSHOT_DELETE_CHILDREN;
    if (has_flag(argc, argv, "--children-only"))
        flags |= ESX_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY;
    if (has_flag(argc, argv, "--metadata"))
        flags |= ESX_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY;
    if (esxDomainSnapshotDelete(s, flags) < 0)
        return fail();
    if (flags & ESX_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY)
        printf("Domain snapshot %s children deleted\n", esxDomainSnapshotGetName(s));
    else
        printf("Domain snapshot %s deleted\n", esxDomainSnapshotGetName(s));
    return 0;
}

static int
snap_dumpxml(esxDomainSnapshotPtr s, int argc, char **argv)
{
    char *xml = esxDomainSnapshotGetXMLDesc(s, 0);
    (void)argc; (void)argv;
    if (!xml)
        return fail();
    fputs(xml, stdout);
    free(xml);
    return 0;
}

static int do_snapshot_parent(esxDomainPtr d, int c, char **v) { return with_snapshot(d, c, v, "snapshot-parent DOMAIN SNAPSHOT", snap_parent); }
static int do_snapshot_revert(esxDomainPtr d, int c, char **v) { return with_snapshot(d, c, v, "snapshot-revert DOMAIN SNAPSHOT", snap_revert); }
static int do_snapshot_delete(esxDomainPtr d, int c, char **v) { return with_snapshot(d, c, v, "snapshot-delete DOMAIN SNAPSHOT [--children|--children-only]", snap_delete); }
static int do_snapshot_dumpxml(esxDomainPtr d, int c, char **v) { return with_snapshot(d, c, v, "snapshot-dumpxml DOMAIN SNAPSHOT", snap_dumpxml); }

static int cmd_snapshot_create_as(esxConnectPtr c, int argc, char **argv) { return with_domain(c, argc, argv, "snapshot-create-as DOMAIN NAME [DESCRIPTION]", do_snapshot_create_as); }
static int cmd_snapshot_list(esxConnectPtr c, int argc, char **argv) { return with_domain(c, argc, argv, "snapshot-list DOMAIN [--tree] [--roots] [--leaves]", do_snapshot_list); }
static int cmd_snapshot_current(esxConnectPtr c, int argc, char **argv) { return with_domain(c, argc, argv, "snapshot-current DOMAIN", do_snapshot_current); }
static int cmd_snapshot_parent(esxConnectPtr c, int argc, char **argv) { return with_domain(c, argc, argv, "snapshot-parent DOMAIN SNAPSHOT", do_snapshot_parent); }
static int cmd_snapshot_revert(esxConnectPtr c, int argc, char **argv) { return with_domain(c, argc, argv, "snapshot-revert DOMAIN SNAPSHOT", do_snapshot_revert); }
static int cmd_snapshot_delete(esxConnectPtr c, int argc, char **argv) { return with_domain(c, argc, argv, "snapshot-delete DOMAIN SNAPSHOT [--children|--children-only]", do_snapshot_delete); }
static int cmd_snapshot_dumpxml(esxConnectPtr c, int argc, char **argv) { return with_domain(c, argc, argv, "snapshot-dumpxml DOMAIN SNAPSHOT", do_snapshot_dumpxml); }


/* ---- domain XML ---- */

static char *
read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0;
    if (!f) {
        fprintf(stderr, "error: cannot read %s\n", path);
        return NULL;
    }
    for (;;) {
        if (len + 4096 + 1 > cap) {
            char *n = realloc(buf, cap = (cap ? cap * 2 : 8192));
            if (!n) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = n;
        }
        size_t got = fread(buf + len, 1, 4096, f);
        len += got;
        if (got < 4096)
            break;
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

static int
do_dumpxml(esxDomainPtr d, int argc, char **argv)
{
    unsigned int flags = 0;
    char *xml;
    if (has_flag(argc, argv, "--inactive"))
        flags |= ESX_DOMAIN_XML_INACTIVE;
    if (has_flag(argc, argv, "--security-info"))
        flags |= ESX_DOMAIN_XML_SECURE;
    if (!(xml = esxDomainGetXMLDesc(d, flags)))
        return fail();
    fputs(xml, stdout);
    free(xml);
    return 0;
}

static int
do_undefine(esxDomainPtr d, int argc, char **argv)
{
    (void)argc; (void)argv;
    if (esxDomainUndefine(d) < 0)
        return fail();
    printf("Domain '%s' has been undefined\n", esxDomainGetName(d));
    return 0;
}

static int cmd_dumpxml(esxConnectPtr c, int argc, char **argv) { return with_domain(c, argc, argv, "dumpxml DOMAIN [--inactive] [--security-info]", do_dumpxml); }
static int cmd_undefine(esxConnectPtr c, int argc, char **argv) { return with_domain(c, argc, argv, "undefine DOMAIN", do_undefine); }

static int
cmd_define(esxConnectPtr conn, int argc, char **argv)
{
    const char *file = positional(argc, argv, 0);
    char *xml;
    esxDomainPtr d;
    if (!file)
        return usage_error("define FILE");
    if (!(xml = read_file(file)))
        return 1;
    d = esxDomainDefineXML(conn, xml);
    free(xml);
    if (!d)
        return fail();
    printf("Domain '%s' defined from %s\n", esxDomainGetName(d), file);
    esxDomainFree(d);
    return 0;
}

static int
native(esxConnectPtr conn, int argc, char **argv, int to)
{
    const char *format = positional(argc, argv, 0), *file = positional(argc, argv, 1);
    char *in, *out;
    if (!format || !file)
        return usage_error(to ? "domxml-to-native FORMAT FILE" : "domxml-from-native FORMAT FILE");
    if (!(in = read_file(file)))
        return 1;
    out = to ? esxConnectDomainXMLToNative(conn, format, in, 0) : esxConnectDomainXMLFromNative(conn, format, in, 0);
    free(in);
    if (!out)
        return fail();
    fputs(out, stdout);
    free(out);
    return 0;
}

static int cmd_from_native(esxConnectPtr c, int argc, char **argv) { return native(c, argc, argv, 0); }
static int cmd_to_native(esxConnectPtr c, int argc, char **argv) { return native(c, argc, argv, 1); }

static const command commands[] = {
    { "dumpxml", cmd_dumpxml, "dumpxml DOMAIN [--inactive] [--security-info]" },
    { "define", cmd_define, "define FILE" },
    { "undefine", cmd_undefine, "undefine DOMAIN" },
    { "domxml-from-native", cmd_from_native, "domxml-from-native vmware-vmx FILE" },
    { "domxml-to-native", cmd_to_native, "domxml-to-native vmware-vmx FILE" },
    { "snapshot-create-as", cmd_snapshot_create_as, "snapshot-create-as DOMAIN NAME [DESCRIPTION] [--disk-only] [--quiesce]" },
    { "snapshot-list", cmd_snapshot_list, "snapshot-list DOMAIN [--tree] [--roots] [--leaves]" },
    { "snapshot-current", cmd_snapshot_current, "snapshot-current DOMAIN" },
    { "snapshot-parent", cmd_snapshot_parent, "snapshot-parent DOMAIN SNAPSHOT" },
    { "snapshot-revert", cmd_snapshot_revert, "snapshot-revert DOMAIN SNAPSHOT" },
    { "snapshot-delete", cmd_snapshot_delete, "snapshot-delete DOMAIN SNAPSHOT [--children|--children-only|--metadata]" },
    { "snapshot-dumpxml", cmd_snapshot_dumpxml, "snapshot-dumpxml DOMAIN SNAPSHOT" },
    { "dominfo", cmd_dominfo, "dominfo DOMAIN" },
    { "setmem", cmd_setmem, "setmem DOMAIN KIB" },
    { "setmaxmem", cmd_setmaxmem, "setmaxmem DOMAIN KIB" },
    { "setvcpus", cmd_setvcpus, "setvcpus DOMAIN COUNT" },
    { "vcpucount", cmd_vcpucount, "vcpucount DOMAIN" },
    { "schedinfo", cmd_schedinfo, "schedinfo DOMAIN [--set NAME=VALUE]" },
    { "memtune", cmd_memtune, "memtune DOMAIN [--min-guarantee KIB]" },
    { "autostart", cmd_autostart, "autostart DOMAIN [--disable]" },
    { "domhostname", cmd_domhostname, "domhostname DOMAIN" },
    { "domifaddr", cmd_domifaddr, "domifaddr DOMAIN [--source agent|lease|arp]" },
    { "start", cmd_start, "start DOMAIN" },
    { "shutdown", cmd_shutdown, "shutdown DOMAIN" },
    { "reboot", cmd_reboot, "reboot DOMAIN" },
    { "destroy", cmd_destroy, "destroy DOMAIN" },
    { "suspend", cmd_suspend, "suspend DOMAIN" },
    { "resume", cmd_resume, "resume DOMAIN" },
    { "domstate", cmd_domstate, "domstate DOMAIN" },
    { "list", cmd_list, "list [--all|--inactive|--state-running|--state-paused|--state-shutoff|--autostart|--with-snapshot|...] [--name] [--uuid]" },
    { "domstats", cmd_domstats, "domstats [--state] [--balloon] [--vcpu] [--interface] [--block] [--enforce] [--list-active|...] [DOMAIN...]" },
    { "nodeinfo", cmd_nodeinfo, "nodeinfo" },
    { "version", cmd_version, "version" },
    { "hostname", cmd_hostname, "hostname" },
    { "uri", cmd_uri, "uri" },
    { "capabilities", cmd_capabilities, "capabilities" },
    { "domuuid", cmd_domuuid, "domuuid DOMAIN" },
    { "domname", cmd_domname, "domname ID|UUID" },
    { "domid", cmd_domid, "domid DOMAIN" },
    { "question", cmd_question, "question DOMAIN [--answer N|KEY]" },
    { "event", cmd_event, "event [DOMAIN] {--event lifecycle|reboot|question | --all} [--loop] [--timeout S]" },
};

/* --answer=ask: show the question and its choices, read the choice. */
static int
ask_question(esxConnectPtr conn, esxDomainPtr dom, const esxQuestion *q, void *opaque)
{
    char line[64];
    char *end;
    long choice;
    (void)conn; (void)opaque;
    fprintf(stderr, "Domain '%s' asks [%s]: %s\n", esxDomainGetName(dom), q->id, q->text);
    for (unsigned int i = 0; i < q->nchoices; i++)
        fprintf(stderr, "  %u) %s%s\n", i, q->choices[i].summary[0] ? q->choices[i].summary : q->choices[i].label,
                (int)i == q->defaultIndex ? " (default)" : "");
    fprintf(stderr, "Answer (number, empty for the default, 'n' to refuse): ");
    fflush(stderr);
    if (!fgets(line, sizeof(line), stdin))
        return -1;
    if (line[0] == '\n' || line[0] == '\0')
        return q->defaultIndex;
    if (line[0] == 'n' || line[0] == 'N')
        return -1;
    choice = strtol(line, &end, 10);
    if (end == line)
        return -1;
    return (int)choice;
}

/* Answers the password from --password-file; the user name comes from the
 * URI or its default. */
static int
file_auth_cb(esxConnectCredentialPtr cred, unsigned int ncred, void *cbdata)
{
    (void)cbdata;
    for (unsigned int i = 0; i < ncred; i++) {
        const char *answer = NULL;
        if (cred[i].type == ESX_CRED_PASSPHRASE || cred[i].type == ESX_CRED_NOECHOPROMPT)
            answer = password_from_file;
        else if (cred[i].type == ESX_CRED_AUTHNAME)
            answer = cred[i].defresult ? cred[i].defresult : "root";
        if (!answer)
            return -1;
        cred[i].result = strdup(answer);
        if (!cred[i].result)
            return -1;
        cred[i].resultlen = (unsigned int)strlen(answer);
    }
    return 0;
}

static char *
read_password_file(const char *path)
{
    char buf[4096];
    FILE *f = fopen(path, "r");
    size_t len;

    if (!f) {
        perror(path);
        return NULL;
    }
    if (!fgets(buf, sizeof(buf), f))
        buf[0] = '\0';
    fclose(f);
    len = strlen(buf);
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        buf[--len] = '\0';
    return strdup(buf);
}

static void
usage(void)
{
    fprintf(stderr, "usage: esxsh -c URI [--password-file F] [--readonly] [--answer=ask] CMD [ARGS]\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(stderr, "  %s\n", commands[i].usage);
    for (size_t i = 0; i < storage_ncommands; i++)
        fprintf(stderr, "  %s\n", storage_commands[i].usage);
}

int
main(int argc, char **argv)
{
    const char *uri = NULL;
    const char *pwfile = NULL;
    unsigned int flags = 0;
    int ask = 0;
    int i = 1;
    esxConnectPtr conn;
    int rc = 2;

    for (; i < argc; i++) {
        if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
            uri = argv[++i];
        } else if (strcmp(argv[i], "--password-file") == 0 && i + 1 < argc) {
            pwfile = argv[++i];
        } else if (strcmp(argv[i], "--readonly") == 0) {
            flags |= ESX_CONNECT_RO;
        } else if (strcmp(argv[i], "--answer=ask") == 0) {
            ask = 1;
        } else if (argv[i][0] == '-') {
            usage();
            return 2;
        } else {
            break;
        }
    }
    if (!uri || i >= argc) {
        usage();
        return 2;
    }
    for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]) + storage_ncommands; c++) {
        const command *cmd = c < sizeof(commands) / sizeof(commands[0])
            ? &commands[c] : &storage_commands[c - sizeof(commands) / sizeof(commands[0])];
        if (strcmp(cmd->name, argv[i]) != 0)
            continue;
        if (pwfile) {
            int credtypes[] = { ESX_CRED_AUTHNAME, ESX_CRED_PASSPHRASE };
            esxConnectAuth auth = { credtypes, 2, file_auth_cb, NULL };
            password_from_file = read_password_file(pwfile);
            if (!password_from_file)
                return 1;
            conn = esxConnectOpenAuth(uri, &auth, flags);
            memset(password_from_file, 0, strlen(password_from_file));
            free(password_from_file);
        } else {
            conn = esxConnectOpenAuth(uri, esxConnectAuthPtrDefault, flags);
        }
        if (!conn)
            return fail();
        if (ask && esxConnectSetQuestionHandler(conn, ask_question, NULL, NULL) < 0) {
            rc = fail();
            esxConnectClose(conn);
            return rc;
        }
        rc = cmd->fn(conn, argc - i - 1, argv + i + 1);
        if (esxConnectClose(conn) < 0 && rc == 0)
            rc = fail();
        return rc;
    }
    fprintf(stderr, "error: unknown command '%s'\n", argv[i]);
    usage();
    return 2;
}
