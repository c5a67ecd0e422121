/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * esx-watch: a small daemon over esx-driver's events. It keeps an
 * inventory of the host's domains and their states from events (one
 * listing at start, then no polling), answers VM questions by rules given
 * up front (whoever raised the question: a vSphere client user, a script),
 * and prints one line per event.
 *
 *   esx-watch -c URI --password-file FILE [--timeout SECS] [MESSAGE_ID=ANSWER ...]
 *
 * e.g. esx-watch -c 'esx://root@host/' --password-file pw \
 *          msg.uuid.altered=button.uuid.copiedTheVM msg.serial.file.open=0
 *
 * Stops on SIGINT/SIGTERM or after S seconds; prints the inventory then.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <esx_driver.h>

#define MAX_DOMAINS 65536

/* What --help prints; man/esx-watch.1 describes the same options. */
#define USAGE \
    "usage: esx-watch -c URI --password-file FILE [--timeout SECS] [MESSAGE_ID=ANSWER ...]\n" \
    "\n" \
    "Follows a host's VMs through events and answers their questions by rules.\n" \
    "\n" \
    "  -c URI                    The host to watch (see URIS in esx-driver(7)).\n" \
    "  --password-file FILE      Read the password from the first line of FILE.\n" \
    "  --timeout SECS            Stop after SECS seconds (default: run until a signal).\n" \
    "  --help                    Print the usage and exit.\n" \
    "  MESSAGE_ID=ANSWER         Answer questions with this message id by this choice\n" \
    "                            (its index or key).\n"

struct entry {
    char *name;
    int state;
};

static struct entry inventory[MAX_DOMAINS];
static int ndomains;
static char **rules;
static int nrules;
static volatile sig_atomic_t stopping;
static char password[4096];

static void on_signal(int sig) { (void)sig; stopping = 1; }

static struct entry *
find(const char *name, int add)
{
    for (int i = 0; i < ndomains; i++)
        if (strcmp(inventory[i].name, name) == 0)
            return &inventory[i];
    if (!add || ndomains == MAX_DOMAINS)
        return NULL;
    inventory[ndomains].name = strdup(name);
    inventory[ndomains].state = ESX_DOMAIN_NOSTATE;
    return &inventory[ndomains++];
}

static const char *
state_text(int s)
{
    switch (s) {
    case ESX_DOMAIN_RUNNING: return "running";
    case ESX_DOMAIN_PAUSED: return "paused";
    case ESX_DOMAIN_SHUTOFF: return "shut off";
    default: return "unknown";
    }
}

static int
on_lifecycle(esxConnectPtr conn, esxDomainPtr dom, int event, int detail, void *opaque)
{
    const char *name = esxDomainGetName(dom);
    struct entry *e = find(name, event != ESX_DOMAIN_EVENT_UNDEFINED);
    (void)conn; (void)detail; (void)opaque;
    switch (event) {
    case ESX_DOMAIN_EVENT_DEFINED: if (e) e->state = ESX_DOMAIN_SHUTOFF; break;
    case ESX_DOMAIN_EVENT_STARTED: case ESX_DOMAIN_EVENT_RESUMED: if (e) e->state = ESX_DOMAIN_RUNNING; break;
    case ESX_DOMAIN_EVENT_SUSPENDED: if (e) e->state = ESX_DOMAIN_PAUSED; break;
    case ESX_DOMAIN_EVENT_STOPPED: if (e) e->state = ESX_DOMAIN_SHUTOFF; break;
    case ESX_DOMAIN_EVENT_UNDEFINED:
        if (e) {
            free(e->name);
            *e = inventory[--ndomains];
        }
        break;
    default: break;
    }
    printf("%s: lifecycle %d, now %s\n", name, event, e ? state_text(e->state) : "gone");
    fflush(stdout);
    return 0;
}

static void
on_reboot(esxConnectPtr conn, esxDomainPtr dom, void *opaque)
{
    (void)conn; (void)opaque;
    printf("%s: rebooted\n", esxDomainGetName(dom));
    fflush(stdout);
}

static void
on_question(esxConnectPtr conn, esxDomainPtr dom, const esxQuestion *q, void *opaque)
{
    (void)conn; (void)opaque;
    if (!q) {
        printf("%s: question answered\n", esxDomainGetName(dom));
        fflush(stdout);
        return;
    }
    for (int i = 0; i < nrules; i++) {
        size_t len = strcspn(rules[i], "=");
        if (strlen(q->messageId) == len && strncmp(rules[i], q->messageId, len) == 0) {
            const char *answer = rules[i] + len + 1;
            if (esxDomainAnswerQuestion(dom, q->id, answer, 0) == 0)
                printf("%s: question %s (%s) answered with %s by rule\n", esxDomainGetName(dom), q->id,
                       q->messageId, answer);
            else
                printf("%s: question %s (%s): the rule's answer failed: %s\n", esxDomainGetName(dom), q->id,
                       q->messageId, esxGetLastErrorMessage());
            fflush(stdout);
            return;
        }
    }
    printf("%s: question %s (%s) waits: no rule for it\n", esxDomainGetName(dom), q->id,
           q->messageId[0] ? q->messageId : q->text);
    fflush(stdout);
}

