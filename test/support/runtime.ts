/**
 * The whole pipeline on the real emulators for integration tests: one local runtime per test file
 * (DynamoDB Local takes seconds to start), helpers to import reference data, upload a report and
 * wait until the pipeline is quiet, and readers for what it stored.
 *
 * Tests in a file share the stack: each uses its own partner IDs, distributors and keys instead of
 * resetting anything.
 */
import '../../local/env-defaults.js'; // before the handler modules create their loggers
import { gzipSync } from 'node:zlib';
import Papa from 'papaparse';
import { afterAll, beforeAll } from 'vitest';
import { startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '../../local/runtime.js';
import type {
  Acceptance,
  CatalogEntry,
  Distributor,
  Partner,
  PartnerQuarterResult,
  Training,
} from '../../shared/domain/types.js';
import { latestComputation } from '../../shared/pipeline/compute.js';
import { reportIdOf } from '../../shared/pipeline/ingest.js';
import {
  importReference,
  type ReferenceChange,
  type ReferenceImportResult,
} from '../../shared/pipeline/reference-import.js';
import type { ReportRecord } from '../../shared/ports/index.js';
import { encode, writeCsv, type TestEncoding } from '../csv/helpers.js';
import { requireJdkInCI } from './ci.js';
import { aPartner, aTraining, anAcceptance } from './domain-fixtures.js';

// ---------------------------------------------------------------- reference data

/** Shown as its ID unless `displayId` says how it is written. */
export function aDistributor(over: Partial<Distributor> & { id: string }): Distributor {
  return {
    displayId: over.id,
    name: `Distributor ${over.id}`,
    segments: ['consumer', 'commercial', 'monitors'],
    ...over,
  };
}

/** Reference rows with only what a test is about; the rest comes from the builders' defaults. */
export interface ReferencePartial {
  partners?: (string | (Partial<Partner> & { id: string }))[];
  distributors?: (string | (Partial<Distributor> & { id: string }))[];
  acceptances?: (Partial<Acceptance> & { partnerId: string; program: string })[];
  trainings?: (Partial<Training> & { partnerId: string; courseCode: string })[];
  catalog?: CatalogEntry[];
}

export function referenceChange(partial: ReferencePartial): ReferenceChange {
  const change: ReferenceChange = {};
  if (partial.partners)
    change.partners = partial.partners.map((p) =>
      aPartner(typeof p === 'string' ? { id: p, name: `Partner ${p}` } : p),
    );
  if (partial.distributors)
    change.distributors = partial.distributors.map((d) =>
      aDistributor(typeof d === 'string' ? { id: d } : d),
    );
  if (partial.acceptances)
    change.acceptances = partial.acceptances.map((a) => anAcceptance(a.program, a.plan ?? null, a));
  if (partial.trainings) change.trainings = partial.trainings.map((t) => aTraining(t.courseCode, t));
  if (partial.catalog) change.catalog = partial.catalog;
  return change;
}

// ---------------------------------------------------------------- reports

/** One report line; dates in ISO form (rendered as dd.mm.yyyy when asked). */
export interface SaleLine {
  date: string;
  invoice: string;
  partnerId: string;
  description: string;
  qty: string | number;
  sku?: string;
  serviceTag?: string;
  partnerName?: string;
  /** Written only when some line of the report has it (then the file has a distributor column). */
  distributor?: string;
}

/**
 * A builder of report lines of one product, dated 10 February 2016 (inside Q1): each test names
 * only what it varies (invoice and partner, the quantity when it is not `qty`).
 */
export const salesOf =
  (description: string, qty: number = 1) =>
  (over: Partial<SaleLine> & Pick<SaleLine, 'invoice' | 'partnerId'>): SaleLine => ({
    date: '2016-02-10',
    description,
    qty,
    ...over,
  });

export interface ReportLayout {
  headers?: 'en' | 'ru';
  delimiter?: ',' | ';' | '\t';
  dates?: 'iso' | 'ru';
  newline?: '\n' | '\r\n';
  encoding?: TestEncoding;
  gzip?: boolean;
}

const HEADERS = {
  en: [
    'invoice_date',
    'invoice_number',
    'partner_id',
    'sku',
    'description',
    'quantity',
    'service_tag',
    'partner_name',
    'distributor_id',
  ],
  ru: [
    'Дата счета',
    'Номер счета',
    'Код партнера',
    'Артикул',
    'Наименование',
    'Количество',
    'Серийный номер',
    'Наименование партнера',
    'Код дистрибьютора',
  ],
} as const;

const ruDate = (iso: string) => iso.replace(/^(\d{4})-(\d{2})-(\d{2})$/, '$3.$2.$1');

/** The header row and data rows of a report, as strings (what the rejects file should echo). */
export function reportRows(lines: readonly SaleLine[], layout: ReportLayout = {}): string[][] {
  const withDistributor = lines.some((l) => l.distributor !== undefined);
  const header = [...HEADERS[layout.headers ?? 'en']].slice(0, withDistributor ? 9 : 8);
  const rows = lines.map((l) => {
    const row = [
      layout.dates === 'ru' ? ruDate(l.date) : l.date,
      l.invoice,
      l.partnerId,
      l.sku ?? '',
      l.description,
      String(l.qty),
      l.serviceTag ?? '',
      l.partnerName ?? '',
    ];
    return withDistributor ? [...row, l.distributor ?? ''] : row;
  });
  return [header, ...rows];
}

export function renderReport(lines: readonly SaleLine[], layout: ReportLayout = {}): Buffer {
  const newline = layout.newline ?? '\n';
  const text = writeCsv(reportRows(lines, layout), layout.delimiter ?? ',', newline) + newline;
  const bytes = encode(text, layout.encoding ?? 'utf-8');
  return layout.gzip ? gzipSync(bytes) : bytes;
}

// ---------------------------------------------------------------- the runtime

export interface RejectLine {
  line: number;
  code: string;
  message: string;
  /** The original fields of the line. */
  fields: string[];
}

export interface HeldLine {
  line: number;
  reason: string;
  message: string;
  quarter: string;
}

export interface TestRuntime {
  /** The running runtime (only inside tests, after beforeAll). */
  readonly rt: LocalRuntime;
  /** Writes the reference rows (defaults filled in) and waits for the computations they cause. */
  importReference(
    partial: ReferencePartial,
  ): Promise<{ change: ReferenceChange; result: ReferenceImportResult }>;
  /** Uploads `incoming/<distributorId>/<name>` and waits until ingest and compute are quiet; returns the key. */
  upload(distributorId: string, name: string, content: string | Buffer): Promise<string>;
  /** Uploads all at once (as concurrent distributors would), then waits once; returns the keys. */
  uploadAll(
    files: readonly { distributorId: string; name: string; content: string | Buffer }[],
  ): Promise<string[]>;
  report(key: string): Promise<ReportRecord>;
  payouts(quarter: string, partnerId: string): Promise<PartnerQuarterResult | null>;
  rejects(key: string): Promise<RejectLine[]>;
  /** Lines of the report that are extracted but do not count, from the latest computation of each of its quarters. */
  held(key: string): Promise<HeldLine[]>;
  /** The report's extracts as stored (every version's still in the object store). */
  extractKeys(key: string): Promise<string[]>;
}

/** One local runtime for the test file: started in beforeAll, stopped (and process.env restored) in afterAll. */
export function useLocalRuntime(options: LocalRuntimeOptions = {}): TestRuntime {
  let runtime: LocalRuntime | undefined;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    requireJdkInCI();
    runtime = await startLocalRuntime(options);
  });

  afterAll(async () => {
    await runtime?.stop();
    runtime = undefined;
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
    Object.assign(process.env, savedEnv);
  });

  const rt = (): LocalRuntime => {
    if (!runtime)
      throw new Error(
        'useLocalRuntime(): the runtime runs only inside tests of this file (after beforeAll).',
      );
    return runtime;
  };

  return {
    get rt() {
      return rt();
    },
    async importReference(partial) {
      const change = referenceChange(partial);
      const result = await importReference(rt().deps, change);
      await rt().idle();
      return { change, result };
    },
    async upload(distributorId, name, content) {
      const key = `incoming/${distributorId}/${name}`;
      await rt().upload(key, content);
      await rt().idle();
      return key;
    },
    async uploadAll(files) {
      const keys = files.map((f) => `incoming/${f.distributorId}/${f.name}`);
      await Promise.all(files.map((f, i) => rt().upload(keys[i]!, f.content)));
      await rt().idle();
      return keys;
    },
    async report(key) {
      const record = await rt().deps.reports.get(reportIdOf(key));
      if (!record) throw new Error(`No report record for ${key}`);
      return record;
    },
    async payouts(quarter, partnerId) {
      return (await rt().deps.payouts.get(quarter, partnerId))?.result ?? null;
    },
    async rejects(key) {
      const record = await rt().deps.reports.get(reportIdOf(key));
      if (!record?.rejectsKey) throw new Error(`No rejects file recorded for ${key}`);
      const text = await rt().deps.objects.getText(record.rejectsKey);
      const parsed = Papa.parse<string[]>(text, { delimiter: ',', skipEmptyLines: true });
      const [header, ...rows] = parsed.data;
      if (header?.slice(0, 3).join() !== 'line,reason_code,message')
        throw new Error(`Unexpected rejects header: ${header?.join()}`);
      return rows.map(([line, code, message, ...fields]) => ({
        line: Number(line),
        code: code!,
        message: message!,
        fields,
      }));
    },
    async held(key) {
      const record = await rt().deps.reports.get(reportIdOf(key));
      const out: HeldLine[] = [];
      for (const quarter of record?.quarters ?? []) {
        const latest = await latestComputation(rt().deps, quarter);
        for (const entries of Object.values(latest?.body.exceptions ?? {}))
          for (const h of entries ?? [])
            if (h.reportId === record!.reportId)
              for (const line of h.lines) out.push({ line, reason: h.reason, message: h.message, quarter });
      }
      return out.sort((a, b) => a.line - b.line);
    },
    async extractKeys(key) {
      return rt().deps.objects.list(`extracts/${reportIdOf(key)}/`);
    },
  };
}
