import { Tags, Validations, type App, type Environment } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stageConfigFromContext, type StageConfig } from './config.js';
import { StatefulStack } from './stateful-stack.js';
import { StatelessStack } from './stateless-stack.js';

export interface RebatesStacks {
  readonly config: StageConfig;
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

/**
 * Adds one stage's stacks (`Rebates-<stage>-Stateful`, `Rebates-<stage>-Stateless`) to the app and
 * registers cdk-nag's AwsSolutions pack, so every synth is also a nag run.
 */
export function addRebatesStacks(app: App, env?: Environment): RebatesStacks {
  const config = stageConfigFromContext(app.node);
  const prefix = `Rebates-${config.stage}`;
  const stateful = new StatefulStack(app, `${prefix}-Stateful`, {
    env,
    config,
    description: `Rebates ${config.stage}: reports bucket, table, key, user pool, dashboard address (retained in prod)`,
    terminationProtection: config.retainData,
  });
  const stateless = new StatelessStack(app, `${prefix}-Stateless`, {
    env,
    config,
    dataKey: stateful.dataKey,
    users: stateful.users,
    site: stateful.site,
    description: `Rebates ${config.stage}: functions, queues, HTTP API, dashboard files, access roles, alarms`,
  });
  // The stateless stack finds the bucket and table by name, so the order has to be explicit.
  stateless.addStackDependency(stateful);
  Tags.of(app).add('project', 'rebates');
  Tags.of(app).add('stage', config.stage);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { config, stateful, stateless };
}
