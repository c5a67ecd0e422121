/* SPDX-License-Identifier: LGPL-2.1-or-later */
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
#include <time.h>

#include <esx_driver.h>

#include "testlib.h"


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
    /* No URI and no default one (ESX_DEFAULT_URI, LIBVIRT_DEFAULT_URI). */
    unsetenv("ESX_DEFAULT_URI");
    unsetenv("LIBVIRT_DEFAULT_URI");
    CHECK(esxConnectOpen(NULL) == NULL);
    CHECK_ERROR(ESX_ERR_NO_CONNECT, "default URI");
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

/* The exports that only refuse (ESX_ERR_NO_SUPPORT after libvirt's checks):
 * libvirt's tables leave such callbacks NULL, and so do ours. */
#define TABLE(type, getter)
#define FIELD(f)
#define END_TABLE
#define UNSUPPORTED(name) #name,
static const char *const refusing[] = {
#include "table_fields.h"
    NULL
};
#undef TABLE
#undef FIELD
#undef END_TABLE
#undef UNSUPPORTED

static int
refuses(const char *sym)
{
    for (size_t i = 0; refusing[i]; i++)
        if (strcmp(refusing[i], sym) == 0)
            return 1;
    return 0;
}

/* The symbol a table field holds: libvirt's rule, the field's name with
 * the prefix (domainGetXMLDesc: esxDomainGetXMLDesc), but for connectOpen,
 * which is esxConnectOpenAuth (libvirt's drivers get the auth there); NULL
 * when there is no such export or it only refuses. */
static int
check_field(const char *table, const char *field, void *value, void *self)
{
    char sym[128];
    void *export;
    if (strcmp(field, "connectOpen") == 0)
        snprintf(sym, sizeof(sym), "esxConnectOpenAuth");
    else
        snprintf(sym, sizeof(sym), "esx%c%s", field[0] - 'a' + 'A', field + 1);
    export = refuses(sym) ? NULL : dlsym(self, sym);
    if (value != export) {
        fprintf(stderr, "FAIL %s.%s is %p, but the export %s is %p%s: every export a "
                "table has a field for sits in it, and only exports that do more than "
                "refuse\n",
                table, field, value, sym, export, refuses(sym) ? " (it only refuses)" : "");
        failures++;
    }
    return value != NULL;
}

/* Every driver table of the header, field by field (the list is generated
 * from the header: build/table_fields.h): a field holds the export of its
 * name, and is NULL exactly when there is none or it only refuses. */
static void
scenario_tables(void)
{
    void *self = dlopen(NULL, RTLD_NOW);
    int tables = 0;

    CHECK(self != NULL);
    if (!self)
        return;
    CHECK(esxGetHypervisorDriver()->connectOpen == esxConnectOpenAuth);
#define TABLE(type, getter)                                                   \
    {                                                                         \
        const type *t_ = getter();                                            \
        const char *tn_ = #type;                                              \
        int filled_ = 0;                                                      \
        tables++;                                                             \
        CHECK(t_ && strcmp(t_->name, "ESX") == 0);                            \
        if (t_) {
#define FIELD(f) filled_ += check_field(tn_, #f, (void *)t_->f, self);
#define END_TABLE                                                             \
        }                                                                     \
        printf("%s: %d fields filled\n", tn_, filled_);                       \
        CHECK(filled_ > 0);                                                   \
    }
#define UNSUPPORTED(name)
#include "table_fields.h"
#undef TABLE
#undef FIELD
#undef END_TABLE
#undef UNSUPPORTED
    /* The storage table's callbacks that only refuse are NULL, their
     * exports present. */
    CHECK(esxGetStorageDriver()->storagePoolCreateXML == NULL);
    CHECK(refuses("esxStoragePoolCreateXML") && dlsym(self, "esxStoragePoolCreateXML") != NULL);
    CHECK(tables >= 2);
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

static int
state_of(esxDomainPtr dom)
{
    int state = -1, reason = -1;
    if (esxDomainGetState(dom, &state, &reason, 0) < 0)
        return -1;
    return state;
}

/* Start, suspend, resume, destroy, guest shutdown, and the state checks. */
static void
scenario_lifecycle(const char *uri)
{
    esxConnectPtr conn = connect_to(uri, 0);
    esxDomainPtr d, a;
    int state;

    CHECK(conn != NULL);
    if (!conn)
        return;
    d = esxDomainLookupByName(conn, "debian-02");
    a = esxDomainLookupByName(conn, "alpine-01");
    CHECK(d && a);
    if (!d || !a)
        goto out;
    CHECK(state_of(d) == ESX_DOMAIN_SHUTOFF);
    CHECK(esxDomainIsActive(d) == 0);
    CHECK(esxDomainIsPersistent(d) == 1);
    CHECK(esxDomainIsUpdated(d) == 0);
    CHECK(esxDomainHasManagedSaveImage(d, 0) == 0);
    CHECK(esxDomainCreate(d) == 0);
    CHECK(esxDomainGetID(d) == 2);
    CHECK(state_of(d) == ESX_DOMAIN_RUNNING);
    CHECK(esxDomainIsActive(d) == 1);
    CHECK(esxDomainCreate(d) == -1);
    CHECK_ERROR(ESX_ERR_OPERATION_INVALID, "domain 'debian-02' is already running");
    CHECK(esxDomainSuspend(d) == 0);
    CHECK(state_of(d) == ESX_DOMAIN_PAUSED);
    CHECK(esxDomainResume(d) == 0);
    CHECK(state_of(d) == ESX_DOMAIN_RUNNING);
    CHECK(esxDomainShutdown(d) == -1);
    CHECK_ERROR(ESX_ERR_OPERATION_INVALID, "VMware Tools is not running");
    CHECK(esxDomainDestroy(d) == 0);
    CHECK(esxDomainGetID(d) == (unsigned int)-1);
    CHECK(esxDomainDestroyFlags(d, 0) == -1);
    CHECK_ERROR(ESX_ERR_OPERATION_INVALID, "domain 'debian-02' is not running");
    CHECK(esxDomainReboot(d, 0) == -1);
    CHECK_ERROR(ESX_ERR_OPERATION_INVALID, "is not running");
    CHECK(esxDomainCreateWithFlags(d, ESX_DOMAIN_START_PAUSED) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "unsupported flags");
    CHECK(esxDomainGetState(d, NULL, NULL, 0) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "state");
    CHECK(esxDomainReboot(a, ESX_DOMAIN_REBOOT_GUEST_AGENT) == 0);
    CHECK(esxDomainShutdownFlags(a, ESX_DOMAIN_SHUTDOWN_GUEST_AGENT) == 0);
    CHECK(esxDomainShutdownFlags(a, ESX_DOMAIN_SHUTDOWN_ACPI_POWER_BTN) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "unsupported flags");
    state = state_of(a);
    CHECK(state == ESX_DOMAIN_RUNNING || state == ESX_DOMAIN_SHUTOFF);
out:
    esxDomainFree(d);
    esxDomainFree(a);
    esxConnectClose(conn);
}

/* Info and configuration through the C ABI: typed parameters (the nparams
 * protocol), the interface array, NULL pointers and bad values. */
static void
scenario_config(const char *uri)
{
    esxConnectPtr conn = connect_to(uri, 0);
    esxDomainPtr d = NULL, a = NULL;
    esxDomainInfo info;
    esxTypedParameter params[3], one;
    esxDomainInterfacePtr *ifaces = NULL;
    int n = 0, autostart = -1;
    char *s;

    CHECK(conn != NULL);
    if (!conn)
        return;
    d = esxDomainLookupByName(conn, "debian-02");
    a = esxDomainLookupByName(conn, "alpine-01");
    CHECK(d && a);
    if (!d || !a)
        goto out;

    CHECK(esxDomainGetInfo(d, &info) == 0);
    CHECK(info.state == ESX_DOMAIN_SHUTOFF && info.maxMem == 2097152 && info.memory == 2097152 &&
          info.nrVirtCpu == 2 && info.cpuTime == 0);
    CHECK(esxDomainGetInfo(d, NULL) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, NULL);
    CHECK(esxDomainGetInfo(NULL, &info) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_DOMAIN, NULL);
    s = esxDomainGetOSType(d);
    CHECK(s && strcmp(s, "hvm") == 0);
    free(s);
    CHECK(esxDomainGetMaxMemory(d) == 2097152);
    CHECK(esxDomainSetMemory(d, 1048576) == 0);
    CHECK(esxDomainGetInfo(d, &info) == 0 && info.memory == 1048576);
    CHECK(esxDomainSetMemory(d, 8388608) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "higher than max memory");
    CHECK(esxDomainSetMemoryFlags(d, 1048576, 64) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "unsupported flags");
    CHECK(esxDomainSetMaxMemory(a, 4194304) == -1);
    CHECK_ERROR(ESX_ERR_OPERATION_INVALID, "powered off");

    /* nparams 0 asks for the count. */
    CHECK(esxDomainGetMemoryParameters(d, NULL, &n, 0) == 0 && n == 1);
    memset(params, 0, sizeof(params));
    CHECK(esxDomainGetMemoryParameters(d, params, &n, 0) == 0 && n == 1);
    CHECK(strcmp(params[0].field, ESX_DOMAIN_MEMORY_MIN_GUARANTEE) == 0 &&
          params[0].type == ESX_TYPED_PARAM_ULLONG && params[0].value.ul == 0);
    memset(&one, 0, sizeof(one));
    strcpy(one.field, ESX_DOMAIN_MEMORY_MIN_GUARANTEE);
    one.type = ESX_TYPED_PARAM_ULLONG;
    one.value.ul = 524288;
    CHECK(esxDomainSetMemoryParameters(d, &one, 1, 0) == 0);
    one.type = ESX_TYPED_PARAM_STRING;
    one.value.s = (char *)"lots";
    CHECK(esxDomainSetMemoryParameters(d, &one, 1, 0) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "invalid type 'string'");
    CHECK(esxDomainSetMemoryParameters(d, NULL, 1, 0) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, NULL);
    CHECK(esxDomainGetMemoryParameters(d, params, NULL, 0) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, NULL);

    CHECK(esxDomainGetMaxVcpus(d) == 64);
    CHECK(esxConnectGetMaxVcpus(conn, NULL) == 64);
    CHECK(esxConnectGetMaxVcpus(conn, "kvm") == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, NULL);
    CHECK(esxDomainSetVcpus(d, 4) == 0);
    CHECK(esxDomainGetVcpusFlags(d, ESX_DOMAIN_VCPU_CURRENT) == 4);
    CHECK(esxDomainGetVcpusFlags(d, ESX_DOMAIN_VCPU_MAXIMUM) == 64);
    CHECK(esxDomainSetVcpusFlags(d, 128, ESX_DOMAIN_AFFECT_LIVE) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "128 > 64");

    s = esxDomainGetSchedulerType(d, &n);
    CHECK(s && strcmp(s, "allocation") == 0 && n == 3);
    free(s);
    n = 3;
    memset(params, 0, sizeof(params));
    CHECK(esxDomainGetSchedulerParameters(d, params, &n) == 0 && n == 3);
    CHECK(strcmp(params[0].field, ESX_DOMAIN_SCHEDULER_RESERVATION) == 0 && params[0].value.l == 0);
    CHECK(strcmp(params[1].field, ESX_DOMAIN_SCHEDULER_LIMIT) == 0 && params[1].value.l == -1);
    CHECK(strcmp(params[2].field, ESX_DOMAIN_SCHEDULER_SHARES) == 0 &&
          params[2].type == ESX_TYPED_PARAM_INT && params[2].value.i == -2);
    params[2].value.i = 4000;
    CHECK(esxDomainSetSchedulerParametersFlags(d, &params[2], 1, 0) == 0);
    n = 2; /* a short buffer gets the first n */
    CHECK(esxDomainGetSchedulerParametersFlags(d, params, &n, 0) == 0 && n == 2);
    n = 3;
    CHECK(esxDomainGetSchedulerParameters(d, params, &n) == 0 && params[2].value.i == 4000);
    params[2].value.i = -7;
    CHECK(esxDomainSetSchedulerParameters(d, &params[2], 1) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "Could not set shares");
    memset(params[0].field, 'x', sizeof(params[0].field)); /* no NUL */
    CHECK(esxDomainSetSchedulerParameters(d, params, 1) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "NUL-terminated");

    CHECK(esxDomainGetAutostart(d, &autostart) == 0 && autostart == 0);
    CHECK(esxDomainSetAutostart(d, 1) == 0);
    CHECK(esxDomainGetAutostart(d, &autostart) == 0 && autostart == 1);
    CHECK(esxDomainGetAutostart(d, NULL) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, NULL);

    s = esxDomainGetHostname(a, 0);
    CHECK(s && strcmp(s, "alpine-01.lab.example") == 0);
    free(s);
    CHECK(esxDomainGetHostname(d, 0) == NULL);
    CHECK_ERROR(ESX_ERR_OPERATION_INVALID, "is not running");

    n = esxDomainInterfaceAddresses(a, &ifaces, ESX_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT, 0);
    CHECK(n == 1);
    if (n == 1) {
        CHECK(strcmp(ifaces[0]->name, "VM Network") == 0);
        CHECK(ifaces[0]->naddrs == 2);
        CHECK(ifaces[0]->addrs[0].type == ESX_IP_ADDR_TYPE_IPV4 &&
              strcmp(ifaces[0]->addrs[0].addr, "10.0.0.11") == 0 && ifaces[0]->addrs[0].prefix == 24);
        CHECK(ifaces[0]->addrs[1].type == ESX_IP_ADDR_TYPE_IPV6);
    }
    for (int i = 0; i < n; i++)
        esxDomainInterfaceFree(ifaces[i]);
    free(ifaces);
    esxDomainInterfaceFree(NULL); /* a no-op, as virDomainInterfaceFree(NULL) */
    CHECK(esxDomainInterfaceAddresses(a, NULL, ESX_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT, 0) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, NULL);
    CHECK(esxDomainInterfaceAddresses(a, &ifaces, ESX_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE, 0) == -1);
    CHECK_ERROR(ESX_ERR_ARGUMENT_UNSUPPORTED, NULL);

    /* Domain XML through the C ABI, and its bad inputs. */
    s = esxDomainGetXMLDesc(a, 0);
    CHECK(s && strstr(s, "<name>alpine-01</name>") && strstr(s, " id='1'"));
    {
        char *vmx = s ? esxConnectDomainXMLToNative(conn, "vmware-vmx", s, 0) : NULL;
        CHECK(vmx && strstr(vmx, "displayName = \"alpine-01\""));
        free(vmx);
    }
    free(s);
    CHECK(esxDomainGetXMLDesc(NULL, 0) == NULL);
    CHECK_ERROR(ESX_ERR_INVALID_DOMAIN, NULL);
    CHECK(esxDomainGetXMLDesc(a, 1u << 10) == NULL);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "unsupported flags");
    CHECK(esxDomainDefineXML(conn, NULL) == NULL);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, NULL);
    CHECK(esxDomainDefineXML(conn, "<domain") == NULL);
    CHECK_ERROR(ESX_ERR_XML_ERROR, NULL);
    CHECK(esxConnectDomainXMLToNative(conn, "qemu-argv", "<domain/>", 0) == NULL);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "vmware-vmx");
    CHECK(esxConnectDomainXMLFromNative(conn, "vmware-vmx", "\xff = \"x\"", 0) == NULL);
    CHECK(esxDomainUndefine(a) == -1);
    CHECK_ERROR(ESX_ERR_OPERATION_INVALID, "not suspended or powered off");
