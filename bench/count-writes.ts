/**
 * Counts what the pipeline asks of the stack, as AWS would bill it, through Proxies over the SDK
 * clients' `send`: DynamoDB items written by kind (the sort key's prefix: META, COMPUTATION, AUDIT, …; PAYOUT-SHARD
 * for the payout shards, PAYOUT-SHARDS for a quarter's record of them) and the capacity units DynamoDB Local reports consuming (every item request is sent with
 * `ReturnConsumedCapacity: 'TOTAL'`, so index writes are included as AWS charges them); and S3
 * requests by command (a multipart upload is its create, parts and completion).
 */
import type { AwsClients } from '../shared/aws/clients.js';
import { ITEM_KEY, ITEM_PREFIX } from '../shared/storage-contract.js';

export interface WriteCounts {
  /** Write requests sent (a BatchWrite of 25 items is one). */
  requests: number;
  /** Items put, updated or deleted. */
  items: number;
  byKind: Record<string, number>;
  /** Write capacity units consumed, as DynamoDB Local reports them (on demand: write request units). */
  writeUnits: number;
  readRequests: number;
  readUnits: number;
  /** S3 requests by command name without "Command" (PutObject, UploadPart, GetObject, …). */
  s3: Record<string, number>;
}

type Input = Record<string, unknown>;
type Send = (command: unknown, ...rest: unknown[]) => Promise<unknown>;
type Command = { constructor: { name: string }; input: Input };

/** The sort key's prefix; an audit entry's sort key is its time, so it counts as AUDIT. */
export const kindOf = (key: unknown) => {
  const { pk, sk } = (key ?? {}) as { pk?: unknown; sk?: unknown };
  if (typeof pk === 'string' && pk.startsWith(ITEM_PREFIX.audit)) return 'AUDIT';
  // A quarter's payouts, many partners to an item; the quarter's record of its shards is no payout.
  if (typeof pk === 'string' && pk.startsWith(ITEM_PREFIX.payoutShard)) return sk === ITEM_KEY.payoutShards ? 'PAYOUT-SHARDS' : 'PAYOUT-SHARD';
  return typeof sk === 'string' ? (sk.split('#')[0] ?? sk) : 'other';
};

const READS = new Set(['GetCommand', 'QueryCommand', 'ScanCommand', 'BatchGetCommand', 'TransactGetCommand']);

/** The keys of the items a write command touches; null for commands that write nothing. */
function writtenKeys(command: string, input: Input): unknown[] | null {
  switch (command) {
    case 'BatchWriteCommand':
      return Object.values((input.RequestItems ?? {}) as Record<string, Input[]>)
        .flat()
        .map((r) => (r.PutRequest as Input | undefined)?.Item ?? (r.DeleteRequest as Input | undefined)?.Key);
    case 'PutCommand':
      return [input.Item];
    case 'UpdateCommand':
    case 'DeleteCommand':
      return [input.Key];
    case 'TransactWriteCommand':
      return ((input.TransactItems ?? []) as Input[]).flatMap((t) => {
        const op = (t.Put ?? t.Update ?? t.Delete ?? t.ConditionCheck) as Input | undefined;
        return op && !t.ConditionCheck ? [op.Item ?? op.Key] : [];
      });
    default:
      return null;
  }
}

/** Sums `CapacityUnits` of a response's ConsumedCapacity (one entry, or one per table). */
function unitsOf(response: unknown): number {
  const c = (response as { ConsumedCapacity?: unknown } | undefined)?.ConsumedCapacity;
  const all = (Array.isArray(c) ? c : c ? [c] : []) as { CapacityUnits?: number }[];
  return all.reduce((s, x) => s + (x.CapacityUnits ?? 0), 0);
}

const empty = (): WriteCounts => ({
  requests: 0,
  items: 0,
  byKind: {},
  writeUnits: 0,
  readRequests: 0,
  readUnits: 0,
  s3: {},
});

export class WriteCounter {
  counts: WriteCounts = empty();
  /** Called after each counted write, e.g. to drive a progress line. */
  onWrite: ((counts: WriteCounts) => void) | undefined;

  readonly wrap = (clients: AwsClients): AwsClients => {
    const docSend = clients.doc.send.bind(clients.doc) as Send;
    const s3Send = clients.s3.send.bind(clients.s3) as Send;
    const doc = new Proxy(clients.doc, {
      get: (target, prop, receiver) =>
        prop === 'send'
          ? async (command: Command, ...rest: unknown[]) => {
              const name = command.constructor.name;
              const keys = writtenKeys(name, command.input);
              if (keys || READS.has(name)) command.input.ReturnConsumedCapacity ??= 'TOTAL';
              const response = await docSend(command, ...rest);
              if (keys) this.countWrite(keys, unitsOf(response));
              else if (READS.has(name)) {
                this.counts.readRequests++;
                this.counts.readUnits += unitsOf(response);
              }
              return response;
            }
          : Reflect.get(target, prop, receiver),
    });
    const s3 = new Proxy(clients.s3, {
      get: (target, prop, receiver) =>
        prop === 'send'
          ? (command: Command, ...rest: unknown[]) => {
              const name = command.constructor.name.replace(/Command$/, '');
              this.counts.s3[name] = (this.counts.s3[name] ?? 0) + 1;
              return s3Send(command, ...rest);
            }
          : Reflect.get(target, prop, receiver),
    });
    return { ...clients, doc, s3 };
  };

  /** The counts since the last reset, and a fresh start. */
  take(): WriteCounts {
    const taken = this.counts;
    this.counts = empty();
    return taken;
  }

  private countWrite(keys: unknown[], units: number): void {
    this.counts.requests++;
    this.counts.items += keys.length;
    this.counts.writeUnits += units;
    for (const k of keys) {
      const kind = kindOf(k);
      this.counts.byKind[kind] = (this.counts.byKind[kind] ?? 0) + 1;
    }
    this.onWrite?.(this.counts);
  }
}

/** S3 requests billed at the PUT price (PUT, COPY, POST, LIST) and at the GET price (GET, HEAD and the rest). */
export function s3RequestClasses(s3: Record<string, number>): { put: number; get: number } {
  let put = 0;
  let get = 0;
  for (const [name, count] of Object.entries(s3))
    if (/^(Put|Copy|Post|List|CreateMultipart|UploadPart|CompleteMultipart|DeleteObjects)/.test(name))
      put += count;
    else get += count;
  return { put, get };
}
