/**
 * Stores on DynamoDB (AWS SDK v3), through a document client the host app created.
 *
 * One table, made by `createDynamoTable()` (lib/stores/dynamodb/table.ts): the
 * partition key `pk` is `<kind>#<id>`, and a record is kept whole as JSON in `data`
 * (so it round-trips exactly, whatever the client's marshalling options), beside
 * the few attributes the stores query:
 *
 * | pk | attributes |
 * | --- | --- |
 * | `code#<id>` | `data`, `consumed` (boolean), `expires_at` |
 * | `at#<id>` | `data`, `expires_at` |
 * | `at-key#<uniqueKey>` | `token_id`: the last token saved with that key; `expires_at` |
 * | `rt#<id>` | `data`, `consumed`, `consumed_at`, `expires_at` |
 * | `at-grant#<grantId>`, `rt-grant#<grantId>` | `expires_at`: the grant's tokens are revoked until then |
 * | `client#<id>` | `data` (no expiry) |
 * | `consent#["<subject>","<clientId>"]` | `data` (the scopes), `expires_at` |
 *
 * `expires_at` (epoch seconds, the table's TTL attribute) is the earlier of the
 * record's `expiresAt` and the end of the `ttl` given to `save()`. DynamoDB's TTL
 * sweeper deletes items late and dynalite never does, so every read checks it.
 *
 * `consume()` is one conditional UpdateItem, `SET consumed = true` on the condition
 * `attribute_exists(pk) AND consumed = false AND expires_at > now`, returning the
 * old item: DynamoDB applies it to one caller, and every other caller gets
 * `ConditionalCheckFailedException`, which is its `undefined`. The consumed item
 * stays until it expires, so replays are seen. (If the SDK retries an update whose
 * answer was lost, the retry fails the condition: then nobody wins, never two.)
 *
 * `revokeGrant()` writes a grant item; `find()` of an access or refresh token reads
 * the item of the token's grant (a second GetItem), so tokens saved before and
 * after the call are hidden alike. Every read is strongly consistent.
 *
 * The client must be a `DynamoDBDocument` (the aggregated document client, which is
 * a `DynamoDBDocumentClient` with a method per command): the stores call
 * `client.get()`/`put()`/`update()`/`delete()` and import nothing but types from the
 * SDK. Network failures, timeouts, throttling and 5xx answers become
 * `StoreUnavailableError` (the SDK error is the `cause`); anything else (a missing
 * table, bad credentials) is rethrown as it is. The SDK's defaults retry three
 * times and never time out a request; a fail-fast client:
 *
 *     const db = new DynamoDB({
 *       region: 'eu-west-1',
 *       maxAttempts: 2,
 *       requestHandler: { connectionTimeout: 1000, requestTimeout: 2000, throwOnRequestTimeout: true },
 *     });
 *     const stores = dynamoStores({ client: DynamoDBDocument.from(db), tableName: 'oauth2' });
 */
import type { DynamoDBDocument } from '@aws-sdk/lib-dynamodb';
import { StoreUnavailableError } from '../errors.js';
import type {
  AccessTokenRecord,
  AuthorizationCodeRecord,
  Client,
  RefreshTokenRecord,
} from '../types.js';
import type {
  AccessTokenStore,
  AuthorizationCodeStore,
  ClientStore,
  ConsentStore,
  RefreshTokenStore,
  Stores,
} from './types.js';

/** The document client methods the stores use (a `DynamoDBDocument` has them all). */
export type DynamoDocumentClient = Pick<DynamoDBDocument, 'get' | 'put' | 'update' | 'delete'>;

export interface DynamoStoreOptions {
  /** `DynamoDBDocument.from(dynamoDbClient)`. */
  client: DynamoDocumentClient;
  /** The table made by `createDynamoTable()`. */
  tableName: string;
}

type Item = Record<string, unknown>;

/** Errors that mean "try again later": throttling, or no answer in time. */
const UNAVAILABLE = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TimeoutError',
  'AbortError',
]);

interface SdkError {
  name?: unknown;
  code?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** Whether an SDK error means the service was not reached or could not answer. */
export function isDynamoUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as SdkError;
  if (typeof e.name === 'string' && UNAVAILABLE.has(e.name)) return true;
  if (e.$retryable !== undefined && e.$retryable !== null && e.$retryable !== false) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500;
  // No HTTP answer at all: a system error (ECONNREFUSED, ECONNRESET, ETIMEDOUT, ENOTFOUND...).
  return typeof e.code === 'string' && /^E[A-Z_]+$/.test(e.code);
}

