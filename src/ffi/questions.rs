// SPDX-License-Identifier: LGPL-2.1-or-later
//! VM questions as objects (esxDomainGetQuestion, esxDomainAnswerQuestion,
//! esxQuestionFree) and the connection's question rules
//! (esxConnectSetQuestionRules). The C form of a question is built once
//! here, for these calls and for the question handler.

use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_uint};
use std::ptr;

use super::export::{export, Conn, Dom, Out};
use super::types::*;
use crate::vi::Question;

/// An esxQuestion with the strings it points to. `q` is first and the
/// struct is boxed, so a pointer to it is a pointer to the esxQuestion the
/// caller sees, valid until esxQuestionFree.
#[repr(C)]
pub(crate) struct OwnedQuestion {
    pub q: esxQuestion,
    _strings: Vec<CString>,
    _choices: Vec<esxQuestionChoice>,
}

fn cstr(s: &str) -> CString {
    CString::new(s.replace('\0', " ")).unwrap_or_default()
}

impl OwnedQuestion {
    pub(crate) fn new(q: &Question) -> Box<OwnedQuestion> {
        // CString and Vec keep their heap buffers when moved, so the
        // pointers taken here stay valid inside the box.
        let id = cstr(&q.id);
        let text = cstr(&q.text);
        let msg = cstr(q.message_ids.first().map(String::as_str).unwrap_or(""));
        let mut strings = Vec::with_capacity(3 + 3 * q.choices.len());
        let mut choices = Vec::with_capacity(q.choices.len());
        for c in &q.choices {
            let (k, l, s) = (cstr(&c.key), cstr(&c.label), cstr(&c.summary));
            choices.push(esxQuestionChoice {
                key: k.as_ptr(),
                label: l.as_ptr(),
                summary: s.as_ptr(),
            });
            strings.extend([k, l, s]);
        }
        let question = esxQuestion {
            id: id.as_ptr(),
            text: text.as_ptr(),
            messageId: msg.as_ptr(),
            nchoices: choices.len().min(c_uint::MAX as usize) as c_uint,
            choices: if choices.is_empty() {
                ptr::null()
            } else {
                choices.as_ptr()
            },
            // An index past the choices (a hostile host's) is no default:
            // C must never index past the array.
            defaultIndex: q
                .default_index
                .filter(|i| *i < choices.len())
                .and_then(|i| c_int::try_from(i).ok())
                .unwrap_or(-1),
        };
        strings.extend([id, text, msg]);
        Box::new(OwnedQuestion {
            q: question,
            _strings: strings,
            _choices: choices,
        })
    }
}

/// The question pending on the domain's VM, whoever raised it: 1 and
/// `*question` set (free it with esxQuestionFree), 0 and `*question` NULL
/// when none is pending, -1 on error. One request.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetQuestion(
    d: esxDomainPtr,
    question: *mut *mut esxQuestion,
    flags: c_uint,
) -> c_int {
    export!(esxDomainGetQuestion(d: Dom, question: Out<*mut esxQuestion>) {
        match d.domains().domain_get_question(&d.dom(), flags)? {
            Some(q) => {
                question.set(Box::into_raw(OwnedQuestion::new(&q)) as *mut esxQuestion);
                Ok(1)
            }
            None => {
                question.set(ptr::null_mut());
                Ok(0)
            }
        }
    })
}

/// Frees a question from esxDomainGetQuestion (NULL is ignored).
#[no_mangle]
pub unsafe extern "C" fn esxQuestionFree(question: *mut esxQuestion) -> c_int {
    export!(keep_error esxQuestionFree() {
        if !question.is_null() {
            // SAFETY: the caller passes what esxDomainGetQuestion gave it
            // (a boxed OwnedQuestion, whose first field this points to),
            // once.
            drop(unsafe { Box::from_raw(question as *mut OwnedQuestion) });
        }
        Ok(0)
    })
}

/// Answers the question pending on the domain's VM with `answer`: a
/// choice's index ("2"), key or label ("button.uuid.copiedTheVM"). With
/// `questionId` non-NULL only that question is answered: another one
/// pending is VIR_ERR_OPERATION_INVALID, so a caller never answers a
/// question it has not seen. 0 on success. Two requests.
#[no_mangle]
pub unsafe extern "C" fn esxDomainAnswerQuestion(
    d: esxDomainPtr,
    questionId: *const c_char,
    answer: *const c_char,
    flags: c_uint,
) -> c_int {
    export!(esxDomainAnswerQuestion(d: Dom, questionId: Option<&str>, answer: &str) {
        d.domains()
            .domain_answer_question(&d.dom(), questionId, answer, flags)
            .map(|_| 0)
    })
}

/// Sets the connection's question rules, `ID=ANSWER[,ID=ANSWER...]` (e.g.
/// "msg.uuid.altered=button.uuid.copiedTheVM"; ANSWER a choice's index or
/// key), consulted before the question handler and auto_answer for every
/// question this connection's tasks meet. NULL or "" removes them; invalid
/// text changes nothing. The URI parameter `question_rules=` sets the
/// first rules.
#[no_mangle]
pub unsafe extern "C" fn esxConnectSetQuestionRules(
    c: esxConnectPtr,
    rules: *const c_char,
    flags: c_uint,
) -> c_int {
    export!(esxConnectSetQuestionRules(c: Conn, rules: Option<&str>) {
        crate::error::check_flags(flags, 0)?;
        c.conn.set_question_rules(rules.unwrap_or("")).map(|_| 0)
    })
}
