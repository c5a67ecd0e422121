/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Network and interface commands: virsh's syntax and output formats
 * (tools/virsh-network.c and virsh-interface.c describe them), over the
 * network API (the host's virtual switches) and the interface API (its
 * physical NICs) of esx_driver.h.
 */

#define _DEFAULT_SOURCE

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "esxsh.h"

#define NET_OPT { "network", OT_DATA, OF_REQ, "network name or uuid", C_NONE, NULL }

static int
by_net_name(const void *a, const void *b)
{
    return strcasecmp(esxNetworkGetName(*(esxNetworkPtr const *)a),
                      esxNetworkGetName(*(esxNetworkPtr const *)b));
}

static int
by_iface_name(const void *a, const void *b)
{
    return strcasecmp(esxInterfaceGetName(*(esxInterfacePtr const *)a),
                      esxInterfaceGetName(*(esxInterfacePtr const *)b));
}

/* As virsh: by UUID when the text has a UUID's length (BY_UUID), then by
 * name (BY_NAME). */
static esxNetworkPtr
opt_network(shell *sh, const cmd *c, unsigned int by)
{
    const char *name = opt_string(c, "network");
    esxConnectPtr conn;
    esxNetworkPtr net = NULL;

    if (!name) {
        err(sh, "command '%s' requires <%s> option", c->def->name, "network");
        return NULL;
    }
    if (!(conn = need_conn(sh)))
        return NULL;
    if ((by & BY_UUID) && strlen(name) == ESX_UUID_STRING_BUFLEN - 1)
        net = esxNetworkLookupByUUIDString(conn, name);
    if (!net && (by & BY_NAME))
        net = esxNetworkLookupByName(conn, name);
    if (!net) {
        save_error(sh);
        err(sh, "failed to get network '%s'", name);
    }
    return net;
}

/* virMacAddrParse's rule: six hexadecimal bytes separated by ':'. */
static bool
is_mac(const char *s)
{
    for (int i = 0; i < 6; i++) {
        if (!isxdigit((unsigned char)s[0]))
            return false;
        s += isxdigit((unsigned char)s[1]) ? 2 : 1;
        if (i < 5 && *s++ != ':')
            return false;
    }
    return *s == '\0';
}

enum { BY_IFNAME = 1, BY_MAC = 2 };

/* As virsh: a MAC address is looked up as one (BY_MAC), anything else as a
 * name (BY_IFNAME). */
static esxInterfacePtr
opt_iface(shell *sh, const cmd *c, unsigned int by)
{
    const char *name = opt_string(c, "interface");
    esxConnectPtr conn;
    esxInterfacePtr iface = NULL;
    bool mac;

    if (!name) {
        err(sh, "command '%s' requires <%s> option", c->def->name, "interface");
        return NULL;
    }
    if (!(conn = need_conn(sh)))
        return NULL;
    mac = is_mac(name);
    if (!mac && (by & BY_IFNAME))
        iface = esxInterfaceLookupByName(conn, name);
    else if (mac && (by & BY_MAC))
        iface = esxInterfaceLookupByMACString(conn, name);
    if (!iface) {
        save_error(sh);
        err(sh, "failed to get interface '%s'", name);
    }
    return iface;
}

/* ---- networks ---- */

