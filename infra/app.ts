import { App } from 'aws-cdk-lib';
import { addRebatesStacks } from './rebates-app.js';

// Account and region come from the CLI's credentials when present; synth works without them.
const app = new App();
addRebatesStacks(app, { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION });
app.synth();
