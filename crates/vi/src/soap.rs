// SPDX-License-Identifier: LGPL-2.1-or-later
//! SOAP envelopes: writing requests (escaped, in WSDL field order) and
//! reading responses and faults (roxmltree).

use std::borrow::Cow;
use std::fmt::Write as _;

use roxmltree::{Document, Node};

use super::types::{MoRef, Value, XSI_NS};
use crate::error::{Error, Result};

pub const SOAPENV_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub const VIM_NS: &str = "urn:vim25";

/// Escapes text for element content and attribute values.
///
/// Characters XML 1.0 cannot carry at all (C0 controls other than tab, CR,
/// LF) become U+FFFD here so that no input can break a request; the driver
/// rejects such input with a clear error before it gets this far.
pub fn escape(text: &str) -> Cow<'_, str> {
    let needs = text
        .chars()
        .any(|c| matches!(c, '&' | '<' | '>' | '"' | '\'' | '\r' | '\n' | '\t') || is_illegal(c));
    if !needs {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            c if is_illegal(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// True for characters that XML 1.0 documents cannot contain.
pub fn is_illegal(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
}

/// Builds the parameter part of a request.
#[derive(Debug, Default)]
pub struct XmlWriter {
    buf: String,
}

impl XmlWriter {
    pub fn new() -> XmlWriter {
        XmlWriter::default()
    }

    pub fn open(&mut self, name: &str) -> &mut Self {
        let _ = write!(self.buf, "<{name}>");
        self
    }

    /// Opens an element whose declared type is a base type of the value's.
    pub fn open_typed(&mut self, name: &str, xsi_type: &str) -> &mut Self {
        let _ = write!(self.buf, "<{name} xsi:type=\"{xsi_type}\">");
        self
    }

    pub fn close(&mut self, name: &str) -> &mut Self {
        let _ = write!(self.buf, "</{name}>");
        self
    }

    pub fn text(&mut self, name: &str, text: &str) -> &mut Self {
        let _ = write!(self.buf, "<{name}>{}</{name}>", escape(text));
        self
    }

    pub fn typed_text(&mut self, name: &str, xsi_type: &str, text: &str) -> &mut Self {
        let _ = write!(
            self.buf,
            "<{name} xsi:type=\"{xsi_type}\">{}</{name}>",
            escape(text)
        );
        self
    }

    pub fn opt_text(&mut self, name: &str, text: Option<&str>) -> &mut Self {
        if let Some(t) = text {
            self.text(name, t);
        }
        self
    }

    pub fn int(&mut self, name: &str, value: i64) -> &mut Self {
        let _ = write!(self.buf, "<{name}>{value}</{name}>");
        self
    }

    pub fn boolean(&mut self, name: &str, value: bool) -> &mut Self {
        let _ = write!(self.buf, "<{name}>{value}</{name}>");
        self
    }

    pub fn moref(&mut self, name: &str, moref: &MoRef) -> &mut Self {
        let _ = write!(
            self.buf,
            "<{name} type=\"{}\">{}</{name}>",
            escape(&moref.kind),
            escape(&moref.value)
        );
        self
    }

    /// A value tree: data objects as nested elements in field order, with
    /// `xsi:type` only where the value carries one (an anyType slot).
    pub fn value(&mut self, name: &str, v: &Value) -> &mut Self {
        match v {
            Value::Text { ty: Some(t), text } => self.typed_text(name, t, text),
            Value::Text { ty: None, text } => self.text(name, text),
            Value::MoRef(m) => self.moref(name, m),
            Value::Obj { ty, fields } => {
                match ty {
                    Some(t) => self.open_typed(name, t),
                    None => self.open(name),
                };
                for (n, f) in fields {
                    self.value(n, f);
                }
                self.close(name)
            }
            Value::Array { ty, items } => {
                self.open_typed(name, ty);
                let item = ty
                    .rsplit_once(':')
                    .map_or(ty.as_str(), |(_, l)| l)
                    .trim_start_matches("ArrayOf")
                    .to_string();
                for i in items {
                    self.value(&item, i);
                }
                self.close(name)
            }
        }
    }

    pub fn raw(&mut self, xml: &str) -> &mut Self {
        self.buf.push_str(xml);
        self
    }

    pub fn finish(self) -> String {
        self.buf
    }
}

/// A whole request envelope for `method` on `this`.
pub fn envelope(method: &str, this: &MoRef, params: &str) -> String {
    let mut s = String::with_capacity(400 + params.len());
    s.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <soapenv:Envelope xmlns:soapenc=\"http://schemas.xmlsoap.org/soap/encoding/\" \
         xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" \
         xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>",
    );
    let _ = write!(
        s,
        "<{method} xmlns=\"urn:vim25\"><_this type=\"{}\">{}</_this>{params}</{method}>",
        escape(&this.kind),
        escape(&this.value)
    );
    s.push_str("</soapenv:Body></soapenv:Envelope>");
    s
}

/// At most `max` characters of `body` on one line, for error messages.
pub fn excerpt(body: &str, max: usize) -> String {
    let flat: String = body
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max)
        .collect();
    if body.chars().count() > max {
        format!("{}...", flat.trim_end())
    } else {
        flat.trim_end().to_string()
    }
}

