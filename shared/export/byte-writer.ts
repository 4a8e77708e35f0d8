/** UTF-8 text appended to one buffer that doubles when full. */
export class ByteWriter {
  private buf: Buffer;
  length = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  text(s: string): void {
    // A UTF-16 code unit is at most 3 bytes of UTF-8 (a surrogate pair, two units, is 4).
    this.room(s.length * 3);
    this.length += this.buf.write(s, this.length, 'utf8');
  }

  /** The bytes already written from `start` to `end`, once more. */
  again(start: number, end: number): void {
    this.room(end - start);
    // copyWithin, the typed array's own: Buffer#copy checks its arguments in JS first, 85,000 times.
    this.buf.copyWithin(this.length, start, end);
    this.length += end - start;
  }

  /** What was written (a view of the buffer: copying 10 MB to trim it would cost more than the spare room). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }
}
