/**
 * Faults the emulators cannot produce, injected at the SDK client: a Proxy over `send` that, for
 * the Nth command matching a spec, throws instead of sending, or lets S3 answer and then cuts the
 * object's body stream mid-file. Everything else goes to the real emulator untouched.
 *
 *   const faults = new FaultInjector();
 *   const env = useLocalRuntime({ wrapClients: faults.wrap });
 *   const fault = faults.arm({ client: 'doc', command: 'BatchWriteCommand', nth: 2, fail: throwing(connectionReset) });
 *   …
 *   expect(fault.fired).toBe(1);
 */
import { Readable } from 'node:stream';
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import type { AwsClients } from '../../shared/aws/clients.js';

export type ClientName = 's3' | 'dynamo' | 'doc';

/** A command as the SDK sees it; `input` is the plain input object (un-marshalled for `doc`). */
export interface SentCommand {
  client: ClientName;
  command: string;
  input: Record<string, unknown>;
}

type Send = () => Promise<unknown>;

/** What happens to a matching command: it replaces the real send. */
export type FaultAction = (send: Send, sent: SentCommand) => Promise<unknown>;

export interface FaultSpec {
  client: ClientName;
  /** The command class name, e.g. 'BatchWriteCommand', 'GetObjectCommand', 'PutCommand'. */
  command: string;
  /** Narrows which commands count toward `nth`. */
  match?: (input: Record<string, unknown>) => boolean;
  /** 1-based: the first matching command after arming that fails (default 1). */
  nth?: number;
  /** How many matching commands in a row fail from the `nth` on (default 1). */
  times?: number;
  fail: FaultAction;
}

export interface ArmedFault {
  /** Matching commands seen since arming. */
  readonly seen: number;
  /** Commands this fault made fail. */
  readonly fired: number;
  disarm(): void;
}

/** Throws instead of sending: the request never reaches the emulator. */
export const throwing =
  (makeError: () => Error): FaultAction =>
  () =>
    Promise.reject(makeError());

/** Sends, then replaces the GetObject body with one that delivers `afterBytes` bytes and errors. */
export const cuttingBody =
  (afterBytes: number, makeError: () => Error = connectionReset): FaultAction =>
  async (send) => {
    const out = (await send()) as { Body?: Readable };
    if (!out.Body) throw new Error('cuttingBody: the response has no Body to cut');
    return { ...out, Body: cutAfter(out.Body, afterBytes, makeError()) };
  };

export function throughputExceeded(): Error {
  return new ProvisionedThroughputExceededException({
    message: 'The level of configured provisioned throughput for the table was exceeded (injected fault).',
    $metadata: { httpStatusCode: 400 },
  });
}

export function connectionReset(): Error {
  return Object.assign(new Error('read ECONNRESET (injected fault)'), { code: 'ECONNRESET' });
}

function cutAfter(body: Readable, afterBytes: number, error: Error): Readable {
  async function* bytes() {
    let passed = 0;
    for await (const chunk of body) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      if (passed + buf.length >= afterBytes) {
        yield buf.subarray(0, afterBytes - passed);
        body.destroy();
        throw error;
      }
      passed += buf.length;
      yield buf;
    }
    throw new Error(`cuttingBody: the object has only ${passed} bytes, fewer than the ${afterBytes} to pass`);
  }
  return Readable.from(bytes(), { objectMode: false });
}

interface Armed {
  spec: FaultSpec;
  seen: number;
  fired: number;
  active: boolean;
}

export class FaultInjector {
  private readonly armed: Armed[] = [];
  /** Every command sent through the wrapped clients, in order. */
  readonly sent: SentCommand[] = [];

  arm(spec: FaultSpec): ArmedFault {
    const a: Armed = { spec, seen: 0, fired: 0, active: true };
    this.armed.push(a);
    return {
      get seen() {
        return a.seen;
      },
      get fired() {
        return a.fired;
      },
      disarm: () => void (a.active = false),
    };
  }

  disarmAll(): void {
    for (const a of this.armed) a.active = false;
  }

  /** Commands sent so far that match. */
  count(
    client: ClientName,
    command: string,
    match: (input: Record<string, unknown>) => boolean = () => true,
  ): number {
    return this.sent.filter((s) => s.client === client && s.command === command && match(s.input)).length;
  }

  /** For `startLocalRuntime({ wrapClients })`: the same clients, with `send` going through the injector. */
  readonly wrap = (clients: AwsClients): AwsClients => ({
    ...clients,
    s3: this.proxy(clients.s3, 's3'),
    dynamo: this.proxy(clients.dynamo, 'dynamo'),
    doc: this.proxy(clients.doc, 'doc'),
  });

  private proxy<T extends object>(client: T, name: ClientName): T {
    const send = (client as unknown as { send: (command: unknown, ...rest: unknown[]) => Promise<unknown> })
      .send;
    const onSend = (command: { input?: unknown }, rest: unknown[]) => {
      const sent: SentCommand = {
        client: name,
        command: command.constructor.name,
        input: (command.input ?? {}) as Record<string, unknown>,
      };
      this.sent.push(sent);
      const real = () => send.call(client, command, ...rest);
      const fault = this.pick(sent);
      return fault ? fault(real, sent) : real();
    };
    return new Proxy(client, {
      get(target, prop) {
        if (prop === 'send')
          return (command: { input?: unknown }, ...rest: unknown[]) => onSend(command, rest);
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  private pick(sent: SentCommand): FaultAction | null {
    let action: FaultAction | null = null;
    for (const a of this.armed) {
      const { spec } = a;
      if (!a.active || spec.client !== sent.client || spec.command !== sent.command) continue;
      if (spec.match && !spec.match(sent.input)) continue;
      a.seen++;
      const first = spec.nth ?? 1;
      if (!action && a.seen >= first && a.seen < first + (spec.times ?? 1)) {
        a.fired++;
        action = spec.fail;
      }
    }
    return action;
  }
}