/// Parses XML we did not write with the limits of [`crate::xmldoc`] (no
/// DTD, bounded depth and node count).
pub fn parse_document(text: &str) -> std::result::Result<Document<'_>, String> {
    crate::xmldoc::parse(text)
}

/// A SOAP fault, as the body of an HTTP 500 carries it.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// `detail`'s `xsi:type` (`InvalidLogin`), else the faultcode.
    pub fault_type: String,
    pub message: String,
    pub detail: Option<Value>,
}

fn find_body<'a, 'input>(doc: &'a Document<'input>) -> Option<Node<'a, 'input>> {
    let env = doc.root_element();
    if env.tag_name().name() != "Envelope" {
        return None;
    }
    env.children()
        .find(|n| n.is_element() && n.tag_name().name() == "Body")
}

fn parse_fault(node: Node<'_, '_>) -> Fault {
    let child_text = |name: &str| {
        node.children()
            .find(|c| c.is_element() && c.tag_name().name() == name)
            .and_then(|c| c.text())
            .unwrap_or("")
            .trim()
            .to_string()
    };
    let faultcode = child_text("faultcode");
    let faultstring = child_text("faultstring");
    let detail = node
        .children()
        .find(|c| c.is_element() && c.tag_name().name() == "detail")
        .and_then(|d| d.children().find(|c| c.is_element()));
    let fault_type = detail
        .and_then(|d| {
            d.attribute((XSI_NS, "type"))
                .map(|t| t.rsplit(':').next().unwrap_or(t).to_string())
                .or_else(|| {
                    d.tag_name()
                        .name()
                        .strip_suffix("Fault")
                        .map(str::to_string)
                })
        })
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| {
            let code = faultcode.rsplit(':').next().unwrap_or(&faultcode);
            if code.is_empty() {
                "ServerFaultCode".to_string()
            } else {
                code.to_string()
            }
        });
    Fault {
        message: if faultstring.is_empty() {
            fault_type.clone()
        } else {
            faultstring
        },
        fault_type,
        detail: detail.map(Value::from_node),
    }
}

/// What a SOAP response held: the return values, or a fault.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Return(Vec<Value>),
    Fault(Fault),
}

/// Parses the body of a response to `method`. Faults are returned, not
/// raised, so that the session layer can react to NotAuthenticated.
pub fn parse_reply(method: &str, body: &str) -> Result<Reply> {
    let doc = parse_document(body).map_err(|e| {
        Error::rpc(format!(
            "The host's response to {method} was refused: {e}: {}",
            excerpt(body, 200)
        ))
    })?;
    let soap_body = find_body(&doc).ok_or_else(|| {
        Error::rpc(format!(
            "The host's response to {method} is not a SOAP envelope: {}",
            excerpt(body, 200)
        ))
    })?;
    let first = soap_body
        .children()
        .find(|c| c.is_element())
        .ok_or_else(|| {
            Error::rpc(format!(
                "The host's response to {method} has an empty SOAP body"
            ))
        })?;
    if first.tag_name().name() == "Fault" {
        return Ok(Reply::Fault(parse_fault(first)));
    }
    let expected = format!("{method}Response");
    if first.tag_name().name() != expected {
        return Err(Error::rpc(format!(
            "The host answered {method} with '{}' instead of '{expected}'",
            first.tag_name().name()
        )));
    }
    // A response holds return values and nothing else; anything more means
    // the reply is not what it claims to be, and reading it as "no result"
    // would turn garbage into an empty listing.
    if let Some(other) = first
        .children()
        .find(|c| c.is_element() && c.tag_name().name() != "returnval")
    {
        return Err(Error::rpc(format!(
            "The host's response to {method} holds an unexpected <{}> element",
            excerpt(other.tag_name().name(), 60)
        )));
    }
    Ok(Reply::Return(
        first
            .children()
            .filter(|c| c.is_element())
            .map(Value::from_node)
            .collect(),
    ))
}