out:
    esxDomainFree(d);
    esxDomainFree(a);
    esxConnectClose(conn);
}

/* Snapshots through the C ABI: handles and their references, the list
 * protocols (names, NULL-terminated arrays), parents, revert, delete. */
static void
scenario_snapshots(const char *uri)
{
    esxConnectPtr conn = connect_to(uri, 0);
    esxDomainPtr d = NULL;
    esxDomainSnapshotPtr s1 = NULL, s2 = NULL, s3 = NULL, p = NULL, cur = NULL;
    esxDomainSnapshotPtr *all = NULL;
    char *names[8] = { 0 };
    char *xml;
    int n;

    CHECK(conn != NULL);
    if (!conn)
        return;
    d = esxDomainLookupByName(conn, "alpine-01");
    CHECK(d != NULL);
    if (!d)
        goto out;
    CHECK(esxDomainSnapshotNum(d, 0) == 0);
    CHECK(esxDomainHasCurrentSnapshot(d, 0) == 0);
    CHECK(esxDomainSnapshotCurrent(d, 0) == NULL);
    CHECK_ERROR(ESX_ERR_NO_DOMAIN_SNAPSHOT, "no current snapshot");

    s1 = esxDomainSnapshotCreateXML(d, "<domainsnapshot><name>one</name><description>first</description></domainsnapshot>", 0);
    s2 = esxDomainSnapshotCreateXML(d, "<domainsnapshot><name>two</name></domainsnapshot>", ESX_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY);
    CHECK(s1 && s2);
    if (!s1 || !s2)
        goto out;
    CHECK(strcmp(esxDomainSnapshotGetName(s1), "one") == 0);
    CHECK(esxDomainSnapshotGetDomain(s1) == d);
    CHECK(esxDomainSnapshotGetConnect(s1) == conn);
    CHECK(esxDomainSnapshotCreateXML(d, "<domainsnapshot><name>one</name></domainsnapshot>", 0) == NULL);
    CHECK_ERROR(ESX_ERR_OPERATION_INVALID, "already exists");
    CHECK(esxDomainSnapshotCreateXML(d, "not xml", 0) == NULL);
    CHECK_ERROR(ESX_ERR_XML_ERROR, NULL);
    CHECK(esxDomainSnapshotCreateXML(d, NULL, 0) == NULL);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, NULL);
    CHECK(esxDomainSnapshotCreateXML(d, "<domainsnapshot/>", ESX_DOMAIN_SNAPSHOT_CREATE_REDEFINE) == NULL);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "unsupported flags");

    CHECK(esxDomainSnapshotNum(d, 0) == 2);
    CHECK(esxDomainSnapshotNum(d, ESX_DOMAIN_SNAPSHOT_LIST_ROOTS) == 1);
    CHECK(esxDomainSnapshotNum(d, ESX_DOMAIN_SNAPSHOT_LIST_METADATA) == 0);
    CHECK(esxDomainSnapshotNum(d, 1u << 20) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "unsupported flags");
    /* A short buffer gets the first names. */
    CHECK(esxDomainSnapshotListNames(d, names, 1, 0) == 1);
    CHECK(names[0] && strcmp(names[0], "one") == 0 && names[1] == NULL);
    free(names[0]);
    names[0] = NULL;
    CHECK(esxDomainSnapshotListNames(d, names, 8, ESX_DOMAIN_SNAPSHOT_LIST_LEAVES) == 1);
    CHECK(names[0] && strcmp(names[0], "two") == 0);
    free(names[0]);
    CHECK(esxDomainSnapshotListNames(d, NULL, 2, 0) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, NULL);
    CHECK(esxDomainListAllSnapshots(d, NULL, 0) == 2);
    n = esxDomainListAllSnapshots(d, &all, 0);
    CHECK(n == 2 && all && all[2] == NULL);
    for (int i = 0; i < n; i++)
        esxDomainSnapshotFree(all[i]);
    free(all);
    all = NULL;

    CHECK(esxDomainSnapshotNumChildren(s1, 0) == 1);
    CHECK(esxDomainSnapshotNumChildren(s1, ESX_DOMAIN_SNAPSHOT_LIST_DESCENDANTS) == 1);
    n = esxDomainSnapshotListAllChildren(s1, &all, 0);
    CHECK(n == 1 && strcmp(esxDomainSnapshotGetName(all[0]), "two") == 0);
    for (int i = 0; i < n; i++)
        esxDomainSnapshotFree(all[i]);
    free(all);
    CHECK(esxDomainSnapshotListChildrenNames(s1, names, 8, 0) == 1 && strcmp(names[0], "two") == 0);
    free(names[0]);

    p = esxDomainSnapshotGetParent(s2, 0);
    CHECK(p && strcmp(esxDomainSnapshotGetName(p), "one") == 0);
    CHECK(esxDomainSnapshotGetParent(s1, 0) == NULL);
    CHECK_ERROR(ESX_ERR_NO_DOMAIN_SNAPSHOT, "does not have a parent");
    CHECK(esxDomainSnapshotIsCurrent(s2, 0) == 1);
    CHECK(esxDomainSnapshotIsCurrent(s1, 0) == 0);
    CHECK(esxDomainSnapshotHasMetadata(s1, 0) == 0);
    xml = esxDomainSnapshotGetXMLDesc(s1, 0);
    CHECK(xml && strstr(xml, "<description>first</description>") && strstr(xml, "<state>running</state>"));
    free(xml);

    /* Revert to the disk-only snapshot: the domain is off, and its ID
     * follows. */
    CHECK(esxDomainRevertToSnapshot(s2, 0) == 0);
    CHECK(state_of(d) == ESX_DOMAIN_SHUTOFF);
    CHECK(esxDomainGetID(d) == (unsigned int)-1);
    CHECK(esxDomainRevertToSnapshot(s1, ESX_DOMAIN_SNAPSHOT_REVERT_FORCE) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "unsupported flags");
    CHECK(esxDomainRevertToSnapshot(s1, 0) == 0);
    CHECK(state_of(d) == ESX_DOMAIN_RUNNING);
    CHECK(esxDomainGetID(d) == 1);
    cur = esxDomainSnapshotCurrent(d, 0);
    CHECK(cur && strcmp(esxDomainSnapshotGetName(cur), "one") == 0);

    /* Reference counts: the handle outlives its own Free while Ref'd, and
     * a deleted snapshot's handle reports that it is gone. */
    s3 = esxDomainSnapshotLookupByName(d, "two", 0);
    CHECK(s3 != NULL);
    CHECK(esxDomainSnapshotRef(s3) == 0);
    CHECK(esxDomainSnapshotFree(s3) == 0);
    CHECK(esxDomainSnapshotDelete(s3, ESX_DOMAIN_SNAPSHOT_DELETE_CHILDREN | ESX_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "mutually exclusive");
    CHECK(esxDomainSnapshotDelete(s3, 0) == 0);
    CHECK(esxDomainSnapshotGetXMLDesc(s3, 0) == NULL);
    CHECK_ERROR(ESX_ERR_NO_DOMAIN_SNAPSHOT, "two");
    CHECK(esxDomainSnapshotLookupByName(d, "two", 0) == NULL);
    CHECK_ERROR(ESX_ERR_NO_DOMAIN_SNAPSHOT, NULL);
    CHECK(esxDomainSnapshotDelete(s1, ESX_DOMAIN_SNAPSHOT_DELETE_CHILDREN) == 0);
    CHECK(esxDomainSnapshotNum(d, 0) == 0);
    CHECK(esxDomainSnapshotFree(NULL) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_DOMAIN_SNAPSHOT, NULL);
out:
    esxDomainSnapshotFree(s1);
    esxDomainSnapshotFree(s2);
    esxDomainSnapshotFree(s3);
    esxDomainSnapshotFree(p);
    esxDomainSnapshotFree(cur);
    /* The snapshot handles held the domain; it goes last. */
    esxDomainFree(d);
    esxConnectClose(conn);
}

