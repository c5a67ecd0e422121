/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Host and hypervisor commands, with virsh's output (tools/virsh-host.c
 * describes it).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esxsh.h"

static bool
cmd_nodeinfo(shell *sh, const cmd *c)
{
    esxConnectPtr conn = need_conn(sh);
    esxNodeInfo info;
    (void)c;
    if (!conn)
        return false;
    if (esxNodeGetInfo(conn, &info) < 0) {
        save_error(sh);
        err(sh, "%s", "failed to get node information");
        return false;
    }
    out(sh, "%-20s %s\n", "CPU model:", info.model);
    out(sh, "%-20s %u\n", "CPU(s):", info.cpus);
    if (info.mhz)
        out(sh, "%-20s %u MHz\n", "CPU frequency:", info.mhz);
    out(sh, "%-20s %u\n", "CPU socket(s):", info.sockets);
    out(sh, "%-20s %u\n", "Core(s) per socket:", info.cores);
    out(sh, "%-20s %u\n", "Thread(s) per core:", info.threads);
    out(sh, "%-20s %u\n", "NUMA cell(s):", info.nodes);
    out(sh, "%-20s %lu KiB\n", "Memory size:", info.memory);
    return true;
}

static void
version_line(shell *sh, const char *label, unsigned long v)
{
    out(sh, "%s %lu.%lu.%lu\n", label, v / 1000000, (v / 1000) % 1000, v % 1000);
}

static bool
cmd_version(shell *sh, const cmd *c)
{
    esxConnectPtr conn = need_conn(sh);
    unsigned long lib = 0, api = 0, hv = 0;
    const char *type;
    (void)c;
    if (!conn)
        return false;
    if (!(type = esxConnectGetType(conn))) {
        save_error(sh);
        err(sh, "%s", "failed to get hypervisor type");
        return false;
    }
    out(sh, "Compiled against library: esx-driver %d.%d.%d\n", ESX_DRIVER_VERSION_MAJOR,
        ESX_DRIVER_VERSION_MINOR, ESX_DRIVER_VERSION_MICRO);
    if (esxGetVersion(&lib, type, &api) < 0) {
        save_error(sh);
        err(sh, "%s", "failed to get the library version");
        return false;
    }
    version_line(sh, "Using library: esx-driver", lib);
    out(sh, "Using API: %s %lu.%lu.%lu\n", type, api / 1000000, (api / 1000) % 1000, api % 1000);
    if (esxConnectGetVersion(conn, &hv) < 0) {
        save_error(sh);
        err(sh, "%s", "failed to get the hypervisor version");
        return false;
    }
    out(sh, "Running hypervisor: %s %lu.%lu.%lu\n", type, hv / 1000000, (hv / 1000) % 1000,
        hv % 1000);
    return true;
}

static bool
print_string(shell *sh, char *s)
{
    if (!s)
        return save_error(sh);
    out(sh, "%s\n", s);
    free(s);
    return true;
}

static bool
cmd_hostname(shell *sh, const cmd *c)
{
    esxConnectPtr conn = need_conn(sh);
    char *h;
    (void)c;
    if (!conn)
        return false;
    if (!(h = esxConnectGetHostname(conn))) {
        save_error(sh);
        err(sh, "%s", "failed to get hostname");
        return false;
    }
    return print_string(sh, h);
}

static bool
cmd_uri(shell *sh, const cmd *c)
{
    esxConnectPtr conn = need_conn(sh);
    char *u;
    (void)c;
    if (!conn)
        return false;
    if (!(u = esxConnectGetURI(conn))) {
        save_error(sh);
        err(sh, "%s", "failed to get URI");
        return false;
    }
    return print_string(sh, u);
}

static bool
cmd_capabilities(shell *sh, const cmd *c)
{
    esxConnectPtr conn = need_conn(sh);
    char *caps;
    (void)c;
    if (!conn)
        return false;
    if (!(caps = esxConnectGetCapabilities(conn))) {
        save_error(sh);
        err(sh, "%s", "failed to get capabilities");
        return false;
    }
    return print_string(sh, caps);
}

static bool
cmd_freecell(shell *sh, const cmd *c)
{
    esxConnectPtr conn = need_conn(sh);
    unsigned long long memory;
    (void)c;
    if (!conn)
        return false;
    if ((memory = esxNodeGetFreeMemory(conn)) == 0)
        return save_error(sh);
    out(sh, "%s: %llu KiB\n", "Total", memory / 1024);
    return true;
}

static bool
cmd_maxvcpus(shell *sh, const cmd *c)
{
    esxConnectPtr conn = need_conn(sh);
    int n;
    if (!conn)
        return false;
    if ((n = esxConnectGetMaxVcpus(conn, opt_string(c, "type"))) < 0)
        return save_error(sh);
    out(sh, "%d\n", n);
    return true;
}

static const opt_def opts_maxvcpus[] = {
    { "type", OT_STRING, 0, "the domain type (vmware, or none)", C_WORDS, "vmware" },
    { NULL }
};

const cmd_def host_cmds[] = {
    { "capabilities", cmd_capabilities, NULL, "the host's capabilities XML",
      "Prints the host's capabilities XML: its CPU, NUMA cells and the guests it runs.", 0 },
    { "freecell", cmd_freecell, NULL, "the host's free memory",
      "Prints the memory the host has free (ESX reports the host, not each NUMA cell).", 0 },
    { "hostname", cmd_hostname, NULL, "print the host's name",
      "Prints the host name the host reports.", 0 },
    { "maxvcpus", cmd_maxvcpus, opts_maxvcpus, "the most virtual CPUs a domain may have",
      "Prints the most virtual CPUs the host allows a virtual machine.", 0 },
    { "nodeinfo", cmd_nodeinfo, NULL, "the host's CPUs and memory",
      "Prints the host's CPU model, CPU topology and memory.", 0 },
    { "uri", cmd_uri, NULL, "print the connection's URI",
      "Prints the URI of the connection.", 0 },
    { "version", cmd_version, NULL, "the versions of the library and the host",
      "Prints the versions of esxsh's library and of the host's hypervisor.", 0 },
    { NULL }
};
