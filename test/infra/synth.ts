/**
 * Shared by the infra tests: synthesise one stage of the real app (same context as cdk.json) and
 * read IAM out of the templates. Each test file synthesises once per stage it needs; bundling the
 * two functions takes seconds.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, type AppProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll } from 'vitest';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { Stage } from '../../infra/config.js';
import { PROJECT_ROOT } from '../../infra/rebates-function.js';
import { addRebatesStacks, type RebatesStacks } from '../../infra/rebates-app.js';

// Any attempt to bundle with Docker fails loudly instead of silently falling back.
process.env.CDK_DOCKER = '/nonexistent/docker-is-not-used';
// CDK's built-in CloudFormation rule check takes ~20 s per synth; `npm run synth` runs it, tests skip it.
process.env.CDK_VALIDATION = 'false';

const cdkJson = JSON.parse(readFileSync(`${PROJECT_ROOT}cdk.json`, 'utf8')) as {
  context: Record<string, unknown>;
};

const outdirs: string[] = [];

/**
 * An App synthesising into a temp folder of its own, removed after the test file: without an
 * outdir CDK makes a `cdk.out*` folder in the temp directory and leaves it (bundles included).
 */
export function tempApp(props: AppProps = {}): App {
  const outdir = mkdtempSync(join(tmpdir(), 'rebates-cdk-'));
  outdirs.push(outdir);
  return new App({ ...props, outdir });
}

afterAll(() => {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs `fn` with this process's stderr captured: CDK writes "Bundling asset <path>..." for every
 * function it bundles, unconditionally. Those lines are expected and checked here; anything else
 * written meanwhile fails the synth with what was written.
 */
function withBundlingNotes<T>(fn: () => T): T {
  const written: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    return true;
  }) as typeof process.stderr.write;
  let result: T;
  try {
    result = fn();
  } finally {
    process.stderr.write = write;
  }
  const unexpected = written
    .join('')
    .split('\n')
    .filter((line) => line !== '' && !/^Bundling asset \S+\.\.\.$/.test(line));
  if (unexpected.length > 0) throw new Error(`Synth wrote to stderr:\n${unexpected.join('\n')}`);
  return result;
}

export interface Synthesized extends RebatesStacks {
  readonly app: App;
  readonly statefulTemplate: Template;
  readonly statelessTemplate: Template;
}

/** Synthesises the app for one stage; `stages` replaces cdk.json's `rebates:stages` when given. */
export function synthStage(stage: Stage, stages?: Record<string, unknown>): Synthesized {
  const app = tempApp({
    context: { ...cdkJson.context, stage, ...(stages ? { 'rebates:stages': stages } : {}) },
  });
  return withBundlingNotes(() => {
    const stacks = addRebatesStacks(app);
    return {
      ...stacks,
      app,
      statefulTemplate: Template.fromStack(stacks.stateful),
      statelessTemplate: Template.fromStack(stacks.stateless),
    };
  });
}

/** A CloudFormation value as one string, `<Logical.Attr>` / `<AWS::AccountId>` for references. */
export function flat(value: unknown): string {
  return flattenCfnReference(value);
}

export interface Statement {
  readonly effect: string;
  readonly actions: string[];
  readonly resources: string[];
  readonly conditions?: unknown;
}

/** All statements of the inline policies attached to a role (by logical ID), flattened. */
export function roleStatements(template: Template, roleLogicalId: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  const out: Statement[] = [];
  for (const policy of Object.values(policies)) {
    const roles = (policy.Properties.Roles as unknown[]).map(flat);
    if (!roles.includes(`<${roleLogicalId}>`)) continue;
    for (const s of policy.Properties.PolicyDocument.Statement as Record<string, unknown>[]) {
      out.push({
        effect: s.Effect as string,
        actions: toArray(s.Action).map(String).sort(),
        resources: toArray(s.Resource).map(flat),
        conditions: s.Condition,
      });
    }
  }
  return out;
}

/** IAM wildcard match (`*` any run of characters, `?` one character). */
export function iamMatches(pattern: string, value: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(value);
}

/**
 * Whether any Allow statement grants `action` on `resource` (both plain strings, wildcards honoured).
 * Conditions are ignored, so a conditional grant counts as allowed: check those explicitly.
 */
export function allows(statements: Statement[], action: string, resource: string): boolean {
  return statements.some(
    (s) =>
      s.effect === 'Allow' &&
      s.actions.some((a) => iamMatches(a, action)) &&
      s.resources.some((r) => iamMatches(r, resource)),
  );
}

/** Object-level S3 actions a role could plausibly hold; `objectActions` reports which of them it has. */
export const S3_OBJECT_ACTIONS = [
  's3:AbortMultipartUpload',
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:GetObject',
  's3:GetObjectAcl',
  's3:GetObjectTagging',
  's3:GetObjectVersion',
  's3:ListMultipartUploadParts',
  's3:PutObject',
  's3:PutObjectAcl',
  's3:PutObjectTagging',
  's3:RestoreObject',
] as const;

/** The object actions the statements allow on one object ARN (wildcards honoured), sorted. */
export function objectActions(statements: Statement[], objectArn: string): string[] {
  return S3_OBJECT_ACTIONS.filter((a) => allows(statements, a, objectArn));
}

/**
 * A value of the stateless template with every weak cross-stack reference (`Fn::GetStackOutput`)
 * replaced by the stateful stack output it reads, so it can be compared with stateful logical IDs.
 */
export function throughStateful(s: Synthesized, value: unknown): unknown {
  const outputs = s.statefulTemplate.toJSON().Outputs as Record<string, { Value: unknown }>;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const ref = (v as Record<string, { OutputName?: string }>)['Fn::GetStackOutput'];
      if (ref?.OutputName) {
        const out = outputs[ref.OutputName];
        if (!out) throw new Error(`No stateful output ${ref.OutputName}`);
        return walk(out.Value);
      }
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(value);
}

export function logicalId(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as Parameters<Stack['getLogicalId']>[0]);
}

function toArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [v];
}
