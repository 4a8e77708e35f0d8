/**
 * The largest quarter one Lambda can compute (issue #12, point 6; docs/architecture.md "Past one
 * machine"), from what bench/quarter.ts measured: heap per line and per partner, time per line.
 * Run at the end of bench/quarter.ts, outside its timed part.
 *
 * The heap model is base + perLine × lines + perPartner × partners, with
 * - perLine: the decoded extracts (measured as a structured clone of them) and what one computation
 *   allocates beyond its result (heap in use right after it, before any forced collection: its claim
 *   table, line index and tallies, promoted and not yet collected), per line;
 * - perPartner: the reference snapshot (a clone of it) and the retained result, per partner;
 * - base: the Node runtime, the SDK and the buffers of one S3 read, taken as BASE_MB.
 * Time per line is the computation's best run plus decoding the extracts (the bench's encode and
 * decode time, an upper bound), plus reading the gzipped extracts from S3 at S3_MB_PER_S; the first
 * computation of a quarter also writes every payout item (ITEM_WCU write units each at WCU_PER_S).
 */
import type { Rules } from '../shared/domain/rules/load.js';
import { computeQuarter, type ActiveExtract, type QuarterReference } from '../shared/pipeline/compute-quarter.js';

const LIMIT_S = 15 * 60;
/** The Node heap is bounded near the function's memory (--max-old-space-size), leaving the rest for buffers and code. */
const HEAP_SHARE = 0.9;
const BASE_MB = 150;
const S3_MB_PER_S = 50;
/** A payout item is about 1 KB (docs/architecture.md "Sentences are rendered"); one write unit per KB, rounded up. */
const ITEM_WCU = 1;
/** What an on-demand table that has not seen the rate takes at first. */
const WCU_PER_S = 4_000;
export const LAMBDA_MEMORY_MB = [1_769, 10_240] as const;

export interface CapacityInput {
  rules: Rules;
  reference: QuarterReference;
  extracts: readonly ActiveExtract[];
  lines: number;
  partners: number;
  /** The best computeQuarter run, and encoding plus decoding all extracts. */
  computeMs: number;
  codecMs: number;
  extractMB: number;
}

export interface LambdaCapacity {
  memoryMB: number;
  heapMB: number;
  /** Lines (with partners at the bench's ratio) that fit in the heap, and that fit in 15 minutes. */
  linesByMemory: number;
  linesByTime: number;
  lines: number;
  partners: number;
  binds: 'memory' | 'time';
  minutes: number;
}

export interface Capacity {
  heapPerLineB: number;
  heapPerPartnerKB: number;
  extractsPerLineB: number;
  workingSetPerLineB: number;
  referencePerPartnerKB: number;
  resultPerPartnerKB: number;
  secondsPerMillionLines: number;
  partnersPerLine: number;
  lambdas: LambdaCapacity[];
}

const gc = () => {
  if (!global.gc) throw new Error('run with node --expose-gc (npm run bench:quarter does)');
  global.gc();
  global.gc();
};
const heap = () => process.memoryUsage().heapUsed;

/** Heap retained by what `make` returns, measured after full collections. */
function retained(make: () => unknown): number {
  gc();
  const before = heap();
  const kept = make();
  gc();
  const after = heap();
  // Keeps `kept` alive until measured.
  return kept === undefined ? 0 : Math.max(0, after - before);
}

export function measureCapacity(input: CapacityInput): Capacity {
  const { lines, partners } = input;
  const extractsBytes = retained(() => structuredClone(input.extracts.map((e) => e.extract)));
  const referenceBytes = retained(() => structuredClone(input.reference));

  gc();
  const before = heap();
  const result = computeQuarter({ rules: input.rules, reference: input.reference, extracts: input.extracts });
  const right = heap();
  gc();
  const resultBytes = Math.max(0, heap() - before);
  const workingSet = Math.max(0, right - before - resultBytes);
  if (result.partners.length === 0) throw new Error('the computation paid no partner: nothing to measure');

  const perLine = (extractsBytes + workingSet) / lines;
  const perPartner = (referenceBytes + resultBytes) / partners;
  const ratio = partners / lines;
  const secondsPerLine = (input.computeMs + input.codecMs) / 1000 / lines + input.extractMB / S3_MB_PER_S / lines;
  const writeSecondsPerPartner = ITEM_WCU / WCU_PER_S;

  const lambdas = LAMBDA_MEMORY_MB.map((memoryMB): LambdaCapacity => {
    const heapMB = memoryMB * HEAP_SHARE;
    const linesByMemory = Math.floor(((heapMB - BASE_MB) * 2 ** 20) / (perLine + perPartner * ratio));
    const linesByTime = Math.floor(LIMIT_S / (secondsPerLine + writeSecondsPerPartner * ratio));
    const most = Math.min(linesByMemory, linesByTime);
    return {
      memoryMB,
      heapMB,
      linesByMemory,
      linesByTime,
      lines: most,
      partners: Math.floor(most * ratio),
      binds: linesByMemory <= linesByTime ? 'memory' : 'time',
      minutes: (most * (secondsPerLine + writeSecondsPerPartner * ratio)) / 60,
    };
  });
  return {
    heapPerLineB: perLine,
    heapPerPartnerKB: perPartner / 1024,
    extractsPerLineB: extractsBytes / lines,
    workingSetPerLineB: workingSet / lines,
    referencePerPartnerKB: referenceBytes / partners / 1024,
    resultPerPartnerKB: resultBytes / partners / 1024,
    secondsPerMillionLines: secondsPerLine * 1e6,
    partnersPerLine: ratio,
    lambdas,
  };
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');

/** The section bench/quarter.ts prints last. */
export function capacityText(c: Capacity): string {
  const out = [
    '',
    'The largest quarter one Lambda can compute (docs/architecture.md "Past one machine"), from the figures above:',
    `  heap per line        ${n(c.heapPerLineB)} B (decoded extracts ${n(c.extractsPerLineB)} B + the computation's own structures ${n(c.workingSetPerLineB)} B)`,
    `  heap per partner     ${c.heapPerPartnerKB.toFixed(1)} KB (reference ${c.referencePerPartnerKB.toFixed(1)} KB + result ${c.resultPerPartnerKB.toFixed(1)} KB)`,
    `  time per 1M lines    ${c.secondsPerMillionLines.toFixed(2)} s (computation + decoding + reading the extracts from S3 at ${S3_MB_PER_S} MB/s)`,
    `  partners             1 per ${n(1 / c.partnersPerLine)} lines (as in this bench); heap = ${BASE_MB} MB + the above, bounded at ${HEAP_SHARE * 100}% of the memory;`,
    `                       the first computation writes every payout item at ${n(WCU_PER_S)} write units a second`,
  ];
  for (const l of c.lambdas)
    out.push(
      `  ${n(l.memoryMB).padStart(6)} MB: ${n(l.lines)} lines and ${n(l.partners)} partners in ${l.minutes.toFixed(1)} min ` +
        `(memory allows ${n(l.linesByMemory)} lines, 15 minutes ${n(l.linesByTime)}: ${l.binds} binds)`,
    );
  return `${out.join('\n')}\n`;
}
