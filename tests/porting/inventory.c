/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * inventory.c: a libvirt inventory tool (host, domains, bulk statistics,
 * pools, a volume download, a snapshot, a suspend and resume watched as
 * events), written for libvirt; tests/porting.rs ports it with the sed
 * command of docs/porting.md alone and runs it against esx-sim.
 *   inventory URI PASSWORD-FILE VOLUME-PATH OUTPUT-FILE
 * A block under "#ifndef PENDING_virName" is built out while esx-driver's
 * scripts/api/pending.txt lists virName (libvirt never defines these).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

static char password[256];
static int events;
static int timed_out;

static int
auth_cb(virConnectCredentialPtr cred, unsigned int ncred, void *cbdata)
{
    (void)cbdata;
    for (unsigned int i = 0; i < ncred; i++) {
        const char *answer = cred[i].type == VIR_CRED_AUTHNAME ? "root" : password;
        cred[i].result = strdup(answer);
        cred[i].resultlen = (unsigned int)strlen(answer);
    }
    return 0;
}

static void
on_error(void *userdata, virErrorPtr err)
{
    (void)userdata;
    fprintf(stderr, "inventory: error: %s\n", err->message);
}

static void
on_close(virConnectPtr conn, int reason, void *opaque)
{
    (void)conn; (void)opaque; printf("connection closed (reason %d)\n", reason);
}

static int
on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
    (void)conn; (void)opaque;
    printf("event: %s %s (detail %d)\n", virDomainGetName(dom),
           event == VIR_DOMAIN_EVENT_SUSPENDED ? "suspended" :
           event == VIR_DOMAIN_EVENT_RESUMED ? "resumed" : "other", detail);
    events++;
    return 0;
}

static void on_timeout(int timer, void *opaque) { (void)timer; (void)opaque; timed_out = 1; }

static int
sink(virStreamPtr st, const char *data, size_t nbytes, void *opaque)
{
    (void)st;
    return fwrite(data, 1, nbytes, (FILE *)opaque) == nbytes ? (int)nbytes : -1;
}

static const char *
state_name(int state)
{
    static const char *const names[] = { "no state", "running", "blocked", "paused",
                                         "shutting down", "shut off", "crashed", "suspended" };
    return state >= 0 && state < (int)(sizeof names / sizeof names[0]) ? names[state] : "?";
}

static void
list_domains(virConnectPtr conn)
{
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(conn, &doms, 0);
    for (int i = 0; i < n; i++) {
        virDomainInfo info;
        virDomainJobInfo job;
        int state, reason;
        char *title = virDomainGetMetadata(doms[i], VIR_DOMAIN_METADATA_TITLE, NULL, 0);
        int title_error = title ? 0 : virGetLastErrorCode();
        char *xml = virDomainGetXMLDesc(doms[i], 0);
        if (xml && virDomainGetInfo(doms[i], &info) == 0
            && virDomainGetState(doms[i], &state, &reason, 0) == 0
            && virDomainGetJobInfo(doms[i], &job) == 0)
            printf("domain %s: %s, %u vCPU, %lu KiB, XML %zu bytes, job %d, snapshots %d, "
                   "title: %s\n", virDomainGetName(doms[i]), state_name(state), info.nrVirtCpu,
                   info.maxMem, strlen(xml), job.type, virDomainSnapshotNum(doms[i], 0),
                   title ? title : title_error == VIR_ERR_NO_SUPPORT ? "not supported" : "none");
        free(xml);
        free(title);
        virDomainFree(doms[i]);
    }
    free(doms);
}

static void
snapshot(virDomainPtr dom)
{
    virDomainSnapshotPtr snap = virDomainSnapshotCreateXML(dom,
        "<domainsnapshot><name>inventory</name></domainsnapshot>", 0);
    if (!snap)
        return;
    printf("snapshot %s of %s: current %d\n", virDomainSnapshotGetName(snap),
           virDomainGetName(dom), virDomainSnapshotIsCurrent(snap, 0));
    if (virDomainSnapshotDelete(snap, 0) == 0)
        printf("snapshot deleted\n");
    virDomainSnapshotFree(snap);
}

static void
bulk_stats(virConnectPtr conn)
{
    virDomainStatsRecordPtr *recs = NULL;
    int n = virConnectGetAllDomainStats(conn, VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_BALLOON,
                                        &recs, 0);
    for (int i = 0; i < n; i++) {
        int state = -1;
        unsigned long long balloon = 0;
#ifndef PENDING_virTypedParamsGetInt
        if (virTypedParamsGetInt(recs[i]->params, recs[i]->nparams, "state.state", &state) < 0)
            state = -1;
#endif
#ifndef PENDING_virTypedParamsGetULLong
        if (virTypedParamsGetULLong(recs[i]->params, recs[i]->nparams, "balloon.current",
                                    &balloon) < 0)
            balloon = 0;
#endif
        printf("stats %s: %d parameters, state %d, balloon %llu KiB\n",
               virDomainGetName(recs[i]->dom), recs[i]->nparams, state, balloon);
    }
    virDomainStatsRecordListFree(recs);
}

