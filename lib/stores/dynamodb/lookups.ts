/**
 * The DynamoDB store's lookup items: one item per lookup of each record, keyed by
 * the lookup (`pk`) and the record's id (`sk`), carrying the record's `seq` and
 * expiry (./table.ts has the layout).
 *
 * Rules:
 * - Lookups are items, not a GSI: a GSI is only eventually consistent, and a
 *   token must be findable by its unique key as soon as it is saved. Every query
 *   is strongly consistent and reads every page.
 * - A lookup item is only a hint: the caller reads the record it names and keeps
 *   it only if it is live and still has that lookup. Items expired by the clock
 *   are skipped.
 * - A put, addOnce or delete removes the lookup items the old record had and the
 *   new one has not, on `seq` = the old record's, so a newer put's items stay.
 */
import type { DynamoDBDocument } from '@aws-sdk/lib-dynamodb';
import { isExpired, type RecordLookups } from '../records.js';
import { dynamoCall, dynamoConditional } from './errors.js';
import { expiryAttributes, lookupKey, lookupsOf, numberOf, type DynamoItem } from './table.js';

/** A lookup item as a query finds it: the record's id and its put order. */
export interface LookupEntry {
  readonly id: string;
  /** The put order (./table.ts `putOrder`): a later put has a greater one. */
  readonly seq: string;
}

/** The lookup items of one table, under one prefix. */
export class DynamoLookups {
  readonly #client: Pick<DynamoDBDocument, 'put' | 'delete' | 'query'>;
  readonly #table: string;
  readonly #prefix: string;

  /** `client`, `tableName` and `prefix`: the store's. */
  constructor(
    client: Pick<DynamoDBDocument, 'put' | 'delete' | 'query'>,
    tableName: string,
    prefix: string,
  ) {
    this.#client = client;
    this.#table = tableName;
    this.#prefix = prefix;
  }

  /**
   * Writes an item for each of `lookups` of the record `id` put at `now` (clock
   * ms) with put order `seq`, to expire with it at `expiresAt` (epoch ms, or none).
   */
  async put(
    kind: string,
    id: string,
    lookups: RecordLookups,
    seq: unknown,
    expiresAt: number | undefined,
    now: number,
  ): Promise<void> {
    const lookupItem = (lookup: string, lookupValue: string): DynamoItem => ({
      ...lookupKey(this.#prefix, kind, lookup, lookupValue, id),
      seq,
      ...expiryAttributes(expiresAt, now),
    });
    await Promise.all(
      Object.entries(lookups).map(([lookup, lookupValue]) =>
        dynamoCall('PutItem', () =>
          this.#client.put({ TableName: this.#table, Item: lookupItem(lookup, lookupValue) }),
        ),
      ),
    );
  }

  /** The ids and put orders of a lookup's items live at `now` (clock ms), from every page. */
  async entries(kind: string, lookup: string, value: string, now: number): Promise<LookupEntry[]> {
    const { pk } = lookupKey(this.#prefix, kind, lookup, value, '');
    const entries: LookupEntry[] = [];
    let start: DynamoItem | undefined;
    do {
      const out = await dynamoCall('Query', () =>
        this.#client.query({
          TableName: this.#table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) {
        if (isExpired(numberOf(item['expires_ms']), now)) continue;
        entries.push({ id: String(item['sk']), seq: String(item['seq']) });
      }
      start = out.LastEvaluatedKey;
    } while (start !== undefined);
    return entries;
  }

  /**
   * Deletes the lookup items of a replaced or deleted record item `old` that `kept`
   * does not have, on `seq` = the old record's, so a newer put's items stay.
   */
  async drop(
    kind: string,
    id: string,
    old: DynamoItem | undefined,
    kept: RecordLookups,
  ): Promise<void> {
    if (old === undefined) return;
    const gone = Object.entries(lookupsOf(old)).filter(
      ([lookup, value]) => !(Object.hasOwn(kept, lookup) && kept[lookup] === value),
    );
    await Promise.all(
      gone.map(([lookup, value]) =>
        dynamoConditional('DeleteItem', () =>
          this.#client.delete({
            TableName: this.#table,
            Key: lookupKey(this.#prefix, kind, lookup, value, id),
            ConditionExpression: 'seq = :seq',
            ExpressionAttributeValues: { ':seq': old['seq'] },
          }),
        ),
      ),
    );
  }
}
