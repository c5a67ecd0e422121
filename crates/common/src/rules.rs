// SPDX-License-Identifier: LGPL-2.1-or-later
//! Question rules: answers to VM questions given up front, by the
//! question's stable message id (`msg.uuid.altered`), as Ansible's vmware
//! modules take `question_answers`. Written `ID=ANSWER[,ID=ANSWER...]`
//! (in a URI: `question_rules=msg.uuid.altered=button.uuid.copiedTheVM`),
//! where ANSWER is a choice's index or its key (`button.uuid.copiedTheVM`,
//! the host's catalog label for the choice).

use crate::error::{Error, Result};

/// How a rule names its choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleAnswer {
    Index(usize),
    Key(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub message_id: String,
    pub answer: RuleAnswer,
}

/// At most this many rules (a guard against a runaway URI).
const MAX_RULES: usize = 256;

/// Parses `ID=ANSWER[,ID=ANSWER...]`; empty text is no rules.
pub fn parse_rules(text: &str) -> Result<Vec<Rule>> {
    let mut rules: Vec<Rule> = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (id, answer) = part.split_once('=').ok_or_else(|| {
            Error::invalid_arg(format!(
                "Question rule '{part}' is not MESSAGE_ID=ANSWER (e.g. msg.uuid.altered=button.uuid.copiedTheVM)"
            ))
        })?;
        let (id, answer) = (id.trim(), answer.trim());
        if id.is_empty() || answer.is_empty() || id.chars().any(char::is_whitespace) {
            return Err(Error::invalid_arg(format!(
                "Question rule '{part}' needs a message id and an answer"
            )));
        }
        if rules.iter().any(|r| r.message_id == id) {
            return Err(Error::invalid_arg(format!(
                "Question rules answer '{id}' more than once"
            )));
        }
        let answer = match answer.parse::<usize>() {
            Ok(i) => RuleAnswer::Index(i),
            Err(_) => RuleAnswer::Key(answer.to_string()),
        };
        rules.push(Rule {
            message_id: id.to_string(),
            answer,
        });
        if rules.len() > MAX_RULES {
            return Err(Error::invalid_arg(format!(
                "At most {MAX_RULES} question rules may be given"
            )));
        }
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_and_refuse() {
        let r = parse_rules("msg.uuid.altered=button.uuid.copiedTheVM, msg.x = 2").unwrap();
        assert_eq!(
            r,
            [
                Rule {
                    message_id: "msg.uuid.altered".into(),
                    answer: RuleAnswer::Key("button.uuid.copiedTheVM".into())
                },
                Rule {
                    message_id: "msg.x".into(),
                    answer: RuleAnswer::Index(2)
                },
            ]
        );
        assert!(parse_rules("").unwrap().is_empty());
        for bad in ["x", "=1", "a=", "a b=1", "a=1,a=2"] {
            assert!(parse_rules(bad).is_err(), "{bad}");
        }
    }
}
