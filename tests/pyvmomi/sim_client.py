#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Drives esx-sim with pyvmomi, VMware's own Python SDK, to prove that the
simulator speaks the VI API as VMware's clients expect.

    sim_client.py HOST PORT USER PASSWORD SCENARIO [ARGS...]

Prints `key value` lines that tests/pyvmomi.rs compares with the simulator's
own state. Exits non-zero on any error.
"""

import ssl
import sys
import time

from pyVim.connect import Disconnect, SmartConnect
from pyVmomi import vim


def connect(host, port, user, pwd):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return SmartConnect(host=host, port=int(port), user=user, pwd=pwd, sslContext=ctx)


def all_vms(content):
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    try:
        return list(view.view)
    finally:
        view.Destroy()


def find_vm(content, name):
    for vm in all_vms(content):
        if vm.name == name:
            return vm
    raise SystemExit("no VM named %s" % name)


def wait_task(task, timeout=30):
    deadline = time.time() + timeout
    while task.info.state in (vim.TaskInfo.State.queued, vim.TaskInfo.State.running):
        if time.time() > deadline:
            raise SystemExit("task did not finish")
        time.sleep(0.05)
    return task.info


def scenario_inventory(si, content, args):
    about = content.about
    print("about", about.apiType, about.apiVersion, about.productLineId)
    for vm in all_vms(content):
        print("vm", vm.name, vm.runtime.powerState, vm.config.uuid, vm.config.hardware.memoryMB,
              vm.config.hardware.numCPU)
    host = content.rootFolder.childEntity[0].hostFolder.childEntity[0].host[0]
    hw = host.hardware
    print("host", host.name, hw.cpuInfo.numCpuPackages, hw.cpuInfo.numCpuCores,
          hw.cpuInfo.numCpuThreads, hw.cpuInfo.hz, hw.memorySize, hw.systemInfo.uuid)
    print("summary", host.summary.hardware.cpuModel, host.summary.hardware.numCpuCores)


def scenario_power(si, content, args):
    vm = find_vm(content, args[0])
    info = wait_task(vm.PowerOnVM_Task())
    print("poweron", info.state, vm.runtime.powerState)
    info = wait_task(vm.PowerOffVM_Task())
    print("poweroff", info.state, vm.runtime.powerState)


def scenario_question(si, content, args):
    """Powers a VM on, meets its question and answers it with AnswerVM."""
    vm = find_vm(content, args[0])
    choice = args[1] if len(args) > 1 else None
    task = vm.PowerOnVM_Task()
    deadline = time.time() + 30
    while vm.runtime.question is None:
        if time.time() > deadline:
            raise SystemExit("no question appeared")
        time.sleep(0.05)
    q = vm.runtime.question
    keys = [c.key for c in q.choice.choiceInfo]
    print("question", q.id, q.message[0].id if q.message else "", ",".join(keys),
          q.choice.defaultIndex)
    answer = choice if choice is not None else q.choice.choiceInfo[q.choice.defaultIndex].key
    vm.AnswerVM(q.id, answer)
    info = wait_task(task)
    print("answered", answer, info.state, vm.runtime.powerState)


def scenario_read(si, content, args):
    """Values another client (the driver) set: memory, CPUs, shares."""
    vm = find_vm(content, args[0])
    cfg = vm.config
    print("memory", cfg.hardware.memoryMB)
    print("cpus", cfg.hardware.numCPU)
    print("shares", cfg.cpuAllocation.shares.level, cfg.cpuAllocation.shares.shares)
    print("reservation", cfg.cpuAllocation.reservation)
    print("limit", cfg.cpuAllocation.limit)
    print("memlimit", cfg.memoryAllocation.limit)
    print("memreservation", cfg.memoryAllocation.reservation)


def print_tree(trees, depth):
    for t in trees:
        print("snapshot", depth, t.name, t.state, t.description)
        print_tree(t.childSnapshotList, depth + 1)


def scenario_snapshots(si, content, args):
    vm = find_vm(content, args[0])
    if vm.snapshot is None:
        print("nosnapshots")
        return
    print("current", vm.snapshot.currentSnapshot._moId)
    print_tree(vm.snapshot.rootSnapshotList, 0)


def scenario_disks(si, content, args):
    """The disks of one datastore as VMware's SDK reads them: the
    datastore browser's VmDiskFileQuery details and each disk's UUID."""
    dc = content.rootFolder.childEntity[0]
    ds = next(d for d in dc.datastore if d.name == args[0])
    print("datastore", ds.name, ds.summary.type, ds.summary.capacity)
    query = vim.host.DatastoreBrowser.VmDiskQuery()
    query.details = vim.host.DatastoreBrowser.VmDiskQuery.Details(
        capacityKb=True, diskType=True, thin=True)
    spec = vim.host.DatastoreBrowser.SearchSpec(query=[query])
    task = ds.browser.SearchDatastoreSubFolders_Task("[%s]" % ds.name, spec)
    info = wait_task(task)
    for folder in info.result:
        for f in folder.file:
            path = folder.folderPath.rstrip("/") + "/" + f.path
            if not path.startswith("[%s] " % ds.name):
                path = path.replace("[%s]" % ds.name, "[%s] " % ds.name, 1)
            uuid = content.virtualDiskManager.QueryVirtualDiskUuid(path, dc)
            print("disk", path.split("] ", 1)[1], f.capacityKb, f.thin, uuid)


def scenario_start_only(si, content, args):
    """Starts a power-on and leaves, as a vSphere client user would: a
    question it raises stays for someone else to answer."""
    vm = find_vm(content, args[0])
    task = vm.PowerOnVM_Task()
    print("task", task._moId)


def scenario_stats(si, content, args):
    """What the driver's bulk statistics are made of, as the SDK reads it."""
    for vm in all_vms(content):
        s = vm.summary
        print("stats", vm.name, vm.runtime.powerState, s.config.memorySizeMB,
              s.config.numCpu, s.config.numEthernetCards, s.config.numVirtualDisks,
              s.quickStats.balloonedMemory or 0, s.quickStats.hostMemoryUsage or 0)



def scenario_networks(si, content, args):
    """The host's virtual switches (name, NICs) and port groups (name,
    switch, VLAN ID), as its network system reports them."""
    host = content.rootFolder.childEntity[0].hostFolder.childEntity[0].host[0]
    info = host.configManager.networkSystem.networkInfo
    for sw in info.vswitch:
        nics = []
        if isinstance(sw.spec.bridge, vim.host.VirtualSwitch.BondBridge):
            nics = list(sw.spec.bridge.nicDevice)
        print("vswitch", sw.name, sw.spec.numPorts, *nics)
    for pg in info.portgroup:
        print("portgroup", pg.spec.name, pg.spec.vswitchName, pg.spec.vlanId, len(pg.port))


SCENARIOS = {
    "inventory": scenario_inventory,
    "networks": scenario_networks,
    "power": scenario_power,
    "question": scenario_question,
    "read": scenario_read,
    "snapshots": scenario_snapshots,
    "disks": scenario_disks,
    "start-only": scenario_start_only,
    "stats": scenario_stats,
}


def main():
    host, port, user, pwd, scenario = sys.argv[1:6]
    si = connect(host, port, user, pwd)
    try:
        SCENARIOS[scenario](si, si.RetrieveContent(), sys.argv[6:])
    finally:
        Disconnect(si)


if __name__ == "__main__":
    main()
