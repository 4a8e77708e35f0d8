import { AwsSolutionsChecks } from 'cdk-nag';
import { synthStage } from './synth.js';
for (const stage of ['dev', 'prod'] as const) {
  const t0 = Date.now();
  const s = synthStage(stage);
  console.log(stage, 'synth ms', Date.now() - t0);
  const report = new AwsSolutionsChecks().validateScope(s.app);
  for (const v of report.violations) console.log(v.severity, v.ruleName, v.violatingResources.map((r) => r.constructPath).join(', '));
}
