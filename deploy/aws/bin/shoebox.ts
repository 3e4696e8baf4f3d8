#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { readSettings } from '../lib/settings.js';
import { ShoeboxStack } from '../lib/shoebox-stack.js';

const app = new App();
new ShoeboxStack(app, String(app.node.tryGetContext('stackName') ?? 'Shoebox'), {
  settings: readSettings((key) => app.node.tryGetContext(key)),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  description: 'Shoebox: a self-hosted backend for mobile apps (deploy/aws in the Shoebox repository)',
});
