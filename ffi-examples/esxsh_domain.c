/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Domain commands: lifecycle, information, configuration, XML, jobs,
 * questions and events, with virsh's syntax and output
 * (tools/virsh-domain.c, virsh-domain-monitor.c describe them).
 */

#define _DEFAULT_SOURCE

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "esxsh.h"

#define DOMAIN_OPT { "domain", OT_DATA, OF_REQ, "the domain's name, id or UUID", C_DOMAIN, NULL }
#define VERBOSE_OPT { "verbose", OT_BOOL, 0, "show the task's progress (on a terminal, even with -q)", C_NONE, NULL }
#define LIVE_OPT { "live", OT_BOOL, 0, "affect the running domain (on ESX the same as --config)", C_NONE, NULL }
#define CONFIG_OPT { "config", OT_BOOL, 0, "affect the domain's configuration (on ESX the same as --live)", C_NONE, NULL }
#define CURRENT_OPT { "current", OT_BOOL, 0, "affect the current state of the domain", C_NONE, NULL }

/* "Options --a and --b are mutually exclusive", as virsh says it. */
static bool
exclusive(shell *sh, const cmd *c, const char *a, const char *b)
{
    if (opt_bool(c, a) && opt_bool(c, b)) {
        err(sh, "Options --%s and --%s are mutually exclusive", a, b);
        return false;
    }
    return true;
}

/* --live, --config, --current as virsh combines them. */
static bool
affect_flags(shell *sh, const cmd *c, unsigned int *flags)
{
    if (!exclusive(sh, c, "current", "live") || !exclusive(sh, c, "current", "config"))
        return false;
    *flags = 0;
    if (opt_bool(c, "live"))
        *flags |= ESX_DOMAIN_AFFECT_LIVE;
    if (opt_bool(c, "config"))
        *flags |= ESX_DOMAIN_AFFECT_CONFIG;
    return true;
}

/* After a task failed: a VM waiting for an answer says how to give it. */
static void
question_hint(shell *sh, esxDomainPtr dom)
{
    esxQuestion *q = NULL;
    char *name = strdup(esxDomainGetName(dom));
    if (name && esxDomainGetQuestion(dom, &q, 0) == 1) {
        report_error(sh);
        fprintf(stderr,
                "Domain '%s' waits for an answer to question %s. Answer it with: esxsh question "
                "%s --answer N (the choices: esxsh question %s), or run the command again with "
                "--answer=ask, or add auto_answer=1 to the URI\n",
                name, q->id, name, name);
        esxQuestionFree(q);
    }
    free(name);
}

/* ---- lifecycle ---- */

typedef struct {
    int (*fn)(esxDomainPtr dom, unsigned int flags);
    unsigned int by;
    const char *failure; /* "Failed to start domain '%s'" */
    const char *success; /* "Domain '%s' started\n" */
    const char *label;   /* the progress line, NULL: no task */
} lifecycle;

static int do_create(esxDomainPtr d, unsigned int f) { (void)f; return esxDomainCreate(d); }
static int do_shutdown(esxDomainPtr d, unsigned int f) { return esxDomainShutdownFlags(d, f); }
static int do_reboot(esxDomainPtr d, unsigned int f) { return esxDomainReboot(d, f); }
static int do_destroy(esxDomainPtr d, unsigned int f) { return esxDomainDestroyFlags(d, f); }
static int do_suspend(esxDomainPtr d, unsigned int f) { (void)f; return esxDomainSuspend(d); }
static int do_resume(esxDomainPtr d, unsigned int f) { (void)f; return esxDomainResume(d); }

static bool
run_lifecycle(shell *sh, const cmd *c, const lifecycle *l, unsigned int flags)
{
    esxDomainPtr dom = opt_domain(sh, c, l->by);
    char *name, label[512];
    int rc;

    if (!dom)
        return false;
    name = strdup(esxDomainGetName(dom));
    if (l->fn == do_create && esxDomainGetID(dom) != (unsigned int)-1) {
        err(sh, "%s", "Domain is already active");
        free(name);
        esxDomainFree(dom);
        return false;
    }
    if (l->label) {
        snprintf(label, sizeof(label), l->label, name);
        job_begin(sh, dom, label, opt_bool(c, "verbose"));
    }
    rc = l->fn(dom, flags);
    if (rc < 0)
        save_error(sh);
    if (l->label)
        job_end(sh, rc == 0);
    if (rc < 0) {
        err(sh, l->failure, name);
        question_hint(sh, dom);
    } else {
        out_extra(sh, l->success, name);
    }
    free(name);
    esxDomainFree(dom);
    return rc == 0;
}

static bool
cmd_start(shell *sh, const cmd *c)
{
    static const lifecycle l = { do_create, BY_NAME | BY_UUID, "Failed to start domain '%s'",
                                 "Domain '%s' started\n", "Starting domain '%s'" };
    return run_lifecycle(sh, c, &l, 0);
}

/* --mode agent (VMware Tools is the guest agent of an ESX VM). */
static bool
mode_flags(shell *sh, const cmd *c, unsigned int agent, unsigned int *flags)
{
    const char *mode = opt_string(c, "mode");
    *flags = 0;
    if (!mode)
        return true;
    for (const char *p = mode; *p;) {
        size_t len = strcspn(p, ",");
        if (len == 5 && strncmp(p, "agent", 5) == 0) {
            *flags |= agent;
        } else {
            err(sh, "Unknown mode %.*s value, expecting 'agent'", (int)len, p);
            return false;
        }
        p += len + (p[len] == ',');
    }
    return true;
}

static bool
cmd_shutdown(shell *sh, const cmd *c)
{
    static const lifecycle l = { do_shutdown, BY_ANY, "Failed to shutdown domain '%s'",
                                 "Domain '%s' is being shutdown\n", NULL };
    unsigned int flags;
    return mode_flags(sh, c, ESX_DOMAIN_SHUTDOWN_GUEST_AGENT, &flags) && run_lifecycle(sh, c, &l, flags);
}

static bool
cmd_reboot(shell *sh, const cmd *c)
{
    static const lifecycle l = { do_reboot, BY_ANY, "Failed to reboot domain '%s'",
                                 "Domain '%s' is being rebooted\n", NULL };
    unsigned int flags;
    return mode_flags(sh, c, ESX_DOMAIN_REBOOT_GUEST_AGENT, &flags) && run_lifecycle(sh, c, &l, flags);
}

static bool
cmd_destroy(shell *sh, const cmd *c)
{
    static const lifecycle l = { do_destroy, BY_ANY, "Failed to destroy domain '%s'",
                                 "Domain '%s' destroyed\n", "Powering off domain '%s'" };
    return run_lifecycle(sh, c, &l, 0);
}

static bool
cmd_suspend(shell *sh, const cmd *c)
{
    static const lifecycle l = { do_suspend, BY_ANY, "Failed to suspend domain '%s'",
                                 "Domain '%s' suspended\n", "Suspending domain '%s'" };
    return run_lifecycle(sh, c, &l, 0);
}

static bool
cmd_resume(shell *sh, const cmd *c)
{
    static const lifecycle l = { do_resume, BY_ANY, "Failed to resume domain '%s'",
                                 "Domain '%s' resumed\n", "Resuming domain '%s'" };
    return run_lifecycle(sh, c, &l, 0);
}

/* ---- identity and state ---- */

static bool
cmd_domuuid(shell *sh, const cmd *c)
{
    esxDomainPtr dom = opt_domain(sh, c, BY_ID | BY_NAME);
    char uuid[ESX_UUID_STRING_BUFLEN];
    bool ok;
    if (!dom)
        return false;
    if ((ok = esxDomainGetUUIDString(dom, uuid) == 0))
        out(sh, "%s\n", uuid);
    else
        err(sh, "%s", "failed to get domain UUID");
    esxDomainFree(dom);
    return ok;
}

static bool
cmd_domname(shell *sh, const cmd *c)
{
    esxDomainPtr dom = opt_domain(sh, c, BY_ID | BY_UUID);
    if (!dom)
        return false;
    out(sh, "%s\n", esxDomainGetName(dom));
    esxDomainFree(dom);
    return true;
}

static bool
cmd_domid(shell *sh, const cmd *c)
{
    esxDomainPtr dom = opt_domain(sh, c, BY_NAME | BY_UUID);
    unsigned int id;
    if (!dom)
        return false;
    id = esxDomainGetID(dom);
    if (id == (unsigned int)-1)
        out(sh, "%s\n", "-");
    else
        out(sh, "%u\n", id);
    esxDomainFree(dom);
    return true;
}

static bool
cmd_domstate(shell *sh, const cmd *c)
{
    esxDomainPtr dom = opt_domain(sh, c, BY_ANY);
    int state, reason;
    bool ok;
    if (!dom)
        return false;
    ok = esxDomainGetState(dom, &state, &reason, 0) == 0;
    if (!ok)
        save_error(sh);
    else if (opt_bool(c, "reason"))
        out(sh, "%s (%s)\n", state_name(state), state_reason(state, reason));
    else
        out(sh, "%s\n", state_name(state));
    esxDomainFree(dom);
    return ok;
}

