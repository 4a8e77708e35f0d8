/**
 * A reference change to a stack with a closed quarter is evaluated off the request: its approval
 * starts `evaluating`. These helpers wait, as the dashboard does, until it leaves that state.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Answer, Caller, TestApi } from './api-client.js';

type Json = Answer['body'];

/** The approval as `GET /api/approvals` shows it to `who`, once it is no longer `evaluating`. */
export async function settledApproval(
  api: TestApi,
  who: Caller,
  id: string,
  timeoutMs = 60_000,
): Promise<Json> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await api.call(who, 'GET', '/api/approvals');
    if (res.status !== 200) throw new Error(`GET /api/approvals answered ${res.status}: ${JSON.stringify(res.body)}`);
    const found = (res.body.approvals as Json[]).find((a) => a.id === id);
    if (found && found.status !== 'evaluating') return found;
    if (Date.now() > until)
      throw new Error(`Approval ${id} is still ${found ? found.status : 'not listed'} after ${timeoutMs} ms.`);
    await delay(100);
  }
}

/** A `PUT /api/reference/...` answer, then its change settled: `pending` (with effect) or `applied`. */
export async function putReferenceSettled(
  api: TestApi,
  who: Caller,
  path: string,
  body: unknown,
): Promise<{ answer: Answer; approval: Json }> {
  const answer = await api.call(who, 'PUT', path, body);
  if (answer.status !== 202 || !answer.body.change) return { answer, approval: null };
  return { answer, approval: await settledApproval(api, who, answer.body.change.id as string) };
}