function errorName(err: unknown): unknown {
  return typeof err === 'object' && err !== null && 'name' in err ? err.name : undefined;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** A number attribute as a number (also when the client wraps numbers). */
function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

/** Whether an item is before its `expires_at` (items without one never expire). */
function live(item: Item | undefined): item is Item {
  return (
    item !== undefined &&
    (item['expires_at'] === undefined || num(item['expires_at']) > nowSeconds())
  );
}

/** The `expires_at` of a record saved with `ttl`: its `expiresAt`, or the end of the ttl if sooner. */
function expiresAt(record: { expiresAt: number }, ttl: number): number {
  return Math.min(record.expiresAt, nowSeconds() + Math.ceil(ttl));
}

function parse<T>(item: Item): T {
  return JSON.parse(String(item['data'])) as T;
}

/** Table access and error translation, shared by every DynamoDB store. */
abstract class DynamoBase {
  protected readonly client: DynamoDocumentClient;
  protected readonly table: string;

  constructor(options: DynamoStoreOptions) {
    this.client = options.client;
    this.table = options.tableName;
  }

  /** Runs an SDK call; an unavailable service becomes StoreUnavailableError. */
  protected async call<T>(op: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (isDynamoUnavailable(err))
        throw new StoreUnavailableError(`DynamoDB ${op} failed`, { cause: err });
      throw err;
    }
  }

  protected async getItem(pk: string): Promise<Item | undefined> {
    const out = await this.call('GetItem', () =>
      this.client.get({ TableName: this.table, Key: { pk }, ConsistentRead: true }),
    );
    return out.Item;
  }

  protected async putItem(item: Item): Promise<void> {
    await this.call('PutItem', () => this.client.put({ TableName: this.table, Item: item }));
  }

  protected async deleteItem(pk: string): Promise<void> {
    await this.call('DeleteItem', () => this.client.delete({ TableName: this.table, Key: { pk } }));
  }

  /**
   * Sets `consumed` (and the `extra` attributes) on a live, unconsumed item and
   * returns the item as it was; `undefined` for every caller but the first.
   */
  protected async consumeItem(pk: string, extra: Item = {}): Promise<Item | undefined> {
    const names: Record<string, string> = {
      '#pk': 'pk',
      '#consumed': 'consumed',
      '#expires': 'expires_at',
    };
    const values: Item = { ':true': true, ':false': false, ':now': nowSeconds() };
    let set = '#consumed = :true';
    for (const [name, value] of Object.entries(extra)) {
      names[`#${name}`] = name;
      values[`:${name}`] = value;
      set += `, #${name} = :${name}`;
    }
    try {
      const out = await this.call('UpdateItem', () =>
        this.client.update({
          TableName: this.table,
          Key: { pk },
          UpdateExpression: `SET ${set}`,
          ConditionExpression: 'attribute_exists(#pk) AND #consumed = :false AND #expires > :now',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_OLD',
        }),
      );
      return out.Attributes;
    } catch (err) {
      if (errorName(err) === 'ConditionalCheckFailedException') return undefined;
      throw err;
    }
  }

  /** Whether the grant item `<kind>#<grantId>` is live. */
  protected async grantRevoked(kind: string, grantId: string): Promise<boolean> {
    return live(await this.getItem(`${kind}#${grantId}`));
  }

  protected async revokeGrantItem(kind: string, grantId: string, ttl: number): Promise<void> {
    await this.putItem({ pk: `${kind}#${grantId}`, expires_at: nowSeconds() + Math.ceil(ttl) });
  }
}

/** Clients, kept without expiry. */
export class DynamoClientStore extends DynamoBase implements ClientStore {
  async find(clientId: string): Promise<Client | undefined> {
    const item = await this.getItem(`client#${clientId}`);
    return item === undefined ? undefined : parse<Client>(item);
  }

  async save(client: Client): Promise<void> {
    await this.putItem({ pk: `client#${client.id}`, data: JSON.stringify(client) });
  }

  async delete(clientId: string): Promise<void> {
    await this.deleteItem(`client#${clientId}`);
  }
}

export class DynamoAuthorizationCodeStore extends DynamoBase implements AuthorizationCodeStore {
  async save(record: AuthorizationCodeRecord, ttl: number): Promise<void> {
    await this.putItem({
      pk: `code#${record.id}`,
      data: JSON.stringify(record),
      consumed: record.consumed === true,
      expires_at: expiresAt(record, ttl),
    });
  }

  async find(id: string): Promise<AuthorizationCodeRecord | undefined> {
    const item = await this.getItem(`code#${id}`);
    if (!live(item)) return undefined;
    const record = parse<AuthorizationCodeRecord>(item);
    return item['consumed'] === true ? { ...record, consumed: true } : record;
  }

