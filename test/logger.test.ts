import { expect } from 'chai';
import { Provider, type AccessTokenStore, type Logger } from '../index.js';
import { providerOptions, secrets } from './support/fixtures.js';

interface Entry {
  level: string;
  obj: Record<string, unknown>;
  msg: string | undefined;
}

function recordingLogger(): Logger & { entries: Entry[] } {
  const entries: Entry[] = [];
  const at = (level: string) => (obj: object, msg?: string) => {
    entries.push({ level, obj: obj as Record<string, unknown>, msg });
  };
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('logging', () => {
  it('logs a store failure with its private cause, and sends only a generic server_error', async () => {
    const logger = recordingLogger();
    const secretDetail = new Error('connect ECONNREFUSED 10.1.2.3:6379 password=hunter2');
    const broken: AccessTokenStore = {
      save: async () => {
        throw secretDetail;
      },
      find: async () => undefined,
      revoke: async () => {},
      revokeGrant: async () => {},
      findByUniqueKey: async () => undefined,
    };
    const provider = new Provider(
      // Opaque: a token with a record to save (stateless JWTs save none).
      providerOptions({
        logger,
        stores: { accessTokens: broken },
        accessToken: { format: 'opaque' },
      }),
    );
    const res = await provider.token({
      params: { grant_type: 'client_credentials' },
      authorization: basic('service', secrets.service.secret),
    });
    expect(res.status).to.equal(500);
    expect(res.body).to.deep.equal({
      error: 'server_error',
      error_description: 'the server encountered an unexpected error',
    });
    expect(JSON.stringify(res.body)).not.to.contain('hunter2');
    const errors = logger.entries.filter((e) => e.level === 'error');
    expect(errors).to.have.length(1);
    expect(errors[0]?.obj['err']).to.equal(secretDetail);
  });

  it('logs issued tokens and failed client authentication at info (with subject and reason, without the token or secret), refusals at debug with their private detail', async () => {
    const logger = recordingLogger();
    const provider = new Provider(providerOptions({ logger }));
    const ok = await provider.token({
      params: { grant_type: 'client_credentials' },
      authorization: basic('service', secrets.service.secret),
    });
    expect(ok.status).to.equal(200);
    await provider.token({
      params: { grant_type: 'client_credentials' },
      authorization: basic('service', 'wrong'),
    });
    await new Promise((resolve) => setImmediate(resolve)); // events are delivered in microtasks
    expect(logger.entries.map((e) => [e.level, e.msg])).to.deep.equal([
      ['info', 'token issued'],
      ['info', 'client authentication failed'],
      ['debug', 'request refused'],
    ]);
    const token = (ok.body as { access_token: string }).access_token;
    expect(JSON.stringify(logger.entries)).not.to.contain(token);
    expect(JSON.stringify(logger.entries)).not.to.contain(secrets.service.secret);
    expect(logger.entries[0]?.obj).to.include({
      grantType: 'client_credentials',
      clientId: 'service',
      subject: 'service',
    });
    expect(logger.entries[2]?.obj).to.deep.equal({
      error: 'invalid_client',
      description: 'client authentication failed',
      detail: 'wrong credentials',
    });
    expect(logger.entries[1]?.obj).to.deep.include({
      clientId: 'service',
      method: 'client_secret_basic',
      reason: 'wrong credentials',
    });
  });

  it('is silent by default', async () => {
    const provider = new Provider(providerOptions());
    const writes: unknown[] = [];
    const original = { log: console.log, error: console.error, warn: console.warn };
    console.log =
      console.error =
      console.warn =
        (...args: unknown[]) => {
          writes.push(args);
        };
    try {
      await provider.token({
        params: { grant_type: 'client_credentials' },
        authorization: basic('service', 'wrong'),
      });
    } finally {
      Object.assign(console, original);
    }
    expect(writes).to.deep.equal([]);
  });
});
