import { readFileSync } from 'node:fs';
import { ByteLane } from '../shared/csv/byte-lane.js';
const buf = readFileSync(process.argv[2]!);
for (let r = 0; r < 4; r++) {
  const lane = new ByteLane(',', '\n', 1_000_000);
  lane.encoding = 'utf-8-bom';
  let plain = 0, other = 0;
  const sink = { plain: () => void plain++, other: () => void other++ };
  const c = process.cpuUsage();
  const t = performance.now();
  const start = buf.indexOf(10) + 1;
  for (let at = start; at < buf.length; at += 65536) lane.feed(buf.subarray(at, Math.min(buf.length, at + 65536)), false, sink);
  lane.feed(Buffer.alloc(0), true, sink);
  const u = process.cpuUsage(c);
  console.log(`${(performance.now() - t).toFixed(0)} ms, ${((u.user + u.system) / 1000).toFixed(0)} ms CPU, plain ${plain} other ${other}`);
}