static bool
cmd_net_list(shell *sh, const cmd *c)
{
    bool uuid = opt_bool(c, "uuid"), name = opt_bool(c, "name"), tbl = opt_bool(c, "table");
    unsigned int flags = ESX_CONNECT_LIST_NETWORKS_ACTIVE;
    esxNetworkPtr *nets = NULL;
    esxConnectPtr conn;
    table *t = NULL;
    int n;

    if (tbl + uuid + name > 1) {
        err(sh, "%s", "Only one argument from --table, --name and --uuid may be specified.");
        return false;
    }
    if (opt_bool(c, "inactive"))
        flags = ESX_CONNECT_LIST_NETWORKS_INACTIVE;
    if (opt_bool(c, "all"))
        flags = ESX_CONNECT_LIST_NETWORKS_ACTIVE | ESX_CONNECT_LIST_NETWORKS_INACTIVE;
    if (opt_bool(c, "persistent"))
        flags |= ESX_CONNECT_LIST_NETWORKS_PERSISTENT;
    if (opt_bool(c, "transient"))
        flags |= ESX_CONNECT_LIST_NETWORKS_TRANSIENT;
    if (opt_bool(c, "autostart"))
        flags |= ESX_CONNECT_LIST_NETWORKS_AUTOSTART;
    if (opt_bool(c, "no-autostart"))
        flags |= ESX_CONNECT_LIST_NETWORKS_NO_AUTOSTART;
    if (!(conn = need_conn(sh)))
        return false;
    if ((n = esxConnectListAllNetworks(conn, &nets, flags)) < 0)
        return save_error(sh);
    qsort(nets, (size_t)n, sizeof(*nets), by_net_name);
    if (!uuid && !name)
        t = table_new(4, "Name", "State", "Autostart", "Persistent");
    for (int i = 0; i < n; i++) {
        char u[ESX_UUID_STRING_BUFLEN];
        if (t) {
            /* A listing answers these from the handles: ESX networks are
             * always active, persistent and autostarted. */
            table_add(t, esxNetworkGetName(nets[i]), "active", "yes", "yes");
        } else if (uuid) {
            if (esxNetworkGetUUIDString(nets[i], u) == 0)
                out(sh, "%s\n", u);
        } else {
            out(sh, "%s\n", esxNetworkGetName(nets[i]));
        }
        esxNetworkFree(nets[i]);
    }
    free(nets);
    reset_error(sh);
    if (t)
        table_print(sh, t);
    return true;
}

static bool
cmd_net_info(shell *sh, const cmd *c)
{
    esxNetworkPtr net = opt_network(sh, c, BY_ANY);
    char uuid[ESX_UUID_STRING_BUFLEN], *bridge;
    int active, persistent, autostart = 0;

    if (!net)
        return false;
    out(sh, "%-15s %s\n", "Name:", esxNetworkGetName(net));
    if (esxNetworkGetUUIDString(net, uuid) == 0)
        out(sh, "%-15s %s\n", "UUID:", uuid);
    if ((active = esxNetworkIsActive(net)) >= 0)
        out(sh, "%-15s %s\n", "Active:", active ? "yes" : "no");
    persistent = esxNetworkIsPersistent(net);
    out(sh, "%-15s %s\n", "Persistent:", persistent < 0 ? "unknown" : persistent ? "yes" : "no");
    if (esxNetworkGetAutostart(net, &autostart) < 0)
        out(sh, "%-15s %s\n", "Autostart:", "no autostart");
    else
        out(sh, "%-15s %s\n", "Autostart:", autostart ? "yes" : "no");
    if ((bridge = esxNetworkGetBridgeName(net)))
        out(sh, "%-15s %s\n", "Bridge:", bridge);
    free(bridge);
    reset_error(sh);
    esxNetworkFree(net);
    return true;
}

static bool
cmd_net_dumpxml(shell *sh, const cmd *c)
{
    esxNetworkPtr net = opt_network(sh, c, BY_ANY);
    char *xml;
    if (!net)
        return false;
    if ((xml = esxNetworkGetXMLDesc(net, opt_bool(c, "inactive") ? ESX_NETWORK_XML_INACTIVE : 0)))
        out(sh, "%s", xml);
    else
        save_error(sh);
    esxNetworkFree(net);
    free(xml);
    return xml != NULL;
}

static bool
cmd_net_uuid(shell *sh, const cmd *c)
{
    esxNetworkPtr net = opt_network(sh, c, BY_NAME);
    char uuid[ESX_UUID_STRING_BUFLEN];
    bool ok;
    if (!net)
        return false;
    if ((ok = esxNetworkGetUUIDString(net, uuid) == 0))
        out(sh, "%s\n", uuid);
    else
        err(sh, "%s", "failed to get network UUID");
    esxNetworkFree(net);
    return ok;
}

static bool
cmd_net_name(shell *sh, const cmd *c)
{
    esxNetworkPtr net = opt_network(sh, c, BY_UUID);
    if (!net)
        return false;
    out(sh, "%s\n", esxNetworkGetName(net));
    esxNetworkFree(net);
    return true;
}

