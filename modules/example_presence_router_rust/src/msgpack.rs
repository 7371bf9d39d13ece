//! A strict msgpack reader for what the host sends (docs/abi.md "Wire formats"): every integer encoding,
//! float64/float32 holding an integer, UTF-8 checked strings; and a writer for the two results. Every
//! length is checked against what is left of the input in 64 bits, so no header near 2^32 can wrap.

/// A decoding failure: what was wrong, and the byte offset where the value (or the bad byte) starts.
pub struct Fail {
    pub message: String,
    pub at: usize,
}

pub type Read<T> = Result<T, Fail>;

pub fn fail<T>(message: &str, at: usize) -> Read<T> {
    Err(Fail { message: message.to_string(), at })
}

const MAX_DEPTH: u32 = 64;
/// 2^63 as a float: a float in [-2^63, 2^63) converts to i64 exactly when it is integral.
const TWO_63: f64 = 9223372036854775808.0;

/// A config value. Binary, extension and float values are kept only as what they are not.
pub enum Value {
    Nil,
    Bool,
    Int,
    Float,
    Str(String),
    Other,
    Array(Vec<Value>),
    Map(Vec<(Value, Value)>),
}

pub struct Reader<'a> {
    input: &'a [u8],
    pub at: usize,
}

impl<'a> Reader<'a> {
    pub fn new(input: &'a [u8]) -> Reader<'a> {
        Reader { input, at: 0 }
    }

    fn byte(&mut self) -> Read<u8> {
        match self.input.get(self.at) {
            Some(&b) => {
                self.at += 1;
                Ok(b)
            }
            None => fail("truncated input", self.at),
        }
    }

    /// `n` bytes, refused when fewer are left (compared in 64 bits).
    fn take(&mut self, n: u64, start: usize) -> Read<&'a [u8]> {
        if n > (self.input.len() - self.at) as u64 {
            return fail("truncated input", start);
        }
        let bytes = &self.input[self.at..self.at + n as usize];
        self.at += n as usize;
        Ok(bytes)
    }

    fn be(&mut self, n: u64, start: usize) -> Read<u64> {
        Ok(self.take(n, start)?.iter().fold(0u64, |v, &b| (v << 8) | b as u64))
    }

    pub fn finish(&self) -> Read<()> {
        if self.at == self.input.len() { Ok(()) } else { fail("trailing bytes", self.at) }
    }

    /// A count of entries each at least `min_bytes` long, refused when the input cannot hold them.
    fn count(&mut self, n: u64, min_bytes: u64, start: usize) -> Read<u32> {
        if n * min_bytes > (self.input.len() - self.at) as u64 {
            return fail("truncated input", start);
        }
        Ok(n as u32)
    }

    pub fn array_header(&mut self) -> Read<u32> {
        let start = self.at;
        let n = match self.byte()? {
            b @ 0x90..=0x9f => (b & 0x0f) as u64,
            0xdc => self.be(2, start)?,
            0xdd => self.be(4, start)?,
            _ => return fail("expected an array", start),
        };
        self.count(n, 1, start)
    }

    pub fn map_header(&mut self) -> Read<u32> {
        let start = self.at;
        let n = match self.byte()? {
            b @ 0x80..=0x8f => (b & 0x0f) as u64,
            0xde => self.be(2, start)?,
            0xdf => self.be(4, start)?,
            _ => return fail("expected a map", start),
        };
        self.count(n, 2, start)
    }

    pub fn peek(&self) -> Option<u8> {
        self.input.get(self.at).copied()
    }

