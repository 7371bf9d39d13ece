/**
 * JSON written straight into bytes, as JSON.stringify would write it and then Buffer would encode it:
 * for the users_for_states answer (routing-answer.ts), whose JSON text was built as a string of thousands
 * of pieces and then encoded again as UTF-8 (bench/service-wire.ts). Plain ASCII text, by far the most
 * common in presence states, is copied a character at a time; anything else is left to JSON.stringify.
 */
export class JsonBytes {
  bytes: Buffer;
  at = 0;

  constructor(capacity: number) {
    this.bytes = Buffer.allocUnsafe(Math.max(capacity, 64));
  }

  /** Room for `n` more bytes. */
  private room(n: number): void {
    if (this.at + n <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.bytes.length, this.at + n));
    this.bytes.copy(grown, 0, 0, this.at);
    this.bytes = grown;
  }

  /** Text known to need no escaping and to be ASCII (punctuation, keys, numbers). */
  ascii(text: string): void {
    this.room(text.length);
    const bytes = this.bytes;
    let at = this.at;
    for (let i = 0; i < text.length; i++) bytes[at++] = text.charCodeAt(i);
    this.at = at;
  }

  /**
   * A non-negative integer up to 2^53, as JSON.stringify writes it: in two halves of int32 arithmetic, not
   * String(), whose conversion of a double of 13 digits (a timestamp in ms) was most of a state's time.
   */
  integer(value: number): void {
    const high = Math.floor(value / 1e8);
    const low = value - high * 1e8;
    if (high === 0) return this.digits(low, 0);
    this.digits(high, 0);
    this.digits(low, 8);
  }

  /** `value` (< 1e8) in decimal, zero-padded to `width` digits. */
  private digits(value: number, width: number): void {
    let n = 1;
    for (let v = value; v >= 10; v = (v / 10) | 0) n++;
    if (n < width) n = width;
    this.room(n);
    const bytes = this.bytes;
    let at = this.at + n;
    this.at = at;
    for (let v = value, i = 0; i < n; i++) {
      const q = (v / 10) | 0;
      bytes[--at] = 0x30 + v - q * 10;
      v = q;
    }
  }

  /** A string as a JSON string literal, exactly as JSON.stringify writes it, in UTF-8. */
  string(text: string): void {
    const n = text.length;
    this.room(n + 2);
    const bytes = this.bytes;
    let at = this.at;
    bytes[at++] = 0x22;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return this.nonAscii(text, i);
      bytes[at++] = c;
    }
    bytes[at++] = 0x22;
    this.at = at;
  }

  /**
   * The string from `from` on holds more than plain ASCII: as it is, in UTF-8, unless JSON.stringify would
   * escape something in it (a control character, a quote, a backslash, a lone surrogate as \uXXXX); then
   * JSON.stringify's own text.
   */
  private nonAscii(text: string, from: number): void {
    for (let i = from; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x20 || c === 0x22 || c === 0x5c) return this.stringified(text);
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
        if (c >= 0xdc00 || next < 0xdc00 || next > 0xdfff) return this.stringified(text);
        i++;
      }
    }
    this.room(3 * text.length + 2);
    this.bytes[this.at++] = 0x22;
    this.at += this.bytes.write(text, this.at, 'utf8');
    this.bytes[this.at++] = 0x22;
  }

  /** Any value, by JSON.stringify (the rare case): its text, encoded. */
  stringified(value: unknown): void {
    const text = JSON.stringify(value);
    this.room(3 * text.length);
    this.at += this.bytes.write(text, this.at, 'utf8');
  }
}
