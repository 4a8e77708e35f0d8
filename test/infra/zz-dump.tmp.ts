import { writeFileSync } from 'node:fs';
import { synthStage } from './synth.js';
const s = synthStage('dev');
writeFileSync('/tmp/stateless.json', JSON.stringify(s.statelessTemplate.toJSON(), null, 1));
writeFileSync('/tmp/stateful.json', JSON.stringify(s.statefulTemplate.toJSON(), null, 1));