static bool
cmd_net_define(shell *sh, const cmd *c)
{
    const char *file = opt_string(c, "file");
    unsigned int flags = opt_bool(c, "validate") ? ESX_NETWORK_DEFINE_VALIDATE : 0;
    esxConnectPtr conn;
    esxNetworkPtr net;
    char *xml;

    if (!(conn = need_conn(sh)) || !(xml = read_file(sh, file)))
        return false;
    net = esxNetworkDefineXMLFlags(conn, xml, flags);
    free(xml);
    if (!net) {
        save_error(sh);
        err(sh, "Failed to define network from %s", file);
        return false;
    }
    out_extra(sh, "Network %s defined from %s\n", esxNetworkGetName(net), file);
    esxNetworkFree(net);
    return true;
}

static bool
cmd_net_undefine(shell *sh, const cmd *c)
{
    esxNetworkPtr net = opt_network(sh, c, BY_ANY);
    const char *name = opt_string(c, "network");
    bool ok;
    if (!net)
        return false;
    if ((ok = esxNetworkUndefine(net) == 0)) {
        out_extra(sh, "Network %s has been undefined\n", name);
    } else {
        save_error(sh);
        err(sh, "Failed to undefine network %s", name);
    }
    esxNetworkFree(net);
    return ok;
}

static bool
cmd_net_autostart(shell *sh, const cmd *c)
{
    esxNetworkPtr net = opt_network(sh, c, BY_ANY);
    const char *name = opt_string(c, "network");
    bool disable = opt_bool(c, "disable"), ok;
    if (!net)
        return false;
    if ((ok = esxNetworkSetAutostart(net, !disable) == 0)) {
        out_extra(sh, "Network %s %s as autostarted\n", name, disable ? "unmarked" : "marked");
    } else {
        save_error(sh);
        err(sh, "failed to %s network %s as autostarted", disable ? "unmark" : "mark", name);
    }
    esxNetworkFree(net);
    return ok;
}

/* ---- network events (virsh's net-event) ---- */

struct net_watch {
    int count;
    bool loop;
};

static void
print_net_lifecycle(esxConnectPtr conn, esxNetworkPtr net, int event, int detail, void *opaque)
{
    static const char *const names[] = { "Defined", "Undefined", "Started", "Stopped" };
    struct net_watch *w = opaque;
    (void)conn;
    (void)detail;
    if (!w->loop && w->count)
        return;
    printf("event 'lifecycle' for network %s: %s\n", esxNetworkGetName(net),
           event >= 0 && event < 4 ? names[event] : "unknown");
    fflush(stdout);
    w->count++;
}

static bool
cmd_net_event(shell *sh, const cmd *c)
{
    const char *which = opt_string(c, "event"), *name = opt_string(c, "network");
    struct net_watch w = { 0, opt_bool(c, "loop") };
    esxNetworkPtr net = NULL;
    esxConnectPtr conn;
    int timeout = -1, id;
    bool ok = true;

    if (opt_bool(c, "list")) {
        out(sh, "lifecycle\n");
        return true;
    }
    if (opt_int(sh, c, "timeout", &timeout) < 0)
        return false;
    if (opt_string(c, "timeout") && timeout < 1) {
        err(sh, "%s", "Invalid timeout");
        return false;
    }
    if (!which) {
        err(sh, "%s", "either --list or --event <type> is required");
        return false;
    }
    if (strcmp(which, "lifecycle") != 0) {
        err(sh, "unknown event type %s", which);
        return false;
    }
    if (!(conn = need_conn(sh)))
        return false;
    if (name) {
        /* As virsh: by UUID when it has a UUID's length, then by name. */
        if (strlen(name) == ESX_UUID_STRING_BUFLEN - 1)
            net = esxNetworkLookupByUUIDString(conn, name);
        if (!net)
            net = esxNetworkLookupByName(conn, name);
        if (!net) {
            save_error(sh);
            err(sh, "failed to get network '%s'", name);
            return false;
        }
    }
    if (esxEventRegisterDefaultImpl() < 0) {
        ok = save_error(sh);
        goto out;
    }
    id = esxConnectNetworkEventRegisterAny(conn, net, ESX_NETWORK_EVENT_ID_LIFECYCLE,
                                           ESX_NETWORK_EVENT_CALLBACK(print_net_lifecycle), &w, NULL);
    if (id < 0) {
        ok = save_error(sh);
        goto out;
    }
    ok = run_event_loop(sh, &w.count, w.loop, timeout);
    out(sh, "events received: %d\n", w.count);
    esxConnectNetworkEventDeregisterAny(conn, id);
out:
    if (net)
        esxNetworkFree(net);
    return ok;
}

