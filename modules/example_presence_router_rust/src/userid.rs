//! Matrix user IDs as docs/abi.md "User IDs" defines them (the grammar of guest-sdk/userid.ts, with the
//! same reasons): `@localpart:server_name`, at most 255 bytes; the localpart any non-empty text without
//! ':' or NUL; the server name a DNS name or a bracketed IPv6 address, then optionally ':' and digits.

const MAX_USER_ID_LENGTH: usize = 255;

/// Why `id` is not a well-formed user ID, or None if it is. (A Rust str holds no lone surrogate.)
pub fn user_id_error(id: &str) -> Option<&'static str> {
    let b = id.as_bytes();
    if b.first() != Some(&b'@') {
        return Some("must start with @");
    }
    // The SDK refuses past 255 UTF-16 code units before it scans anything.
    if b.len() > MAX_USER_ID_LENGTH && id.encode_utf16().count() > MAX_USER_ID_LENGTH {
        return Some("longer than 255 bytes of UTF-8");
    }
    let mut colon = None;
    for (i, &c) in b.iter().enumerate().skip(1) {
        if c == b':' {
            colon = Some(i);
            break;
        }
        if c == 0 {
            return Some("holds U+0000 (NUL)");
        }
    }
    let colon = match colon {
        None => return Some("missing ':' before the server name"),
        Some(1) => return Some("the localpart is empty"),
        Some(i) => i,
    };
    if b.len() > MAX_USER_ID_LENGTH {
        return Some("longer than 255 bytes of UTF-8");
    }
    if colon + 1 == b.len() || !is_server_name(&b[colon + 1..]) {
        return Some("invalid server name");
    }
    None
}

/// `s` is `host [":" port]`; a name ending in ']' is all host, as Synapse splits it.
fn is_server_name(s: &[u8]) -> bool {
    let n = s.len();
    let mut k = 0;
    if s[0] == b'[' {
        match s.iter().position(|&c| c == b']') {
            Some(close) if is_ipv6(&s[1..close]) => k = close + 1,
            _ => return false,
        }
    } else {
        let mut label = 0;
        while k < n {
            let c = s[k];
            if c == b'.' {
                if k == label {
                    return false;
                }
                label = k + 1;
            } else if c == b':' {
                break;
            } else if !(c.is_ascii_alphanumeric() || c == b'-') {
                return false;
            }
            k += 1;
        }
        if k == label {
            return false; // an empty host, or an empty last label ("x.")
        }
    }
    if k == n {
        return true;
    }
    s[k] == b':' && k + 1 < n && s[k + 1..].iter().all(u8::is_ascii_digit)
}

/// inet_pton's IPv6 text forms: up to eight groups of 1-4 hex digits, at most one '::' standing for at
/// least one zero group, optionally a dotted IPv4 address as the last two groups; no zone.
fn is_ipv6(s: &[u8]) -> bool {
    let end = s.len();
    if end == 0 {
        return false;
    }
    let mut p = 0;
    if s[0] == b':' {
        p = 1; // a leading ':' must be half of a leading '::'
        if p == end || s[p] != b':' {
            return false;
        }
    }
    let (mut bytes, mut gap, mut digits, mut group) = (0, false, 0, p);
    while p < end {
        let c = s[p];
        p += 1;
        if c.is_ascii_hexdigit() {
            if digits == 4 {
                return false;
            }
            digits += 1;
        } else if c == b':' {
            group = p;
            if digits == 0 {
                if gap {
                    return false;
                }
                gap = true;
            } else {
                if p == end || bytes + 2 > 16 {
                    return false; // a trailing ':', or a ninth group
                }
                bytes += 2;
                digits = 0;
            }
        } else if c == b'.' && bytes + 4 <= 16 && is_ipv4(&s[group..]) {
            bytes += 4;
            digits = 0;
            break;
        } else {
            return false;
        }
    }
    if digits > 0 {
        if bytes + 2 > 16 {
            return false;
        }
        bytes += 2;
    }
    if gap { bytes < 16 } else { bytes == 16 }
}

/// A dotted quad: four decimal octets 0-255, no leading zeros.
fn is_ipv4(s: &[u8]) -> bool {
    let (mut octets, mut value, mut in_octet) = (0, 0u32, false);
    for &c in s {
        if c.is_ascii_digit() {
            if in_octet && value == 0 {
                return false;
            }
            value = value * 10 + (c - b'0') as u32;
            if value > 255 {
                return false;
            }
            if !in_octet {
                octets += 1;
                if octets > 4 {
                    return false;
                }
                in_octet = true;
            }
        } else if c == b'.' && in_octet && octets < 4 {
            value = 0;
            in_octet = false;
        } else {
            return false;
        }
    }
    octets == 4 && in_octet
}
