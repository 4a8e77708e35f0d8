// The entry of ReportScans' thread (report-scans.ts): a thread starts without the TypeScript loader
// that bin/rebates.mjs registered, so it registers it before importing the worker's code.
import { register } from 'tsx/esm/api';

register();
await import('./report-scan-worker.ts');
