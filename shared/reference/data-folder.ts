/**
 * Reads a data folder for the one-shot command (data-formats.md, "A data folder"):
 * `<data>/partners.csv distributors.csv acceptances.csv trainings.csv [catalog.csv]` and
 * `<data>/reports/<distributor_id>/<any name>.csv[.gz]`. Problems are collected, not thrown, so a
 * person sees all of them at once; only an unreadable folder throws.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { distributorKey } from '../domain/ids.js';
import { rowIssueText, type FolderIssue } from '../domain/render/row-issues.js';
import type { Distributor } from '../domain/types.js';
import { InputValidationError } from '../errors.js';
import {
  REFERENCE_FILES,
  parseAcceptances,
  parseCatalog,
  parseDistributors,
  parsePartners,
  parseTrainings,
} from './parse.js';
import type { DataFolder, FileProblem, ParseResult, ReferenceData, ReportFile } from './types.js';

const REPORT_NAME = /\.csv(\.gz)?$/i;
/** A problem of the folder, not of a row: its English said from the data. */
const folderProblem = (file: string, issue: FolderIssue): FileProblem => ({
  file,
  line: null,
  message: rowIssueText(issue, 'en'),
  issue,
});

const REQUIRED: string[] = [
  REFERENCE_FILES.partners,
  REFERENCE_FILES.distributors,
  REFERENCE_FILES.acceptances,
  REFERENCE_FILES.trainings,
];

const isHidden = (name: string) => name.startsWith('.');

/** Directory entries by name, so problems and reports come out in the same order on every file system. */
async function sortedEntries(dir: string) {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/** The file's text; null when it does not exist, undefined when it is not UTF-8 (reported). */
async function readText(
  path: string,
  file: string,
  errors: FileProblem[],
): Promise<string | null | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if (isMissing(err)) return null;
    throw new InputValidationError(`Cannot read ${file}: ${(err as Error).message}`, [], {
      cause: err,
      key: 'file-unreadable',
      params: { path: file, code: (err as NodeJS.ErrnoException).code ?? null },
    });
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    errors.push(folderProblem(file, { kind: 'not-utf8', file }));
    return undefined;
  }
}

async function readReference(dir: string, errors: FileProblem[]): Promise<ReferenceData> {
  async function load<T>(file: string, parse: (text: string) => ParseResult<T>): Promise<T[]> {
    const text = await readText(join(dir, file), file, errors);
    if (text === null) {
      if (REQUIRED.includes(file))
        errors.push(
          folderProblem(file, { kind: 'file-missing', file, required: REQUIRED, optional: REFERENCE_FILES.catalog }),
        );
      return [];
    }
    if (text === undefined) return [];
    const { rows, errors: rowErrors } = parse(text);
    for (const e of rowErrors)
      errors.push({ file, line: e.line, message: `line ${e.line}: ${e.message}`, ...(e.issue ? { issue: e.issue } : {}) });
    return rows;
  }
  return {
    partners: await load(REFERENCE_FILES.partners, parsePartners),
    distributors: await load(REFERENCE_FILES.distributors, parseDistributors),
    acceptances: await load(REFERENCE_FILES.acceptances, parseAcceptances),
    trainings: await load(REFERENCE_FILES.trainings, parseTrainings),
    catalog: await load(REFERENCE_FILES.catalog, parseCatalog),
  };
}

/**
 * Report files below one distributor folder, recursively; `prefix` is the path below that folder,
 * `folder` the folder's name on disk (for messages), `distributorId` the distributor's key.
 */
async function listReports(
  distributorId: string,
  dir: string,
  folder: string,
  prefix: string,
  errors: FileProblem[],
): Promise<ReportFile[]> {
  const out: ReportFile[] = [];
  for (const entry of await sortedEntries(dir)) {
    if (isHidden(entry.name)) continue;
    const name = prefix ? `${prefix}/${entry.name}` : entry.name;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listReports(distributorId, path, folder, name, errors)));
    else if (REPORT_NAME.test(entry.name)) out.push({ distributorId, path, name });
    else
      errors.push(folderProblem(`reports/${folder}/${name}`, { kind: 'report-not-csv', file: `reports/${folder}/${name}` }));
  }
  return out;
}

async function readReports(
  dir: string,
  distributors: readonly Distributor[],
  errors: FileProblem[],
): Promise<ReportFile[]> {
  const root = join(dir, 'reports');
  let entries;
  try {
    entries = await sortedEntries(root);
  } catch (err) {
    if (!isMissing(err))
      throw new InputValidationError(`Cannot read ${root}: ${(err as Error).message}`, [], {
        cause: err,
        key: 'folder-unreadable',
        params: { path: root, code: (err as NodeJS.ErrnoException).code ?? null },
      });
    errors.push(folderProblem('reports', { kind: 'no-reports-folder' }));
    return [];
  }
  const known = new Set(distributors.map((d) => d.id));
  const reports: ReportFile[] = [];
  for (const entry of entries) {
    if (isHidden(entry.name)) continue;
    const file = `reports/${entry.name}`;
    if (!entry.isDirectory()) {
      errors.push(folderProblem(file, { kind: 'report-outside-folder', file }));
      continue;
    }
    // Folders match distributors in any case (reports/d-merl/ is D-MERL's), as incoming/ folders do.
    const distributorId = distributorKey(entry.name);
    // Without any distributor (distributors.csv missing or empty) that problem is already reported.
    if (known.size && !known.has(distributorId))
      errors.push(
        folderProblem(file, { kind: 'report-folder-unknown', file, known: distributors.map((d) => d.displayId) }),
      );
    reports.push(...(await listReports(distributorId, join(root, entry.name), entry.name, '', errors)));
  }
  return reports;
}

export async function loadDataFolder(dir: string): Promise<DataFolder> {
  try {
    await readdir(dir);
  } catch (err) {
    throw new InputValidationError(`The data folder ${dir} cannot be read: ${(err as Error).message}`, [], {
      cause: err,
      key: 'data-folder-unreadable',
      params: { path: dir, code: (err as NodeJS.ErrnoException).code ?? null },
    });
  }
  const errors: FileProblem[] = [];
  const reference = await readReference(dir, errors);
  const reports = await readReports(dir, reference.distributors, errors);
  return { reference, reports, errors };
}