struct held {
    esxDomainPtr dom;
    pthread_barrier_t *closed;
    int errors;
};

static void *
use_after_close(void *p)
{
    struct held *h = p;
    esxDomainInfo info;
    pthread_barrier_wait(h->closed);
    for (int i = 0; i < 20; i++)
        if (esxDomainGetInfo(h->dom, &info) < 0)
            h->errors++;
    if (esxDomainFree(h->dom) < 0)
        h->errors++;
    return NULL;
}

/* esxConnectClose while other threads hold domain handles: the handles
 * keep the connection alive and keep working; the last one closes it. */
static void
scenario_close_held(const char *uri)
{
    esxConnectPtr conn = connect_to(uri, 0);
    const char *names[4] = { "alpine-01", "debian-02", "win2019-03", "serial-04" };
    pthread_t t[4];
    struct held h[4];
    pthread_barrier_t closed;
    int rc;

    CHECK(conn != NULL);
    if (!conn)
        return;
    pthread_barrier_init(&closed, NULL, 5);
    for (int i = 0; i < 4; i++) {
        h[i].dom = esxDomainLookupByName(conn, names[i]);
        h[i].closed = &closed;
        h[i].errors = h[i].dom ? 0 : 1;
        pthread_create(&t[i], NULL, use_after_close, &h[i]);
    }
    rc = esxConnectClose(conn);
    CHECK(rc == 4); /* four domain handles still hold it */
    pthread_barrier_wait(&closed);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK(h[i].errors == 0);
    }
    pthread_barrier_destroy(&closed);
}

/* serial-04 asks on power-on: with auto_answer=0 (URI) the task is left
 * blocked; again, the pending question is reported before anything starts;
 * with auto_answer=1 (URI2) it is answered and the call says so. */
/* Records of every crate reach a log handler without ESX_DRIVER_LOG:
 * the question auto_answer answered is reported (at INFO, by the VI
 * layer), in one line with no control character. */
static int answer_logged, control_logged;

