/**
 * GET /names: the Russian names the rules files give programs, rate rows and rewards (`nameRu`,
 * `labelRu`), so the dashboard names a code the way the server's sentences do, including a code
 * only a newer rules file knows. Later quarters' names win where two files name the same code.
 */
import type { ApiRequest, Reply } from './http.js';

type Names = Record<string, string>;

export async function getNames(req: ApiRequest): Promise<Reply> {
  const rules = [...(await req.deps.rules.loadAll())].sort((a, b) => a.startsAt - b.startsAt);
  const programs: Names = {};
  const rateRows: Names = {};
  const rewards: Names = {};
  for (const { file } of rules) {
    for (const p of file.programs) {
      if (p.nameRu) programs[p.id] = p.nameRu;
      for (const r of p.rateRows) if (r.labelRu) rateRows[r.id] = r.labelRu;
    }
    for (const r of file.points.rewards) if (r.nameRu) rewards[r.id] = r.nameRu;
  }
  return { json: { ru: { programs, rateRows, rewards } } };
}
