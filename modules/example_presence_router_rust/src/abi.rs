//! docs/abi.md's exports: the two markers as constant functions (rustc exports a static's address, not
//! an immutable global, so the ABI 1.1 function form), presence_alloc, init and the two callbacks with
//! their result descriptors, and traps reported through env.abort.

use crate::{decode_batch, user_id_error, Router, FIELDS};
use std::alloc::{alloc, dealloc, Layout};

#[link(wasm_import_module = "env")]
extern "C" {
    /// AssemblyScript's abort (docs/abi.md): the message an AssemblyScript string, UTF-16LE with its
    /// byte length in the u32 before it. The host reports it and fails the call.
    fn abort(message: *const u16, file: *const u16, line: u32, column: u32);
}

/// The module's state: one instance serves one thread, and the host calls it from that thread only.
static mut ROUTER: Option<Router> = None;
/// The buffer the last presence_alloc returned, which the next callback must be called with.
static mut INPUT: (usize, usize) = (0, 0);
/// The last result's bytes and descriptor, kept until the next call (the host copies them out first).
static mut RESULT: Vec<u8> = Vec::new();
static mut DESCRIPTOR: [u32; 2] = [0, 0];

#[no_mangle]
pub extern "C" fn presence_abi_version() -> i32 {
    1
}

#[no_mangle]
pub extern "C" fn presence_fields() -> i32 {
    FIELDS
}

#[no_mangle]
pub extern "C" fn presence_alloc(size: i32) -> i32 {
    let size = (size as u32).max(1) as usize;
    unsafe {
        let ptr = alloc(Layout::from_size_align_unchecked(size, 1));
        if ptr.is_null() {
            trap("presence_alloc: out of memory");
        }
        INPUT = (ptr as usize, size);
        ptr as i32
    }
}

/// The callback's input, freed when `body` returns: the buffer belongs to the module once called.
fn with_input<T>(ptr: i32, len: i32, body: impl FnOnce(&[u8]) -> T) -> T {
    unsafe {
        if INPUT != (ptr as usize, len as u32 as usize) {
            trap("callback input is not the buffer presence_alloc returned last");
        }
        INPUT = (0, 0);
        let out = body(core::slice::from_raw_parts(ptr as *const u8, len as u32 as usize));
        dealloc(ptr as *mut u8, Layout::from_size_align_unchecked(len as u32 as usize, 1));
        out
    }
}

fn descriptor(bytes: Vec<u8>) -> i32 {
    unsafe {
        RESULT = bytes;
        DESCRIPTOR = [RESULT.as_ptr() as u32, RESULT.len() as u32];
        DESCRIPTOR.as_ptr() as i32
    }
}

#[no_mangle]
pub extern "C" fn presence_init(ptr: i32, len: i32) -> i32 {
    match with_input(ptr, len, Router::from_config) {
        Ok(router) => {
            unsafe { ROUTER = Some(router) };
            0
        }
        Err(message) => descriptor(message.into_bytes()),
    }
}

fn router() -> &'static Router {
    match unsafe { ROUTER.as_ref() } {
        Some(router) => router,
        None => trap("callback before a successful presence_init"),
    }
}

#[no_mangle]
pub extern "C" fn presence_users_for_states(ptr: i32, len: i32) -> i32 {
    let router = router();
    let w = with_input(ptr, len, |input| match decode_batch(input) {
        Ok(ids) => router.users_for_states(&ids),
        Err(f) => trap(&format!("presence_users_for_states: malformed batch: {} at byte {}", f.message, f.at)),
    });
    descriptor(w.bytes)
}

#[no_mangle]
pub extern "C" fn presence_interested_users(ptr: i32, len: i32) -> i32 {
    let router = router();
    let w = with_input(ptr, len, |input| {
        let id = core::str::from_utf8(input).unwrap_or_else(|_| trap("presence_interested_users: malformed user ID: invalid UTF-8"));
        if let Some(reason) = user_id_error(id) {
            trap(&format!("presence_interested_users: malformed user ID: {}", reason));
        }
        router.interested_users(id)
    });
    descriptor(w.bytes)
}

/// Fails the call with `message`, as the SDK does: abort with an AssemblyScript string, then a trap in
/// case a host lets abort return.
fn trap(message: &str) -> ! {
    let mut units: Vec<u16> = vec![0, 0];
    units.extend(message.encode_utf16());
    let bytes = ((units.len() - 2) * 2) as u32;
    units[0] = bytes as u16;
    units[1] = (bytes >> 16) as u16;
    unsafe { abort(units.as_ptr().add(2), core::ptr::null(), 0, 0) };
    core::arch::wasm32::unreachable()
}
