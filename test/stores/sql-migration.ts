/**
 * The migration from the previous SQL schema, for real: the old tables
 * (sql-legacy.ts) under a random prefix, rows written as the old stores wrote
 * them, `migrateSchema()`, then every record read back through the new stores
 * and compared with what the typed stores write themselves (on a second
 * prefix). Registered by sql-suite.ts inside its describe, so it is skipped
 * with it when the server is missing.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { defineClient } from '../../lib/helpers/clients.js';
import { migrateSchema } from '../../lib/stores/sql/migrate.js';
import { sqlTableNames } from '../../lib/stores/sql/queries.js';
import { createSchema } from '../../lib/stores/sql/schema.js';
import { sqlStores, type SqlStores } from '../../lib/stores/sql/sql-store.js';
import type {
  AccessTokenRecord,
  AuthorizationCodeRecord,
  Client,
  RefreshTokenRecord,
} from '../../lib/types.js';
import {
  accessRow,
  clientRow,
  codeRow,
  consentRow,
  legacySchema,
  legacyTables,
  refreshRow,
  revokedGrantRow,
  type LegacyRow,
} from './sql-legacy.js';
import { randomPrefix, type EndablePool, type SqlSuiteOptions } from './sql-suite.js';

const HOUR_MS = 3_600_000;

/** What the old tables hold, as the old stores' records. */
function fixtures(now: number) {
  const t = Math.floor(now / 1000);
  const rand = (): string => randomUUID();
  const codes: Record<string, AuthorizationCodeRecord> = {
    full: {
      id: rand(),
      clientId: 'web',
      subject: 'alice',
      scope: ['read', 'write'],
      redirectUri: 'https://app.example.test/cb',
      redirectUriSent: true,
      codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      codeChallengeMethod: 'S256',
      grantId: rand(),
      issuedAt: t,
      expiresAt: t + 600,
      extra: { nonce: 'n-0S6_WzA2Mj', nested: { keep: null, nul: 'a\u0000b' }, list: [null, 1] },
    },
    plain: {
      id: rand(),
      clientId: 'spa',
      subject: 'bob',
      scope: [],
      redirectUri: 'https://spa.example.test/',
      redirectUriSent: false,
      grantId: rand(),
      issuedAt: t,
      expiresAt: t + 600,
    },
    consumed: {
      id: rand(),
      clientId: 'web',
      subject: 'alice',
      scope: ['read'],
      redirectUri: 'https://app.example.test/cb',
      redirectUriSent: true,
      grantId: rand(),
      issuedAt: t,
      expiresAt: t + 600,
      consumed: true,
    },
    expired: {
      id: rand(),
      clientId: 'web',
      subject: 'alice',
      scope: ['read'],
      redirectUri: 'https://app.example.test/cb',
      redirectUriSent: true,
      grantId: rand(),
      issuedAt: t - 700,
      expiresAt: t - 100,
    },
  };
  const uniqueKey = rand();
  const revokedAccessGrant = rand();
  const token = (overrides: Partial<AccessTokenRecord>): AccessTokenRecord => ({
    id: rand(),
    format: 'opaque',
    clientId: 'service',
    subject: 'service',
    scope: ['read'],
    audience: 'https://api.example.test',
    grantType: 'client_credentials',
    grantId: rand(),
    issuedAt: t,
    expiresAt: t + 3600,
    ...overrides,
  });
  const access = {
    older: token({ uniqueKey, token: 'older-token', issuedAt: t - 10 }),
    newer: token({ uniqueKey, token: 'newer-token', format: 'jwt' }),
    plain: token({ grantType: 'authorization_code', subject: 'alice' }),
    revoked: token({ grantId: revokedAccessGrant }),
  };
  const revokedRefreshGrant = rand();
  const refreshToken = (overrides: Partial<RefreshTokenRecord>): RefreshTokenRecord => ({
    id: rand(),
    clientId: 'web',
    subject: 'alice',
    scope: ['read', 'offline_access'],
    grantId: rand(),
    issuedAt: t,
    expiresAt: t + 86_400,
    ...overrides,
  });
  const refresh = {
    live: refreshToken({}),
    consumed: refreshToken({ consumed: true, consumedAt: t - 5 }),
    revoked: refreshToken({ grantId: revokedRefreshGrant }),
  };
  const subject = `user-${rand()}`;
  const consents = [
    { subject, clientId: 'web', scope: ['read'] },
    { subject, clientId: 'other', scope: ['read', 'profile'] },
  ];
  const clients: Record<string, Client> = {
    full: defineClient({
      id: `full-${rand()}`,
      secret: 's3cret',
      name: 'Full client',
      redirectUris: ['https://app.example.test/cb', 'https://app.example.test/other'],
      grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
      scopes: ['read', 'write'],
      defaultScopes: ['read'],
      tokenEndpointAuthMethods: ['client_secret_basic', 'client_secret_post'],
      requirePkce: false,
      resourceServer: true,
      firstParty: true,
    }),
    public: defineClient({
      id: `public-${rand()}`,
      redirectUris: ['https://spa.example.test/'],
      grantTypes: ['authorization_code'],
      scopes: [],
      tokenEndpointAuthMethods: ['none'],
    }),
    service: defineClient({
      id: `service-${rand()}`,
      secret: 'another',
      grantTypes: ['client_credentials'],
      tokenEndpointAuthMethods: ['client_secret_post'],
    }),
  };
  return {
    codes,
    access,
    uniqueKey,
    refresh,
    consents,
    subject,
    clients,
    revoked: { access: revokedAccessGrant, refresh: revokedRefreshGrant },
  };
}

