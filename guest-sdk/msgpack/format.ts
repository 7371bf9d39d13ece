// msgpack type bytes (https://github.com/msgpack/msgpack/blob/master/spec.md), shared by reader and writer.

export const NIL: u8 = 0xc0;
export const RESERVED: u8 = 0xc1;
export const FALSE: u8 = 0xc2;
export const TRUE: u8 = 0xc3;
export const BIN8: u8 = 0xc4;
export const BIN16: u8 = 0xc5;
export const BIN32: u8 = 0xc6;
export const EXT8: u8 = 0xc7;
export const EXT16: u8 = 0xc8;
export const EXT32: u8 = 0xc9;
export const FLOAT32: u8 = 0xca;
export const FLOAT64: u8 = 0xcb;
export const UINT8: u8 = 0xcc;
export const UINT16: u8 = 0xcd;
export const UINT32: u8 = 0xce;
export const UINT64: u8 = 0xcf;
export const INT8: u8 = 0xd0;
export const INT16: u8 = 0xd1;
export const INT32: u8 = 0xd2;
export const INT64: u8 = 0xd3;
export const FIXEXT1: u8 = 0xd4; // fixext 1, 2, 4, 8, 16: 0xd4..0xd8
export const FIXEXT16: u8 = 0xd8;
export const STR8: u8 = 0xd9;
export const STR16: u8 = 0xda;
export const STR32: u8 = 0xdb;
export const ARRAY16: u8 = 0xdc;
export const ARRAY32: u8 = 0xdd;
export const MAP16: u8 = 0xde;
export const MAP32: u8 = 0xdf;
export const FIXMAP: u8 = 0x80; // 0x80..0x8f
export const FIXARRAY: u8 = 0x90; // 0x90..0x9f
export const FIXSTR: u8 = 0xa0; // 0xa0..0xbf
export const NEG_FIXINT: u8 = 0xe0; // 0xe0..0xff

/** What the next value is, as far as a caller choosing how to read it cares. */
export const enum Kind {
  Nil,
  Bool,
  Int,
  Float,
  Str,
  Bin,
  Array,
  Map,
  Ext,
  /** 0xc1, or nothing left to read. */
  Invalid,
}

/** The kind a type byte introduces. */
export function kindOf(b: u8): Kind {
  if (b <= 0x7f || b >= NEG_FIXINT) return Kind.Int;
  if (b < FIXARRAY) return Kind.Map;
  if (b < FIXSTR) return Kind.Array;
  if (b < NIL) return Kind.Str;
  switch (b) {
    case NIL: return Kind.Nil;
    case FALSE: case TRUE: return Kind.Bool;
    case BIN8: case BIN16: case BIN32: return Kind.Bin;
    case EXT8: case EXT16: case EXT32: return Kind.Ext;
    case FLOAT32: case FLOAT64: return Kind.Float;
    case STR8: case STR16: case STR32: return Kind.Str;
    case ARRAY16: case ARRAY32: return Kind.Array;
    case MAP16: case MAP32: return Kind.Map;
    case RESERVED: return Kind.Invalid;
  }
  if (b >= FIXEXT1 && b <= FIXEXT16) return Kind.Ext;
  return Kind.Int; // 0xcc..0xd3
}
