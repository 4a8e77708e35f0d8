import { ByteWriter } from '../shared/export/byte-writer.js';

/**
 * Lines for stdout, written about a megabyte at a time (writes to files and pipes are synchronous):
 * the summary of 1M lines is 17 MB, which is neither kept whole nor written line by line. Each line
 * is encoded as it comes, while the pieces its sentence was built of are fresh in memory: one
 * string of a megabyte, encoded later, cost about a fifth more, most of it in joining those pieces.
 */
export function printer(write: (piece: Buffer) => unknown = (piece) => process.stdout.write(piece)) {
  let out = new ByteWriter(PRINT_PIECE + PRINT_SLACK);
  return {
    line(s = '') {
      out.text(s);
      out.text('\n');
      if (out.length >= PRINT_PIECE) this.flush();
    },
    flush() {
      if (!out.length) return;
      // A new buffer for the next piece: the written one is the stream's until it is flushed.
      write(out.bytes());
      out = new ByteWriter(PRINT_PIECE + PRINT_SLACK);
    },
  };
}

export const PRINT_PIECE = 1 << 20;
/** Room for the line that crosses the megabyte (a table, written as one line, makes the buffer grow). */
const PRINT_SLACK = 1 << 16;