static int
auth_cb(esxConnectCredentialPtr cred, unsigned int ncred, void *cbdata)
{
    (void)cbdata;
    for (unsigned int i = 0; i < ncred; i++) {
        const char *a = cred[i].type == ESX_CRED_AUTHNAME
            ? (cred[i].defresult ? cred[i].defresult : "root") : password;
        cred[i].result = strdup(a);
        if (!cred[i].result)
            return -1;
        cred[i].resultlen = (unsigned int)strlen(a);
    }
    return 0;
}

/* Errors are printed by the program where it meets them; the library's
 * default printing on stderr is turned off. */
static void
quiet_errors(void *data, esxErrorPtr e)
{
    (void)data;
    (void)e;
}

int
main(int argc, char **argv)
{
    const char *uri = NULL, *pwfile = NULL;
    long timeout = -1;
    int types[] = { ESX_CRED_AUTHNAME, ESX_CRED_PASSPHRASE };
    esxConnectAuth auth = { types, 2, auth_cb, NULL };
    esxConnectPtr conn;
    esxDomainStatsRecordPtr *recs = NULL;
    int n, ids[3];
    time_t end;

    esxSetErrorFunc(NULL, quiet_errors);
    rules = calloc((size_t)argc, sizeof(*rules));
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            printf("%s", USAGE);
            free(rules);
            return 0;
        } else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
            uri = argv[++i];
        else if (strcmp(argv[i], "--password-file") == 0 && i + 1 < argc)
            pwfile = argv[++i];
        else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
            timeout = strtol(argv[++i], NULL, 10);
        else if (strchr(argv[i], '='))
            rules[nrules++] = argv[i];
    }
    if (!uri || !pwfile) {
        fprintf(stderr, "%s", USAGE);
        free(rules);
        return 2;
    }
    {
        FILE *f = fopen(pwfile, "r");
        if (!f || !fgets(password, sizeof(password), f)) {
            fprintf(stderr, "cannot read %s\n", pwfile);
            return 1;
        }
        fclose(f);
        password[strcspn(password, "\r\n")] = '\0';
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    if (esxEventRegisterDefaultImpl() < 0 || !(conn = esxConnectOpenAuth(uri, &auth, 0))) {
        fprintf(stderr, "error: %s\n", esxGetLastErrorMessage());
        return 1;
    }
    /* Events first, then the inventory: a change in between is seen twice
     * at worst, never missed. */
    ids[0] = esxConnectDomainEventRegisterAny(conn, NULL, ESX_DOMAIN_EVENT_ID_LIFECYCLE,
                                              ESX_DOMAIN_EVENT_CALLBACK(on_lifecycle), NULL, NULL);
    ids[1] = esxConnectDomainEventRegisterAny(conn, NULL, ESX_DOMAIN_EVENT_ID_REBOOT,
                                              ESX_DOMAIN_EVENT_CALLBACK(on_reboot), NULL, NULL);
    ids[2] = esxConnectDomainEventRegisterAny(conn, NULL, ESX_DOMAIN_EVENT_ID_QUESTION,
                                              ESX_DOMAIN_EVENT_CALLBACK(on_question), NULL, NULL);
    if (ids[0] < 0 || ids[1] < 0 || ids[2] < 0 ||
        (n = esxConnectGetAllDomainStats(conn, ESX_DOMAIN_STATS_STATE, &recs, 0)) < 0) {
        fprintf(stderr, "error: %s\n", esxGetLastErrorMessage());
        esxConnectClose(conn);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        struct entry *e = find(esxDomainGetName(recs[i]->dom), 1);
        if (e && recs[i]->nparams > 0)
            e->state = recs[i]->params[0].value.i;
    }
    esxDomainStatsRecordListFree(recs);
    printf("watching %d domains\n", ndomains);
    fflush(stdout);
    end = timeout >= 0 ? time(NULL) + timeout : 0;
    while (!stopping && (timeout < 0 || time(NULL) < end))
        if (esxEventRunDefaultImplTimeout(500) < 0)
            break;
    for (int i = 0; i < 3; i++)
        esxConnectDomainEventDeregisterAny(conn, ids[i]);
    printf("inventory:\n");
    for (int i = 0; i < ndomains; i++) {
        printf("  %s %s\n", inventory[i].name, state_text(inventory[i].state));
        free(inventory[i].name);
    }
    free(rules);
    esxConnectClose(conn);
    return 0;
}
