import { afterAll, beforeAll } from 'vitest';
import { requireJdkInCI } from './ci.js';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/local-stack.js';

/**
 * One local stack for the whole test file (DynamoDB Local takes seconds to start): started in
 * beforeAll with its env merged into process.env, stopped and env restored in afterAll.
 */
export function useLocalStack(options: LocalStackOptions = {}): () => LocalStack {
  let stack: LocalStack | undefined;
  const saved = new Map<string, string | undefined>();

  beforeAll(async () => {
    requireJdkInCI();
    stack = await startLocalStack(options);
    for (const [name, value] of Object.entries(stack.env)) {
      saved.set(name, process.env[name]);
      process.env[name] = value;
    }
  });

  afterAll(async () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    saved.clear();
    await stack?.stop();
    stack = undefined;
  });

  return () => {
    if (!stack)
      throw new Error('useLocalStack(): the stack runs only inside tests of this file (after beforeAll).');
    return stack;
  };
}
