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

#include <esx_driver.h>

typedef struct {
    const char *name;
    int (*fn)(esxConnectPtr conn, int argc, char **argv);
    const char *usage;
} command;

static char *password_from_file;

static int
fail(void)
{
    esxErrorPtr err = esxGetLastError();
    fprintf(stderr, "error: %s\n", err && err->message ? err->message : "unknown error");
    return 1;
}

static int
usage_error(const char *usage)
{
    fprintf(stderr, "error: usage: esxsh -c URI %s\n", usage);
    return 2;
}

static int
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
static esxDomainPtr
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

/* The state of each domain comes from filtered listings (running, paused),
 * not from one esxDomainGetState per domain: three requests per 1,000
 * domains instead of one per domain. */
static int
mark_state(esxConnectPtr conn, listed *all, int n, unsigned int flag, int state)
{
    esxDomainPtr *doms = NULL;
    int m = esxConnectListAllDomains(conn, &doms, flag);
    if (m < 0)
        return -1;
    for (int i = 0; i < m; i++) {
        unsigned char u1[ESX_UUID_BUFLEN], u2[ESX_UUID_BUFLEN];
        esxDomainGetUUID(doms[i], u1);
        for (int j = 0; j < n; j++) {
            esxDomainGetUUID(all[j].dom, u2);
            if (memcmp(u1, u2, sizeof(u1)) == 0 &&
                strcmp(esxDomainGetName(doms[i]), esxDomainGetName(all[j].dom)) == 0)
                all[j].state = state;
        }
        esxDomainFree(doms[i]);
    }
    free(doms);
    return 0;
}

static int
cmd_list(esxConnectPtr conn, int argc, char **argv)
{
    unsigned int flags = ESX_CONNECT_LIST_DOMAINS_ACTIVE;
    esxDomainPtr *doms = NULL;
    listed *all;
    int n, rc = 0;

    if (has_flag(argc, argv, "--all"))
        flags = 0;
    if (has_flag(argc, argv, "--inactive"))
        flags = ESX_CONNECT_LIST_DOMAINS_INACTIVE;
    n = esxConnectListAllDomains(conn, &doms, flags);
    if (n < 0)
        return fail();
    all = calloc(n ? n : 1, sizeof(*all));
    if (!all) {
        fprintf(stderr, "error: out of memory\n");
        return 1;
    }
    for (int i = 0; i < n; i++) {
        all[i].dom = doms[i];
        all[i].id = esxDomainGetID(doms[i]);
        all[i].state = ESX_DOMAIN_SHUTOFF;
    }
    free(doms);
    if (mark_state(conn, all, n, ESX_CONNECT_LIST_DOMAINS_RUNNING, ESX_DOMAIN_RUNNING) < 0 ||
        mark_state(conn, all, n, ESX_CONNECT_LIST_DOMAINS_PAUSED, ESX_DOMAIN_PAUSED) < 0) {
        rc = fail();
    } else {
        qsort(all, n, sizeof(*all), listed_cmp);
        printf(" %-4s %-30s %s\n", "Id", "Name", "State");
        printf("-----------------------------------------------\n");
        for (int i = 0; i < n; i++) {
            char idbuf[16];
            if (all[i].id == (unsigned int)-1)
                snprintf(idbuf, sizeof(idbuf), "-");
            else
                snprintf(idbuf, sizeof(idbuf), "%u", all[i].id);
            printf(" %-4s %-30s %s\n", idbuf, esxDomainGetName(all[i].dom), state_name(all[i].state));
        }
    }
    for (int i = 0; i < n; i++)
        esxDomainFree(all[i].dom);
    free(all);
    return rc;
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

static const command commands[] = {
    { "start", cmd_start, "start DOMAIN" },
    { "shutdown", cmd_shutdown, "shutdown DOMAIN" },
    { "reboot", cmd_reboot, "reboot DOMAIN" },
    { "destroy", cmd_destroy, "destroy DOMAIN" },
    { "suspend", cmd_suspend, "suspend DOMAIN" },
    { "resume", cmd_resume, "resume DOMAIN" },
    { "domstate", cmd_domstate, "domstate DOMAIN" },
    { "list", cmd_list, "list [--all|--inactive]" },
    { "nodeinfo", cmd_nodeinfo, "nodeinfo" },
    { "version", cmd_version, "version" },
    { "hostname", cmd_hostname, "hostname" },
    { "uri", cmd_uri, "uri" },
    { "capabilities", cmd_capabilities, "capabilities" },
    { "domuuid", cmd_domuuid, "domuuid DOMAIN" },
    { "domname", cmd_domname, "domname ID|UUID" },
    { "domid", cmd_domid, "domid DOMAIN" },
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
    for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++) {
        if (strcmp(commands[c].name, argv[i]) != 0)
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
        rc = commands[c].fn(conn, argc - i - 1, argv + i + 1);
        if (esxConnectClose(conn) < 0 && rc == 0)
            rc = fail();
        return rc;
    }
    fprintf(stderr, "error: unknown command '%s'\n", argv[i]);
    usage();
    return 2;
}
