/**
 * The thread of ReportScans (report-scans.ts): reads report files into record indexes and answers
 * the fields of the records asked for. Each file is read once, whatever the order of the requests.
 */
import { createReadStream } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { indexRecords, type RecordIndex } from '../shared/csv/record-scan.js';
import type { ScanReply, ScanRequest } from './report-scans.js';

const indexes = new Map<string, Promise<RecordIndex>>();

function indexOf(path: string): Promise<RecordIndex> {
  let index = indexes.get(path);
  if (!index) {
    index = indexRecords(createReadStream(path, { highWaterMark: 256 * 1024 }));
    indexes.set(path, index);
  }
  return index;
}

const port = parentPort!;
port.on('message', (request: ScanRequest) => {
  void (async (): Promise<ScanReply> => {
    try {
      const index = await indexOf(request.path);
      if (!request.lines) return { id: request.id };
      const { headers, fields } = index.fieldsAt(request.lines);
      return { id: request.id, headers, fields: [...fields] };
    } catch (err) {
      return { id: request.id, error: (err as Error)?.message ?? String(err) };
    }
  })().then((reply) => port.postMessage(reply));
});