/* ---- interfaces ---- */

static bool
cmd_iface_list(shell *sh, const cmd *c)
{
    unsigned int flags = ESX_CONNECT_LIST_INTERFACES_ACTIVE;
    esxInterfacePtr *ifaces = NULL;
    esxConnectPtr conn;
    table *t;
    int n;

    if (opt_bool(c, "all") && opt_bool(c, "inactive")) {
        err(sh, "Options --%s and --%s are mutually exclusive", "all", "inactive");
        return false;
    }
    if (opt_bool(c, "inactive"))
        flags = ESX_CONNECT_LIST_INTERFACES_INACTIVE;
    if (opt_bool(c, "all"))
        flags = ESX_CONNECT_LIST_INTERFACES_ACTIVE | ESX_CONNECT_LIST_INTERFACES_INACTIVE;
    if (!(conn = need_conn(sh)))
        return false;
    if ((n = esxConnectListAllInterfaces(conn, &ifaces, flags)) < 0)
        return save_error(sh);
    qsort(ifaces, (size_t)n, sizeof(*ifaces), by_iface_name);
    t = table_new(3, "Name", "State", "MAC Address");
    for (int i = 0; i < n; i++) {
        /* A physical NIC is always active. */
        table_add(t, esxInterfaceGetName(ifaces[i]), "active", esxInterfaceGetMACString(ifaces[i]));
        esxInterfaceFree(ifaces[i]);
    }
    free(ifaces);
    reset_error(sh);
    table_print(sh, t);
    return true;
}

static bool
cmd_iface_dumpxml(shell *sh, const cmd *c)
{
    esxInterfacePtr iface = opt_iface(sh, c, BY_IFNAME | BY_MAC);
    char *xml;
    if (!iface)
        return false;
    if ((xml = esxInterfaceGetXMLDesc(iface, opt_bool(c, "inactive") ? ESX_INTERFACE_XML_INACTIVE : 0)))
        out(sh, "%s", xml);
    else
        save_error(sh);
    esxInterfaceFree(iface);
    free(xml);
    return xml != NULL;
}

static bool
cmd_iface_mac(shell *sh, const cmd *c)
{
    esxInterfacePtr iface = opt_iface(sh, c, BY_IFNAME);
    if (!iface)
        return false;
    out(sh, "%s\n", esxInterfaceGetMACString(iface));
    esxInterfaceFree(iface);
    return true;
}

static bool
cmd_iface_name(shell *sh, const cmd *c)
{
    esxInterfacePtr iface = opt_iface(sh, c, BY_MAC);
    if (!iface)
        return false;
    out(sh, "%s\n", esxInterfaceGetName(iface));
    esxInterfaceFree(iface);
    return true;
}

/* ---- the tables ---- */

