/**
 * Kill points for the crash-and-restart suite (test/integration/crash-restart.test.ts). With
 * REBATES_TEST_PAUSE_AT set, the local runtime stops at that point of its work, says so on stderr,
 * and waits there until it is killed, so the test can SIGKILL it exactly there. Unset, which is
 * always the case outside that test, the clients are returned as they are and nothing here runs.
 *
 * The points are chosen at the SDK client, where the work meets the store, so that the pipeline's
 * code runs unchanged:
 * - `mid-ingest`: half of an uploaded report's bytes have reached the reader;
 * - `before-computation`: a report is processed, and the computation that counts it is about to read
 *   its extract (nothing of that computation is written yet);
 * - `mid-computation`: the computation's first batch of payout items (or shards) is written, no later
 *   batch and not its pointer;
 * - `mid-close`: the quarter is marked closed and the first points ledger entry is written, the
 *   others are not (by the close or by the computation it requested).
 */
import { Readable } from 'node:stream';
import type { AwsClients } from '../shared/aws/clients.js';
import { ConfigError } from '../shared/errors.js';
import { ITEM_PREFIX, PREFIX } from '../shared/storage-contract.js';

export const PAUSE_POINTS = ['mid-ingest', 'before-computation', 'mid-computation', 'mid-close'] as const;
export type PausePoint = (typeof PAUSE_POINTS)[number];
export const PAUSE_VARIABLE = 'REBATES_TEST_PAUSE_AT';

type Send = (command: { input?: unknown }, ...rest: unknown[]) => Promise<unknown>;

/** The point named by REBATES_TEST_PAUSE_AT, or null when it is unset or empty. */
export function pausePointFrom(env: Record<string, string | undefined>): PausePoint | null {
  const value = env[PAUSE_VARIABLE];
  if (!value) return null;
  if (!(PAUSE_POINTS as readonly string[]).includes(value))
    throw new ConfigError(
      `${PAUSE_VARIABLE}=${value} is not a kill point; it takes one of ${PAUSE_POINTS.join(', ')} (tests only: leave it unset).`,
      { key: 'pause-point-unknown', params: { variable: PAUSE_VARIABLE, value, points: [...PAUSE_POINTS] } },
    );
  return value as PausePoint;
}

/** Says where the process stopped, then never resolves. */
function hold(point: PausePoint): Promise<never> {
  // A pipe to the test is written synchronously on Linux: the line is out before the kill can come.
  process.stderr.write(`paused for a test at ${point} (${PAUSE_VARIABLE}); this process waits here until it is killed\n`);
  return new Promise<never>(() => undefined);
}

const mentions = (input: unknown, skPrefix: string) => JSON.stringify(input ?? {}).includes(`"sk":"${skPrefix}`);
const keyOf = (input: unknown) => String((input as { Key?: unknown } | undefined)?.Key ?? '');

/** The clients, with the one command of `point` held (and only the first time it comes). */
export function pauseClientsAt(point: PausePoint | null, clients: AwsClients): AwsClients {
  if (!point) return clients;
  let reached = false;
  const once = (matches: boolean) => {
    if (!matches || reached) return false;
    reached = true;
    return true;
  };
  const intercept = <T extends object>(client: T, decide: (name: string, input: unknown, send: () => Promise<unknown>) => Promise<unknown> | null): T => {
    const send = (client as unknown as { send: Send }).send;
    return new Proxy(client, {
      get(target, prop) {
        if (prop === 'send')
          return (command: { input?: unknown }, ...rest: unknown[]) => {
            const real = () => send.call(target, command, ...rest);
            return decide(command.constructor.name, command.input, real) ?? real();
          };
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  };

  switch (point) {
    case 'mid-ingest':
      return {
        ...clients,
        s3: intercept(clients.s3, (name, input, send) =>
          once(name === 'GetObjectCommand' && keyOf(input).startsWith(PREFIX.incoming))
            ? send().then((out) => {
                const res = out as { Body?: Readable; ContentLength?: number };
                if (!res.Body) return out;
                return { ...res, Body: halfThenHold(res.Body, Math.floor((res.ContentLength ?? 0) / 2), point) };
              })
            : null,
        ),
      };
    case 'before-computation':
      return {
        ...clients,
        s3: intercept(clients.s3, (name, input) =>
          once(name === 'GetObjectCommand' && keyOf(input).startsWith(PREFIX.extracts)) ? hold(point) : null,
        ),
      };
    case 'mid-computation': {
      const payoutWrite = (name: string, input: unknown) =>
        name === 'BatchWriteCommand' && (mentions(input, ITEM_PREFIX.payout) || JSON.stringify(input).includes(`"pk":"${ITEM_PREFIX.payoutShard}`));
      return {
        ...clients,
        doc: intercept(clients.doc, (name, input, send) => {
          // The payout writes sent after the first are held too, never sent: the restart finds that
          // request's shards new and every other shard as it was, whatever the timing of the kill.
          if (reached && payoutWrite(name, input)) return new Promise<never>(() => undefined);
          return once(payoutWrite(name, input)) ? send().then(() => hold(point)) : null;
        }),
      };
    }
    case 'mid-close':
      return {
        ...clients,
        doc: intercept(clients.doc, (name, input, send) => {
          // The close's computation request credits too: once the point is reached the process is as
          // good as dead, so no other writer may finish the ledger or flag the credits complete.
          const crediting = mentions(input, ITEM_PREFIX.points) || (name === 'UpdateCommand' && JSON.stringify(input).includes('creditsComplete'));
          if (reached && crediting) return new Promise<never>(() => undefined);
          return once(mentions(input, ITEM_PREFIX.points)) ? send().then(() => hold(point)) : null;
        }),
      };
  }
}

/** Passes the first `bytes` bytes of `body` on, then holds: the reader waits for the rest for ever. */
function halfThenHold(body: Readable, bytes: number, point: PausePoint): Readable {
  async function* pass() {
    let passed = 0;
    for await (const chunk of body) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      if (passed + buf.length >= bytes) {
        yield buf.subarray(0, bytes - passed);
        // Asked for more: the first half has been read.
        await hold(point);
      }
      passed += buf.length;
      yield buf;
    }
  }
  return Readable.from(pass(), { objectMode: false });
}