static bool
cmd_dominfo(shell *sh, const cmd *c)
{
    esxDomainPtr d = opt_domain(sh, c, BY_ANY);
    esxDomainInfo info;
    char uuid[ESX_UUID_STRING_BUFLEN];
    char *os;
    int persistent, autostart = 0, has_autostart, managed;
    unsigned int id;

    if (!d)
        return false;
    id = esxDomainGetID(d);
    if (id == (unsigned int)-1)
        out(sh, "%-15s %s\n", "Id:", "-");
    else
        out(sh, "%-15s %u\n", "Id:", id);
    out(sh, "%-15s %s\n", "Name:", esxDomainGetName(d));
    if (esxDomainGetUUIDString(d, uuid) == 0)
        out(sh, "%-15s %s\n", "UUID:", uuid);
    if ((os = esxDomainGetOSType(d))) {
        out(sh, "%-15s %s\n", "OS Type:", os);
        free(os);
    }
    if (esxDomainGetInfo(d, &info) == 0) {
        out(sh, "%-15s %s\n", "State:", state_name(info.state));
        out(sh, "%-15s %d\n", "CPU(s):", info.nrVirtCpu);
        if (info.cpuTime != 0)
            out(sh, "%-15s %.1lfs\n", "CPU time:", (double)info.cpuTime / 1e9);
        out(sh, "%-15s %lu KiB\n", "Max memory:", info.maxMem);
        out(sh, "%-15s %lu KiB\n", "Used memory:", info.memory);
    } else {
        out(sh, "%-15s %s\n", "State:", "no state");
    }
    /* As virsh: what the host cannot say is "unknown" or left out. */
    persistent = esxDomainIsPersistent(d);
    out(sh, "%-15s %s\n", "Persistent:", persistent < 0 ? "unknown" : persistent ? "yes" : "no");
    has_autostart = esxDomainGetAutostart(d, &autostart) == 0;
    if (has_autostart)
        out(sh, "%-15s %s\n", "Autostart:", autostart ? "enable" : "disable");
    managed = esxDomainHasManagedSaveImage(d, 0);
    out(sh, "%-15s %s\n", "Managed save:", managed < 0 ? "unknown" : managed ? "yes" : "no");
    reset_error(sh);
    esxDomainFree(d);
    return true;
}

/* ---- list ---- */

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
    return strcasecmp(esxDomainGetName(x->dom), esxDomainGetName(y->dom));
}

static const struct {
    const char *option;
    unsigned int flag;
    bool stats; /* a selection esxConnectGetAllDomainStats takes too */
} list_filters[] = {
    { "persistent", ESX_CONNECT_LIST_DOMAINS_PERSISTENT, true },
    { "transient", ESX_CONNECT_LIST_DOMAINS_TRANSIENT, true },
    { "with-managed-save", ESX_CONNECT_LIST_DOMAINS_MANAGEDSAVE, false },
    { "without-managed-save", ESX_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE, false },
    { "autostart", ESX_CONNECT_LIST_DOMAINS_AUTOSTART, false },
    { "no-autostart", ESX_CONNECT_LIST_DOMAINS_NO_AUTOSTART, false },
    { "with-snapshot", ESX_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT, false },
    { "without-snapshot", ESX_CONNECT_LIST_DOMAINS_NO_SNAPSHOT, false },
    { "state-running", ESX_CONNECT_LIST_DOMAINS_RUNNING, true },
    { "state-paused", ESX_CONNECT_LIST_DOMAINS_PAUSED, true },
    { "state-shutoff", ESX_CONNECT_LIST_DOMAINS_SHUTOFF, true },
    { "state-other", ESX_CONNECT_LIST_DOMAINS_OTHER, true },
};

static int
record_state(const esxDomainStatsRecord *r)
{
    for (int i = 0; i < r->nparams; i++)
        if (strcmp(r->params[i].field, "state.state") == 0)
            return r->params[i].value.i;
    return ESX_DOMAIN_NOSTATE;
}

/* virsh list: the domains and their states from one listing with the
 * state statistics (one request per 1,000 VMs), sorted as virsh sorts
 * them (running by ID, then the others by name). */
static bool
cmd_list(shell *sh, const cmd *c)
{
    unsigned int flags = ESX_CONNECT_LIST_DOMAINS_ACTIVE;
    bool stats_only = true, name = opt_bool(c, "name"), uuid = opt_bool(c, "uuid"),
         id = opt_bool(c, "id"), tab = opt_bool(c, "table");
    esxDomainStatsRecordPtr *recs = NULL;
    esxConnectPtr conn;
    listed *all;
    int n;

    if (!exclusive(sh, c, "table", "name") || !exclusive(sh, c, "table", "uuid") ||
        !exclusive(sh, c, "table", "id"))
        return false;
    if (opt_bool(c, "inactive") || opt_bool(c, "state-shutoff"))
        flags = ESX_CONNECT_LIST_DOMAINS_INACTIVE;
    if (opt_bool(c, "all"))
        flags = ESX_CONNECT_LIST_DOMAINS_INACTIVE | ESX_CONNECT_LIST_DOMAINS_ACTIVE;
    for (size_t i = 0; i < sizeof(list_filters) / sizeof(list_filters[0]); i++)
        if (opt_bool(c, list_filters[i].option)) {
            flags |= list_filters[i].flag;
            stats_only &= list_filters[i].stats;
        }
    if (!name && !uuid && !id)
        tab = true;
    if (!(conn = need_conn(sh)))
        return false;
    if (stats_only) {
        n = esxConnectGetAllDomainStats(conn, ESX_DOMAIN_STATS_STATE, &recs, flags);
    } else {
        esxDomainPtr *doms = NULL;
        int m = esxConnectListAllDomains(conn, &doms, flags);
        if (m < 0)
            return save_error(sh);
        n = m == 0 ? 0 : esxDomainListGetStats(doms, ESX_DOMAIN_STATS_STATE, &recs, 0);
        if (n < 0)
            save_error(sh);
        for (int i = 0; i < m; i++)
            esxDomainFree(doms[i]);
        free(doms);
    }
    if (n < 0)
        return save_error(sh);
    all = calloc(n ? (size_t)n : 1, sizeof(*all));
    if (!all) {
        esxDomainStatsRecordListFree(recs);
        return false;
    }
    for (int i = 0; i < n; i++) {
        all[i].dom = recs[i]->dom;
        all[i].id = esxDomainGetID(recs[i]->dom);
        all[i].state = record_state(recs[i]);
    }
    qsort(all, (size_t)n, sizeof(*all), listed_cmp);
    if (tab) {
        table *t = table_new(3, "Id", "Name", "State");
        for (int i = 0; i < n; i++) {
            char idbuf[16];
            if (all[i].id == (unsigned int)-1)
                snprintf(idbuf, sizeof(idbuf), "-");
            else
                snprintf(idbuf, sizeof(idbuf), "%u", all[i].id);
            table_add(t, idbuf, esxDomainGetName(all[i].dom), state_name(all[i].state));
        }
        table_print(sh, t);
    } else {
        for (int i = 0; i < n; i++) {
            const char *sep = "";
            char u[ESX_UUID_STRING_BUFLEN];
            if (uuid) {
                if (esxDomainGetUUIDString(all[i].dom, u) < 0) {
                    err(sh, "%s", "Failed to get domain's UUID");
                    continue;
                }
                out(sh, "%s", u);
                sep = " ";
            }
            if (id) {
                if (all[i].id == (unsigned int)-1 && !uuid && !name)
                    continue;
                if (all[i].id == (unsigned int)-1)
                    out(sh, "%s-", sep);
                else
                    out(sh, "%s%u", sep, all[i].id);
                sep = " ";
            }
            if (name)
                out(sh, "%s%s", sep, esxDomainGetName(all[i].dom));
            out(sh, "\n");
        }
    }
    free(all);
    esxDomainStatsRecordListFree(recs);
    return true;
}

/* ---- domstats ---- */

static void
print_stat(shell *sh, const esxTypedParameter *p)
{
    switch (p->type) {
    case ESX_TYPED_PARAM_INT: out(sh, "  %s=%d\n", p->field, p->value.i); break;
    case ESX_TYPED_PARAM_UINT: out(sh, "  %s=%u\n", p->field, p->value.ui); break;
    case ESX_TYPED_PARAM_LLONG: out(sh, "  %s=%lld\n", p->field, p->value.l); break;
    case ESX_TYPED_PARAM_ULLONG: out(sh, "  %s=%llu\n", p->field, p->value.ul); break;
    case ESX_TYPED_PARAM_DOUBLE: out(sh, "  %s=%f\n", p->field, p->value.d); break;
    case ESX_TYPED_PARAM_BOOLEAN: out(sh, "  %s=%s\n", p->field, p->value.b ? "yes" : "no"); break;
    case ESX_TYPED_PARAM_STRING: out(sh, "  %s=%s\n", p->field, p->value.s); break;
    default: out(sh, "  %s=?\n", p->field);
    }
}

