// SPDX-License-Identifier: LGPL-2.1-or-later
//! VM questions as objects (issue 14): the question pending on any VM,
//! whoever raised it, read and answered by index or key; and question rules
//! by message id, given in the URI or through the API, consulted before the
//! question handler and auto_answer.

mod common;

use std::sync::Arc;

use common::{Esxsh, Sim};
use esx_driver::driver::domain::DomainRef;
use esx_driver::driver::QuestionHandler;
use esx_driver::error::Code;
use esx_driver::vi::Question;

#[test]
fn a_question_nobody_here_raised_is_read_and_answered() {
    let sim = Sim::with_args(&["--task-ms", "5"]);
    let c = sim.connect("");
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();
    assert!(c.domains().domain_get_question(&d, 0).unwrap().is_none());
    assert_eq!(
        c.domains()
            .domain_answer_question(&d, None, "0", 0)
            .unwrap_err()
            .code(),
        Code::OperationInvalid
    );
    // The host asks with no task behind it (as after a power-on from the
    // vSphere client).
    sim.control("action=raise_question&vm=debian-02&kind=uuid");
    sim.reset_stats();
    let q = c
        .domains()
        .domain_get_question(&d, 0)
        .unwrap()
        .expect("pending");
    assert_eq!(sim.count("total"), 1, "one request");
    assert_eq!(q.message_ids, ["msg.uuid.altered"]);
    assert_eq!(q.choices.len(), 3);
    assert_eq!(q.default_index, Some(2));
    // A stale id, an unknown answer: refused, nothing sent.
    for (id, answer, code) in [
        (Some("not-this-one"), "1", Code::OperationInvalid),
        (None, "button.nothing", Code::InvalidArg),
        (None, "3", Code::InvalidArg),
    ] {
        let e = c
            .domains()
            .domain_answer_question(&d, id, answer, 0)
            .unwrap_err();
        assert_eq!(e.code(), code, "{e}");
    }
    assert_eq!(sim.count("AnswerVM"), 0);
    // By key, with the id seen.
    let (answered, i) = c
        .domains()
        .domain_answer_question(&d, Some(&q.id), "button.uuid.copiedTheVM", 0)
        .unwrap();
    assert_eq!((answered.id, i), (q.id.clone(), 2));
    assert_eq!(sim.count("AnswerVM"), 1);
    assert!(c.domains().domain_get_question(&d, 0).unwrap().is_none());
    // By index.
    sim.control("action=raise_question&vm=debian-02&kind=serial");
    let (q, i) = c
        .domains()
        .domain_answer_question(&d, None, "1", 0)
        .unwrap();
    assert_eq!((q.message_ids[0].as_str(), i), ("msg.serial.file.open", 1));
    // A read-only connection reads but does not answer.
    sim.control("action=raise_question&vm=debian-02&kind=uuid");
    let ro = sim.connect_readonly("");
    let rd = ro.domains().domain_lookup_by_name("debian-02").unwrap();
    assert!(ro.domains().domain_get_question(&rd, 0).unwrap().is_some());
    assert_eq!(
        ro.domains()
            .domain_answer_question(&rd, None, "1", 0)
            .unwrap_err()
            .code(),
        Code::OperationDenied
    );
}

