/**
 * Counts the DynamoDB items the pipeline writes, by item kind (the sort key's prefix: TALLY, META,
 * PAYOUT, POINTS, …), through a Proxy over the document client's `send`. Reads pass uncounted.
 */
import type { AwsClients } from '../shared/aws/clients.js';

export interface WriteCounts {
  /** Write requests sent (a BatchWrite of 25 items is one). */
  requests: number;
  /** Items put, updated or deleted. */
  items: number;
  byKind: Record<string, number>;
}

type Input = Record<string, unknown>;

const kindOf = (key: unknown) => {
  const sk = (key as { sk?: unknown } | undefined)?.sk;
  return typeof sk === 'string' ? (sk.split('#')[0] ?? sk) : 'other';
};

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
        const op = (t.Put ?? t.Update ?? t.Delete) as Input | undefined;
        return op ? [op.Item ?? op.Key] : [];
      });
    default:
      return null;
  }
}

export class WriteCounter {
  counts: WriteCounts = { requests: 0, items: 0, byKind: {} };
  /** Called after each counted write, e.g. to drive a progress line. */
  onWrite: ((counts: WriteCounts) => void) | undefined;

  readonly wrap = (clients: AwsClients): AwsClients => {
    const send = clients.doc.send.bind(clients.doc) as (
      command: unknown,
      ...rest: unknown[]
    ) => Promise<unknown>;
    const doc = new Proxy(clients.doc, {
      get: (target, prop, receiver) =>
        prop === 'send'
          ? (command: { constructor: { name: string }; input: Input }, ...rest: unknown[]) => {
              this.count(command.constructor.name, command.input);
              return send(command, ...rest);
            }
          : Reflect.get(target, prop, receiver),
    });
    return { ...clients, doc };
  };

  /** The counts since the last reset, and a fresh start. */
  take(): WriteCounts {
    const taken = this.counts;
    this.counts = { requests: 0, items: 0, byKind: {} };
    return taken;
  }

  private count(command: string, input: Input): void {
    const keys = writtenKeys(command, input);
    if (!keys) return;
    this.counts.requests++;
    this.counts.items += keys.length;
    for (const k of keys) {
      const kind = kindOf(k);
      this.counts.byKind[kind] = (this.counts.byKind[kind] ?? 0) + 1;
    }
    this.onWrite?.(this.counts);
  }
}
