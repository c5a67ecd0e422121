// SPDX-License-Identifier: LGPL-2.1-or-later
//! The SOAP reader on arbitrary response bodies: an error, never a panic,
//! a stack overflow or unbounded memory. Besides raw bytes, the input
//! drives two generators the raw mutator rarely reaches: documents nested
//! deep (thousands of levels, inside a valid envelope) and documents wide
//! (tens of thousands of siblings), and every reply that parses is read
//! through the typed views the driver uses.
#![no_main]
use esx_driver::vi::soap::{parse_reply, redact, Reply};
use esx_driver::vi::types::{ObjectContent, Question, TaskInfo, UpdateSet, Value};
use libfuzzer_sys::fuzz_target;

const HEAD: &str = "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" \
     xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>\
     <RetrievePropertiesExResponse xmlns=\"urn:vim25\"><returnval>";
const TAIL: &str = "</returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>";

/// Element names that mean something to the readers, and some that do not.
const NAMES: &[&str] = &[
    "objects", "obj", "propSet", "name", "val", "missingSet", "fault", "token", "filterSet",
    "objectSet", "changeSet", "op", "kind", "version", "choice", "choiceInfo", "key", "a",
];

fn deep(data: &[u8]) -> String {
    // Up to 2,047 levels: well past the reader's limit (256), small enough
    // that the fuzzer still runs hundreds of inputs a second.
    let depth = u16::from_le_bytes([data.first().copied().unwrap_or(0), data.get(1).copied().unwrap_or(0)])
        as usize
        % 2048;
    let name = NAMES[data.get(2).copied().unwrap_or(0) as usize % NAMES.len()];
    let typed = data.get(3).copied().unwrap_or(0) % 2 == 1;
    let open = if typed {
        format!("<{name} xsi:type=\"ArrayOfString\">")
    } else {
        format!("<{name}>")
    };
    format!("{HEAD}{}{}{TAIL}", open.repeat(depth), format!("</{name}>").repeat(depth))
}

fn wide(data: &[u8]) -> String {
    // Up to 16,380 siblings: past the node budget of a short document.
    let count = (u16::from_le_bytes([data.first().copied().unwrap_or(0), data.get(1).copied().unwrap_or(0)])
        as usize
        % 4096)
        * 4;
    let name = NAMES[data.get(2).copied().unwrap_or(0) as usize % NAMES.len()];
    let item = match data.get(3).copied().unwrap_or(0) % 3 {
        0 => format!("<{name}/>"),
        1 => format!("<{name}>x</{name}>"),
        _ => format!("<{name} type=\"VirtualMachine\">{count}</{name}>"),
    };
    format!("{HEAD}{}{TAIL}", item.repeat(count))
}

/// A document whose shape the input describes: each byte opens, closes or
/// fills an element, with the names the readers look for.
fn shaped(data: &[u8]) -> String {
    let mut out = String::from(HEAD);
    let mut open: Vec<&str> = Vec::new();
    for &b in data {
        let name = NAMES[(b >> 2) as usize % NAMES.len()];
        match b & 3 {
            0 => {
                out.push_str(&format!("<{name}>"));
                open.push(name);
            }
            1 => {
                if let Some(n) = open.pop() {
                    out.push_str(&format!("</{n}>"));
                }
            }
            2 => out.push_str(&format!("<{name} type=\"Task\">t{b}</{name}>")),
            _ => out.push_str(&format!("{}", b as i8)),
        }
    }
    while let Some(n) = open.pop() {
        out.push_str(&format!("</{n}>"));
    }
    out.push_str(TAIL);
    out
}

fn read_typed(values: &[Value]) {
    for v in values {
        let _ = ObjectContent::from_value(v);
        let _ = TaskInfo::from_value(v);
        let _ = UpdateSet::from_value(v);
        let _ = Question::from_value(v);
        for o in v.get_all("objects") {
            if let Ok(oc) = ObjectContent::from_value(o) {
                for (name, _) in &oc.props {
                    let _ = oc.int(name);
                    let _ = oc.long(name);
                    let _ = oc.require_str(name);
                }
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = match mode % 4 {
        0 => match std::str::from_utf8(rest) {
            Ok(t) => t.to_string(),
            Err(_) => return,
        },
        1 => deep(rest),
        2 => wide(rest),
        _ => shaped(rest),
    };
    if let Ok(Reply::Return(values)) = parse_reply("RetrievePropertiesEx", &text) {
        read_typed(&values);
    }
    let _ = redact(&text);
});
