/**
 * A reference change as a user sends it, checked by the use case itself (issue #12 point 5: the
 * API route only maps HTTP to it): partners outside the territory or unknown, mappings to no rate
 * row in force and rows sent twice are refused with nothing written; a good change is written.
 * On the real emulators, without the HTTP layer.
 */
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../shared/auth/principal.js';
import { InputValidationError } from '../../shared/errors.js';
import { submitReferenceRows } from '../../shared/pipeline/reference-submit.js';
import { aDistributor, referenceChange, useLocalRuntime } from '../support/runtime.js';

const env = useLocalRuntime();
const deps = () => env.rt.deps;

const central: Principal = { sub: 'mgr-1', role: 'manager', regions: ['Central'], distributorId: null };
const program: Principal = { sub: 'prog-1', role: 'program', regions: [], distributorId: null };

const revision = async () => (await deps().reference.loadSnapshot()).revision;

async function refusal(p: Promise<unknown>): Promise<InputValidationError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputValidationError);
  return err as InputValidationError;
}

describe('submitReferenceRows', () => {
  it('refuses what the registry, the rules or the territory do not allow, writing nothing; writes a good change', async () => {
    await env.importReference({
      partners: [
        { id: 'RU950101', region: 'Central' },
        { id: 'RU950102', region: 'Volga' },
      ],
      distributors: ['rs-a'],
    });
    const before = await revision();

    const acceptances = referenceChange({
      acceptances: [
        { partnerId: 'RU950101', program: 'client' },
        { partnerId: 'RU950102', program: 'client' },
        { partnerId: 'RU959999', program: 'client' },
      ],
    });
    const outside = await refusal(submitReferenceRows(deps(), acceptances, 'acceptances', central));
    expect(outside.key).toBe('partners-unknown-territory');
    expect(outside.params).toMatchObject({ partners: ['RU950102', 'RU959999'], regions: ['Central'] });
    // A program manager sees every region, but not a partner the registry lacks.
    const unknown = await refusal(submitReferenceRows(deps(), acceptances, 'acceptances', program));
    expect(unknown.key).toBe('partners-unknown');
    expect(unknown.params).toMatchObject({ partners: ['RU959999'] });

    const mapping = await refusal(
      submitReferenceRows(deps(), { catalog: [{ sku: 'RS-SKU-1', program: 'client', rateRow: 'no-such-row' }] }, 'catalog', program),
    );
    expect(mapping.key).toBe('mapping-no-rate-row');
    expect(mapping.params).toMatchObject({ skus: ['RS-SKU-1'], rateRows: ['client/no-such-row'] });

    const twice = await refusal(
      submitReferenceRows(deps(), { distributors: [aDistributor({ id: 'rs-b' }), aDistributor({ id: 'rs-b' })] }, 'distributors', program),
    );
    expect(twice.key).toBe('rows-repeated');
    expect(twice.params).toMatchObject({ what: 'distributor', ids: ['rs-b'] });

    expect(await revision()).toBe(before);
    expect((await deps().reference.partnerState('RU950101')).acceptances).toEqual([]);

    const mine = referenceChange({ acceptances: [{ partnerId: 'RU950101', program: 'client' }] });
    const outcome = await submitReferenceRows(deps(), mine, 'acceptances', central);
    expect('applied' in outcome && outcome.applied.written.acceptances).toBe(1);
    expect((await deps().reference.partnerState('RU950101')).acceptances).toHaveLength(1);
    expect(await revision()).not.toBe(before);
  });
});
