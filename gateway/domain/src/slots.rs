//! Per-participant caps on work held open on one node: imports, and batches (REST,
//! gRPC and native). One participant's load cannot take the memory and the database
//! writer the others need; a request over its cap is refused at once (429 /
//! RESOURCE_EXHAUSTED), before its body is read where the protocol allows.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
};

use jiayang_schemas::Message;

use crate::Error;

/// How many of one kind of work each participant may have open at once.
#[derive(Clone, Debug)]
pub struct Slots {
    open: Arc<Mutex<HashMap<String, usize>>>,
    limit: usize,
    /// What the work is, in the refusal: Chinese, English.
    what: (&'static str, &'static str),
}

/// One piece of open work; its slot is free again when this is dropped.
#[derive(Debug)]
pub struct Slot {
    slots: Slots,
    participant: String,
}

impl Slots {
    pub fn new(limit: usize, what: (&'static str, &'static str)) -> Self {
        Self {
            open: Arc::default(),
            limit,
            what,
        }
    }

    /// A slot for `participant`, or `resource-exhausted` when it has `limit` open.
    pub fn take(&self, participant: &str) -> Result<Slot, Error> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(participant.to_owned()).or_default();
        if *count >= self.limit {
            let (limit, (zh, en)) = (self.limit, self.what);
            return Err(Error::Exhausted(Message::new(
                format!("同一参与方同时最多进行 {limit} 个{zh}"),
                format!("a participant runs at most {limit} {en} at once"),
            )));
        }
        *count += 1;
        Ok(Slot {
            slots: self.clone(),
            participant: participant.to_owned(),
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self
            .slots
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.participant) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.participant);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_participant_holds_at_most_its_limit_and_a_slot_comes_back_when_dropped() {
        let slots = Slots::new(2, ("批量", "batches"));
        let first = slots.take("a").unwrap();
        let _second = slots.take("a").unwrap();
        let refused = slots.take("a").unwrap_err();
        assert_eq!(refused.slug(), "resource-exhausted");
        assert!(
            refused.to_string().contains("at most 2 batches"),
            "{refused}"
        );
        // Another participant is not held up by the first.
        let _other = slots.take("b").unwrap();
        drop(first);
        assert!(slots.take("a").is_ok());
    }
}
