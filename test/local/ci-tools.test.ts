import { describe, expect, it } from 'vitest';
import { chromiumPresent, inCI, MissingToolError, requireJdkInCI } from '../support/ci.js';

const ABSENT = '/nonexistent/rebates-test/chromium';

describe('tools the tests need', () => {
  it('takes CI=true or CI=1 as a CI run', () => {
    expect(inCI({ CI: 'true' })).toBe(true);
    expect(inCI({ CI: '1' })).toBe(true);
    expect(inCI({ CI: 'false' })).toBe(false);
    expect(inCI({})).toBe(false);
  });

  it('lets a developer skip the browser test without Chromium, but fails CI', () => {
    expect(chromiumPresent({}, ABSENT)).toBe(false);
    expect(() => chromiumPresent({ CI: 'true' }, ABSENT)).toThrow(MissingToolError);
    expect(() => chromiumPresent({ CI: 'true' }, ABSENT)).toThrow(
      /is absent, and CI must run the dashboard test/,
    );
  });

  it('fails CI when java or javac does not run, naming the tool', () => {
    expect(() => requireJdkInCI({}, ['rebates-no-such-java'])).not.toThrow();
    expect(() => requireJdkInCI({ CI: 'true' }, ['java', 'rebates-no-such-javac'])).toThrow(
      /rebates-no-such-javac did not run .*install a Java 17 JDK/,
    );
    // The emulators run on this machine, so its JDK passes.
    expect(() => requireJdkInCI({ CI: 'true' })).not.toThrow();
  });
});
