# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks esx-driver's declared VI schema against pyvmomi's type tables,
which VMware generates from the vSphere WSDL: an independent peer.

Reads the schema as JSON on stdin (written by tests/schema_peers.rs):
  {"types": [{"name", "managed", "fault", "base", "fields": [{"name", "ty", "occurs"}]}],
   "enums": [{"name", "values": [value]}],
   "methods": [{"name", "on", "returns": field-or-null, "params": [field]}]}

Checked: every type, field, its type and optionality, the fields' WSDL
order, every declared base (an ancestor of the type in pyvmomi, so that a
declared hierarchy, e.g. FileNotFound is a FileFault, is VMware's), every
enum's values (in WSDL order), every method's binding (the type `_this`
must be), parameters and result.
and prints one line per checked item: "ok KIND NAME" or
"mismatch KIND NAME: what differs".
"""

import json
import sys

from pyVmomi import VmomiSupport as V

NS = "urn:vim25"
SKIP = {"dynamicType", "dynamicProperty"}


def is_array(t):
    return isinstance(t, type) and issubclass(t, list) and hasattr(t, "Item")


# pyvmomi's names for strings with a meaning (xsd:string on the wire; a
# Link is the key of another data object, e.g. a ScsiLun's).
STRINGS = {"PropertyPath", "MethodName", "TypeName", "Link"}


def our_type(t):
    """pyvmomi's type as the schema writes it (without occurrence)."""
    if is_array(t):
        return our_type(t.Item)
    if V.GetWsdlName(t) in STRINGS:
        return "string"
    if t is V.ManagedObject or (isinstance(t, type) and issubclass(t, V.ManagedObject)):
        return "MoRef"
    if isinstance(t, type) and issubclass(t, V.Enum):
        return "enum:" + V.GetWsdlName(t)
    if t is object or V.GetWsdlName(t) == "anyType":
        return "anyType"
    return V.GetWsdlName(t)


def optional(flags):
    return bool(flags & V.F_OPTIONAL)


def same_type(ours, theirs):
    if ours == theirs:
        return True
    # pyvmomi folds the wire's LocalizedMethodFault into MethodFault; the
    # schema keeps the wire's shape (a LocalizedMethodFault whose `fault`
    # is any MethodFault subtype: anyType here).
    return theirs == "MethodFault" and ours in ("LocalizedMethodFault", "anyType")


def compare(kind, owner, ours, theirs_type, theirs_flags, since=None):
    """Differences between one of our fields and pyvmomi's. A field pyvmomi
    calls required but that came after the first API version (`since`) may
    be optional here: hosts of older versions, or answering in an older
    one, leave it out."""
    diffs = []
    want = our_type(theirs_type)
    if not same_type(ours["ty"], want):
        diffs.append(f"{owner}.{ours['name']} is {ours['ty']} here, {want} in pyvmomi")
    array = ours["occurs"] in ("Array", "NonEmptyArray")
    if array != is_array(theirs_type):
        diffs.append(
            f"{owner}.{ours['name']} is {'an array' if array else 'single'} here, "
            f"{'an array' if is_array(theirs_type) else 'single'} in pyvmomi"
        )
    may_be_absent = ours["occurs"] in ("Optional", "OptionalState", "Array")
    newer = since is not None and since != "vim.version.version1"
    if may_be_absent and not optional(theirs_flags) and newer:
        pass
    elif may_be_absent != optional(theirs_flags):
        diffs.append(
            f"{owner}.{ours['name']} is {'optional' if may_be_absent else 'required'} here, "
            f"{'optional' if optional(theirs_flags) else 'required'} in pyvmomi"
        )
    return diffs


def ancestors(cls):
    """The WSDL names of a pyvmomi type's bases, nearest first."""
    out = []
    while True:
        bases = [b for b in cls.__bases__ if isinstance(b, type)]
        if not bases:
            return out
        cls = bases[0]
        try:
            out.append(V.GetWsdlName(cls))
        except Exception:  # noqa: BLE001 - past the VMOMI types
            return out


def check_type(t):
    try:
        cls = V.GetWsdlType(NS, t["name"])
    except Exception as e:  # noqa: BLE001 - any failure is a finding
        return [f"pyvmomi has no type {t['name']} ({e})"]
    props = {p.name: p for p in cls._GetPropertyList() if p.name not in SKIP}
    order = [p.name for p in cls._GetPropertyList() if p.name not in SKIP]
    diffs = []
    if t.get("base") is not None and t["base"] not in ancestors(cls):
        diffs.append(
            f"{t['name']} extends {t['base']} here; in pyvmomi its bases are "
            f"{', '.join(ancestors(cls))}"
        )
    if t.get("fault") and "MethodFault" not in ancestors(cls) + [t["name"]]:
        diffs.append(f"{t['name']} is a fault here, no MethodFault in pyvmomi")
    pos = -1
    for f in t["fields"]:
        p = props.get(f["name"])
        if p is None:
            diffs.append(f"{t['name']}.{f['name']} does not exist in pyvmomi")
            continue
        i = order.index(f["name"])
        if i < pos:
            diffs.append(f"{t['name']}.{f['name']} is out of WSDL order")
        pos = i
        diffs += compare("field", t["name"], f, p.type, p.flags, p.version)
    return diffs


def check_enum(e):
    try:
        cls = V.GetWsdlType(NS, e["name"])
    except Exception as ex:  # noqa: BLE001
        return [f"pyvmomi has no enum {e['name']} ({ex})"]
    if not (isinstance(cls, type) and issubclass(cls, V.Enum)):
        return [f"{e['name']} is no enum in pyvmomi"]
    theirs = list(cls.values)
    diffs = []
    pos = -1
    for v in e["values"]:
        if v not in theirs:
            diffs.append(f"{e['name']}.{v} does not exist in pyvmomi")
            continue
        if theirs.index(v) < pos:
            diffs.append(f"{e['name']}.{v} is out of WSDL order")
        pos = theirs.index(v)
    return diffs


# pyvmomi's property accessor (StubAdapterAccessorImpl.InvokeAccessor): a
# method of every managed object, reading one property by name.
ACCESSOR = {"name": "Fetch", "on": "ManagedObject", "params": ["prop"]}


def check_method(m):
    if m["name"] == ACCESSOR["name"]:
        ours = [p["name"] for p in m["params"]]
        if m["on"] != ACCESSOR["on"] or ours != ACCESSOR["params"]:
            return [f"Fetch is pyvmomi's accessor: on ManagedObject, with 'prop' alone"]
        return []
    try:
        mm = V.GetWsdlMethod(NS, m["name"])
        info = mm.info
    except Exception as e:  # noqa: BLE001
        return [f"pyvmomi has no method {m['name']} ({e})"]
    diffs = []
    if V.GetWsdlName(info.type) != m["on"]:
        diffs.append(f"{m['name']} is on {m['on']} here, on {V.GetWsdlName(info.type)} in pyvmomi")
    theirs = [p for p in info.params]
    names = [p.name for p in theirs]
    ours = [p["name"] for p in m["params"]]
    # Ours: a subsequence of theirs in the same order, with every required
    # one of theirs.
    pos = -1
    for p in m["params"]:
        if p["name"] not in names:
            diffs.append(f"{m['name']}({p['name']}) does not exist in pyvmomi")
            continue
        i = names.index(p["name"])
        if i < pos:
            diffs.append(f"{m['name']}({p['name']}) is out of WSDL order")
        pos = i
        diffs += compare("param", m["name"], p, theirs[i].type, theirs[i].flags)
    for p in theirs:
        if not optional(p.flags) and p.name not in ours:
            diffs.append(f"{m['name']} lacks the required parameter {p.name}")
    result = info.result
    if m["returns"] is None:
        if result not in (None, type(None)):
            diffs.append(f"{m['name']} returns nothing here, {our_type(result)} in pyvmomi")
    elif result in (None, type(None)):
        diffs.append(f"{m['name']} returns {m['returns']['ty']} here, nothing in pyvmomi")
    else:
        diffs += compare("result", m["name"], m["returns"], result, info.resultFlags)
    return diffs


def main():
    schema = json.load(sys.stdin)
    for t in schema["types"]:
        diffs = check_type(t)
        kind = "managed" if t["managed"] else "fault" if t.get("fault") else "data"
        if diffs:
            for d in diffs:
                print(f"mismatch {kind} {t['name']}: {d}")
        else:
            print(f"ok {kind} {t['name']}")
    for e in schema.get("enums", []):
        diffs = check_enum(e)
        if diffs:
            for d in diffs:
                print(f"mismatch enum {e['name']}: {d}")
        else:
            print(f"ok enum {e['name']}")
    for m in schema["methods"]:
        diffs = check_method(m)
        if diffs:
            for d in diffs:
                print(f"mismatch method {m['name']}: {d}")
        else:
            print(f"ok method {m['name']}")


if __name__ == "__main__":
    main()