static void
collect_log(int prio, const char *module, const char *msg, void *opaque)
{
    (void)opaque;
    if (prio == ESX_LOG_INFO && strncmp(module, "esx_vi", 6) == 0 && strstr(msg, "answered question"))
        answer_logged++;
    for (const char *c = msg; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            control_logged++;
}

static void
scenario_questions(const char *uri0, const char *uri1)
{
    esxConnectPtr no = connect_to(uri0, 0), yes = connect_to(uri1, 0);
    esxDomainPtr d;
    CHECK(no && yes);
    if (!no || !yes)
        return;
    CHECK(getenv("ESX_DRIVER_LOG") == NULL);
    CHECK(esxSetLogHandler(collect_log, NULL) == 0);
    d = esxDomainLookupByName(no, "serial-04");
    CHECK(d != NULL);
    CHECK(esxDomainCreate(d) == -1);
    CHECK_ERROR(ESX_ERR_OPERATION_INVALID, "left blocked by the question");
    CHECK(strstr(esxGetLastError()->message, "'Append' (key 0, label button.serial.file.append)") != NULL);
    CHECK(esxDomainCreate(d) == -1);
    CHECK_ERROR(ESX_ERR_OPERATION_INVALID, "Pending question blocks domain 'serial-04'");
    esxDomainFree(d);
    d = esxDomainLookupByName(yes, "serial-04");
    CHECK(d != NULL);
    CHECK(esxDomainCreate(d) == -1);
    CHECK_ERROR(ESX_ERR_OPERATION_INVALID, "answered with 'Append' (key 0) as auto_answer=1 says");
    esxDomainFree(d);
    /* A question met during the task is answered and the task completes. */
    d = esxDomainLookupByName(yes, "copied-05");
    CHECK(d && esxDomainCreate(d) == 0);
    CHECK(d && state_of(d) == ESX_DOMAIN_RUNNING);
    esxDomainFree(d);
    CHECK(esxSetLogHandler(NULL, NULL) == 0);
    CHECK(answer_logged >= 2);
    CHECK(control_logged == 0);
    esxConnectClose(no);
    esxConnectClose(yes);
}

struct handler_state {
    int calls;
    int answer;
    int freed;
    unsigned int nchoices;
    int default_index;
    char message_id[64];
    char domain[64];
};

static int
question_cb(esxConnectPtr conn, esxDomainPtr dom, const esxQuestion *q, void *opaque)
{
    struct handler_state *h = opaque;
    (void)conn;
    h->calls++;
    h->nchoices = q->nchoices;
    h->default_index = q->defaultIndex;
    snprintf(h->message_id, sizeof(h->message_id), "%s", q->messageId);
    snprintf(h->domain, sizeof(h->domain), "%s", esxDomainGetName(dom));
    return h->answer;
}

static void
handler_free(void *opaque)
{
    ((struct handler_state *)opaque)->freed++;
}

/* The question handler: a valid index, -1, and an index out of range. */
static void
scenario_handler(const char *uri)
{
    esxConnectPtr conn = connect_to(uri, 0);
    struct handler_state h = { 0, 1, 0, 0, 0, "", "" };
    struct handler_state refuse = { 0, -1, 0, 0, 0, "", "" };
    struct handler_state wild = { 0, 7, 0, 0, 0, "", "" };
    esxDomainPtr d;

    CHECK(conn != NULL);
    if (!conn)
        return;
    CHECK(esxConnectSetQuestionHandler(conn, question_cb, &h, handler_free) == 0);
    d = esxDomainLookupByName(conn, "copied-05");
    CHECK(d && esxDomainCreate(d) == 0);
    CHECK(h.calls == 1 && h.nchoices == 3 && h.default_index == 2);
    CHECK(strcmp(h.message_id, "msg.uuid.altered") == 0);
    CHECK(strcmp(h.domain, "copied-05") == 0);
    esxDomainFree(d);

    CHECK(esxConnectSetQuestionHandler(conn, question_cb, &wild, handler_free) == 0);
    CHECK(h.freed == 1);
    d = esxDomainLookupByName(conn, "serial-04");
    CHECK(d && esxDomainCreate(d) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "chose answer index 7, but the question has only 3 answers");
    CHECK(wild.calls == 1);

    CHECK(esxConnectSetQuestionHandler(conn, question_cb, &refuse, handler_free) == 0);
    CHECK(wild.freed == 1);
    CHECK(d && esxDomainCreate(d) == -1);
    CHECK_ERROR(ESX_ERR_OPERATION_INVALID, "the question handler did not answer it");
    CHECK(refuse.calls == 1);
    esxDomainFree(d);
    CHECK(esxConnectSetQuestionHandler(conn, NULL, NULL, NULL) == 0);
    CHECK(refuse.freed == 1);
    CHECK(esxConnectSetQuestionHandler(NULL, question_cb, &h, NULL) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_CONN, NULL);
    esxConnectClose(conn);
}

/* One operation whose expected error the Rust test arranged on the host:
 *   harness expect-error URI PWFILE OP DOMAIN CODE NEEDLE [FAULT] */
static void
scenario_expect_error(const char *uri, int argc, char **argv)
{
    esxConnectPtr conn = connect_to(uri, 0);
    esxDomainPtr d;
    int rc;
    if (argc < 4) {
        fprintf(stderr, "expect-error needs OP DOMAIN CODE NEEDLE [FAULT]\n");
        failures++;
        return;
    }
    CHECK(conn != NULL);
    if (!conn)
        return;
    d = esxDomainLookupByName(conn, argv[1]);
    CHECK(d != NULL);
    if (strcmp(argv[0], "start") == 0)
        rc = esxDomainCreate(d);
    else
        rc = esxDomainDestroy(d);
    CHECK(rc == -1);
    check_error(atoi(argv[2]), argv[3], __FILE__, __LINE__);
    if (argc > 4)
        CHECK(esxGetLastError()->str1 && strcmp(esxGetLastError()->str1, argv[4]) == 0);
    esxDomainFree(d);
    esxConnectClose(conn);
}

/* Pools and volumes: listing, lookups, a disk's life (create, clone,
 * resize, upload, download, wipe, delete), streams and errors. */
/* Receives exactly `n` bytes (a Recv may return fewer than asked). */
static int
recv_exact(esxStreamPtr st, char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        int r = esxStreamRecv(st, buf + got, n - got);
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

static void
scenario_storage(const char *uri)
{
    esxConnectPtr conn = connect_to(uri, 0);
    esxStoragePoolPtr *pools = NULL, ds1 = NULL, again = NULL, owner = NULL;
    esxStorageVolPtr *vols = NULL, disk = NULL, copy = NULL, found = NULL;
    esxStreamPtr st = NULL;
    esxStoragePoolInfo pinfo;
    esxStorageVolInfo vinfo;
    char uuid[ESX_UUID_STRING_BUFLEN];
    char *names[16] = { 0 };
    char *xml, *path;
    char *data = NULL, *back = NULL;
    const size_t size = 1 << 20;
    size_t got = 0;
    int n, r;

    CHECK(conn != NULL);
    if (!conn)
        return;
    /* Five datastores and two iSCSI targets. */
    n = esxConnectListAllStoragePools(conn, &pools, 0);
    CHECK(n == 7);
    for (int i = 0; i < n; i++)
        esxStoragePoolFree(pools[i]);
    free(pools);
    CHECK(esxConnectNumOfStoragePools(conn) == 7);
    n = esxConnectListStoragePools(conn, names, 16);
    CHECK(n == 7 && strcmp(names[0], "datastore1") == 0);
    for (int i = 0; i < n && i < 16; i++)
        free(names[i]);

    CHECK(esxStoragePoolLookupByName(conn, "no-such-pool") == NULL);
    CHECK_ERROR(ESX_ERR_NO_STORAGE_POOL, "no-such-pool");
    ds1 = esxStoragePoolLookupByName(conn, "datastore1");
    CHECK(ds1 != NULL);
    if (!ds1)
        goto out;
    CHECK(esxStoragePoolGetConnect(ds1) == conn);
    CHECK(esxStoragePoolGetUUIDString(ds1, uuid) == 0);
    again = esxStoragePoolLookupByUUIDString(conn, uuid);
    CHECK(again && strcmp(esxStoragePoolGetName(again), "datastore1") == 0);
    CHECK(esxStoragePoolGetInfo(ds1, &pinfo) == 0 && pinfo.state == ESX_STORAGE_POOL_RUNNING);
    CHECK(pinfo.capacity >= pinfo.available && pinfo.allocation == pinfo.capacity - pinfo.available);
    xml = esxStoragePoolGetXMLDesc(ds1, 0);
    CHECK(xml && strstr(xml, "<pool type='fs'>"));
    free(xml);
    CHECK(esxStoragePoolRefresh(ds1, 0) == 0);
    CHECK(esxStoragePoolIsActive(ds1) == 1 && esxStoragePoolIsPersistent(ds1) == 1);
    CHECK(esxStoragePoolSetAutostart(ds1, 0) == -1);
    CHECK_ERROR(ESX_ERR_OPERATION_INVALID, "datastore1");

    n = esxStoragePoolListAllVolumes(ds1, &vols, 0);
    CHECK(n == esxStoragePoolNumOfVolumes(ds1) && n >= 5);
    for (int i = 0; i < n; i++)
        esxStorageVolFree(vols[i]);
    free(vols);

    CHECK(esxStorageVolLookupByName(ds1, "nothing/here.vmdk") == NULL);
    CHECK_ERROR(ESX_ERR_NO_STORAGE_VOL, "nothing/here.vmdk");
    disk = esxStorageVolCreateXML(ds1,
        "<volume><name>harness/disk.vmdk</name><capacity unit='M'>1</capacity>"
        "<allocation>0</allocation></volume>", 0);
    CHECK(disk != NULL);
    if (!disk)
        goto out;
    CHECK(strcmp(esxStorageVolGetName(disk), "harness/disk.vmdk") == 0);
    CHECK(esxStorageVolGetConnect(disk) == conn);
    path = esxStorageVolGetPath(disk);
    CHECK(path && strcmp(path, "[datastore1] harness/disk.vmdk") == 0);
    found = path ? esxStorageVolLookupByPath(conn, path) : NULL;
    CHECK(found && strcmp(esxStorageVolGetKey(found), esxStorageVolGetKey(disk)) == 0);
    free(path);
    if (found)
        esxStorageVolFree(found);
    found = esxStorageVolLookupByKey(conn, esxStorageVolGetKey(disk));
    CHECK(found != NULL);
    if (found)
        esxStorageVolFree(found);
    owner = esxStoragePoolLookupByVolume(disk);
    CHECK(owner && strcmp(esxStoragePoolGetName(owner), "datastore1") == 0);
    CHECK(esxStorageVolCreateXML(ds1,
        "<volume><name>harness/disk.vmdk</name><capacity>1048576</capacity></volume>", 0) == NULL);
    CHECK_ERROR(ESX_ERR_OPERATION_FAILED, "already exists");

    CHECK(esxStorageVolResize(disk, 2 << 20, 0) == 0);
    CHECK(esxStorageVolGetInfo(disk, &vinfo) == 0 && vinfo.capacity == 2 << 20 && vinfo.type == ESX_STORAGE_VOL_FILE);
    CHECK(esxStorageVolResize(disk, 1, ESX_STORAGE_VOL_RESIZE_SHRINK) == -1);
    CHECK_ERROR(ESX_ERR_ARGUMENT_UNSUPPORTED, "shrink");

    /* Upload the whole capacity in pieces, then read it back. */
    data = malloc(2 * size);
    back = calloc(1, 2 * size);
    CHECK(data && back);
    if (!data || !back)
        goto out;
    for (size_t i = 0; i < 2 * size; i++)
        data[i] = (char)(i * 31 % 251);
    st = esxStreamNew(conn, 0);
    CHECK(st != NULL);
    CHECK(esxStorageVolUpload(disk, st, 0, 0, 0) == 0);
    for (size_t off = 0; off < 2 * size; off += 65521) {
        size_t len = 2 * size - off < 65521 ? 2 * size - off : 65521;
        CHECK(esxStreamSend(st, data + off, len) == (int)len);
    }
    CHECK(esxStreamFinish(st) == 0);
    CHECK(esxStreamRecv(st, back, 10) == -1);
    CHECK_ERROR(ESX_ERR_OPERATION_INVALID, "finished");
    CHECK(esxStreamAbort(st) == -1); /* committed: nothing to abort */
    CHECK_ERROR(ESX_ERR_OPERATION_INVALID, "committed");
    esxStreamFree(st);
    st = esxStreamNew(conn, 0);
    CHECK(esxStorageVolDownload(disk, st, 0, 0, 0) == 0);
    while ((r = esxStreamRecv(st, back + got, 2 * size - got < 100000 ? 2 * size - got : 100000)) > 0)
        got += (size_t)r;
    CHECK(r == 0 && got == 2 * size && memcmp(data, back, 2 * size) == 0);
    CHECK(esxStreamFinish(st) == 0);
    esxStreamFree(st);
    /* A download left half read, then aborted. */
    st = esxStreamNew(conn, 0);
    CHECK(esxStorageVolDownload(disk, st, 4096, 8192, 0) == 0);
    CHECK(recv_exact(st, back, 100) == 0 && memcmp(back, data + 4096, 100) == 0);
    CHECK(esxStreamAbort(st) == 0);
    esxStreamFree(st);
    /* An upload of too much stops at the first byte past the capacity. */
    st = esxStreamNew(conn, 0);
    CHECK(esxStorageVolUpload(disk, st, 0, 0, 0) == 0);
    CHECK(esxStreamSend(st, data, 2 * size) == (int)(2 * size));
    CHECK(esxStreamSend(st, data, 1) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "announced");
    CHECK(esxStreamAbort(st) == 0);
    esxStreamFree(st);
    st = NULL;

    copy = esxStorageVolCreateXMLFrom(ds1,
        "<volume><name>harness/copy.vmdk</name><capacity unit='M'>2</capacity>"
        "<allocation unit='M'>2</allocation></volume>", disk, 0);
    CHECK(copy != NULL);
    CHECK(esxStorageVolWipe(disk, 0) == 0);
    if (copy) {
        /* The copy kept the uploaded contents; the wipe zeroed the source. */
        st = esxStreamNew(conn, 0);
        CHECK(esxStorageVolDownload(copy, st, 0, 4096, 0) == 0);
        CHECK(recv_exact(st, back, 4096) == 0 && memcmp(back, data, 4096) == 0);
        CHECK(esxStreamFinish(st) == 0);
        esxStreamFree(st);
        CHECK(esxStorageVolDelete(copy, 0) == 0);
    }
    st = esxStreamNew(conn, 0);
    CHECK(esxStorageVolDownload(disk, st, 0, 4096, 0) == 0);
    CHECK(recv_exact(st, back, 4096) == 0);
    for (int i = 0; i < 4096; i++)
        if (back[i] != 0) {
            CHECK(!"the wiped disk is zero");
            break;
        }
    CHECK(esxStreamFinish(st) == 0);
    esxStreamFree(st);
    st = NULL;
    /* A running domain's screenshot through a stream. */
    {
        esxDomainPtr dom = esxDomainLookupByName(conn, "alpine-01");
        char *mime;
        CHECK(dom != NULL);
        st = esxStreamNew(conn, 0);
        mime = dom ? esxDomainScreenshot(dom, st, 0, 0) : NULL;
        CHECK(mime && strcmp(mime, "image/png") == 0);
        CHECK(recv_exact(st, back, 8) == 0 && memcmp(back, "\x89PNG\r\n\x1a\n", 8) == 0);
        got = 8;
        while ((r = esxStreamRecv(st, back, 65536)) > 0)
            got += (size_t)r;
        CHECK(r == 0 && got > 1000);
        CHECK(esxStreamFinish(st) == 0);
        esxStreamFree(st);
        st = esxStreamNew(conn, 0);
        CHECK(dom && esxDomainScreenshot(dom, st, 1, 0) == NULL);
        CHECK_ERROR(ESX_ERR_INVALID_ARG, "screen");
        esxStreamFree(st);
        st = NULL;
        free(mime);
        if (dom)
            esxDomainFree(dom);
    }
    CHECK(esxStorageVolRef(disk) == 0);
    CHECK(esxStorageVolFree(disk) == 0);
    CHECK(esxStorageVolDelete(disk, 0) == 0);
    CHECK(esxStorageVolGetInfo(disk, &vinfo) == -1);
    CHECK_ERROR(ESX_ERR_NO_STORAGE_VOL, NULL);

 out:
    free(data);
    free(back);
    if (copy)
        esxStorageVolFree(copy);
    if (disk)
        esxStorageVolFree(disk);
    if (owner)
        esxStoragePoolFree(owner);
    if (again)
        esxStoragePoolFree(again);
    if (ds1)
        esxStoragePoolFree(ds1);
    CHECK(esxConnectClose(conn) == 0);
}

/* Questions as objects: a question raised with no task (by the test,
 * before the run), read, refused with a stale id, answered by key; the
 * rules' syntax. */
static void
scenario_question_api(const char *uri)
{
    esxConnectPtr conn = connect_to(uri, 0);
    esxDomainPtr d;
    esxQuestion *q = (esxQuestion *)1;
    int found_copied = 0;

    CHECK(conn != NULL);
    if (!conn)
        return;
    d = esxDomainLookupByName(conn, "debian-02");
    CHECK(d != NULL);
    if (!d)
        goto out;
    CHECK(esxDomainGetQuestion(d, &q, 0) == 1);
    CHECK(q != NULL && q != (esxQuestion *)1);
    if (q && q != (esxQuestion *)1) {
        CHECK(strcmp(q->messageId, "msg.uuid.altered") == 0);
        CHECK(q->nchoices == 3 && q->defaultIndex >= 0);
        for (unsigned int i = 0; i < q->nchoices; i++)
            if (strcmp(q->choices[i].label, "button.uuid.copiedTheVM") == 0)
                found_copied = 1;
        CHECK(found_copied);
        CHECK(esxDomainAnswerQuestion(d, "stale-id", "1", 0) == -1);
        CHECK_ERROR(ESX_ERR_OPERATION_INVALID, "no longer pending");
        CHECK(esxDomainAnswerQuestion(d, q->id, "no-such-choice", 0) == -1);
        CHECK_ERROR(ESX_ERR_INVALID_ARG, "none of the choices");
        CHECK(esxDomainAnswerQuestion(d, q->id, "button.uuid.copiedTheVM", 0) == 0);
        CHECK(esxQuestionFree(q) == 0);
    }
    q = (esxQuestion *)1;
    CHECK(esxDomainGetQuestion(d, &q, 0) == 0 && q == NULL);
    CHECK(esxDomainGetQuestion(d, NULL, 0) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, NULL);
    CHECK(esxQuestionFree(NULL) == 0);
    CHECK(esxConnectSetQuestionRules(conn, "msg.uuid.altered=button.uuid.copiedTheVM,msg.serial.file.open=0", 0) == 0);
    CHECK(esxConnectSetQuestionRules(conn, "no-equals", 0) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "no-equals");
    CHECK(esxConnectSetQuestionRules(conn, NULL, 0) == 0);
    esxDomainFree(d);
    /* A host whose default answer is out of range (5 of 2 choices): C
     * sees no default (-1), never an index past the array. */
    d = esxDomainLookupByName(conn, "copied-05");
    q = NULL;
    CHECK(d && esxDomainGetQuestion(d, &q, 0) == 1);
    CHECK(q && q->nchoices == 2 && q->defaultIndex == -1);
    esxQuestionFree(q);
    if (d)
        esxDomainFree(d);
 out:
    CHECK(esxConnectClose(conn) == 0);
}

/* Bulk statistics: every domain, a list of domains, the records freed. */
static void
scenario_stats(const char *uri)
{
    esxConnectPtr conn = connect_to(uri, 0);
    esxDomainStatsRecordPtr *recs = NULL;
    esxDomainPtr doms[3] = { NULL, NULL, NULL };
    int n, found = 0;

    CHECK(conn != NULL);
    if (!conn)
        return;
    n = esxConnectGetAllDomainStats(conn, 0, &recs, 0);
    CHECK(n == 5 && recs && recs[5] == NULL);
    for (int i = 0; i < n; i++) {
        CHECK(esxDomainGetConnect(recs[i]->dom) == conn);
        if (strcmp(esxDomainGetName(recs[i]->dom), "alpine-01") == 0) {
            found = 1;
            CHECK(strcmp(recs[i]->params[0].field, "state.state") == 0);
            CHECK(recs[i]->params[0].type == ESX_TYPED_PARAM_INT && recs[i]->params[0].value.i == ESX_DOMAIN_RUNNING);
        }
    }
    CHECK(found);
    /* A caller may keep a record's domain past the free. */
    if (n > 0)
        CHECK(esxDomainRef(recs[0]->dom) == 0);
    doms[0] = n > 0 ? recs[0]->dom : NULL;
    esxDomainStatsRecordListFree(recs);
    recs = NULL;
    doms[1] = esxDomainLookupByName(conn, "debian-02");
    CHECK(doms[0] && doms[1]);
    n = esxDomainListGetStats(doms, ESX_DOMAIN_STATS_VCPU, &recs, 0);
    CHECK(n == 2 && recs && strcmp(recs[1]->params[0].field, "vcpu.current") == 0);
    esxDomainStatsRecordListFree(recs);
    CHECK(esxConnectGetAllDomainStats(conn, ESX_DOMAIN_STATS_CPU_TOTAL, &recs, ESX_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS) == -1);
    CHECK_ERROR(ESX_ERR_ARGUMENT_UNSUPPORTED, "cpu-total");
    CHECK(esxConnectGetAllDomainStats(conn, 0, NULL, 0) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "retStats");
    CHECK(esxDomainListGetStats(NULL, 0, &recs, 0) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "doms must not be NULL");
    {
        esxDomainPtr none[1] = { NULL };
        CHECK(esxDomainListGetStats(none, 0, &recs, 0) == -1);
        CHECK_ERROR(ESX_ERR_INVALID_ARG, "at least one domain");
    }
    esxDomainStatsRecordListFree(NULL);
    for (int i = 0; i < 2; i++)
        if (doms[i])
            esxDomainFree(doms[i]);
    CHECK(esxConnectClose(conn) == 0);
}

/* Domain events: libvirt's loop, RegisterAny for all domains and for one
 * (which deregisters itself from inside its callback), the legacy API,
 * freecb exactly once each, and no call after deregistration. */
struct events_seen {
    int calls;
    int started;   /* STARTED events for debian-02 */
    int stopped;   /* STOPPED events for debian-02 */
    int freed;
    int id;
    int self_deregister;
};

static int
on_lifecycle(esxConnectPtr conn, esxDomainPtr dom, int event, int detail, void *opaque)
{
    struct events_seen *e = opaque;
    (void)detail;
    e->calls++;
    if (strcmp(esxDomainGetName(dom), "debian-02") == 0) {
        if (event == ESX_DOMAIN_EVENT_STARTED)
            e->started++;
        if (event == ESX_DOMAIN_EVENT_STOPPED)
            e->stopped++;
    }
    if (e->self_deregister) {
        e->self_deregister = 0;
        CHECK(esxConnectDomainEventDeregisterAny(conn, e->id) == 0);
        CHECK(e->freed == 0); /* not while its own call runs */
    }
    return 0;
}

static void
on_events_freed(void *opaque)
{
    ((struct events_seen *)opaque)->freed++;
}

static void
scenario_events(const char *uri)
{
    esxConnectPtr conn = connect_to(uri, 0);
    esxDomainPtr d = NULL;
    struct events_seen all = { 0 }, one = { 0 }, legacy = { 0 };
    int spins;

    CHECK(conn != NULL);
    if (!conn)
        return;
    d = esxDomainLookupByName(conn, "debian-02");
    CHECK(d != NULL);
    if (!d)
        goto out;
    CHECK(esxConnectDomainEventRegisterAny(conn, NULL, ESX_DOMAIN_EVENT_ID_LIFECYCLE,
                                          ESX_DOMAIN_EVENT_CALLBACK(on_lifecycle), &all, on_events_freed) == -1);
    CHECK_ERROR(ESX_ERR_OPERATION_INVALID, "esxEventRegisterDefaultImpl");
    CHECK(esxEventRegisterDefaultImpl() == 0);
    all.id = esxConnectDomainEventRegisterAny(conn, NULL, ESX_DOMAIN_EVENT_ID_LIFECYCLE,
                                              ESX_DOMAIN_EVENT_CALLBACK(on_lifecycle), &all, on_events_freed);
    one.id = esxConnectDomainEventRegisterAny(conn, d, ESX_DOMAIN_EVENT_ID_LIFECYCLE,
                                              ESX_DOMAIN_EVENT_CALLBACK(on_lifecycle), &one, on_events_freed);
    one.self_deregister = 1;
    CHECK(all.id > 0 && one.id > 0 && all.id != one.id);
    CHECK(esxConnectDomainEventRegister(conn, on_lifecycle, &legacy, on_events_freed) == 0);
    /* libvirt's rules: one legacy registration per callback, and a domain
     * of this connection only. */
    CHECK(esxConnectDomainEventRegister(conn, on_lifecycle, &legacy, NULL) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "event callback already tracked");
    {
        esxConnectPtr other = connect_to(uri, 0);
        esxDomainPtr theirs = other ? esxDomainLookupByName(other, "debian-02") : NULL;
        CHECK(theirs != NULL);
        CHECK(esxConnectDomainEventRegisterAny(conn, theirs, ESX_DOMAIN_EVENT_ID_LIFECYCLE,
                                               ESX_DOMAIN_EVENT_CALLBACK(on_lifecycle), NULL, NULL) == -1);
        CHECK_ERROR(ESX_ERR_INVALID_ARG, "domain 'debian-02' must match connection");
        if (theirs)
            esxDomainFree(theirs);
        if (other)
            CHECK(esxConnectClose(other) == 0);
    }
    CHECK(esxConnectDomainEventRegisterAny(conn, NULL, 9999, ESX_DOMAIN_EVENT_CALLBACK(on_lifecycle), NULL, NULL) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "event ID");
    CHECK(esxConnectDomainEventRegisterAny(conn, NULL, ESX_DOMAIN_EVENT_ID_LIFECYCLE, NULL, NULL, NULL) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "cb must not be NULL");
    CHECK(esxConnectDomainEventDeregister(conn, NULL) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "cb must not be NULL");

    CHECK(esxDomainCreate(d) == 0);
    for (spins = 0; spins < 150 && (all.started == 0 || legacy.started == 0 || one.calls == 0); spins++)
        CHECK(esxEventRunDefaultImplTimeout(200) >= 0);
    CHECK(all.started == 1 && legacy.started == 1 && one.calls == 1 && one.freed == 1);
    CHECK(esxDomainDestroy(d) == 0);
    for (spins = 0; spins < 150 && (all.stopped == 0 || legacy.stopped == 0); spins++)
        CHECK(esxEventRunDefaultImplTimeout(200) >= 0);
    CHECK(all.stopped == 1 && legacy.stopped == 1);
    CHECK(one.calls == 1 && one.freed == 1); /* deregistered: never again */

    CHECK(esxConnectDomainEventDeregisterAny(conn, one.id) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "could not find");
    CHECK(esxConnectDomainEventDeregisterAny(conn, all.id) == 0);
    CHECK(all.freed == 1);
    CHECK(esxConnectDomainEventDeregister(conn, on_lifecycle) == 0);
    CHECK(legacy.freed == 1);
    CHECK(esxEventRunDefaultImplTimeout(0) >= 0);
    /* A registration left in place ends with its connection. */
    {
        static struct events_seen left = { 0 };
        CHECK(esxConnectDomainEventRegisterAny(conn, NULL, ESX_DOMAIN_EVENT_ID_REBOOT,
                                               ESX_DOMAIN_EVENT_CALLBACK(on_lifecycle), &left, on_events_freed) > 0);
        esxDomainFree(d);
        d = NULL;
        CHECK(esxConnectClose(conn) == 0);
        CHECK(left.freed == 1);
        return;
    }
 out:
    if (d)
        esxDomainFree(d);
    CHECK(esxConnectClose(conn) == 0);
}

/* Connects and closes: what the library logs to stderr on its own (no
 * handler, no ESX_DRIVER_LOG) is checked by the test. */
static void
scenario_connect_only(const char *uri)
{
    esxConnectPtr conn = connect_to(uri, 0);
    CHECK(conn != NULL);
    if (conn)
        CHECK(esxConnectClose(conn) == 0);
}

/* A download stalled by the host: Recv blocks in one thread, Abort from
 * another returns at once and wakes it (the host is still stalled), and
 * the Recv fails as aborted; so does Finish. The test releases the host when this
 * prints "aborted". Then streams of one connection with volumes of
 * another, and uploads that end without Finish (the test checks the disk
 * is unchanged). */
struct stalled {
    esxStreamPtr st;
    volatile size_t got;
    volatile int done;
    int last, code;
};

static void *
recv_until_end(void *arg)
{
    struct stalled *s = arg;
    char buf[16384];
    int r;
    while ((r = esxStreamRecv(s->st, buf, sizeof(buf))) > 0)
        s->got += (size_t)r;
    s->last = r;
    s->code = r < 0 && esxGetLastError() ? esxGetLastError()->code : 0;
    s->done = 1;
    return NULL;
}

static void
scenario_stream_abort(const char *uri, const char *path, size_t stall)
{
    esxConnectPtr conn = connect_to(uri, 0), other = connect_to(uri, 0);
    esxStorageVolPtr vol = NULL;
    esxStreamPtr st = NULL;
    struct stalled s = { 0 };
    pthread_t t;
    char *data = NULL;
    unsigned long long size = 0;
    esxStorageVolInfo info;

    CHECK(conn && other);
    if (!conn || !other)
        goto out;
    vol = esxStorageVolLookupByPath(conn, path);
    CHECK(vol != NULL);
    if (!vol)
        goto out;
    CHECK(esxStorageVolGetInfo(vol, &info) == 0);
    size = info.capacity;

    s.st = esxStreamNew(conn, 0);
    CHECK(esxStorageVolDownload(vol, s.st, 0, 0, 0) == 0);
    CHECK(pthread_create(&t, NULL, recv_until_end, &s) == 0);
    while (s.got < stall && !s.done) {
        struct timespec ms = { 0, 1000000 };
        nanosleep(&ms, NULL);
    }
    CHECK(!s.done); /* held by the host */
    /* Abort returns at once and wakes the blocked Recv (the host still
     * holds the transfer: it is released only after "aborted"). */
    CHECK(esxStreamAbort(s.st) == 0);
    printf("aborted\n");
    fflush(stdout);
    pthread_join(t, NULL);
    CHECK(s.last == -1 && s.code == ESX_ERR_OPERATION_ABORTED);
    CHECK(esxStreamFinish(s.st) == -1);
    CHECK_ERROR(ESX_ERR_OPERATION_ABORTED, "aborted");
    CHECK(esxStreamFree(s.st) == 0);

    /* The last Free of a stream whose Recv is held by the host aborts it
     * as Abort does: the Recv ends now (the join below would otherwise
     * wait for the host), and "freed" comes before the host lets go. */
    memset(&s, 0, sizeof(s));
    s.st = esxStreamNew(conn, 0);
    CHECK(esxStorageVolDownload(vol, s.st, 0, 0, 0) == 0);
    CHECK(pthread_create(&t, NULL, recv_until_end, &s) == 0);
    while (s.got < stall && !s.done) {
        struct timespec ms = { 0, 1000000 };
        nanosleep(&ms, NULL);
    }
    CHECK(!s.done);
    CHECK(esxStreamFree(s.st) == 0);
    pthread_join(t, NULL);
    CHECK(s.last == -1 && s.code == ESX_ERR_OPERATION_ABORTED);
    printf("freed\n");
    fflush(stdout);

    /* A stream carries transfers of its own connection only. */
    st = esxStreamNew(other, 0);
    CHECK(esxStorageVolDownload(vol, st, 0, 0, 0) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "must match connection");
    CHECK(esxStorageVolUpload(vol, st, 0, 0, 0) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "must match connection");
    esxStreamFree(st);

    /* Every byte sent, then aborted; every byte sent, then freed: the
     * disk keeps its contents (the test compares them). */
    data = malloc(size);
    CHECK(data != NULL);
    if (!data)
        goto out;
    memset(data, 0x5a, size);
    st = esxStreamNew(conn, 0);
    CHECK(esxStorageVolUpload(vol, st, 0, 0, 0) == 0);
    CHECK(esxStreamSend(st, data, size) == (int)size);
    CHECK(esxStreamAbort(st) == 0);
    CHECK(esxStreamFinish(st) == -1);
    CHECK_ERROR(ESX_ERR_OPERATION_ABORTED, NULL);
    esxStreamFree(st);
    st = esxStreamNew(conn, 0);
    CHECK(esxStorageVolUpload(vol, st, 0, 0, 0) == 0);
    CHECK(esxStreamSend(st, data, size) == (int)size);
    CHECK(esxStreamFree(st) == 0);
    /* Cut short: Finish fails, and says so again. */
    st = esxStreamNew(conn, 0);
    CHECK(esxStorageVolUpload(vol, st, 0, 0, 0) == 0);
    CHECK(esxStreamSend(st, data, 1000) == 1000);
    CHECK(esxStreamFinish(st) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "bytes announced");
    CHECK(esxStreamFinish(st) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "bytes announced");
    esxStreamFree(st);
 out:
    free(data);
    if (vol)
        esxStorageVolFree(vol);
    if (other)
        esxConnectClose(other);
    if (conn)
        esxConnectClose(conn);
}

/* Scenarios the test drives step by step: at each step the harness says
 * where it is on stdout and waits for a line on stdin, while the test
 * looks at (and changes) the simulator. */
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

static int
on_count(esxConnectPtr conn, esxDomainPtr dom, int event, int detail, void *opaque)
{
    (void)conn;
    (void)dom;
    (void)event;
    (void)detail;
    (*(int *)opaque)++;
    return 0;
}

/* A registration's end stops its watcher (its wait on the host is
 * cancelled); closing a connection with callbacks leaves no session on the
 * host and never logs in again, even when the host ignores the cancel. */
static void
scenario_events_close(const char *uri)
{
    esxConnectPtr conn = connect_to(uri, 0);
    int calls = 0, id;

    CHECK(conn != NULL);
    if (!conn)
        return;
    CHECK(esxEventRegisterDefaultImpl() == 0);
    id = esxConnectDomainEventRegisterAny(conn, NULL, ESX_DOMAIN_EVENT_ID_LIFECYCLE,
                                          ESX_DOMAIN_EVENT_CALLBACK(on_count), &calls, NULL);
    CHECK(id > 0);
    step("registered");
    CHECK(esxConnectDomainEventDeregisterAny(conn, id) == 0);
    step("deregistered");
    id = esxConnectDomainEventRegisterAny(conn, NULL, ESX_DOMAIN_EVENT_ID_LIFECYCLE,
                                          ESX_DOMAIN_EVENT_CALLBACK(on_count), &calls, NULL);
    CHECK(id > 0);
    step("registered again");
    CHECK(esxConnectClose(conn) == 0);
    CHECK(calls == 0);
}

/* With the event queue full (ESX_DRIVER_EVENT_QUEUE=5 in the environment)
 * the oldest events are dropped; the loop then delivers the newest 5. */
static void
scenario_events_overflow(const char *uri)
{
    esxConnectPtr conn = connect_to(uri, 0);
    int calls = 0;

    CHECK(conn != NULL);
    if (!conn)
        return;
    CHECK(esxEventRegisterDefaultImpl() == 0);
    CHECK(esxConnectDomainEventRegisterAny(conn, NULL, ESX_DOMAIN_EVENT_ID_LIFECYCLE,
                                           ESX_DOMAIN_EVENT_CALLBACK(on_count), &calls, NULL) > 0);
    step("registered");
    CHECK(esxEventRunDefaultImplTimeout(0) == 5);
    CHECK(calls == 5);
    CHECK(esxEventRunDefaultImplTimeout(0) == 0);
    CHECK(esxConnectClose(conn) == 0);
}

/* Networks and interfaces against a host with the virtual switch vSwitch0
 * and the physical NIC vmnic0: listings, lookups, XML, the refusals, a
 * define and undefine (with what stays on the host checked through the
 * API), handles' references; the driver tables' network and interface
 * entries. */
static void
scenario_networks(const char *uri)
{
    esxConnectPtr conn = connect_to(uri, 0);
    esxNetworkPtr *nets = (esxNetworkPtr *)(void *)1, net = NULL, again = NULL, made = NULL;
    esxInterfacePtr *ifaces = (esxInterfacePtr *)(void *)1, nic = NULL, by_mac = NULL;
    char uuid[ESX_UUID_STRING_BUFLEN], *names[8] = { 0 }, *xml, *bridge, *mac;
    unsigned char raw[ESX_UUID_BUFLEN];
    int n, autostart = 0;
    const char *doc = "<network><name>harness-net</name>"
                      "<portgroup name='harness-pg'><vlan><tag id='12'/></vlan></portgroup>"
                      "</network>";

    CHECK(conn != NULL);
    if (!conn)
        return;
    /* Listings. */
    n = esxConnectNumOfNetworks(conn);
    CHECK(n >= 1);
    CHECK(esxConnectListNetworks(conn, names, 8) == n);
    for (int i = 0; i < n && i < 8; i++)
        free(names[i]);
    CHECK(esxConnectNumOfDefinedNetworks(conn) == 0);
    CHECK(esxConnectListDefinedNetworks(conn, names, 8) == 0);
    CHECK(esxConnectListNetworks(conn, NULL, 1) == -1);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, NULL);
    CHECK(esxConnectListAllNetworks(conn, &nets, ESX_CONNECT_LIST_NETWORKS_INACTIVE) == 0);
    CHECK(nets != NULL && nets[0] == NULL);
    free(nets);
    nets = (esxNetworkPtr *)(void *)1;
    CHECK(esxConnectListAllNetworks(conn, &nets, 1u << 20) == -1);
    CHECK(nets == NULL);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, NULL);
    CHECK(esxConnectListAllNetworks(conn, &nets, 0) == n);
    for (int i = 0; nets && nets[i]; i++)
        CHECK(esxNetworkFree(nets[i]) == 0);
    free(nets);
    /* Lookups and what a handle tells. */
    net = esxNetworkLookupByName(conn, "vSwitch0");
    CHECK(net != NULL);
    if (!net)
        goto out;
    CHECK(strcmp(esxNetworkGetName(net), "vSwitch0") == 0);
    CHECK(esxNetworkGetConnect(net) == conn);
    CHECK(esxNetworkGetUUIDString(net, uuid) == 0);
    CHECK(esxNetworkGetUUID(net, raw) == 0);
    again = esxNetworkLookupByUUIDString(conn, uuid);
    CHECK(again != NULL && strcmp(esxNetworkGetName(again), "vSwitch0") == 0);
    esxNetworkFree(again);
    again = esxNetworkLookupByUUID(conn, raw);
    CHECK(again != NULL);
    CHECK(esxNetworkRef(again) == 0);
    CHECK(esxNetworkFree(again) == 0);
    CHECK(esxNetworkFree(again) == 0);
    CHECK(esxNetworkLookupByUUIDString(conn, "nope") == NULL);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, "must be a valid UUID");
    CHECK(esxNetworkLookupByName(conn, "no-such-switch") == NULL);
    CHECK_ERROR(ESX_ERR_NO_NETWORK, "no-such-switch");
    CHECK((xml = esxNetworkGetXMLDesc(net, 0)) != NULL);
    CHECK(xml && strstr(xml, "<name>vSwitch0</name>") && strstr(xml, uuid));
    free(xml);
    CHECK(esxNetworkGetXMLDesc(net, 2) == NULL);
    CHECK_ERROR(ESX_ERR_INVALID_ARG, NULL);
    CHECK((bridge = esxNetworkGetBridgeName(net)) != NULL && strcmp(bridge, "vSwitch0") == 0);
    free(bridge);
    CHECK(esxNetworkGetAutostart(net, &autostart) == 0 && autostart == 1);
    CHECK(esxNetworkSetAutostart(net, 1) == 0);
    CHECK(esxNetworkSetAutostart(net, 0) == -1);
    CHECK_ERROR(ESX_ERR_OPERATION_INVALID, "autostart");
    CHECK(esxNetworkIsActive(net) == 1);
    CHECK(esxNetworkIsPersistent(net) == 1);
    /* Define, a second define, undefine. */
    CHECK(esxNetworkDefineXML(conn, "<network><name>x</name><uuid>" "00000000-0000-0000-0000-"
                                    "000000000001</uuid></network>") == NULL);
    CHECK_ERROR(ESX_ERR_CONFIG_UNSUPPORTED, "UUID");
    CHECK(esxNetworkLookupByName(conn, "x") == NULL);
    made = esxNetworkDefineXMLFlags(conn, doc, ESX_NETWORK_DEFINE_VALIDATE);
    CHECK(made != NULL);
    if (made) {
        CHECK(strcmp(esxNetworkGetName(made), "harness-net") == 0);
        CHECK(esxNetworkDefineXML(conn, doc) == NULL);
        CHECK_ERROR(ESX_ERR_NETWORK_EXIST, "harness-net");
        CHECK((xml = esxNetworkGetXMLDesc(made, ESX_NETWORK_XML_INACTIVE)) != NULL);
        CHECK(xml && strstr(xml, "<portgroup name='harness-pg'>") && strstr(xml, "<tag id='12'/>"));
        free(xml);
        CHECK(esxConnectNumOfNetworks(conn) == n + 1);
        CHECK(esxNetworkUndefine(made) == 0);
        CHECK(esxConnectNumOfNetworks(conn) == n);
        CHECK(esxNetworkIsActive(made) == -1);
        CHECK_ERROR(ESX_ERR_NO_NETWORK, "harness-net");
        CHECK(esxNetworkFree(made) == 0);
    }
    /* Interfaces, by name and by MAC address. */
    n = esxConnectNumOfInterfaces(conn);
    CHECK(n >= 1);
    CHECK(esxConnectNumOfDefinedInterfaces(conn) == 0);
    CHECK(esxConnectListInterfaces(conn, names, 8) == n);
    for (int i = 0; i < n && i < 8; i++)
        free(names[i]);
    CHECK(esxConnectListDefinedInterfaces(conn, names, 8) == 0);
    CHECK(esxConnectListAllInterfaces(conn, &ifaces, 0) == n);
    for (int i = 0; ifaces && ifaces[i]; i++)
        CHECK(esxInterfaceFree(ifaces[i]) == 0);
    free(ifaces);
    nic = esxInterfaceLookupByName(conn, "vmnic0");
    CHECK(nic != NULL);
    if (nic) {
        CHECK(strcmp(esxInterfaceGetName(nic), "vmnic0") == 0);
        CHECK(esxInterfaceGetConnect(nic) == conn);
        mac = strdup(esxInterfaceGetMACString(nic));
        by_mac = esxInterfaceLookupByMACString(conn, mac);
        CHECK(by_mac != NULL && strcmp(esxInterfaceGetName(by_mac), "vmnic0") == 0);
        CHECK(esxInterfaceRef(by_mac) == 0);
        CHECK(esxInterfaceFree(by_mac) == 0);
        CHECK(esxInterfaceFree(by_mac) == 0);
        CHECK((xml = esxInterfaceGetXMLDesc(nic, 0)) != NULL);
        CHECK(xml && strstr(xml, "<interface type='ethernet' name='vmnic0'>") && strstr(xml, mac));
        free(xml);
        CHECK(esxInterfaceIsActive(nic) == 1);
        free(mac);
        CHECK(esxInterfaceFree(nic) == 0);
    }
    CHECK(esxInterfaceLookupByName(conn, "vmnic99") == NULL);
    CHECK_ERROR(ESX_ERR_NO_INTERFACE, "vmnic99");
    CHECK(esxInterfaceLookupByMACString(conn, "00:00:00:00:00:99") == NULL);
    CHECK_ERROR(ESX_ERR_NO_INTERFACE, NULL);
    /* The tables hold the exports. */
    CHECK(esxGetNetworkDriver()->networkDefineXML == esxNetworkDefineXML);
    CHECK(esxGetNetworkDriver()->networkUndefine == esxNetworkUndefine);
    CHECK(esxGetInterfaceDriver()->interfaceLookupByName == esxInterfaceLookupByName);
