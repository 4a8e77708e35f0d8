/**
 * How the other commands work beside a running `rebates up`: `up` owns the state folder (its
 * DynamoDB Local holds the database file), so they talk to its HTTP API with a short-lived dev
 * token signed by the folder's secret, instead of starting a second stack on the same files.
 * `up` leaves its address in `<state>/up.json` beside the lock.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { signDevToken } from '../shared/auth/dev-token.js';
import type { Role } from '../shared/auth/principal.js';
import { AppError, type ErrorOptions } from '../shared/errors.js';
import { devTokenSecret, isAlive } from './state-files.js';

const UP_FILE = 'up.json';
const LOCK_FILE = 'lock';
/** Long enough for one command (a large ingest), short enough that a leaked one is soon worthless. */
const CLI_TOKEN_TTL_SECONDS = 60 * 60;

export interface UpInfo {
  pid: number;
  url: string;
  port: number;
}

/** An answer of `up`'s API that is not a success, in the API's own words. */
export class UpApiError extends AppError {
  override readonly httpStatus: number;
  constructor(
    readonly code: string,
    status: number,
    message: string,
    readonly issues: string[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.httpStatus = status;
  }
}

export async function writeUpInfo(stateDir: string, info: UpInfo): Promise<void> {
  await writeFile(join(stateDir, UP_FILE), `${JSON.stringify(info)}\n`, { mode: 0o600 });
}

export async function removeUpInfo(stateDir: string): Promise<void> {
  await rm(join(stateDir, UP_FILE), { force: true });
}


/**
 * The `up` serving this state folder, or null when none does. Only an `up.json` whose process
 * still holds the folder's lock counts: one left by a killed `up` is stale.
 */
export async function findUp(stateDir: string): Promise<UpInfo | null> {
  const [rawInfo, rawLock] = await Promise.all([
    readFile(join(stateDir, UP_FILE), 'utf8').catch(() => null),
    readFile(join(stateDir, LOCK_FILE), 'utf8').catch(() => null),
  ]);
  if (rawInfo === null || rawLock === null) return null;
  let info: UpInfo;
  try {
    info = JSON.parse(rawInfo) as UpInfo;
  } catch {
    return null;
  }
  const lockPid = Number(rawLock.trim());
  if (!info.url || info.pid !== lockPid || !isAlive(lockPid)) return null;
  return info;
}

export interface ApiFile {
  body: Buffer;
  fileName: string;
}

/** A client of the local HTTP API (`up`'s, or one a command serves itself), signed in as one role. */
export class ApiClient {
  /** The language explanations and summaries come in (the API's default, English, when unset). */
  language: 'en' | 'ru' | undefined = undefined;

  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  static async signedIn(
    baseUrl: string,
    stateDir: string,
    role: Role,
    extra: Record<string, unknown> = {},
  ): Promise<ApiClient> {
    const secret = await devTokenSecret(stateDir);
    const claims = { sub: `rebates-cli-${role}`, 'cognito:groups': [role], ...extra };
    return new ApiClient(baseUrl, signDevToken(claims, secret, CLI_TOKEN_TTL_SECONDS));
  }

  private async request(method: string, path: string, body?: string, type?: string): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}/api${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(type ? { 'content-type': type } : {}),
          ...(this.language ? { 'accept-language': this.language } : {}),
        },
        ...(body !== undefined ? { body } : {}),
      });
    } catch (cause) {
      throw new UpApiError(
        'up-unreachable',
        503,
        `"rebates up" at ${this.baseUrl} does not answer; restart it, or stop it and run the command again.`,
        [],
        { cause, key: 'up-unreachable', params: { url: this.baseUrl } },
      );
    }
    if (!res.ok) {
      const text = await res.text();
      let error: { code?: string; message?: string; issues?: string[] } = {};
      try {
        error = (JSON.parse(text) as { error?: typeof error }).error ?? {};
      } catch {
        // not the API's JSON: the status says enough
      }
      throw new UpApiError(
        error.code ?? 'api-error',
        res.status,
        error.message ?? `The API answered ${res.status} to ${method} ${path}.`,
        error.issues ?? [],
        // Asked for in Russian, the API's message already is: said as it came.
        this.language === 'ru' && error.message
          ? { key: 'as-sent', params: { text: error.message } }
          : { key: 'api-answered', params: { status: res.status, method, path } },
      );
    }
    return res;
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.request(
      method,
      path,
      body === undefined ? undefined : JSON.stringify(body),
      body === undefined ? undefined : 'application/json',
    );
    return (await res.json()) as T;
  }

  async file(path: string): Promise<ApiFile> {
    const res = await this.request('GET', path);
    const disposition = res.headers.get('content-disposition') ?? '';
    const name = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1] ?? /filename="?([^";]+)"?/i.exec(disposition)?.[1];
    return {
      body: Buffer.from(await res.arrayBuffer()),
      fileName: name ? decodeURIComponent(name) : path.split('/').pop()!,
    };
  }
}
