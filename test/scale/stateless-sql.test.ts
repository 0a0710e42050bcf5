/**
 * Stateless JWTs over PostgreSQL (127.0.0.1:5432, database `test`; POSTGRES_URL
 * overrides), which cannot announce writes: each "process" (a Provider over its
 * own pool, the same tables, issuer and key) polls the deny-list, reading it
 * again when its copy is older than a second. A token revoked at A, and the
 * grant of a code replayed at A, are refused at B; issuing writes no row. Every
 * wait polls up to a deadline; no timing is asserted.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import pg from 'pg';
import { Provider, type SigningKey } from '../../index.js';
import { createSchema, sqlStores } from '../../lib/stores/sql/index.js';
import { sqlTableNames } from '../../lib/stores/sql/queries.js';
import { expectError, expectTokens } from '../support/engine.js';
import { issueCode, providerOptions, REDIRECT, VERIFIER } from '../support/fixtures.js';
import { requireService } from '../support/services.js';
import { accepts, serverKey, SERVICE, untilRefused, WEB } from './redis.js';

const URI = process.env['POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const PREFIX = `dl${randomBytes(4).toString('hex')}_`;

describe('stateless JWTs over PostgreSQL (polled deny-list), two processes', function () {
  this.timeout(30_000);
  const pools: pg.Pool[] = [];
  let key: SigningKey;

  const pool = (): pg.Pool => {
    const p = new pg.Pool({ connectionString: URI, connectionTimeoutMillis: 2000, max: 2 });
    pools.push(p);
    return p;
  };
  const provider = (): Provider =>
    new Provider(
      providerOptions({
        stores: sqlStores({ dialect: 'postgres', client: pool(), prefix: PREFIX }),
        signingKeys: [key],
      }),
    );
  const rows = async (): Promise<number> => {
    const { records } = sqlTableNames(PREFIX);
    const result = await (pools[0] as pg.Pool).query(`SELECT count(*)::int AS n FROM ${records}`);
    return (result.rows[0] as { n: number }).n;
  };

  before(async function () {
    await requireService(this, {
      name: `PostgreSQL at ${URI}`,
      probe: async () => {
        const p = new pg.Pool({ connectionString: URI, connectionTimeoutMillis: 1000 });
        try {
          await p.query('SELECT 1');
          return true;
        } finally {
          await p.end();
        }
      },
      hint: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
    });
    await createSchema({ dialect: 'postgres', client: pool(), prefix: PREFIX });
    key = serverKey();
  });

  after(async () => {
    const first = pools[0];
    if (first !== undefined)
      await first.query(`DROP TABLE IF EXISTS ${Object.values(sqlTableNames(PREFIX)).join(', ')}`);
    await Promise.all(pools.map((p) => p.end()));
  });

  it('issuing writes no row; a token revoked at A is refused at B', async () => {
    const [A, B] = [provider(), provider()];
    const before = await rows();
    const tokens: string[] = [];
    for (let i = 0; i < 50; i++)
      tokens.push(
        expectTokens(
          await A.token({ params: { grant_type: 'client_credentials' }, authorization: SERVICE }),
        ).access_token,
      );
    expect(await rows()).to.equal(before);
    const [token, other] = tokens as [string, string];
    expect(await accepts(B, token)).to.equal(true);
    expect((await A.revoke({ params: { token }, authorization: SERVICE })).status).to.equal(200);
    await untilRefused(B, token, 'B refusing the token revoked at A');
    expect(await accepts(B, other)).to.equal(true);
  });

  it('a grant revoked by code replay at A is refused at B', async () => {
    const [A, B] = [provider(), provider()];
    const redeem = (code: string) =>
      A.token({
        params: {
          grant_type: 'authorization_code',
          code,
          redirect_uri: REDIRECT,
          code_verifier: VERIFIER,
        },
        authorization: WEB,
      });
    const code = await issueCode({ provider: A } as Parameters<typeof issueCode>[0], 'web', {
      verifier: VERIFIER,
    });
    const body = expectTokens(await redeem(code));
    expect(await accepts(B, body.access_token)).to.equal(true);
    expectError(await redeem(code), 400, 'invalid_grant');
    await untilRefused(B, body.access_token, 'B refusing the token of the replayed code');
  });
});
