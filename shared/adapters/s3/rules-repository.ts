import { parseRules, type Rules } from '../../domain/rules/load.js';
import { RulesValidationError } from '../../errors.js';
import type { ObjectStore, RulesRepository } from '../../ports/index.js';
import { PREFIX } from '../../storage-contract.js';

export const RULES_PREFIX = PREFIX.rules;

/**
 * Rules files live in the bucket under rules/<quarter>.json, so a new quarter is an upload, not a
 * deployment. They are cached for a few minutes per container: they change a few times a year.
 */
export class S3RulesRepository implements RulesRepository {
  private cache: { at: number; rules: Promise<Rules[]> } | null = null;

  constructor(
    private readonly store: ObjectStore,
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  loadAll(): Promise<Rules[]> {
    if (this.cache && this.now() - this.cache.at < this.ttlMs) return this.cache.rules;
    const rules = this.load();
    this.cache = { at: this.now(), rules };
    rules.catch(() => (this.cache = null));
    return rules;
  }

  private async load(): Promise<Rules[]> {
    const keys = (await this.store.list(RULES_PREFIX)).filter((k) => k.endsWith('.json'));
    if (keys.length === 0)
      throw new RulesValidationError(`No rules files found under ${RULES_PREFIX} in the reports bucket.`, [], {
        key: 'rules-none-stored',
        params: { prefix: RULES_PREFIX },
      });
    return Promise.all(
      keys.map(async (key) => {
        const text = await this.store.getText(key);
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch (cause) {
          throw new RulesValidationError(`The rules file ${key} is not valid JSON.`, [], {
            cause,
            key: 'rules-not-json',
            params: { file: key },
          });
        }
        return parseRules(json, `rules file ${key}`);
      }),
    );
  }
}