static const struct {
    const char *option;
    unsigned int bit;
    bool group; /* a statistics group (else a listing flag) */
} stats_options[] = {
    { "state", ESX_DOMAIN_STATS_STATE, true },
    { "cpu-total", ESX_DOMAIN_STATS_CPU_TOTAL, true },
    { "balloon", ESX_DOMAIN_STATS_BALLOON, true },
    { "vcpu", ESX_DOMAIN_STATS_VCPU, true },
    { "interface", ESX_DOMAIN_STATS_INTERFACE, true },
    { "block", ESX_DOMAIN_STATS_BLOCK, true },
    { "list-active", ESX_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE, false },
    { "list-inactive", ESX_CONNECT_GET_ALL_DOMAINS_STATS_INACTIVE, false },
    { "list-persistent", ESX_CONNECT_GET_ALL_DOMAINS_STATS_PERSISTENT, false },
    { "list-transient", ESX_CONNECT_GET_ALL_DOMAINS_STATS_TRANSIENT, false },
    { "list-running", ESX_CONNECT_GET_ALL_DOMAINS_STATS_RUNNING, false },
    { "list-paused", ESX_CONNECT_GET_ALL_DOMAINS_STATS_PAUSED, false },
    { "list-shutoff", ESX_CONNECT_GET_ALL_DOMAINS_STATS_SHUTOFF, false },
    { "list-other", ESX_CONNECT_GET_ALL_DOMAINS_STATS_OTHER, false },
    { "enforce", ESX_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS, false },
};

static bool
cmd_domstats(shell *sh, const cmd *c)
{
    unsigned int groups = 0, flags = 0;
    esxDomainStatsRecordPtr *recs = NULL;
    esxDomainPtr *doms = NULL;
    size_t ndoms = 0, iter = 0;
    const char *name;
    esxConnectPtr conn;
    bool ok = false;
    int n;

    for (size_t i = 0; i < sizeof(stats_options) / sizeof(stats_options[0]); i++)
        if (opt_bool(c, stats_options[i].option)) {
            if (stats_options[i].group)
                groups |= stats_options[i].bit;
            else
                flags |= stats_options[i].bit;
        }
    if (!(conn = need_conn(sh)))
        return false;
    while ((name = opt_argv(c, "domain", &iter))) {
        esxDomainPtr *more = realloc(doms, (ndoms + 2) * sizeof(*more));
        if (!more)
            goto out;
        doms = more;
        if (!(doms[ndoms] = lookup_domain(sh, name, BY_ANY)))
            goto out;
        doms[++ndoms] = NULL;
    }
    if (ndoms)
        n = esxDomainListGetStats(doms, groups, &recs, flags);
    else
        n = esxConnectGetAllDomainStats(conn, groups, &recs, flags);
    if (n < 0) {
        save_error(sh);
        goto out;
    }
    for (int i = 0; i < n; i++) {
        out(sh, "Domain: '%s'\n", esxDomainGetName(recs[i]->dom));
        for (int j = 0; j < recs[i]->nparams; j++)
            print_stat(sh, &recs[i]->params[j]);
        if (i + 1 < n)
            out(sh, "\n");
    }
    esxDomainStatsRecordListFree(recs);
    ok = true;
out:
    for (size_t j = 0; j < ndoms; j++)
        esxDomainFree(doms[j]);
    free(doms);
    return ok;
}

/* ---- configuration ---- */

static bool
cmd_setmem(shell *sh, const cmd *c)
{
    unsigned long long bytes;
    unsigned int flags;
    esxDomainPtr dom;
    bool ok;
    if (!affect_flags(sh, c, &flags) || opt_scaled(sh, c, "size", 1024, &bytes) < 0)
        return false;
    if (!(dom = opt_domain(sh, c, BY_ANY)))
        return false;
    ok = esxDomainSetMemoryFlags(dom, (unsigned long)((bytes + 1023) / 1024), flags) == 0;
    if (!ok)
        save_error(sh);
    esxDomainFree(dom);
    return ok;
}

static bool
cmd_setmaxmem(shell *sh, const cmd *c)
{
    unsigned long long bytes;
    unsigned int flags;
    esxDomainPtr dom;
    bool ok;
    if (!affect_flags(sh, c, &flags) || opt_scaled(sh, c, "size", 1024, &bytes) < 0)
        return false;
    if (!(dom = opt_domain(sh, c, BY_ANY)))
        return false;
    ok = esxDomainSetMemoryFlags(dom, (unsigned long)((bytes + 1023) / 1024),
                                 flags | ESX_DOMAIN_MEM_MAXIMUM) == 0;
    if (!ok) {
        save_error(sh);
        err(sh, "%s", "Unable to change MaxMemorySize");
    }
    esxDomainFree(dom);
    return ok;
}

static bool
cmd_setvcpus(shell *sh, const cmd *c)
{
    unsigned int flags;
    int count = 0;
    esxDomainPtr dom;
    bool ok;
    if (!affect_flags(sh, c, &flags) || opt_int(sh, c, "count", &count) < 0)
        return false;
    if (count < 0) {
        err(sh, "Numeric value '%s' for <%s> option is malformed or out of range",
            opt_string(c, "count"), "count");
        return false;
    }
    if (count == 0) {
        err(sh, "%s", "Can't set 0 processors for a VM");
        return false;
    }
    if (opt_bool(c, "maximum"))
        flags |= ESX_DOMAIN_VCPU_MAXIMUM;
    if (!(dom = opt_domain(sh, c, BY_ANY)))
        return false;
    ok = esxDomainSetVcpusFlags(dom, (unsigned int)count, flags) == 0;
    if (!ok)
        save_error(sh);
    esxDomainFree(dom);
    return ok;
}

/* virsh's vcpucount: the counts its flags ask for, or with none of them
 * the four it can read (those of a live domain only when it runs). */
static bool
cmd_vcpucount(shell *sh, const cmd *c)
{
    bool maximum = opt_bool(c, "maximum"), active = opt_bool(c, "active"), live = opt_bool(c, "live"),
         config = opt_bool(c, "config"), current = opt_bool(c, "current");
    bool all = !maximum && !active && !live && !config && !current;
    unsigned int flags = 0;
    esxDomainPtr dom;
    bool ok = true;

    if (!maximum && !active && current)
        current = false;
    if (!exclusive(sh, c, "live", "config") || (current && live && !exclusive(sh, c, "current", "live")) ||
        (current && config && !exclusive(sh, c, "current", "config")) ||
        !exclusive(sh, c, "active", "maximum"))
        return false;
    if (live)
        flags |= ESX_DOMAIN_AFFECT_LIVE;
    if (config)
        flags |= ESX_DOMAIN_AFFECT_CONFIG;
    if (maximum)
        flags |= ESX_DOMAIN_VCPU_MAXIMUM;
    if (!(dom = opt_domain(sh, c, BY_ANY)))
        return false;
    if (all) {
        static const struct { unsigned int flags; const char *which, *state; } rows[] = {
            { ESX_DOMAIN_AFFECT_CONFIG | ESX_DOMAIN_VCPU_MAXIMUM, "maximum", "config" },
            { ESX_DOMAIN_AFFECT_LIVE | ESX_DOMAIN_VCPU_MAXIMUM, "maximum", "live" },
            { ESX_DOMAIN_AFFECT_CONFIG, "current", "config" },
            { ESX_DOMAIN_AFFECT_LIVE, "current", "live" },
        };
        int counts[4];
        int active_now = esxDomainIsActive(dom);
        for (int i = 0; i < 4 && ok; i++) {
            counts[i] = -1;
            if ((rows[i].flags & ESX_DOMAIN_AFFECT_LIVE) && active_now < 1)
                continue;
            if ((counts[i] = esxDomainGetVcpusFlags(dom, rows[i].flags)) < 0)
                ok = save_error(sh) || false;
        }
        for (int i = 0; i < 4 && ok; i++)
            if (counts[i] > 0)
                out(sh, "%-12s %-12s %3d\n", rows[i].which, rows[i].state, counts[i]);
    } else {
        int n = esxDomainGetVcpusFlags(dom, flags);
        if (n < 0)
            ok = save_error(sh);
        else
            out(sh, "%d\n", n);
    }
    esxDomainFree(dom);
    return ok;
}

static char *
param_text(const esxTypedParameter *p)
{
    char buf[128];
    switch (p->type) {
    case ESX_TYPED_PARAM_INT: snprintf(buf, sizeof(buf), "%d", p->value.i); break;
    case ESX_TYPED_PARAM_UINT: snprintf(buf, sizeof(buf), "%u", p->value.ui); break;
    case ESX_TYPED_PARAM_LLONG: snprintf(buf, sizeof(buf), "%lld", p->value.l); break;
    case ESX_TYPED_PARAM_ULLONG: snprintf(buf, sizeof(buf), "%llu", p->value.ul); break;
    case ESX_TYPED_PARAM_DOUBLE: snprintf(buf, sizeof(buf), "%f", p->value.d); break;
    case ESX_TYPED_PARAM_BOOLEAN: snprintf(buf, sizeof(buf), "%s", p->value.b ? "yes" : "no"); break;
    case ESX_TYPED_PARAM_STRING: return strdup(p->value.s ? p->value.s : "");
    default: snprintf(buf, sizeof(buf), "?");
    }
    return strdup(buf);
}

