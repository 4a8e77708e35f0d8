/**
 * A state folder holding the sample data folder, computed, with one quarter closed, for tests of
 * the CLI on a closed quarter. The local runtime is stopped again before the tests run: they start
 * their own on the folder, as `rebates` does.
 */
import '../../local/env-defaults.js';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT, reportUploadName, startLocalRuntime } from '../../local/runtime.js';
import { closeQuarter, type QuarterSnapshot } from '../../shared/pipeline/quarters.js';
import { importReference } from '../../shared/pipeline/reference-import.js';
import { loadDataFolder } from '../../shared/reference/data-folder.js';
import { requireJdkInCI } from './ci.js';

export const SAMPLES = join(PROJECT_ROOT, 'samples', 'data');

export interface ClosedState {
  /** A new temp folder (the caller removes it) holding `state`. */
  scratch: string;
  state: string;
  snapshot: QuarterSnapshot;
}

/** The samples imported and computed in a new state folder, then `quarter` closed by fin-1. */
export async function closedSampleState(prefix: string, quarter: string): Promise<ClosedState> {
  requireJdkInCI();
  const scratch = await mkdtemp(join(tmpdir(), prefix));
  const state = join(scratch, 'state');
  try {
    const rt = await startLocalRuntime({ stateDir: state });
    try {
      const folder = await loadDataFolder(SAMPLES);
      await importReference(rt.deps, folder.reference);
      for (const r of folder.reports)
        await rt.upload(`incoming/${r.distributorId}/${reportUploadName(r.name)}`, await readFile(r.path));
      await rt.idle();
      const snapshot = await closeQuarter(rt.deps, quarter, 'fin-1', new Date());
      await rt.idle(); // the computation the close requests credits the points
      return { scratch, state, snapshot };
    } finally {
      await rt.stop();
    }
  } catch (err) {
    // The caller never learns the folder when setting up fails, so it goes here.
    await rm(scratch, { recursive: true, force: true });
    throw err;
  }
}