static const opt_def opts_net_list[] = {
    { "inactive", OT_BOOL, 0, "only the inactive networks (none on ESX)", C_NONE, NULL },
    { "all", OT_BOOL, 0, "the active and the inactive networks", C_NONE, NULL },
    { "persistent", OT_BOOL, 0, "only persistent networks", C_NONE, NULL },
    { "transient", OT_BOOL, 0, "only transient networks (none on ESX)", C_NONE, NULL },
    { "autostart", OT_BOOL, 0, "only networks that start with the host", C_NONE, NULL },
    { "no-autostart", OT_BOOL, 0, "only networks that do not start with the host", C_NONE, NULL },
    { "uuid", OT_BOOL, 0, "only the UUIDs", C_NONE, NULL },
    { "name", OT_BOOL, 0, "only the names", C_NONE, NULL },
    { "table", OT_BOOL, 0, "a table (the default)", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_net[] = { NET_OPT, { NULL } };
static const opt_def opts_net_dumpxml[] = {
    NET_OPT,
    { "inactive", OT_BOOL, 0, "the persistent configuration (the same on ESX)", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_net_define[] = {
    { "file", OT_DATA, OF_REQ, "file with the network's XML", C_FILE, NULL },
    { "validate", OT_BOOL, 0, "check the XML (always done)", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_net_autostart[] = {
    NET_OPT,
    { "disable", OT_BOOL, 0, "do not start it with the host (refused: a virtual switch always does)", C_NONE,
      NULL },
    { NULL }
};
static const opt_def opts_net_event[] = {
    { "network", OT_STRING, 0, "only this network's events", C_NONE, NULL },
    { "event", OT_STRING, 0, "which event: lifecycle", C_WORDS, "lifecycle" },
    { "loop", OT_BOOL, 0, "keep waiting for events (until Ctrl-C)", C_NONE, NULL },
    { "timeout", OT_INT, OF_NAMED, "stop waiting after this many seconds", C_NONE, NULL },
    { "list", OT_BOOL, 0, "list the event types", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_iface_list[] = {
    { "inactive", OT_BOOL, 0, "only the inactive interfaces (none on ESX)", C_NONE, NULL },
    { "all", OT_BOOL, 0, "the active and the inactive interfaces", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_iface_dumpxml[] = {
    { "interface", OT_DATA, OF_REQ, "interface name or MAC address", C_NONE, NULL },
    { "inactive", OT_BOOL, 0, "the configuration only (no link state)", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_iface_mac[] = {
    { "interface", OT_DATA, OF_REQ, "interface name", C_NONE, NULL },
    { NULL }
};
static const opt_def opts_iface_name[] = {
    { "interface", OT_DATA, OF_REQ, "interface MAC address", C_NONE, NULL },
    { NULL }
};

const cmd_def network_cmds[] = {
    { "net-autostart", cmd_net_autostart, opts_net_autostart, "whether a network starts with the host",
      "Marks the network as started with the host (a virtual switch always is).", 0 },
    { "net-define", cmd_net_define, opts_net_define, "define a network from an XML file",
      "Adds the virtual switch and port groups an XML file describes (all of it or nothing).", 0 },
    { "net-dumpxml", cmd_net_dumpxml, opts_net_dumpxml, "print a network's XML",
      "Prints the network's XML description: uplinks, port groups with their VLAN IDs, bandwidth.", 0 },
    { "net-event", cmd_net_event, opts_net_event, "Network events",
      "Waits for network events (a virtual switch defined, changed or undefined on the host, by anyone) "
      "and prints them.", 0 },
    { "net-info", cmd_net_info, opts_net, "information about a network",
      "Prints the network's name, UUID, state, persistence, autostart and bridge.", 0 },
    { "net-list", cmd_net_list, opts_net_list, "list the networks",
      "Lists the networks (the host's virtual switches): by default the active ones.", 0 },
    { "net-name", cmd_net_name, opts_net, "a network's name from its UUID",
      "Prints the name of the network with this UUID.", 0 },
    { "net-undefine", cmd_net_undefine, opts_net, "remove a network",
      "Removes the virtual switch and its port groups (refused while a VM uses one).", 0 },
    { "net-uuid", cmd_net_uuid, opts_net, "a network's UUID from its name",
      "Prints the UUID of the network with this name.", 0 },
    { NULL }
};

const cmd_def interface_cmds[] = {
    { "iface-dumpxml", cmd_iface_dumpxml, opts_iface_dumpxml, "print an interface's XML",
      "Prints the interface's XML description (found by name or MAC address).", 0 },
    { "iface-list", cmd_iface_list, opts_iface_list, "list the interfaces",
      "Lists the host's physical NICs with their state and MAC address.", 0 },
    { "iface-mac", cmd_iface_mac, opts_iface_mac, "an interface's MAC address from its name",
      "Prints the MAC address of the interface with this name.", 0 },
    { "iface-name", cmd_iface_name, opts_iface_name, "an interface's name from its MAC address",
      "Prints the name of the interface with this MAC address.", 0 },
    { NULL }
};