    /// A str's bytes, checked as UTF-8 (the failure names the first bad byte).
    pub fn str(&mut self) -> Read<&'a str> {
        let start = self.at;
        let n = match self.byte()? {
            b @ 0xa0..=0xbf => (b & 0x1f) as u64,
            0xd9 => self.be(1, start)?,
            0xda => self.be(2, start)?,
            0xdb => self.be(4, start)?,
            _ => return fail("expected a string", start),
        };
        let from = self.at;
        let bytes = self.take(n, start)?;
        core::str::from_utf8(bytes).or_else(|e| fail("invalid UTF-8 in string", from + e.valid_up_to()))
    }

    pub fn nil(&mut self) -> Read<()> {
        let start = self.at;
        if self.byte()? == 0xc0 { Ok(()) } else { fail("expected nil", start) }
    }

    pub fn bool(&mut self) -> Read<bool> {
        let start = self.at;
        match self.byte()? {
            0xc2 => Ok(false),
            0xc3 => Ok(true),
            _ => fail("expected a boolean", start),
        }
    }

    /// An integer in any encoding, or a float holding one (msgpackr writes integers above 2^32 as float64).
    pub fn int(&mut self) -> Read<i64> {
        let start = self.at;
        let b = self.byte()?;
        let float = |f: f64| if f.fract() == 0.0 && f >= -TWO_63 && f < TWO_63 { Ok(f as i64) } else { fail("expected an integer", start) };
        match b {
            0x00..=0x7f => Ok(b as i64),
            0xe0..=0xff => Ok(b as i8 as i64),
            0xcc => Ok(self.be(1, start)? as i64),
            0xcd => Ok(self.be(2, start)? as i64),
            0xce => Ok(self.be(4, start)? as i64),
            0xcf => {
                let v = self.be(8, start)?;
                if v > i64::MAX as u64 { fail("integer out of range", start) } else { Ok(v as i64) }
            }
            0xd0 => Ok(self.be(1, start)? as u8 as i8 as i64),
            0xd1 => Ok(self.be(2, start)? as u16 as i16 as i64),
            0xd2 => Ok(self.be(4, start)? as u32 as i32 as i64),
            0xd3 => Ok(self.be(8, start)? as i64),
            0xca => float(f32::from_bits(self.be(4, start)? as u32) as f64),
            0xcb => float(f64::from_bits(self.be(8, start)?)),
            _ => fail("expected an integer", start),
        }
    }

    /// Any value, as a config holds it.
    pub fn value(&mut self, depth: u32) -> Read<Value> {
        let start = self.at;
        let b = self.peek().map_or_else(|| fail("truncated input", start), Ok)?;
        if depth >= MAX_DEPTH && matches!(b, 0x80..=0x9f | 0xdc..=0xdf) {
            return fail("values nested too deeply", start);
        }
        match b {
            0x00..=0x7f | 0xe0..=0xff | 0xcc..=0xd3 => self.int().map(|_| Value::Int),
            0xa0..=0xbf | 0xd9..=0xdb => self.str().map(|s| Value::Str(s.to_string())),
            0x90..=0x9f | 0xdc | 0xdd => {
                let n = self.array_header()?;
                (0..n).map(|_| self.value(depth + 1)).collect::<Read<Vec<_>>>().map(Value::Array)
            }
            0x80..=0x8f | 0xde | 0xdf => {
                let n = self.map_header()?;
                (0..n).map(|_| Ok((self.value(depth + 1)?, self.value(depth + 1)?))).collect::<Read<Vec<_>>>().map(Value::Map)
            }
            0xc0 => self.nil().map(|_| Value::Nil),
            0xc2 | 0xc3 => self.bool().map(|_| Value::Bool),
            0xca | 0xcb => {
                self.at += 1;
                self.take(if b == 0xca { 4 } else { 8 }, start).map(|_| Value::Float)
            }
            0xc4..=0xc6 => {
                self.at += 1;
                let n = self.be(1 << (b - 0xc4), start)?;
                self.take(n, start).map(|_| Value::Other)
            }
            0xd4..=0xd8 => {
                self.at += 1;
                self.take(1 + (1 << (b - 0xd4)), start).map(|_| Value::Other)
            }
            0xc7..=0xc9 => {
                self.at += 1;
                let n = self.be(1 << (b - 0xc7), start)?;
                self.take(n + 1, start).map(|_| Value::Other)
            }
            _ => fail("reserved type byte 0xc1", start),
        }
    }
}

/// A msgpack writer for the results: strs, headers and unsigned integers, in their shortest encodings.
pub struct Writer {
    pub bytes: Vec<u8>,
}

impl Writer {
    pub fn new() -> Writer {
        Writer { bytes: Vec::new() }
    }

    fn header(&mut self, n: u32, fix: u8, fix_max: u32, wide: [u8; 2]) {
        if n <= fix_max {
            self.bytes.push(fix | n as u8);
        } else if n <= 0xffff {
            self.bytes.push(wide[0]);
            self.bytes.extend_from_slice(&(n as u16).to_be_bytes());
        } else {
            self.bytes.push(wide[1]);
            self.bytes.extend_from_slice(&n.to_be_bytes());
        }
    }

    pub fn map_header(&mut self, n: u32) {
        self.header(n, 0x80, 15, [0xde, 0xdf]);
    }

    pub fn array_header(&mut self, n: u32) {
        self.header(n, 0x90, 15, [0xdc, 0xdd]);
    }

    pub fn str(&mut self, s: &str) {
        let n = s.len() as u32;
        if n <= 31 {
            self.bytes.push(0xa0 | n as u8);
        } else if n <= 0xff {
            self.bytes.extend_from_slice(&[0xd9, n as u8]);
        } else {
            self.header(n, 0, 0, [0xda, 0xdb]);
        }
        self.bytes.extend_from_slice(s.as_bytes());
    }

    pub fn uint(&mut self, v: u32) {
        if v <= 0x7f {
            self.bytes.push(v as u8);
        } else if v <= 0xff {
            self.bytes.extend_from_slice(&[0xcc, v as u8]);
        } else if v <= 0xffff {
            self.bytes.push(0xcd);
            self.bytes.extend_from_slice(&(v as u16).to_be_bytes());
        } else {
            self.bytes.push(0xce);
            self.bytes.extend_from_slice(&v.to_be_bytes());
        }
    }
}