out:
    esxNetworkFree(net);
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
    else if (strcmp(argv[1], "lifecycle") == 0)
        scenario_lifecycle(argv[2]);
    else if (strcmp(argv[1], "questions") == 0 && argc > 4)
        scenario_questions(argv[2], argv[4]);
    else if (strcmp(argv[1], "snapshots") == 0)
        scenario_snapshots(argv[2]);
    else if (strcmp(argv[1], "close-held") == 0)
        scenario_close_held(argv[2]);
    else if (strcmp(argv[1], "config") == 0)
        scenario_config(argv[2]);
    else if (strcmp(argv[1], "events") == 0)
        scenario_events(argv[2]);
    else if (strcmp(argv[1], "events-close") == 0)
        scenario_events_close(argv[2]);
    else if (strcmp(argv[1], "events-overflow") == 0)
        scenario_events_overflow(argv[2]);
    else if (strcmp(argv[1], "stats") == 0)
        scenario_stats(argv[2]);
    else if (strcmp(argv[1], "question-api") == 0)
        scenario_question_api(argv[2]);
    else if (strcmp(argv[1], "storage") == 0)
        scenario_storage(argv[2]);
    else if (strcmp(argv[1], "networks") == 0)
        scenario_networks(argv[2]);
    else if (strcmp(argv[1], "handler") == 0)
        scenario_handler(argv[2]);
    else if (strcmp(argv[1], "connect-only") == 0)
        scenario_connect_only(argv[2]);
    else if (strcmp(argv[1], "stream-abort") == 0 && argc > 5)
        scenario_stream_abort(argv[2], argv[4], (size_t)strtoull(argv[5], NULL, 10));
    else if (strcmp(argv[1], "expect-error") == 0)
        scenario_expect_error(argv[2], argc - 4, argv + 4);
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
