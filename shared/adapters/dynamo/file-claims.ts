import { DeleteCommand, GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FileClaim, FileClaimRepository, FileHolder } from '../../ports/file-claims.js';
import { isConditionFailed } from './doc.js';
import { keys } from './keys.js';

/** A claim item's attributes beside its keys; `quarters` is what computations look for. */
export const claimAttributes = (h: FileHolder) => ({
  reportId: h.reportId,
  version: h.version,
  quarters: [...h.quarters],
  ...(h.sequencer !== undefined ? { sequencer: h.sequencer } : {}),
});

/**
 * The condition that a claim is still exactly as read: its report, version and upload. The same
 * bytes uploaded again by their holder have the same version without bucket versioning (the etag),
 * so only the sequencer tells that the holder took them again meanwhile.
 */
export function takenFrom(from: FileClaim) {
  return {
    ConditionExpression: `reportId = :from AND #v = :fromVersion AND ${from.sequencer === undefined ? 'attribute_not_exists(#s)' : '#s = :fromSeq'}`,
    ExpressionAttributeNames: { '#v': 'version', '#s': 'sequencer' },
    ExpressionAttributeValues: {
      ':from': from.reportId,
      ':fromVersion': from.version,
      ...(from.sequencer === undefined ? {} : { ':fromSeq': from.sequencer }),
    },
  };
}

export class DynamoFileClaimRepository implements FileClaimRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async holder(distributorId: string, sha256: string): Promise<FileClaim | null> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: keys.fileClaim(distributorId, sha256), ConsistentRead: true }),
    );
    if (!res.Item) return null;
    const claim: FileClaim = { reportId: String(res.Item.reportId), version: String(res.Item.version) };
    if (res.Item.sequencer !== undefined) claim.sequencer = String(res.Item.sequencer);
    return claim;
  }

  async takeOver(distributorId: string, sha256: string, from: FileClaim, to: FileHolder): Promise<boolean> {
    const condition = from.reportId
      ? takenFrom(from)
      : { ConditionExpression: 'attribute_not_exists(pk)', ExpressionAttributeNames: { '#v': 'version' }, ExpressionAttributeValues: {} };
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.fileClaim(distributorId, sha256),
          UpdateExpression: 'SET reportId = :r, #v = :v, quarters = :q',
          ConditionExpression: condition.ConditionExpression,
          ExpressionAttributeNames: condition.ExpressionAttributeNames,
          ExpressionAttributeValues: { ':r': to.reportId, ':v': to.version, ':q': [...to.quarters], ...condition.ExpressionAttributeValues },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  async release(distributorId: string, sha256: string, reportId: string, version?: string, sequencer?: string): Promise<void> {
    const conditions = ['reportId = :r'];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':r': reportId };
    if (version !== undefined) {
      conditions.push('#v = :v');
      names['#v'] = 'version';
      values[':v'] = version;
      if (sequencer !== undefined) {
        // Claims written before they carried their upload's sequencer are that version's whatever it is.
        conditions.push('(attribute_not_exists(#s) OR #s = :s)');
        names['#s'] = 'sequencer';
        values[':s'] = sequencer;
      }
    }
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: keys.fileClaim(distributorId, sha256),
          ConditionExpression: conditions.join(' AND '),
          ...(version !== undefined ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
        }),
      );
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
  }
}
