/**
 * The region codes a partner can be registered in, as the partners file writes them (each has a
 * `region_<code>` label in both languages). A partner manager may register partners only in their
 * own territory, so the choice is narrowed to it once the app knows who is signed in.
 */
import { codeLabel } from './codes.js';

export const REGIONS = [
  'Central',
  'Far East',
  'North Caucasus',
  'North-West',
  'Retail',
  'Siberian',
  'South',
  'Ural',
  'Volga',
];

let territory = null;
/** `regions`: the signed-in manager's territory; null or empty for a role that sees every region. */
export const useTerritory = (regions) => void (territory = regions?.length ? [...regions] : null);

/** `[code, label]` pairs for a select, labelled in the reader's language, sorted by that label. */
export function regionChoices() {
  const codes = territory ?? REGIONS;
  return codes
    .map((code) => [code, codeLabel('region', code)])
    .sort((a, b) => a[1].localeCompare(b[1]));
}