/// Rules in the URI answer a power-on's question where auto_answer=0 would
/// refuse it; rules set through the API replace them; a question no rule
/// covers falls through to auto_answer.
#[test]
fn rules_answer_by_message_id_before_auto_answer() {
    let sim = Sim::with_args(&["--task-ms", "5"]);
    let c = sim.connect("auto_answer=0&question_rules=msg.uuid.altered%3Dbutton.uuid.copiedTheVM");
    let d = c.domains().domain_lookup_by_name("copied-05").unwrap();
    let before = sim.vm("copied-05")["uuid"].clone();
    c.domains().domain_create_with_flags(&d, 0).unwrap();
    assert_eq!(sim.count("AnswerVM"), 1);
    assert_ne!(
        sim.vm("copied-05")["uuid"],
        before,
        "answered 'I copied it'"
    );
    // serial-04 asks msg.serial.file.open, which no rule covers:
    // auto_answer=0 refuses it.
    let s = c.domains().domain_lookup_by_name("serial-04").unwrap();
    let e = c.domains().domain_create_with_flags(&s, 0).unwrap_err();
    assert!(
        e.to_string().contains("msg.serial.file.open") || e.to_string().contains("serial"),
        "{e}"
    );
    // Rules through the API: by index this time.
    c.set_question_rules("msg.serial.file.open=1").unwrap();
    // (The refused power-on left its question pending: answer it so.)
    if let Some(q) = c.domains().domain_get_question(&s, 0).unwrap() {
        c.domains()
            .domain_answer_question(&s, Some(&q.id), "2", 0)
            .unwrap();
    }
    sim.wait_vm("serial-04", "the cancelled power-on", |v| {
        v["power"] == "poweredOff"
    });
    c.domains().domain_create_with_flags(&s, 0).unwrap();
    assert_eq!(sim.vm("serial-04")["power"], "poweredOn");
    // Invalid rules change nothing and say why.
    let e = c.set_question_rules("no-equals-sign").unwrap_err();
    assert_eq!(e.code(), Code::InvalidArg);
    let e = esx_driver::driver::Connection::open(
        &sim.uri("question_rules=x"),
        Some(&mut common::Password(common::PASSWORD)),
        false,
    )
    .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArg, "{e}");
}

/// The rules come before an installed question handler.
#[test]
fn rules_come_before_the_handler() {
    struct Never;
    impl QuestionHandler for Never {
        fn decide(&self, _: &DomainRef, _: &Question) -> Option<usize> {
            panic!("the handler was asked although a rule covers the question")
        }
    }
    let sim = Sim::with_args(&["--task-ms", "5"]);
    let c = sim.connect("");
    c.set_question_handler(Some(Arc::new(Never)));
    c.set_question_rules("msg.uuid.altered=button.uuid.movedTheVM")
        .unwrap();
    let d = c.domains().domain_lookup_by_name("copied-05").unwrap();
    let before = sim.vm("copied-05")["uuid"].clone();
    c.domains().domain_create_with_flags(&d, 0).unwrap();
    assert_eq!(sim.vm("copied-05")["uuid"], before, "answered 'I moved it'");
}

/// esxsh question shows the pending question and answers it.
#[test]
fn esxsh_question_shows_and_answers() {
    let sim = Sim::with_args(&["--task-ms", "5"]);
    let Some(e) = Esxsh::new(&sim) else { return };
    let (out, err) = e.run(&["question", "debian-02"]);
    assert_eq!(
        out, "Domain 'debian-02' has no pending question\n\n",
        "{err}"
    );
    sim.control("action=raise_question&vm=debian-02&kind=uuid");
    let (out, err) = e.run(&["question", "debian-02"]);
    assert!(
        out.contains("Message:     msg.uuid.altered\n"),
        "{out}{err}"
    );
    assert!(
        out.contains("  1) I Moved It [button.uuid.movedTheVM]\n"),
        "{out}"
    );
    assert!(
        out.contains("  2) I Copied It [button.uuid.copiedTheVM] (default)\n"),
        "{out}"
    );
    let (out, err) = e.run(&[
        "question",
        "debian-02",
        "--answer",
        "button.uuid.copiedTheVM",
    ]);
    assert!(out.starts_with("Question "), "{out}{err}");
    assert!(
        out.trim_end()
            .ends_with("of domain 'debian-02' answered with 'button.uuid.copiedTheVM'"),
        "{out}"
    );
    assert_eq!(sim.count("AnswerVM"), 1);
    let (_, err) = e.run(&["question", "debian-02", "--answer", "1"]);
    assert!(
        err.is_empty(),
        "no question: a message on stdout, status 1: {err}"
    );
}