/* Sets *out from "name=value" with the type `like` has. */
static int
parse_assignment(const char *text, const esxTypedParameter *params, int n, esxTypedParameter *out)
{
    const char *eq = strchr(text, '=');
    char *end;
    long long v;
    if (!eq)
        return -1;
    for (int i = 0; i < n; i++) {
        if (strlen(params[i].field) != (size_t)(eq - text) ||
            strncmp(params[i].field, text, (size_t)(eq - text)) != 0)
            continue;
        errno = 0;
        v = strtoll(eq + 1, &end, 10);
        if (errno || *end || end == eq + 1)
            return -1;
        *out = params[i];
        switch (params[i].type) {
        case ESX_TYPED_PARAM_INT:
            if (v < INT_MIN || v > INT_MAX)
                return -1;
            out->value.i = (int)v;
            return 0;
        case ESX_TYPED_PARAM_LLONG: out->value.l = v; return 0;
        case ESX_TYPED_PARAM_ULLONG:
            if (v < 0)
                return -1;
            out->value.ul = (unsigned long long)v;
            return 0;
        default: return -1;
        }
    }
    return -1;
}

static bool
cmd_schedinfo(shell *sh, const cmd *c)
{
    unsigned int flags;
    int n = 0, nup = 0;
    char *type;
    esxTypedParameterPtr params = NULL, updates = NULL;
    esxDomainPtr dom;
    size_t iter = 0, count = 0;
    const char *set;
    bool ok = false;

    if (!affect_flags(sh, c, &flags))
        return false;
    /* Each --set is name=value: checked before anything is sent. */
    while ((set = opt_argv(c, "set", &iter))) {
        const char *eq = strchr(set, '=');
        if (!eq || eq == set || !eq[1]) {
            err(sh, "invalid scheduler parameter '%s'", set);
            return false;
        }
        count++;
    }
    if (!(dom = opt_domain(sh, c, BY_ANY)))
        return false;
    if (!(type = esxDomainGetSchedulerType(dom, &n))) {
        out(sh, "%-15s: %s\n", "Scheduler", "Unknown");
        save_error(sh);
        goto out;
    }
    out(sh, "%-15s: %s\n", "Scheduler", type);
    free(type);
    if (n <= 0) {
        ok = true;
        goto out;
    }
    params = calloc((size_t)n, sizeof(*params));
    updates = calloc(count ? count : 1, sizeof(*updates));
    if (!params || !updates || esxDomainGetSchedulerParametersFlags(dom, params, &n, flags) < 0) {
        save_error(sh);
        goto out;
    }
    iter = 0;
    while ((set = opt_argv(c, "set", &iter))) {
        if (parse_assignment(set, params, n, &updates[nup]) < 0) {
            err(sh, "invalid scheduler parameter '%s'", set);
            goto out;
        }
        nup++;
    }
    if (nup > 0 && (esxDomainSetSchedulerParametersFlags(dom, updates, nup, flags) < 0 ||
                    esxDomainGetSchedulerParametersFlags(dom, params, &n, flags) < 0)) {
        save_error(sh);
        goto out;
    }
    for (int i = 0; i < n; i++) {
        char *v = param_text(&params[i]);
        out(sh, "%-15s: %s\n", params[i].field, v ? v : "");
        free(v);
    }
    ok = true;
out:
    if (params)
        esxTypedParamsFree(params, n);
    free(updates);
    esxDomainFree(dom);
    return ok;
}

static bool
cmd_memtune(shell *sh, const cmd *c)
{
    unsigned int flags;
    unsigned long long kib = 0;
    int have, n = 0;
    esxTypedParameterPtr params;
    esxDomainPtr dom;
    bool ok = false;

    if (!affect_flags(sh, c, &flags))
        return false;
    if ((have = opt_scaled(sh, c, "min-guarantee", 1024, &kib)) < 0) {
        err(sh, "Unable to parse integer parameter %s", "min-guarantee");
        return false;
    }
    if (!(dom = opt_domain(sh, c, BY_ANY)))
        return false;
    if (have) {
        esxTypedParameter p;
        memset(&p, 0, sizeof(p));
        strcpy(p.field, ESX_DOMAIN_MEMORY_MIN_GUARANTEE);
        p.type = ESX_TYPED_PARAM_ULLONG;
        p.value.ul = kib / 1024;
        if (esxDomainSetMemoryParameters(dom, &p, 1, flags) < 0) {
            save_error(sh);
            err(sh, "%s", "Unable to change memory parameters");
            goto out;
        }
        ok = true;
        goto out;
    }
    if (esxDomainGetMemoryParameters(dom, NULL, &n, flags) < 0) {
        save_error(sh);
        err(sh, "%s", "Unable to get number of memory parameters");
        goto out;
    }
    if (!(params = calloc((size_t)(n > 0 ? n : 1), sizeof(*params))))
        goto out;
    if (esxDomainGetMemoryParameters(dom, params, &n, flags) < 0) {
        save_error(sh);
        err(sh, "%s", "Unable to get memory parameters");
        free(params);
        goto out;
    }
    for (int i = 0; i < n; i++) {
        char *v = param_text(&params[i]);
        if (params[i].type == ESX_TYPED_PARAM_ULLONG && params[i].value.ul == 9007199254740991ULL)
            out(sh, "%-15s: %s\n", params[i].field, "unlimited");
        else
            out(sh, "%-15s: %s\n", params[i].field, v ? v : "");
        free(v);
    }
    esxTypedParamsFree(params, n);
    ok = true;
out:
    esxDomainFree(dom);
    return ok;
}

static bool
cmd_autostart(shell *sh, const cmd *c)
{
    esxDomainPtr dom = opt_domain(sh, c, BY_ANY);
    bool on = !opt_bool(c, "disable"), ok;
    char *name;
    if (!dom)
        return false;
    name = strdup(esxDomainGetName(dom));
    ok = esxDomainSetAutostart(dom, on) == 0;
    if (!ok) {
        save_error(sh);
        err(sh, on ? "Failed to mark domain '%s' as autostarted" : "Failed to unmark domain '%s' as autostarted",
            name);
    } else {
        out_extra(sh, on ? "Domain '%s' marked as autostarted\n" : "Domain '%s' unmarked as autostarted\n",
                  name);
    }
    free(name);
    esxDomainFree(dom);
    return ok;
}

static bool
cmd_domhostname(shell *sh, const cmd *c)
{
    const char *source = opt_string(c, "source");
    esxDomainPtr dom;
    char *h;
    if (source && strcmp(source, "agent") != 0) {
        err(sh, "Unknown data source '%s'", source);
        return false;
    }
    if (!(dom = opt_domain(sh, c, BY_ANY)))
        return false;
    h = esxDomainGetHostname(dom, 0);
    if (!h) {
        save_error(sh);
        err(sh, "%s", "failed to get hostname");
    } else {
        out(sh, "%s\n", h);
        free(h);
    }
    esxDomainFree(dom);
    return h != NULL;
}

static bool
cmd_domifaddr(shell *sh, const cmd *c)
{
    const char *source = opt_string(c, "source"), *iface = opt_string(c, "interface");
    unsigned int src = ESX_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT;
    esxDomainInterfacePtr *ifaces = NULL;
    bool full = opt_bool(c, "full");
    esxDomainPtr dom;
    int n;

    if (source) {
        if (strcmp(source, "lease") == 0)
            src = ESX_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE;
        else if (strcmp(source, "arp") == 0)
            src = ESX_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP;
        else if (strcmp(source, "agent") != 0) {
            err(sh, "Unknown data source '%s'", source);
            return false;
        }
    }
    if (!(dom = opt_domain(sh, c, BY_ANY)))
        return false;
    if ((n = esxDomainInterfaceAddresses(dom, &ifaces, src, 0)) < 0) {
        save_error(sh);
        err(sh, "%s", "Failed to query for interfaces addresses");
        esxDomainFree(dom);
        return false;
    }
    out_extra(sh, " %-10s %-20s %-8s     %s\n%s%s\n", "Name", "MAC address", "Protocol", "Address",
              "-------------------------------------------------", "------------------------------");
    for (int i = 0; i < n; i++) {
        esxDomainInterfacePtr f = ifaces[i];
        if (iface && strcmp(iface, f->name) != 0) {
            esxDomainInterfaceFree(f);
            continue;
        }
        if (!f->naddrs)
            out(sh, " %-10s %-17s    %-12s %s\n", f->name, f->hwaddr ? f->hwaddr : "N/A", "N/A", "N/A");
        for (unsigned int j = 0; j < f->naddrs; j++) {
            esxDomainIPAddress *a = &f->addrs[j];
            char addr[256];
            snprintf(addr, sizeof(addr), "%-12s %s/%u", a->type == ESX_IP_ADDR_TYPE_IPV6 ? "ipv6" : "ipv4",
                     a->addr, a->prefix);
            if (full || !j)
                out(sh, " %-10s %-17s    %s\n", f->name, f->hwaddr ? f->hwaddr : "", addr);
            else
                out(sh, " %-10s %-17s    %s\n", "-", "-", addr);
        }
        esxDomainInterfaceFree(f);
    }
    free(ifaces);
    esxDomainFree(dom);
    return true;
}

/* ---- XML ---- */

static char *
domain_xml(shell *sh, esxDomainPtr dom, unsigned int flags)
{
    char *xml = esxDomainGetXMLDesc(dom, flags);
    if (!xml)
        save_error(sh);
    return xml;
}

