/**
 * A read asked again when no answer came (a dropped or refused connection) or a gateway answered
 * 502, 503 or 504: those pass in a moment, and a page that gave up at once would stay on its error
 * until someone pressed reload. Only reads are repeated; a write could be done twice.
 */
const PAUSES_MS = [400, 1500];
const PASSING = new Set([502, 503, 504]);

export async function fetchPatiently(url, init = {}, pauses = PAUSES_MS) {
  const method = (init.method ?? 'GET').toUpperCase();
  const repeatable = method === 'GET' || method === 'HEAD';
  for (let attempt = 0; ; attempt++) {
    const last = !repeatable || attempt >= pauses.length;
    try {
      const res = await fetch(url, init);
      if (last || !PASSING.has(res.status)) return res;
    } catch (err) {
      // fetch rejects (TypeError) only when no answer came at all; anything else is ours to see.
      if (last || !(err instanceof TypeError)) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, pauses[attempt]));
  }
}
