/**
 * GET /names: the names the rules files give programs, rate rows and rewards, in English (`name`,
 * `label`) and Russian (`nameRu`, `labelRu`), so the dashboard names a code the way the server's
 * sentences do, including a code only a newer rules file knows. A later quarter's name wins.
 */
import type { ApiRequest, Reply } from './http.js';

type Names = Record<string, string>;

export async function getNames(req: ApiRequest): Promise<Reply> {
  const rules = [...(await req.deps.rules.loadAll())].sort((a, b) => a.startsAt - b.startsAt);
  const names = () => ({ programs: {} as Names, rateRows: {} as Names, rewards: {} as Names });
  const en = names();
  const ru = names();
  for (const { file } of rules) {
    for (const p of file.programs) {
      en.programs[p.id] = p.name;
      if (p.nameRu) ru.programs[p.id] = p.nameRu;
      for (const r of p.rateRows) {
        en.rateRows[r.id] = r.label;
        if (r.labelRu) ru.rateRows[r.id] = r.labelRu;
      }
    }
    for (const r of file.points.rewards) {
      en.rewards[r.id] = r.name;
      if (r.nameRu) ru.rewards[r.id] = r.nameRu;
    }
  }
  return { json: { en, ru } };
}