static bool
cmd_dumpxml(shell *sh, const cmd *c)
{
    unsigned int flags = 0;
    esxDomainPtr dom;
    char *xml;
    if (opt_bool(c, "inactive"))
        flags |= ESX_DOMAIN_XML_INACTIVE;
    if (opt_bool(c, "security-info"))
        flags |= ESX_DOMAIN_XML_SECURE;
    if (!(dom = opt_domain(sh, c, BY_ANY)))
        return false;
    xml = domain_xml(sh, dom, flags);
    if (xml)
        out(sh, "%s", xml);
    free(xml);
    esxDomainFree(dom);
    return xml != NULL;
}

static bool
cmd_define(shell *sh, const cmd *c)
{
    const char *file = opt_string(c, "file");
    char *xml = read_file(sh, file);
    esxConnectPtr conn;
    esxDomainPtr dom;
    if (!xml)
        return false;
    if (!(conn = need_conn(sh))) {
        free(xml);
        return false;
    }
    dom = esxDomainDefineXMLFlags(conn, xml, 0);
    free(xml);
    if (!dom) {
        save_error(sh);
        err(sh, "Failed to define domain from %s", file);
        return false;
    }
    out_extra(sh, "Domain '%s' defined from %s\n", esxDomainGetName(dom), file);
    esxDomainFree(dom);
    return true;
}

static bool
cmd_undefine(shell *sh, const cmd *c)
{
    esxDomainPtr dom = opt_domain(sh, c, BY_ANY);
    char *name;
    bool ok;
    if (!dom)
        return false;
    name = strdup(esxDomainGetName(dom));
    ok = esxDomainUndefineFlags(dom, 0) == 0;
    if (ok) {
        out_extra(sh, "Domain '%s' has been undefined\n", name);
    } else {
        save_error(sh);
        err(sh, "Failed to undefine domain '%s'", name);
    }
    free(name);
    esxDomainFree(dom);
    return ok;
}

/* virsh's edit loop for one document: the editor on a temporary copy;
 * unchanged means nothing to do; else `define` it, and on failure, on a
 * terminal, ask whether to edit again. 1: defined, 0: unchanged, -1:
 * failed. */
static int
run_editor(shell *sh, const char *path)
{
    const char *editor = getenv("VISUAL");
    char *command;
    int status;
    if (!editor || !*editor)
        editor = getenv("EDITOR");
    if (!editor || !*editor)
        editor = "sensible-editor";
    if (!(command = malloc(strlen(editor) + strlen(path) + 2)))
        return -1;
    sprintf(command, "%s %s", editor, path);
    fflush(stdout);
    status = system(command);
    free(command);
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        err(sh, "%s: the editor failed (%s)", editor, status == -1 ? strerror(errno) : "exit status");
        return -1;
    }
    return 0;
}

static int
ask_reedit(shell *sh, const char *msg)
{
    char line[16];
    if (!isatty(STDIN_FILENO))
        return 'n';
    report_error(sh);
    for (;;) {
        out(sh, "%s Try again? [y,n,f,?]: ", msg);
        fflush(stdout);
        if (!fgets(line, sizeof(line), stdin))
            return 'n';
        switch (tolower((unsigned char)line[0])) {
        case 'y': return 'y';
        case 'n': return 'n';
        case 'f': return 'f';
        case '?':
            out(sh, "y - yes, start editor again\nn - no, throw away my changes\n"
                    "f - force, try to redefine again\n? - print this help\n");
            break;
        default: break;
        }
    }
}

int
edit_document(shell *sh, const char *doc, char *(*reread)(shell *sh, void *ctx),
              bool (*define)(shell *sh, void *ctx, const char *xml), void *ctx)
{
    const char *tmpdir = getenv("TMPDIR");
    char path[4096];
    char *edited = NULL, *again = NULL;
    int fd, rc = -1;
    FILE *f;

    snprintf(path, sizeof(path), "%s/esxshXXXXXX.xml", tmpdir && *tmpdir ? tmpdir : "/tmp");
    if ((fd = mkstemps(path, 4)) < 0) {
        err(sh, "mkstemps: failed to create temporary file: %s", strerror(errno));
        return -1;
    }
    if (!(f = fdopen(fd, "w")) || fputs(doc, f) < 0 || fclose(f) != 0) {
        err(sh, "write: %s: failed to write to temporary file: %s", path, strerror(errno));
        unlink(path);
        return -1;
    }
    for (;;) {
        int choice;
        if (run_editor(sh, path) < 0)
            break;
        free(edited);
        if (!(edited = read_file(sh, path)))
            break;
        if (strcmp(doc, edited) == 0) {
            rc = 0;
            break;
        }
redefine:
        free(again);
        if (!(again = reread(sh, ctx)))
            break;
        if (strcmp(again, doc) != 0) {
            choice = ask_reedit(sh, "The XML configuration was changed by another user.");
        } else if (define(sh, ctx, edited)) {
            rc = 1;
            break;
        } else {
            choice = ask_reedit(sh, "Failed.");
        }
        if (choice == 'y')
            continue;
        if (choice == 'f')
            goto redefine;
        break;
    }
    unlink(path);
    free(edited);
    free(again);
    return rc;
}

static char *
reread_domain(shell *sh, void *ctx)
{
    return domain_xml(sh, ctx, ESX_DOMAIN_XML_SECURE | ESX_DOMAIN_XML_INACTIVE);
}

static bool
define_domain(shell *sh, void *ctx, const char *xml)
{
    esxDomainPtr made = esxDomainDefineXMLFlags(esxDomainGetConnect(ctx), xml, 0);
    if (!made)
        return save_error(sh);
    esxDomainFree(made);
    return true;
}

static bool
cmd_edit(shell *sh, const cmd *c)
{
    esxDomainPtr dom = opt_domain(sh, c, BY_ANY);
    char *doc, *name;
    int rc;
    if (!dom)
        return false;
    name = strdup(esxDomainGetName(dom));
    if (!(doc = reread_domain(sh, dom))) {
        free(name);
        esxDomainFree(dom);
        return false;
    }
    rc = edit_document(sh, doc, reread_domain, define_domain, dom);
    if (rc == 0)
        out_extra(sh, "Domain '%s' XML configuration not changed.\n", name);
    else if (rc == 1)
        out_extra(sh, "Domain '%s' XML configuration edited.\n", name);
    free(doc);
    free(name);
    esxDomainFree(dom);
    return rc >= 0;
}

static bool
cmd_desc(shell *sh, const cmd *c)
{
    esxDomainPtr dom;
    char *xml;
    xml_node *doc;
    const char *text;
    bool title = opt_bool(c, "title");
    if (!exclusive(sh, c, "current", "live") || !exclusive(sh, c, "current", "config"))
        return false;
    if (!(dom = opt_domain(sh, c, BY_ANY)))
        return false;
    xml = domain_xml(sh, dom, opt_bool(c, "config") ? ESX_DOMAIN_XML_INACTIVE : 0);
    doc = xml ? xml_parse(xml) : NULL;
    if (xml && !doc)
        err(sh, "%s", "the domain's XML could not be read");
    if (doc) {
        text = xml_get(doc, title ? "domain/title" : "domain/description");
        if (text && *text)
            out(sh, "%s", text);
        else
            out_extra(sh, title ? "No title for domain: %s" : "No description for domain: %s",
                      esxDomainGetName(dom));
    }
    xml_free(doc);
    free(xml);
    esxDomainFree(dom);
    return doc != NULL;
}

static bool
cmd_domblklist(shell *sh, const cmd *c)
{
    esxDomainPtr dom = opt_domain(sh, c, BY_ANY);
    bool details = opt_bool(c, "details");
    char *xml;
    xml_node *doc, **disks;
    table *t;
    if (!dom)
        return false;
    xml = domain_xml(sh, dom, opt_bool(c, "inactive") ? ESX_DOMAIN_XML_INACTIVE : 0);
    esxDomainFree(dom);
    if (!xml)
        return false;
    doc = xml_parse(xml);
    free(xml);
    if (!doc) {
        err(sh, "%s", "the domain's XML could not be read");
        return false;
    }
    disks = xml_find_all(doc, "domain/devices/disk");
    t = details ? table_new(4, "Type", "Device", "Target", "Source") : table_new(2, "Target", "Source");
    for (size_t i = 0; disks && disks[i]; i++) {
        const char *type = xml_get(disks[i], "@type"), *device = xml_get(disks[i], "@device");
        const char *target = xml_get(disks[i], "target/@dev");
        const char *source = xml_get(disks[i], "source/@file");
        static const char *const alt[] = { "source/@dev", "source/@dir", "source/@name",
                                           "source/@volume", "source/@path" };
        for (size_t k = 0; !source && k < sizeof(alt) / sizeof(alt[0]); k++)
            source = xml_get(disks[i], alt[k]);
        if (details)
            table_add(t, type ? type : "", device ? device : "", target ? target : "", source ? source : "-");
        else
            table_add(t, target ? target : "", source ? source : "-");
    }
    free(disks);
    xml_free(doc);
    table_print(sh, t);
    return true;
}

