//! Synapse's ExamplePresenceRouter in Rust, the twin of modules/example_presence_router/index.ts: every
//! state whose user is not blacklisted goes to every user in always_send_to_users, and those users are
//! interested in everyone. Written against docs/abi.md alone (no SDK, no crates): it decodes the batch
//! and the config itself (msgpack.rs), checks user IDs with the ABI's grammar (userid.rs), and reports a
//! trap's reason through env.abort as the AssemblyScript SDK does, with the SDK's messages.

mod abi;
mod msgpack;
mod userid;

use msgpack::{Read, Reader, Value, Writer};
use std::collections::BTreeSet;
use userid::user_id_error;

/// The fields of each state this router reads (docs/abi.md "Field projection"); exported by abi.rs as
/// `presence_fields`. All seven, as its AssemblyScript twin reads today.
pub const FIELDS: i32 = 0x01;

pub struct Router {
    always_send_to: Vec<String>,
    blacklisted: BTreeSet<String>,
}

const KEYS: [&str; 2] = ["always_send_to_users", "blacklisted_users"];

impl Router {
    /// The router for a msgpack config, or the message that refuses it (the SDK's wording).
    pub fn from_config(input: &[u8]) -> Result<Router, String> {
        let mut r = Reader::new(input);
        let root = r.value(0).and_then(|v| r.finish().map(|_| v));
        let root = root.map_err(|f| format!("config: invalid msgpack: {} at byte {}", f.message, f.at))?;
        let entries = match root {
            Value::Nil => Vec::new(),
            Value::Map(entries) => entries,
            _ => return Err("config: expected a map".to_string()),
        };
        let mut keys = Vec::new();
        for (key, value) in &entries {
            match key {
                Value::Str(k) => keys.push((k.as_str(), value)),
                _ => return Err("config: keys must be strings".to_string()),
            }
        }
        if let Some((k, _)) = keys.iter().find(|(k, _)| !KEYS.contains(k)) {
            return Err(format!("unknown key \"{}\" (allowed: {})", k, KEYS.join(", ")));
        }
        let list = |key: &str| user_id_list(key, keys.iter().find(|(k, _)| *k == key).map(|(_, v)| *v));
        let mut always_send_to: Vec<String> = Vec::new();
        for id in list(KEYS[0])? {
            if !always_send_to.contains(&id) {
                always_send_to.push(id);
            }
        }
        let blacklisted = list(KEYS[1])?.into_iter().collect();
        Ok(Router { always_send_to, blacklisted })
    }

    /// The batch's states (their user IDs) to every listed user. Every listed user is a destination, even
    /// when nothing passed the filter (Synapse's example assigns the filtered set to each unconditionally).
    pub fn users_for_states(&self, user_ids: &[&str]) -> Writer {
        let desired: Vec<u32> = (0..user_ids.len() as u32).filter(|&i| !self.blacklisted.contains(user_ids[i as usize])).collect();
        let mut w = Writer::new();
        w.map_header(self.always_send_to.len() as u32);
        for destination in &self.always_send_to {
            w.str(destination);
            w.array_header(desired.len() as u32);
            desired.iter().for_each(|&i| w.uint(i));
        }
        w
    }

    pub fn interested_users(&self, user_id: &str) -> Writer {
        let mut w = Writer::new();
        if self.always_send_to.iter().any(|u| u == user_id) {
            w.str("ALL");
        } else {
            w.array_header(0);
        }
        w
    }
}

/// An optional list of well-formed user IDs (absent or nil is empty), refused naming the key.
fn user_id_list(key: &str, value: Option<&Value>) -> Result<Vec<String>, String> {
    let items = match value {
        None | Some(Value::Nil) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(format!("{}: expected a list of user IDs", key)),
    };
    let mut ids = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Value::Str(s) => ids.push(s.clone()),
            _ => return Err(format!("{}: expected a list of user IDs", key)),
        }
    }
    for id in &ids {
        if let Some(reason) = user_id_error(id) {
            return Err(format!("{}: \"{}\" is not a valid user ID ({})", key, id, reason));
        }
    }
    Ok(ids)
}

const MAX_TS: i64 = 1 << 53;
const STATES: [&str; 4] = ["online", "unavailable", "offline", "org.matrix.msc3026.busy"];

/// The user IDs of a batch: an array of states, each an array of the FIELDS fields in index order (or of
/// all seven, which the host may send instead), every field sent checked as docs/abi.md types it (a
/// misread batch must trap, not route).
pub fn decode_batch(input: &[u8]) -> Read<Vec<&str>> {
    let mut r = Reader::new(input);
    let n = r.array_header()?;
    let declared = FIELDS.count_ones();
    let mut ids = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let at = r.at;
        let arity = r.array_header()?;
        if arity != declared && arity != 7 {
            let element = if declared == 1 { "element" } else { "elements" };
            return msgpack::fail(
                &format!("expected a state array of {} {} (the fields the module declares in presence_fields) or of 7 (a full state)", declared, element),
                at,
            );
        }
        let sent = if arity == 7 { 0x7f } else { FIELDS };
        for field in (0..7).filter(|f| sent & (1 << f) != 0) {
            let at = r.at;
            match field {
                0 => {
                    let id = r.str()?;
                    // The host checked the grammar: only the shape is checked here, as the SDK does.
                    if id.len() < 4 || !id.starts_with('@') {
                        return msgpack::fail("malformed user ID", at);
                    }
                    ids.push(id);
                }
                1 => {
                    if !STATES.contains(&r.str()?) {
                        return msgpack::fail("unknown presence state", at);
                    }
                }
                2..=4 => {
                    let t = r.int()?;
                    if !(0..=MAX_TS).contains(&t) {
                        return msgpack::fail("timestamp outside 0..2^53", at);
                    }
                }
                5 => match r.peek() {
                    Some(0xc0) | None => r.nil()?,
                    Some(0xa0..=0xbf | 0xd9..=0xdb) => {
                        r.str()?;
                    }
                    Some(_) => return msgpack::fail("expected a string or nil status_msg", at),
                },
                _ => {
                    r.bool()?;
                }
            }
        }
    }
    r.finish()?;
    Ok(ids)
}