  async consume(id: string): Promise<AuthorizationCodeRecord | undefined> {
    const old = await this.consumeItem(`code#${id}`);
    return old === undefined ? undefined : parse<AuthorizationCodeRecord>(old);
  }
}

export class DynamoAccessTokenStore extends DynamoBase implements AccessTokenStore {
  async save(record: AccessTokenRecord, ttl: number): Promise<void> {
    const expires = expiresAt(record, ttl);
    const { uniqueKey } = record;
    await Promise.all([
      this.putItem({ pk: `at#${record.id}`, data: JSON.stringify(record), expires_at: expires }),
      uniqueKey === undefined
        ? undefined
        : this.putItem({ pk: `at-key#${uniqueKey}`, token_id: record.id, expires_at: expires }),
    ]);
  }

  async find(id: string): Promise<AccessTokenRecord | undefined> {
    const item = await this.getItem(`at#${id}`);
    if (!live(item)) return undefined;
    const record = parse<AccessTokenRecord>(item);
    return (await this.grantRevoked('at-grant', record.grantId)) ? undefined : record;
  }

  async revoke(id: string): Promise<void> {
    await this.deleteItem(`at#${id}`);
  }

  async revokeGrant(grantId: string, ttl: number): Promise<void> {
    await this.revokeGrantItem('at-grant', grantId, ttl);
  }

  async findByUniqueKey(uniqueKey: string): Promise<AccessTokenRecord | undefined> {
    const item = await this.getItem(`at-key#${uniqueKey}`);
    return live(item) ? this.find(String(item['token_id'])) : undefined;
  }
}

export class DynamoRefreshTokenStore extends DynamoBase implements RefreshTokenStore {
  async save(record: RefreshTokenRecord, ttl: number): Promise<void> {
    await this.putItem({
      pk: `rt#${record.id}`,
      data: JSON.stringify(record),
      consumed: record.consumed === true,
      expires_at: expiresAt(record, ttl),
    });
  }

  async find(id: string): Promise<RefreshTokenRecord | undefined> {
    const item = await this.getItem(`rt#${id}`);
    if (!live(item)) return undefined;
    const record = parse<RefreshTokenRecord>(item);
    if (await this.grantRevoked('rt-grant', record.grantId)) return undefined;
    if (item['consumed'] !== true || item['consumed_at'] === undefined) return record;
    return { ...record, consumed: true, consumedAt: num(item['consumed_at']) };
  }

  async consume(id: string): Promise<RefreshTokenRecord | undefined> {
    const old = await this.consumeItem(`rt#${id}`, { consumed_at: nowSeconds() });
    if (old === undefined) return undefined;
    const record = parse<RefreshTokenRecord>(old);
    // Checked after the update: a grant revoked at any time before it wins over the consume.
    return (await this.grantRevoked('rt-grant', record.grantId)) ? undefined : record;
  }

  async revoke(id: string): Promise<void> {
    await this.deleteItem(`rt#${id}`);
  }

  async revokeGrant(grantId: string, ttl: number): Promise<void> {
    await this.revokeGrantItem('rt-grant', grantId, ttl);
  }
}

export class DynamoConsentStore extends DynamoBase implements ConsentStore {
  #pk(subject: string, clientId: string): string {
    return `consent#${JSON.stringify([subject, clientId])}`;
  }

  async find(subject: string, clientId: string): Promise<readonly string[] | undefined> {
    const item = await this.getItem(this.#pk(subject, clientId));
    return live(item) ? parse<string[]>(item) : undefined;
  }

  async save(
    subject: string,
    clientId: string,
    scope: readonly string[],
    ttl: number,
  ): Promise<void> {
    const pk = this.#pk(subject, clientId);
    await this.putItem({
      pk,
      data: JSON.stringify(scope),
      expires_at: nowSeconds() + Math.ceil(ttl),
    });
  }

  async revoke(subject: string, clientId: string): Promise<void> {
    await this.deleteItem(this.#pk(subject, clientId));
  }
}

/** Every store on one table (see the header for a fail-fast client). */
export function dynamoStores(options: DynamoStoreOptions): Stores {
  return {
    clients: new DynamoClientStore(options),
    authorizationCodes: new DynamoAuthorizationCodeStore(options),
    accessTokens: new DynamoAccessTokenStore(options),
    refreshTokens: new DynamoRefreshTokenStore(options),
    consents: new DynamoConsentStore(options),
  };
}

export {
  createDynamoTable,
  dynamoTableDefinition,
  DYNAMO_PARTITION_KEY,
  DYNAMO_TTL_ATTRIBUTE,
  type CreateDynamoTableOptions,
  type DynamoTableClient,
} from './dynamodb/table.js';