static bool
cmd_domiflist(shell *sh, const cmd *c)
{
    esxDomainPtr dom = opt_domain(sh, c, BY_ANY);
    char *xml;
    xml_node *doc, **nics;
    table *t;
    if (!dom)
        return false;
    xml = domain_xml(sh, dom, opt_bool(c, "inactive") ? ESX_DOMAIN_XML_INACTIVE : 0);
    esxDomainFree(dom);
    if (!xml)
        return false;
    doc = xml_parse(xml);
    free(xml);
    if (!doc) {
        err(sh, "%s", "the domain's XML could not be read");
        return false;
    }
    nics = xml_find_all(doc, "domain/devices/interface");
    t = table_new(5, "Interface", "Type", "Source", "Model", "MAC");
    for (size_t i = 0; nics && nics[i]; i++) {
        const char *source = xml_get(nics[i], "source/@bridge");
        static const char *const alt[] = { "source/@dev", "source/@network", "source/@name", "source/@path" };
        const char *target = xml_get(nics[i], "target/@dev"), *type = xml_get(nics[i], "@type");
        const char *model = xml_get(nics[i], "model/@type"), *mac = xml_get(nics[i], "mac/@address");
        for (size_t k = 0; !source && k < sizeof(alt) / sizeof(alt[0]); k++)
            source = xml_get(nics[i], alt[k]);
        table_add(t, target ? target : "-", type ? type : "", source ? source : "-", model ? model : "-",
                  mac ? mac : "-");
    }
    free(nics);
    xml_free(doc);
    table_print(sh, t);
    return true;
}

static bool
native(shell *sh, const cmd *c, bool to)
{
    const char *format = opt_string(c, "format");
    const char *file = opt_string(c, to ? "xml" : "config");
    char *in, *outtext;
    esxConnectPtr conn;
    if (!(in = read_file(sh, file)))
        return false;
    if (!(conn = need_conn(sh))) {
        free(in);
        return false;
    }
    outtext = to ? esxConnectDomainXMLToNative(conn, format, in, 0)
                 : esxConnectDomainXMLFromNative(conn, format, in, 0);
    free(in);
    if (!outtext)
        return save_error(sh);
    out(sh, "%s", outtext);
    free(outtext);
    return true;
}

static bool cmd_from_native(shell *sh, const cmd *c) { return native(sh, c, false); }
static bool cmd_to_native(shell *sh, const cmd *c) { return native(sh, c, true); }

/* ---- jobs ---- */

static bool
cmd_domjobinfo(shell *sh, const cmd *c)
{
    static const char *const kinds[] = { "None", "Bounded", "Unbounded", "Completed", "Failed", "Cancelled" };
    esxDomainPtr dom = opt_domain(sh, c, BY_ANY);
    esxDomainJobInfo info;
    if (!dom)
        return false;
    if (esxDomainGetJobInfo(dom, &info) < 0) {
        save_error(sh);
        esxDomainFree(dom);
        return false;
    }
    esxDomainFree(dom);
    out(sh, "%-17s %-12s\n", "Job type:",
        info.type >= 0 && info.type < 6 ? kinds[info.type] : "unknown");
    if (info.type == ESX_DOMAIN_JOB_NONE)
        return true;
    out(sh, "%-17s %-12s\n", "Operation:", "Unknown");
    out(sh, "%-17s %-12llu ms\n", "Time elapsed:", info.timeElapsed);
    /* A task's progress is a percentage: dataTotal is 100. */
    if (info.type == ESX_DOMAIN_JOB_BOUNDED && info.dataTotal)
        out(sh, "%-17s %llu %%\n", "Progress:", info.dataProcessed * 100 / info.dataTotal);
    return true;
}

static bool
cmd_domjobabort(shell *sh, const cmd *c)
{
    esxDomainPtr dom = opt_domain(sh, c, BY_ANY);
    bool ok;
    if (!dom)
        return false;
    ok = esxDomainAbortJob(dom) == 0;
    if (!ok)
        save_error(sh);
    esxDomainFree(dom);
    return ok;
}

/* ---- questions ---- */

static bool
cmd_question(shell *sh, const cmd *c)
{
    const char *answer = opt_string(c, "answer");
    esxDomainPtr dom = opt_domain(sh, c, BY_ANY);
    esxQuestion *q = NULL;
    int r;
    bool ok = false;

    if (!dom)
        return false;
    r = esxDomainGetQuestion(dom, &q, 0);
    if (r < 0) {
        save_error(sh);
    } else if (r == 0) {
        out(sh, "Domain '%s' has no pending question\n", esxDomainGetName(dom));
        ok = !answer;
    } else if (!answer) {
        out(sh, "%-12s %s\n", "Question:", q->id);
        out(sh, "%-12s %s\n", "Message:", q->messageId[0] ? q->messageId : "-");
        out(sh, "%-12s %s\n", "Text:", q->text);
        out(sh, "Choices:\n");
        for (unsigned int i = 0; i < q->nchoices; i++)
            out(sh, "  %u) %s [%s]%s\n", i, q->choices[i].summary[0] ? q->choices[i].summary : q->choices[i].label,
                q->choices[i].label, (int)i == q->defaultIndex ? " (default)" : "");
        ok = true;
    } else if (esxDomainAnswerQuestion(dom, q->id, answer, 0) < 0) {
        save_error(sh);
    } else {
        out_extra(sh, "Question %s of domain '%s' answered with '%s'\n", q->id, esxDomainGetName(dom), answer);
        ok = true;
    }
    if (q)
        esxQuestionFree(q);
    esxDomainFree(dom);
    return ok;
}

/* ---- events (virsh event's output) ---- */

