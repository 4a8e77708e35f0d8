/**
 * A reference change to a stack with a closed quarter is checked against the closed quarters off
 * the request: the API answers `evaluating`, and the change becomes `pending` (it needs approval)
 * or `applied` (it was saved). Pages follow it here until it leaves that state.
 */
import { api } from './api.js';

export const EVALUATION_POLL_MS = 1000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The approval of change `id` once it is no longer evaluating; null when `stillHere()` turns false
 * (the reader left the page) or it takes longer than `tries` polls.
 */
export async function evaluated(id, stillHere, tries = 60) {
  for (let i = 0; i < tries; i++) {
    await sleep(EVALUATION_POLL_MS);
    if (!stillHere()) return null;
    // Searched by its ID: the list comes a page at a time, and this one need not be on the first.
    const found = (await api.approvals({ q: id })).approvals.find((a) => a.id === id);
    if (found && found.status !== 'evaluating') return found;
  }
  return null;
}
