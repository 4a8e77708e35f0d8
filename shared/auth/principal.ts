/**
 * Who is calling and what they may see (docs/api.md, "Callers and scope"). The claims come from a
 * Cognito JWT through API Gateway's JWT authorizer, or from a local dev token: same names, same place.
 */
import { z } from 'zod';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import { distributorKey } from '../domain/ids.js';
import type { Partner } from '../domain/types.js';

export const ROLES = ['finance', 'program', 'manager', 'distributor'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  sub: string;
  role: Role;
  /** Manager only: the partner regions of the territory (empty for other roles). */
  regions: string[];
  /** Distributor only: its distributor ID as a key, lower-case (null for other roles). */
  distributorId: string | null;
}

/** The claims as API Gateway passes them: arrays become the string "[a b]", numbers may be strings. */
export type Claims = Record<string, unknown>;

/** `cognito:groups` as an array, a JSON array string, API Gateway's "[a b]" or a single name. */
function groupsOf(raw: unknown): string[] {
  if (Array.isArray(raw)) return raw.map(String);
  if (typeof raw !== 'string') return [];
  const s = raw.trim();
  if (s.startsWith('["')) {
    try {
      const parsed: unknown = JSON.parse(s);
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      // not JSON after all: read it as "[a b]"
    }
  }
  return s
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .filter(Boolean);
}

const ClaimsSchema = z.object({
  sub: z.string().trim().min(1),
  'cognito:groups': z.unknown().optional(),
  'custom:regions': z.string().optional(),
  'custom:distributor': z.string().optional(),
});

export function principalFromClaims(claims: Claims | null | undefined): Principal {
  const parsed = ClaimsSchema.safeParse(claims ?? {});
  if (!parsed.success) throw new UnauthorizedError('The sign-in token carries no user id (sub); sign in again.', { key: 'token-no-sub' });
  const c = parsed.data;
  const roles = [...new Set(groupsOf(c['cognito:groups']).filter((g): g is Role => (ROLES as readonly string[]).includes(g)))];
  if (roles.length === 0)
    throw new ForbiddenError(`Your account is in no role group; ask an administrator to add it to one of: ${ROLES.join(', ')}.`, {
      key: 'no-role',
      params: { roles: ROLES },
    });
  if (roles.length > 1)
    throw new ForbiddenError(`Your account is in several role groups (${roles.join(', ')}); it must be in exactly one.`, {
      key: 'several-roles',
      params: { roles },
    });
  const role = roles[0]!;

  if (role === 'manager') {
    const regions = (c['custom:regions'] ?? '')
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean);
    if (!regions.length)
      throw new ForbiddenError(
        'Your partner manager account names no regions (custom:regions); ask an administrator to set your territory.',
        { key: 'manager-no-regions' },
      );
    return { sub: c.sub, role, regions: [...new Set(regions)], distributorId: null };
  }
  if (role === 'distributor') {
    const id = c['custom:distributor']?.trim();
    if (!id)
      throw new ForbiddenError(
        'Your distributor account names no distributor (custom:distributor); ask an administrator to set it.',
        { key: 'distributor-no-id' },
      );
    // The key, as reports are stored and uploaded under (an administrator may write D-MERL).
    return { sub: c.sub, role, regions: [], distributorId: distributorKey(id) };
  }
  return { sub: c.sub, role, regions: [], distributorId: null };
}

const ROLE_NAMES: Record<Role, string> = {
  finance: 'finance',
  program: 'program manager',
  manager: 'partner manager',
  distributor: 'distributor',
};

export function assertRole(principal: Principal, ...roles: Role[]): void {
  if (!roles.includes(principal.role))
    throw new ForbiddenError(
      `This needs the ${roles.map((r) => ROLE_NAMES[r]).join(' or ')} role; you are signed in as ${ROLE_NAMES[principal.role]}.`,
      { key: 'role-needed', params: { roles, role: principal.role } },
    );
}

/** Finance and program managers see every partner; a partner manager those of the territory; a distributor none. */
export function canSeePartner(principal: Principal, partner: Pick<Partner, 'region'>): boolean {
  switch (principal.role) {
    case 'finance':
    case 'program':
      return true;
    case 'manager':
      return principal.regions.includes(partner.region.trim());
    case 'distributor':
      return false;
  }
}

/** A distributor sees only its own reports; the other roles read every distributor's. */
export function canSeeDistributor(principal: Principal, distributorId: string): boolean {
  return principal.role !== 'distributor' || principal.distributorId === distributorId;
}