export function describeSqlMigration<P extends EndablePool>(options: SqlSuiteOptions<P>): void {
  describe(`migration from the previous schema (${options.dialect})`, () => {
    const legacy = randomPrefix();
    const reference = randomPrefix();
    const now = Date.now();
    const data = fixtures(now);
    let pool: P;
    let stores: SqlStores;
    let fresh: SqlStores;

    async function insert(table: string, row: LegacyRow): Promise<void> {
      const columns = Object.keys(row);
      const params = columns.map((_, i) => options.param(i + 1)).join(', ');
      await options.rows(
        pool,
        `INSERT INTO ${legacy}${table} (${columns.join(', ')}) VALUES (${params})`,
        Object.values(row),
      );
    }

    async function count(table: string): Promise<number> {
      const rows = await options.rows(pool, `SELECT COUNT(*) AS n FROM ${table}`);
      return Number(rows[0]?.['n']);
    }

    before(async () => {
      pool = options.pool();
      for (const statement of legacySchema(options.dialect, legacy))
        await options.rows(pool, statement);
      const live = now + HOUR_MS;
      for (const code of Object.values(data.codes))
        await insert(
          'authorization_codes',
          codeRow(code, code === data.codes['expired'] ? now - 1000 : live),
        );
      for (const token of Object.values(data.access))
        await insert('access_tokens', accessRow(token, live));
      for (const token of Object.values(data.refresh))
        await insert('refresh_tokens', refreshRow(token, live));
      for (const c of data.consents)
        await insert('consents', consentRow(c.subject, c.clientId, c.scope, live));
      await insert('revoked_grants', revokedGrantRow(data.revoked.access, 'access', live));
      await insert('revoked_grants', revokedGrantRow(data.revoked.refresh, 'refresh', live));
      await insert('revoked_grants', revokedGrantRow(randomUUID(), 'access', now - 1));
      for (const client of Object.values(data.clients)) await insert('clients', clientRow(client));

      await migrateSchema({ ...options.connection(pool), prefix: legacy });
      await createSchema({ ...options.connection(pool), prefix: reference });
      stores = sqlStores({ ...options.connection(pool), prefix: legacy });
      fresh = sqlStores({ ...options.connection(pool), prefix: reference });
    });

    after(async () => {
      if (pool === undefined) return;
      const tables = [
        ...legacyTables(legacy),
        ...Object.values(sqlTableNames(legacy)),
        ...Object.values(sqlTableNames(reference)),
      ];
      await options.rows(pool, `DROP TABLE IF EXISTS ${tables.join(', ')}`);
      await pool.end();
    });

    it('codes: live ones read back as saved, the consumed one as consumed, the expired one not copied', async () => {
      const { full, plain, consumed, expired } = data.codes as Record<
        string,
        AuthorizationCodeRecord
      >;
      expect(await stores.authorizationCodes.find(full!.id)).to.deep.equal(full);
      expect(await stores.authorizationCodes.find(plain!.id)).to.deep.equal(plain);
      expect(await stores.authorizationCodes.find(consumed!.id)).to.deep.equal(consumed);
      expect(await stores.authorizationCodes.consume(consumed!.id)).to.equal(undefined);
      expect(await stores.authorizationCodes.consume(full!.id)).to.deep.equal(full);
      expect(await stores.records.get('code', expired!.id)).to.equal(undefined);
      const { records } = sqlTableNames(legacy);
      const rows = await options.rows(
        pool,
        `SELECT COUNT(*) AS n FROM ${records} WHERE kind = 'code'`,
      );
      expect(Number(rows[0]?.['n']), 'three codes copied').to.equal(3);
    });

    it('access tokens: found by id and by unique key (the newer one), revoked grants stay revoked', async () => {
      const { older, newer, plain, revoked } = data.access;
      expect(await stores.accessTokens.find(older.id)).to.deep.equal(older);
      expect(await stores.accessTokens.find(newer.id)).to.deep.equal(newer);
      expect(await stores.accessTokens.find(plain.id)).to.deep.equal(plain);
      expect(await stores.accessTokens.findByUniqueKey(data.uniqueKey)).to.deep.equal(newer);
      expect(await stores.accessTokens.find(revoked.id)).to.equal(undefined);
      expect(await stores.records.get('access', revoked.id), 'kept, hidden by its grant').to.not.be
        .undefined;
    });

    it('refresh tokens: live, consumed (with consumedAt) and revoked as before', async () => {
      const { live, consumed, revoked } = data.refresh;
      expect(await stores.refreshTokens.find(live.id)).to.deep.equal(live);
      expect(await stores.refreshTokens.find(consumed.id)).to.deep.equal(consumed);
      expect(await stores.refreshTokens.consume(consumed.id)).to.equal(undefined);
      expect(await stores.refreshTokens.find(revoked.id)).to.equal(undefined);
      expect(await stores.refreshTokens.consume(live.id)).to.deep.equal(live);
    });

    it('consents: found by subject and client, and listed by subject', async () => {
      for (const c of data.consents)
        expect(await stores.consents.find(c.subject, c.clientId)).to.deep.equal({
          scope: c.scope,
          resources: [], // a 0.1 consent is for the default audience
        });
      const listed = await stores.consents.list(data.subject);
      expect(listed.sort((a, b) => a.clientId.localeCompare(b.clientId))).to.deep.equal([
        { clientId: 'other', scope: ['read', 'profile'], resources: [] },
        { clientId: 'web', scope: ['read'], resources: [] },
      ]);
    });

    it('clients: read back equal to the configured client, without expiry', async () => {
      for (const client of Object.values(data.clients)) {
        expect(await stores.clients.find(client.id), client.id).to.deep.equal(client);
        expect((await stores.records.get('client', client.id))?.expiresAt).to.equal(undefined);
      }
    });

    it('every value is exactly the JSON the typed stores write', async () => {
      /** Saves through the typed stores on the reference prefix; compares the two values. */
      async function same(kind: string, id: string, save: (s: SqlStores) => Promise<void>) {
        await save(fresh);
        const written = await fresh.records.get(kind, id);
        expect(written, `${kind} ${id} written`).to.not.equal(undefined);
        expect((await stores.records.get(kind, id))?.value, `${kind} ${id}`).to.deep.equal(
          written?.value,
        );
      }
      for (const code of Object.values(data.codes)) {
        if (code !== data.codes['expired'])
          await same('code', code.id, (s) => s.authorizationCodes.save(code, 600));
      }
      for (const token of Object.values(data.access))
        await same('access', token.id, (s) => s.accessTokens.save(token, 3600));
      for (const token of Object.values(data.refresh))
        await same('refresh', token.id, (s) => s.refreshTokens.save(token, 3600));
      for (const c of data.consents) {
        await same('consent', `${c.subject}\n${c.clientId}`, (s) =>
          s.consents.save(c.subject, c.clientId, { scope: c.scope, resources: [] }, 3600),
        );
      }
      for (const client of Object.values(data.clients))
        await same('client', client.id, (s) => s.clients.save(client));
      await same('access-revoked', data.revoked.access, (s) =>
        s.accessTokens.revokeGrant(data.revoked.access, 3600),
      );
      await same('refresh-revoked', data.revoked.refresh, (s) =>
        s.refreshTokens.revokeGrant(data.revoked.refresh, 3600),
      );
    });

    it('running it again copies nothing twice and keeps what the new stores wrote since', async () => {
      const { records, lookups } = sqlTableNames(legacy);
      const before = { records: await count(records), lookups: await count(lookups) };
      const [first] = data.consents;
      await stores.consents.save(
        first!.subject,
        first!.clientId,
        { scope: ['changed'], resources: [] },
        3600,
      );
      await migrateSchema({ ...options.connection(pool), prefix: legacy });
      expect({ records: await count(records), lookups: await count(lookups) }).to.deep.equal({
        records: before.records,
        lookups: before.lookups, // the save replaced the migrated lookup of that consent
      });
      expect(await stores.consents.find(first!.subject, first!.clientId)).to.deep.equal({
        scope: ['changed'],
        resources: [],
      });
      expect(await stores.consents.list(data.subject)).to.have.length(2);
    });
  });
}
