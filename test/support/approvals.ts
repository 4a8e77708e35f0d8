/**
 * A reference change to a stack with a closed quarter is evaluated off the request: its approval
 * starts `evaluating`. This waits, as the dashboard does, until it leaves that state.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Answer, Caller, TestApi } from './api-client.js';
import { eachPage, withCursor } from './paging.js';

type Json = Answer['body'];

/** GETs a path of the API as some caller. */
export type Get = (path: string) => Promise<Answer>;

export const getAs =
  (api: TestApi, who: Caller): Get =>
  (path) =>
    api.call(who, 'GET', path);

/** The approval as the pages of `GET /api/approvals` list it to the caller of `get`, if they do. */
export async function listedApproval(get: Get, id: string): Promise<Json | undefined> {
  const pages = eachPage(async (cursor) => {
    const path = withCursor('/api/approvals?limit=500', cursor);
    const res = await get(path);
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body as Json;
  });
  for await (const body of pages) {
    const found = (body.approvals as Json[]).find((a) => a.id === id);
    if (found) return found;
  }
  return undefined;
}

/** The approval as `GET /api/approvals` shows it to the caller of `get`, once it is no longer `evaluating`. */
export async function settledApproval(get: Get, id: string, timeoutMs = 60_000): Promise<Json> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = await listedApproval(get, id);
    if (found && found.status !== 'evaluating') return found;
    if (Date.now() > until)
      throw new Error(
        `Approval ${id} is still ${found ? found.status : 'not listed'} after ${timeoutMs} ms.`,
      );
    await delay(100);
  }
}