struct event_watch {
    shell *sh;
    int count;
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
print_lifecycle(esxConnectPtr conn, esxDomainPtr d, int event, int detail, void *opaque)
{
    (void)conn;
    printf("event 'lifecycle' for domain '%s': %s %s\n", esxDomainGetName(d), lifecycle_name(event),
           lifecycle_detail(event, detail));
    fflush(stdout);
    ((struct event_watch *)opaque)->count++;
    return 0;
}

static void
print_reboot(esxConnectPtr conn, esxDomainPtr d, void *opaque)
{
    (void)conn;
    printf("event 'reboot' for domain '%s'\n", esxDomainGetName(d));
    fflush(stdout);
    ((struct event_watch *)opaque)->count++;
}

static void
print_question(esxConnectPtr conn, esxDomainPtr d, const esxQuestion *q, void *opaque)
{
    (void)conn;
    if (q)
        printf("event 'question' for domain '%s': %s (question %s)\n", esxDomainGetName(d),
               q->messageId[0] ? q->messageId : q->text, q->id);
    else
        printf("event 'question' for domain '%s': answered\n", esxDomainGetName(d));
    fflush(stdout);
    ((struct event_watch *)opaque)->count++;
}

static bool
cmd_event(shell *sh, const cmd *c)
{
    struct event_watch w = { sh, 0 };
    const char *which = opt_string(c, "event"), *dom_name = opt_string(c, "domain");
    bool all = opt_bool(c, "all"), loop = opt_bool(c, "loop");
    int timeout = -1, ids[3], n = 0;
    esxDomainPtr dom = NULL;
    esxConnectPtr conn;
    bool ok = true;

    if (opt_bool(c, "list")) {
        out(sh, "lifecycle\nreboot\nquestion\n");
        return true;
    }
    if (opt_int(sh, c, "timeout", &timeout) < 0)
        return false;
    if (opt_string(c, "timeout") && timeout < 1) {
        err(sh, "%s", "Invalid timeout");
        return false;
    }
    if (which && strcmp(which, "lifecycle") != 0 && strcmp(which, "reboot") != 0 &&
        strcmp(which, "question") != 0) {
        err(sh, "unknown event type %s", which);
        return false;
    }
    if (!which && !all) {
        err(sh, "%s", "one of --list, --all, or --event <type> is required");
        return false;
    }
    if (!(conn = need_conn(sh)))
        return false;
    if (dom_name && !(dom = lookup_domain(sh, dom_name, BY_ANY)))
        return false;
    if (esxEventRegisterDefaultImpl() < 0) {
        ok = save_error(sh);
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
    for (int i = 0; i < n; i++)
        if (ids[i] < 0) {
            ok = save_error(sh);
            goto deregister;
        }
    ok = run_event_loop(sh, &w.count, loop, timeout);
    out(sh, "events received: %d\n", w.count);
deregister:
    for (int i = 0; i < n; i++)
        if (ids[i] >= 0)
            esxConnectDomainEventDeregisterAny(conn, ids[i]);
out:
    if (dom)
        esxDomainFree(dom);
    return ok;
}

/* ---- screenshot (virsh's: FILE defaults to NAME-DATE.png) ---- */

static bool
cmd_screenshot(shell *sh, const cmd *c)
{
    const char *file = opt_string(c, "file");
    int screen = 0;
    char generated[512], *mime = NULL, *buf = NULL, *name;
    esxDomainPtr dom;
    esxStreamPtr st = NULL;
    FILE *f;
    bool ok = false;
    int n = 0;

    if (opt_int(sh, c, "screen", &screen) < 0)
        return false;
    if (screen < 0) {
        err(sh, "%s", "Unable to parse integer parameter");
        return false;
    }
    if (!(dom = opt_domain(sh, c, BY_ANY)))
        return false;
    name = strdup(esxDomainGetName(dom));
    st = esxStreamNew(esxDomainGetConnect(dom), 0);
    if (st)
        mime = esxDomainScreenshot(dom, st, (unsigned int)screen, 0);
    if (!mime) {
        save_error(sh);
        err(sh, "could not take a screenshot of %s", opt_string(c, "domain"));
        goto out;
    }
    if (!file) {
        time_t now = time(NULL);
        char stamp[64];
        strftime(stamp, sizeof(stamp), "%Y-%m-%d-%H:%M:%S", localtime(&now));
        snprintf(generated, sizeof(generated), "%s-%s%s", name, stamp,
                 strcmp(mime, "image/png") == 0 ? ".png" : "");
        file = generated;
    }
    if (!(f = fopen(file, "wb"))) {
        err(sh, "cannot create file %s", file);
        esxStreamAbort(st);
        goto out;
    }
    buf = malloc(1 << 16);
    while (buf && (n = esxStreamRecv(st, buf, 1 << 16)) > 0)
        if (fwrite(buf, 1, (size_t)n, f) != (size_t)n) {
            n = -2;
            break;
        }
    if (!buf || n < 0) {
        if (n == -1)
            save_error(sh);
        err(sh, "could not receive data from domain '%s'", opt_string(c, "domain"));
        esxStreamAbort(st);
    } else if (esxStreamFinish(st) < 0) {
        save_error(sh);
        err(sh, "cannot close stream on domain '%s'", opt_string(c, "domain"));
    } else {
        ok = true;
    }
    free(buf);
    if (fclose(f) != 0 && ok) {
        err(sh, "cannot close file %s", file);
        ok = false;
    }
    if (ok)
        out_extra(sh, "Screenshot saved to %s, with type of %s", file, mime);
    else
        remove(file);
out:
    free(mime);
    free(name);
    if (st)
        esxStreamFree(st);
    esxDomainFree(dom);
    return ok;
}

/* ---- the tables ---- */

static const opt_def opts_domain[] = { DOMAIN_OPT, { NULL } };
static const opt_def opts_domain_verbose[] = { DOMAIN_OPT, VERBOSE_OPT, { NULL } };
static const opt_def opts_start[] = {
    { "domain", OT_DATA, OF_REQ, "the inactive domain's name or uuid", C_DOMAIN, NULL },
    VERBOSE_OPT,
    { NULL }
};
static const opt_def opts_shutdown[] = {
    DOMAIN_OPT,
    { "mode", OT_STRING, 0, "how to ask the guest: agent (VMware Tools, the only way on ESX)", C_WORDS, "agent" },
    { NULL }
};
static const opt_def opts_domstate[] = {
    DOMAIN_OPT,
    { "reason", OT_BOOL, 0, "also print why the domain is in that state", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_domid[] = {
    { "domain", OT_DATA, OF_REQ, "the domain's name or UUID", C_DOMAIN, NULL },
    { NULL }
};
static const opt_def opts_domname[] = {
    { "domain", OT_DATA, OF_REQ, "the domain's id or UUID", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_domuuid[] = {
    { "domain", OT_DATA, OF_REQ, "the domain's id or name", C_DOMAIN, NULL },
    { NULL }
};
static const opt_def opts_list[] = {
    { "inactive", OT_BOOL, 0, "only the domains that are off", C_NONE, NULL },
    { "all", OT_BOOL, 0, "every domain", C_NONE, NULL },
    { "transient", OT_BOOL, 0, "only transient domains (none on ESX)", C_NONE, NULL },
    { "persistent", OT_BOOL, 0, "only persistent domains (all on ESX)", C_NONE, NULL },
    { "with-snapshot", OT_BOOL, 0, "only domains that have a snapshot", C_NONE, NULL },
    { "without-snapshot", OT_BOOL, 0, "only domains that have no snapshot", C_NONE, NULL },
    { "state-running", OT_BOOL, 0, "only running domains", C_NONE, NULL },
    { "state-paused", OT_BOOL, 0, "only paused (suspended) domains", C_NONE, NULL },
    { "state-shutoff", OT_BOOL, 0, "only domains that are off", C_NONE, NULL },
    { "state-other", OT_BOOL, 0, "only domains in another state", C_NONE, NULL },
    { "autostart", OT_BOOL, 0, "only domains that start with the host", C_NONE, NULL },
    { "no-autostart", OT_BOOL, 0, "only domains that do not start with the host", C_NONE, NULL },
    { "with-managed-save", OT_BOOL, 0, "only domains with a managed save (none on ESX)", C_NONE, NULL },
    { "without-managed-save", OT_BOOL, 0, "only domains without a managed save (all on ESX)", C_NONE, NULL },
    { "uuid", OT_BOOL, 0, "print only the UUIDs", C_NONE, NULL },
    { "name", OT_BOOL, 0, "print only the names", C_NONE, NULL },
    { "id", OT_BOOL, 0, "print only the ids of running domains", C_NONE, NULL },
    { "table", OT_BOOL, 0, "print a table (the default)", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_domstats[] = {
    { "state", OT_BOOL, 0, "the state", C_NONE, NULL },
    { "cpu-total", OT_BOOL, 0, "CPU time (ESX reports none: refused with --enforce)", C_NONE, NULL },
    { "balloon", OT_BOOL, 0, "memory and balloon", C_NONE, NULL },
    { "vcpu", OT_BOOL, 0, "virtual CPUs", C_NONE, NULL },
    { "interface", OT_BOOL, 0, "network interfaces", C_NONE, NULL },
    { "block", OT_BOOL, 0, "disks", C_NONE, NULL },
    { "list-active", OT_BOOL, 0, "only running or paused domains", C_NONE, NULL },
    { "list-inactive", OT_BOOL, 0, "only domains that are off", C_NONE, NULL },
    { "list-persistent", OT_BOOL, 0, "only persistent domains", C_NONE, NULL },
    { "list-transient", OT_BOOL, 0, "only transient domains", C_NONE, NULL },
    { "list-running", OT_BOOL, 0, "only running domains", C_NONE, NULL },
    { "list-paused", OT_BOOL, 0, "only paused domains", C_NONE, NULL },
    { "list-shutoff", OT_BOOL, 0, "only domains that are off", C_NONE, NULL },
    { "list-other", OT_BOOL, 0, "only domains in another state", C_NONE, NULL },
    { "enforce", OT_BOOL, 0, "fail when the host cannot give a statistic asked for", C_NONE, NULL },
    { "domain", OT_ARGV, 0, "the domains (all when none)", C_DOMAIN, NULL },
    { NULL }
};
static const opt_def opts_setmem[] = {
    DOMAIN_OPT,
    { "size", OT_SIZE, OF_REQ, "the new memory size, as a scaled integer (default KiB)", C_NONE, NULL },
    CONFIG_OPT, LIVE_OPT, CURRENT_OPT,
    { NULL }
};
static const opt_def opts_setvcpus[] = {
    DOMAIN_OPT,
    { "count", OT_INT, OF_REQ, "the number of virtual CPUs", C_NONE, NULL },
    { "maximum", OT_BOOL, 0, "set the maximum (refused: ESX has none per VM)", C_NONE, NULL },
    CONFIG_OPT, LIVE_OPT, CURRENT_OPT,
    { NULL }
};
static const opt_def opts_vcpucount[] = {
    DOMAIN_OPT,
    { "maximum", OT_BOOL, 0, "get the maximum count of virtual CPUs", C_NONE, NULL },
    { "active", OT_BOOL, 0, "get the number of virtual CPUs in use", C_NONE, NULL },
    LIVE_OPT, CONFIG_OPT, CURRENT_OPT,
    { NULL }
};
static const opt_def opts_schedinfo[] = {
    DOMAIN_OPT,
    CURRENT_OPT, CONFIG_OPT, LIVE_OPT,
    { "set", OT_ARGV, 0, "a parameter to set: name=value (reservation, limit, shares)", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_memtune[] = {
    DOMAIN_OPT,
    { "min-guarantee", OT_SIZE, OF_NAMED, "the memory reserved for the domain, as a scaled integer (default KiB)",
      C_NONE, NULL },
    CONFIG_OPT, LIVE_OPT, CURRENT_OPT,
    { NULL }
};
static const opt_def opts_autostart[] = {
    DOMAIN_OPT,
    { "disable", OT_BOOL, 0, "stop starting it with the host", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_domhostname[] = {
    DOMAIN_OPT,
    { "source", OT_STRING, OF_NAMED, "where to read it: agent (VMware Tools)", C_WORDS, "agent" },
    { NULL }
};
static const opt_def opts_domifaddr[] = {
    DOMAIN_OPT,
    { "interface", OT_STRING, OF_NAMED, "only this interface", C_NONE, NULL },
    { "full", OT_BOOL, 0, "repeat the interface name and MAC on each address", C_NONE, NULL },
    { "source", OT_STRING, OF_NAMED, "where to read addresses: agent (VMware Tools; the default on ESX)", C_WORDS,
      "agent|lease|arp" },
    { NULL }
};
static const opt_def opts_dumpxml[] = {
    DOMAIN_OPT,
    { "inactive", OT_BOOL, 0, "the configuration as defined, not as running", C_NONE, NULL },
    { "security-info", OT_BOOL, 0, "include secrets in the XML", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_define[] = {
    { "file", OT_DATA, OF_REQ, "the file with the domain's XML", C_FILE, NULL },
    { NULL }
};
static const opt_def opts_desc[] = {
    DOMAIN_OPT,
    LIVE_OPT, CONFIG_OPT, CURRENT_OPT,
    { "title", OT_BOOL, 0, "the title instead of the description", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_domblklist[] = {
    DOMAIN_OPT,
    { "inactive", OT_BOOL, 0, "read the inactive configuration", C_NONE, NULL },
    { "details", OT_BOOL, 0, "also show each disk's type and device", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_domiflist[] = {
    DOMAIN_OPT,
    { "inactive", OT_BOOL, 0, "read the inactive configuration", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_from_native[] = {
    { "format", OT_DATA, OF_REQ, "source config data format: vmware-vmx", C_WORDS, "vmware-vmx" },
    { "config", OT_DATA, OF_REQ, "file with the .vmx data", C_FILE, NULL },
    { NULL }
};
static const opt_def opts_to_native[] = {
    { "format", OT_DATA, OF_REQ, "target config data format: vmware-vmx", C_WORDS, "vmware-vmx" },
    { "xml", OT_DATA, OF_REQ, "file with the domain XML", C_FILE, NULL },
    { NULL }
};
static const opt_def opts_question[] = {
    DOMAIN_OPT,
    { "answer", OT_STRING, 0, "answer it: the choice's number or key", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_event[] = {
    { "domain", OT_STRING, 0, "only this domain's events", C_DOMAIN, NULL },
    { "event", OT_STRING, 0, "which event: lifecycle, reboot or question", C_WORDS, "lifecycle|reboot|question" },
    { "all", OT_BOOL, 0, "every event type", C_NONE, NULL },
    { "loop", OT_BOOL, 0, "keep waiting for events (until Ctrl-C)", C_NONE, NULL },
    { "timeout", OT_INT, OF_NAMED, "stop waiting after this many seconds", C_NONE, NULL },
    { "list", OT_BOOL, 0, "list the event types", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_screenshot[] = {
    DOMAIN_OPT,
    { "file", OT_STRING, 0, "where to save it (default: NAME-DATE.png)", C_FILE, NULL },
    { "screen", OT_INT, OF_NAMED, "the screen (only 0 exists on ESX)", C_NONE, NULL },
    { NULL }
};

const cmd_def domain_cmds[] = {
    { "autostart", cmd_autostart, opts_autostart, "start a domain with the host, or not",
      "Makes the domain start with the host (turning the host's autostart on), or with --disable not.", 0 },
    { "define", cmd_define, opts_define, "register a new domain from an XML file",
      "Registers a new virtual machine: its .vmx is written next to its first disk. An existing domain is "
      "never overwritten.",
      0 },
    { "desc", cmd_desc, opts_desc, "show the domain's description or title",
      "Prints the domain's description (the VM's annotation) or title. ESX has no separate title.", 0 },
    { "destroy", cmd_destroy, opts_domain_verbose, "power off a domain at once",
      "Powers the domain off without asking the guest (ESX's power off). Ctrl-C cancels the task when the "
      "host allows it.",
      0 },
    { "domhostname", cmd_domhostname, opts_domhostname, "the guest's host name",
      "Prints the guest's host name as VMware Tools reports it.", 0 },
    { "domid", cmd_domid, opts_domid, "a domain's id from its name or UUID",
      "Prints the domain's ID, or - when it is not running.", 0 },
    { "domjobabort", cmd_domjobabort, opts_domain, "abort the domain's task",
      "Cancels the task running on the domain's virtual machine, when the host allows it.", 0 },
    { "domjobinfo", cmd_domjobinfo, opts_domain, "the domain's task and its progress",
      "Prints the task running on the domain's virtual machine: whether the host reports its progress, "
      "how long it has run and how far it got.",
      0 },
    { "domname", cmd_domname, opts_domname, "a domain's name from its id or UUID",
      "Prints the domain's name.", 0 },
    { "domuuid", cmd_domuuid, opts_domuuid, "a domain's UUID from its name or id",
      "Prints the domain's UUID.", 0 },
    { "domxml-from-native", cmd_from_native, opts_from_native, "convert a .vmx file to domain XML",
      "Prints the domain XML of a VMware .vmx file, as libvirt's ESX driver converts it.", 0 },
    { "domxml-to-native", cmd_to_native, opts_to_native, "convert domain XML to a .vmx file",
      "Prints the .vmx of a domain XML file, as libvirt's ESX driver converts it.", 0 },
    { "dumpxml", cmd_dumpxml, opts_dumpxml, "print a domain's XML",
      "Prints the domain's XML description.", 0 },
    { "edit", cmd_edit, opts_domain, "edit a domain's XML",
      "Opens the domain's XML in $VISUAL or $EDITOR and defines what was saved. ESX cannot redefine an "
      "existing virtual machine, so only an unchanged document succeeds, as with virsh.",
      0 },
    { "memtune", cmd_memtune, opts_memtune, "get or set the domain's memory reservation",
      "Prints the domain's memory parameters (min_guarantee, the reservation), or sets the reservation.", 0 },
    { "question", cmd_question, opts_question, "show or answer the domain's pending question",
      "Prints the question the virtual machine waits on and its choices, or answers it with a choice's "
      "number or key (only the question shown: its id goes with the answer).",
      0 },
    { "reboot", cmd_reboot, opts_shutdown, "ask a guest to reboot",
      "Asks the guest to reboot through VMware Tools.", 0 },
    { "resume", cmd_resume, opts_domain_verbose, "power a suspended domain on again",
      "Powers a suspended domain on again.", 0 },
    { "schedinfo", cmd_schedinfo, opts_schedinfo, "get or set a domain's CPU allocation",
      "Prints the CPU allocation (reservation and limit in MHz, shares: -1 low, -2 normal, -3 high, or a "
      "number), or sets some with --set name=value.",
      0 },
    { "screenshot", cmd_screenshot, opts_screenshot, "save a picture of a running domain's screen",
      "Saves a PNG of the running domain's console.", 0 },
    { "setmaxmem", cmd_setmaxmem, opts_setmem, "set a domain's memory size",
      "Sets the domain's memory size (the domain must be off).", 0 },
    { "setmem", cmd_setmem, opts_setmem, "set the memory a domain may use",
      "Sets the memory the domain may use (its limit on ESX), up to its size.", 0 },
    { "setvcpus", cmd_setvcpus, opts_setvcpus, "set a domain's virtual CPU count",
      "Sets the number of virtual CPUs, within the host's limit.", 0 },
    { "shutdown", cmd_shutdown, opts_shutdown, "ask a guest to shut down",
      "Asks the guest to shut down through VMware Tools.", 0 },
    { "start", cmd_start, opts_start, "power a domain on",
      "Powers the domain on. A question the VM asks on the way is answered as the URI's auto_answer, "
      "--answer=ask or the question rules say; else the error says how to answer it. Ctrl-C cancels the "
      "task when the host allows it.",
      0 },
    { "suspend", cmd_suspend, opts_domain_verbose, "suspend a domain to disk",
      "Suspends the domain (ESX's suspend: its state is saved to disk and it shows as paused).", 0 },
    { "undefine", cmd_undefine, opts_domain, "unregister a domain, keeping its files",
      "Unregisters the virtual machine; its files stay on the datastore.", 0 },
    { "vcpucount", cmd_vcpucount, opts_vcpucount, "a domain's virtual CPU counts",
      "Prints the domain's virtual CPU counts: the maximum and the current count.", 0 },
    { NULL }
};

const cmd_def monitor_cmds[] = {
    { "domblklist", cmd_domblklist, opts_domblklist, "a domain's disks",
      "Prints the domain's disks: their target names and files.", 0 },
    { "domifaddr", cmd_domifaddr, opts_domifaddr, "the guest's IP addresses",
      "Prints the guest's addresses as VMware Tools reports them.", 0 },
    { "domiflist", cmd_domiflist, opts_domiflist, "a domain's network interfaces",
      "Prints the domain's network interfaces: type, network, model and MAC address.", 0 },
    { "dominfo", cmd_dominfo, opts_domain, "what a domain is and has",
      "Prints the domain's ID, UUID, state, CPUs, memory and autostart.", 0 },
    { "domstate", cmd_domstate, opts_domstate, "a domain's state",
      "Prints the domain's state, and with --reason why.", 0 },
    { "domstats", cmd_domstats, opts_domstats, "statistics of domains",
      "Prints statistics (state, balloon, vCPUs, interfaces, disks) of the domains named, or of all.", 0 },
    { "list", cmd_list, opts_list, "the domains and their states",
      "Lists the domains: by default the running ones.", 0 },
    { NULL }
};

const cmd_def event_cmds[] = {
    { "event", cmd_event, opts_event, "Domain events",
      "Waits for domain events (lifecycle, reboot, question) and prints each as virsh does.", 0 },
    { NULL }
};