/// Replaces the contents of secret elements (`password`, session `key`)
/// so that a SOAP trace can be logged.
pub fn redact(xml: &str) -> String {
    let mut out = mask_session_ids(xml).into_owned();
    for tag in ["password", "key", "sessionId", "cookie"] {
        out = redact_tag(
            &out,
            tag,
            tag == "key" && !out.contains("UserSession") && !out.contains("LoginResponse"),
        );
    }
    out
}

/// Replaces the session key in "session[KEY]" (ESX's names of
/// session-scoped objects) with ***.
pub fn mask_session_ids(text: &str) -> Cow<'_, str> {
    if !text.contains("session[") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("session[") {
        let after = i + "session[".len();
        out.push_str(&rest[..after]);
        match rest[after..].find(']') {
            Some(end) => {
                out.push_str("***");
                rest = &rest[after + end..];
            }
            None => {
                rest = &rest[after..];
                break;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

fn redact_tag(xml: &str, tag: &str, skip: bool) -> String {
    if skip {
        return xml.to_string();
    }
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let after = start + open.len();
        out.push_str(&rest[..after]);
        match rest[after..].find(&close) {
            Some(end) => {
                out.push_str("***");
                rest = &rest[after + end..];
            }
            None => {
                rest = &rest[after..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_and_controls() {
        assert_eq!(escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
        assert_eq!(escape("plain"), "plain");
        assert_eq!(escape("x\u{1}y"), "x\u{FFFD}y");
        assert_eq!(escape("l1\nl2\r"), "l1&#10;l2&#13;");
    }

    #[test]
    fn envelope_is_well_formed_with_hostile_text() {
        let mut w = XmlWriter::new();
        w.text("name", "</name><evil>&amp;\u{7}");
        let env = envelope(
            "Rename_Task",
            &MoRef::new("VirtualMachine", "1\"<"),
            &w.finish(),
        );
        let doc = Document::parse(&env).unwrap();
        let method = doc
            .descendants()
            .find(|n| n.has_tag_name("Rename_Task"))
            .unwrap();
        let name = method.children().find(|n| n.has_tag_name("name")).unwrap();
        assert_eq!(name.text(), Some("</name><evil>&amp;\u{FFFD}"));
        let this = method.children().find(|n| n.has_tag_name("_this")).unwrap();
        assert_eq!(this.text(), Some("1\"<"));
    }

    #[test]
    fn parses_fault_and_returnvals() {
        let fault = r#"<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>Cannot complete login</faultstring><detail><InvalidLoginFault xmlns="urn:vim25" xsi:type="InvalidLogin"></InvalidLoginFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#;
        match parse_reply("Login", fault).unwrap() {
            Reply::Fault(f) => {
                assert_eq!(f.fault_type, "InvalidLogin");
                assert_eq!(f.message, "Cannot complete login");
            }
            other => panic!("{other:?}"),
        }
        let ok = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><FindByUuidResponse xmlns="urn:vim25"/></soapenv:Body></soapenv:Envelope>"#;
        assert_eq!(
            parse_reply("FindByUuid", ok).unwrap(),
            Reply::Return(vec![])
        );
        let wrong = parse_reply("Login", ok).unwrap_err();
        assert!(wrong.message().contains("FindByUuidResponse"));
    }

    #[test]
    fn refuses_dtds_and_garbage() {
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>&lol2;</soapenv:Body></soapenv:Envelope>"#;
        assert!(parse_reply("X", bomb)
            .unwrap_err()
            .message()
            .contains("not well-formed"));
        let junk = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><XResponse xmlns="urn:vim25"><a/><a/></XResponse></soapenv:Body></soapenv:Envelope>"#;
        assert!(parse_reply("X", junk)
            .unwrap_err()
            .message()
            .contains("unexpected <a>"));
        assert!(parse_reply("X", "<html>oops").is_err());
        assert!(parse_reply("X", "<a/>")
            .unwrap_err()
            .message()
            .contains("not a SOAP"));
    }

    #[test]
    fn redaction() {
        let req = "<Login><userName>root</userName><password>s3cr&amp;t</password></Login>";
        assert!(!redact(req).contains("s3cr"));
        let resp = "<LoginResponse><returnval><key>52abc</key><userName>root</userName></returnval></LoginResponse>";
        assert!(!redact(resp).contains("52abc"));
        let choice = "<choiceInfo><key>0</key></choiceInfo>";
        assert_eq!(redact(choice), choice);
        let pc = "<returnval type=\"PropertyCollector\">session[52af-01]pc3</returnval>";
        assert_eq!(
            redact(pc),
            "<returnval type=\"PropertyCollector\">session[***]pc3</returnval>"
        );
        assert_eq!(mask_session_ids("a session[x"), "a session[x");
        assert_eq!(
            mask_session_ids("session[k]a session[k2]b"),
            "session[***]a session[***]b"
        );
    }
}
