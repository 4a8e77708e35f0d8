import { describe, expect, it } from 'vitest';
import { assertRole, canSeeDistributor, canSeePartner, principalFromClaims, type Principal } from '../../shared/auth/principal.js';
import { ForbiddenError, UnauthorizedError } from '../../shared/errors.js';

const manager: Principal = { sub: 'm1', role: 'manager', regions: ['Central', 'North-West'], distributorId: null };
const distributor: Principal = { sub: 'd1', role: 'distributor', regions: [], distributorId: 'orbita' };
const finance: Principal = { sub: 'f1', role: 'finance', regions: [], distributorId: null };
const program: Principal = { sub: 'p1', role: 'program', regions: [], distributorId: null };

describe('principalFromClaims', () => {
  it.each([
    ['an array', ['finance']],
    ['API Gateway\'s "[a b]" string', '[finance]'],
    ['a JSON array string', '["finance"]'],
    ['a bare group name', 'finance'],
  ])('reads cognito:groups given as %s', (_what, groups) => {
    expect(principalFromClaims({ sub: 'u1', 'cognito:groups': groups })).toEqual({
      sub: 'u1',
      role: 'finance',
      regions: [],
      distributorId: null,
    });
  });

  it('ignores groups that are not roles', () => {
    expect(principalFromClaims({ sub: 'u1', 'cognito:groups': '[admins program]' }).role).toBe('program');
  });

  it('reads a manager territory from custom:regions, trimmed and without repeats', () => {
    const p = principalFromClaims({ sub: 'u1', 'cognito:groups': '[manager]', 'custom:regions': ' Central, North-West,Central ' });
    expect(p).toEqual({ sub: 'u1', role: 'manager', regions: ['Central', 'North-West'], distributorId: null });
  });

  it('reads a distributor ID from custom:distributor', () => {
    const p = principalFromClaims({ sub: 'u1', 'cognito:groups': ['distributor'], 'custom:distributor': 'orbita' });
    expect(p).toEqual({ sub: 'u1', role: 'distributor', regions: [], distributorId: 'orbita' });
  });

  it('keys the distributor as reports are stored, however the claim writes it', () => {
    const p = principalFromClaims({ sub: 'u1', 'cognito:groups': ['distributor'], 'custom:distributor': ' D-MERL ' });
    expect(p.distributorId).toBe('d-merl');
    expect(canSeeDistributor(p, 'd-merl')).toBe(true);
  });

  it('does not give a finance user regions or a distributor from stray claims', () => {
    const p = principalFromClaims({ sub: 'u1', 'cognito:groups': ['finance'], 'custom:regions': 'Central', 'custom:distributor': 'x' });
    expect(p.regions).toEqual([]);
    expect(p.distributorId).toBeNull();
  });

  it.each([
    ['no group claim', { sub: 'u1' }],
    ['an unknown group', { sub: 'u1', 'cognito:groups': '[admins]' }],
    ['an empty group list', { sub: 'u1', 'cognito:groups': '[]' }],
    ['two roles at once', { sub: 'u1', 'cognito:groups': ['finance', 'manager'] }],
    ['a manager without regions', { sub: 'u1', 'cognito:groups': ['manager'] }],
    ['a manager with only commas as regions', { sub: 'u1', 'cognito:groups': ['manager'], 'custom:regions': ' , ' }],
    ['a distributor without an ID', { sub: 'u1', 'cognito:groups': ['distributor'] }],
  ])('refuses %s with 403', (_what, claims) => {
    expect(() => principalFromClaims(claims)).toThrow(ForbiddenError);
  });

  it('names what is missing in plain words', () => {
    expect(() => principalFromClaims({ sub: 'u1', 'cognito:groups': ['manager'] })).toThrow(/names no regions/);
    expect(() => principalFromClaims({ sub: 'u1', 'cognito:groups': ['distributor'] })).toThrow(/names no distributor/);
  });

  it('refuses claims without a user id as unauthenticated', () => {
    expect(() => principalFromClaims({ 'cognito:groups': ['finance'] })).toThrow(UnauthorizedError);
    expect(() => principalFromClaims(undefined)).toThrow(UnauthorizedError);
  });
});

describe('scope', () => {
  it('lets finance and program see every partner, a manager only the territory, a distributor none', () => {
    const central = { region: 'Central' };
    const volga = { region: 'Volga' };
    expect([finance, program].every((p) => canSeePartner(p, central) && canSeePartner(p, volga))).toBe(true);
    expect(canSeePartner(manager, central)).toBe(true);
    expect(canSeePartner(manager, { region: 'North-West' })).toBe(true);
    expect(canSeePartner(manager, volga)).toBe(false);
    expect(canSeePartner(manager, { region: 'central' })).toBe(false);
    expect(canSeePartner(distributor, central)).toBe(false);
  });

  it('lets a distributor see only its own reports', () => {
    expect(canSeeDistributor(distributor, 'orbita')).toBe(true);
    expect(canSeeDistributor(distributor, 'kvant')).toBe(false);
    expect(canSeeDistributor(manager, 'kvant')).toBe(true);
  });

  it('assertRole passes a listed role and refuses another, naming both', () => {
    expect(() => assertRole(finance, 'finance', 'program')).not.toThrow();
    expect(() => assertRole(manager, 'finance')).toThrow(ForbiddenError);
    expect(() => assertRole(manager, 'finance')).toThrow(/needs the finance role; you are signed in as partner manager/);
  });
});