static void
storage(virConnectPtr conn, const char *path, const char *out)
{
    virStoragePoolPtr *pools = NULL;
    int n = virConnectListAllStoragePools(conn, &pools, 0);
    for (int i = 0; i < n; i++) {
        virStoragePoolInfo info;
        virStorageVolPtr *vols = NULL;
        int nvols = virStoragePoolListAllVolumes(pools[i], &vols, 0);
        if (virStoragePoolGetInfo(pools[i], &info) == 0)
            printf("pool %s: state %d, %llu bytes, %d volumes\n", virStoragePoolGetName(pools[i]),
                   info.state, info.capacity, nvols);
        for (int j = 0; j < nvols; j++)
            virStorageVolFree(vols[j]);
        free(vols);
        virStoragePoolFree(pools[i]);
    }
    free(pools);
#ifndef PENDING_virStreamRecvAll
    {
        virStorageVolPtr vol = virStorageVolLookupByPath(conn, path);
        virStreamPtr st = virStreamNew(conn, 0);
        FILE *f = fopen(out, "wb");
        if (vol && st && f && virStorageVolDownload(vol, st, 0, 0, 0) == 0
            && virStreamRecvAll(st, sink, f) == 0 && virStreamFinish(st) == 0)
            printf("downloaded %s: %ld bytes\n", path, ftell(f));
        if (f)
            fclose(f);
        if (st)
            virStreamFree(st);
        if (vol)
            virStorageVolFree(vol);
    }
#else
    (void)path; (void)out;
#endif
}

static void
watch(virConnectPtr conn, virDomainPtr dom)
{
    int cb = virConnectDomainEventRegisterAny(conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                              VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), NULL, NULL);
    int timer = -1;
#ifndef PENDING_virEventAddTimeout
    timer = virEventAddTimeout(60 * 1000, on_timeout, NULL, NULL);
#endif
    if (cb < 0 || virDomainSuspend(dom) < 0 || virDomainResume(dom) < 0)
        return;
    while (events < 2 && !timed_out && virEventRunDefaultImpl() == 0)
        ;
#ifndef PENDING_virEventRemoveTimeout
    if (timer >= 0)
        virEventRemoveTimeout(timer);
#endif
    (void)timer;
    virConnectDomainEventDeregisterAny(conn, cb);
}

int
main(int argc, char **argv)
{
    int types[] = { VIR_CRED_AUTHNAME, VIR_CRED_PASSPHRASE };
    virConnectAuth auth = { types, 2, auth_cb, NULL };
    unsigned long version, lib;
    virNodeInfo node;
    virConnectPtr conn;
    virDomainPtr dom;
    FILE *f;

    if (argc != 5 || !(f = fopen(argv[2], "r")) || !fgets(password, sizeof password, f))
        return 2;
    fclose(f);
    password[strcspn(password, "\n")] = '\0';
#ifndef PENDING_virInitialize
    virInitialize();
#endif
#ifndef PENDING_virSetErrorFunc
    virSetErrorFunc(NULL, on_error);
#endif
    (void)on_error; (void)on_close; (void)on_timeout; (void)sink;
    if (virEventRegisterDefaultImpl() < 0 || !(conn = virConnectOpenAuth(argv[1], &auth, 0)))
        return 1;
#ifndef PENDING_virConnectRegisterCloseCallback
    virConnectRegisterCloseCallback(conn, on_close, NULL, NULL);
#endif
#ifndef PENDING_virConnectSetKeepAlive
    if (virConnectSetKeepAlive(conn, 5, 3) < 0)
        printf("no keepalive\n");
#endif
    if (virConnectGetVersion(conn, &version) == 0 && virConnectGetLibVersion(conn, &lib) == 0
        && virNodeGetInfo(conn, &node) == 0)
        printf("connected to %s %lu (library %lu, API %d): %s, %u CPUs, %lu KiB\n",
               virConnectGetType(conn), version, lib, LIBVIR_VERSION_NUMBER, node.model,
               node.cpus, node.memory);
    list_domains(conn);
    bulk_stats(conn);
    storage(conn, argv[3], argv[4]);
    if ((dom = virDomainLookupByName(conn, "alpine-01"))) {
        snapshot(dom);
        watch(conn, dom);
        virDomainFree(dom);
    }
    if (!virDomainLookupByName(conn, "no-such-vm"))
        printf("lookup failed: code %d, domain %d\n", virGetLastErrorCode(),
               virGetLastErrorDomain());
#ifndef PENDING_virConnectUnregisterCloseCallback
    virConnectUnregisterCloseCallback(conn, on_close);
#endif
    return virConnectClose(conn) < 0;
}
