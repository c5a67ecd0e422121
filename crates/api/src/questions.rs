// SPDX-License-Identifier: LGPL-2.1-or-later
//! VM questions as objects: the question pending on any VM, whoever raised
//! it (a task of this connection, another client, the host itself), read
//! and answered by choice index or key; and the connection's rules, which
//! answer questions by message id before the question handler or the URI's
//! auto_answer are consulted.

use esx_common::rules::{parse_rules, Rule, RuleAnswer};

use crate::domain::DomainRef;
use crate::error::{check_flags, Error, Result};
use crate::vi::task::QuestionPolicy;
use crate::vi::{methods, MoRef, Question};
use crate::{Connection, Domains};

/// The index of the choice a rule names for `q`, if a rule covers it.
pub fn rule_choice(rules: &[Rule], q: &Question) -> Option<usize> {
    let rule = rules
        .iter()
        .find(|r| q.message_ids.iter().any(|m| m == &r.message_id))?;
    match &rule.answer {
        RuleAnswer::Index(i) => (*i < q.choices.len()).then_some(*i),
        RuleAnswer::Key(k) => q.choices.iter().position(|c| &c.label == k || &c.key == k),
    }
}

/// The rules first, then `fallback` (the handler or auto_answer).
pub(crate) struct RulesFirst {
    pub rules: Vec<Rule>,
    pub fallback: Box<dyn QuestionPolicy>,
}

impl QuestionPolicy for RulesFirst {
    fn decide(&self, q: &Question) -> Option<usize> {
        rule_choice(&self.rules, q).or_else(|| self.fallback.decide(q))
    }
    fn name(&self) -> String {
        if self.rules.is_empty() {
            self.fallback.name()
        } else {
            format!("the question rules, then {}", self.fallback.name())
        }
    }
    /// Rules match message ids; a question without one (a host may leave
    /// `message` out) cannot be matched, and the error says so.
    fn caveat(&self, q: &Question) -> Option<String> {
        (!self.rules.is_empty() && q.message_ids.is_empty())
            .then(|| "the question rules cannot apply: the question has no message id".to_string())
    }
}

impl Connection {
    /// Replaces the connection's question rules (`ID=ANSWER,...`; empty:
    /// none). Invalid text changes nothing.
    pub fn set_question_rules(&self, text: &str) -> Result<()> {
        let rules = parse_rules(text)?;
        let mut slot = self
            .question_rules
            .write()
            .map_err(|_| Error::internal("the question rules' lock is poisoned"))?;
        *slot = rules;
        Ok(())
    }

    pub(crate) fn rules(&self) -> Vec<Rule> {
        self.question_rules
            .read()
            .map(|r| r.clone())
            .unwrap_or_default()
    }
}

impl Domains<'_> {
    /// The question pending on the domain's VM, if any (one request).
    pub fn domain_get_question(&self, dom: &DomainRef, flags: u32) -> Result<Option<Question>> {
        check_flags(flags, 0)?;
        Ok(self.pending(dom)?.1)
    }

    /// The VM as read now, and its question.
    fn pending(&self, dom: &DomainRef) -> Result<(MoRef, Option<Question>)> {
        let o = self.vm_properties(dom, &["runtime.question"])?;
        let q = o
            .prop("runtime.question")
            .map(Question::from_value)
            .transpose()?;
        Ok((o.obj.clone(), q))
    }

    /// Answers the pending question with `answer`: a choice's index, its
    /// key or its label (`button.uuid.copiedTheVM`). With `question_id`,
    /// only that question is answered (another one pending is refused, so
    /// a caller never answers a question it has not seen). Returns the
    /// question and the index chosen. Two requests: the read and AnswerVM.
    pub fn domain_answer_question(
        &self,
        dom: &DomainRef,
        question_id: Option<&str>,
        answer: &str,
        flags: u32,
    ) -> Result<(Question, usize)> {
        check_flags(flags, 0)?;
        self.check_writable(&format!("answer the question of domain '{}'", dom.name))?;
        let (vm, q) = self.pending(dom)?;
        let q = q.ok_or_else(|| {
            Error::operation_invalid(format!("Domain '{}' has no pending question", dom.name))
        })?;
        if let Some(id) = question_id {
            if id != q.id {
                return Err(Error::operation_invalid(format!(
                    "Question '{id}' of domain '{}' is no longer pending (question '{}' is)",
                    dom.name, q.id
                )));
            }
        }
        let answer = answer.trim();
        let index = match answer.parse::<usize>() {
            Ok(i) if i < q.choices.len() => Some(i),
            Ok(_) => None,
            Err(_) => q
                .choices
                .iter()
                .position(|c| c.key == answer || c.label == answer),
        }
        .ok_or_else(|| {
            let choices: Vec<String> = q
                .choices
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{i} ({}, {})", c.label, c.summary))
                .collect();
            Error::invalid_arg(format!(
                "'{answer}' is none of the choices of question '{}' of domain '{}': {}",
                q.id,
                dom.name,
                choices.join(", ")
            ))
        })?;
        methods::answer_vm(self.client(), &vm, &q.id, &q.choices[index].key).map_err(|e| {
            e.context(format!(
                "Could not answer question '{}' of domain '{}'",
                q.id, dom.name
            ))
        })?;
        Ok((q, index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vi::types::Choice;

    fn q() -> Question {
        Question {
            id: "42".into(),
            text: "moved or copied?".into(),
            choices: [
                "button.cancel",
                "button.uuid.movedTheVM",
                "button.uuid.copiedTheVM",
            ]
            .iter()
            .enumerate()
            .map(|(i, l)| Choice {
                key: i.to_string(),
                label: l.to_string(),
                summary: String::new(),
            })
            .collect(),
            default_index: Some(1),
            message_ids: vec!["msg.uuid.altered".into()],
        }
    }

    #[test]
    fn rules_pick_by_key_or_index_and_only_their_question() {
        let by_key = parse_rules("msg.uuid.altered=button.uuid.copiedTheVM").unwrap();
        assert_eq!(rule_choice(&by_key, &q()), Some(2));
        let by_index = parse_rules("msg.uuid.altered=0").unwrap();
        assert_eq!(rule_choice(&by_index, &q()), Some(0));
        let other = parse_rules("msg.other=1").unwrap();
        assert_eq!(rule_choice(&other, &q()), None);
        let out_of_range = parse_rules("msg.uuid.altered=7").unwrap();
        assert_eq!(rule_choice(&out_of_range, &q()), None);
    }
}
