import { expect } from 'chai';
import { DEVICE_CODE_GRANT_TYPE, Provider, type AccessTokenStore, type Logger } from '../index.js';
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

describe('logging: the device flow (RFC 8628)', () => {
  it('logs the device authorization, a wrong user code, an approval and a denial at info, without any code', async () => {
    const logger = recordingLogger();
    const provider = new Provider(
      providerOptions({
        logger,
        clients: [
          {
            id: 'tv',
            tokenEndpointAuthMethods: ['none'],
            grantTypes: [DEVICE_CODE_GRANT_TYPE],
          },
        ],
        grants: { deviceCode: true },
      }),
    );
    const device = provider.device;
    if (device === undefined) throw new Error('the device flow is off');
    const visitor = { ip: '203.0.113.9', session: 'session-1' };
    const started = async () => {
      const res = await provider.deviceAuthorization({
        params: { client_id: 'tv', scope: 'read' },
      });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      return res.body as { device_code: string; user_code: string };
    };
    const decided = async (userCode: string, decision: string) => {
      const entered = await device.verification.enter(userCode, visitor);
      if (entered.kind !== 'valid') throw new Error(`the code is ${entered.kind}`);
      return device.verification.decide(entered.deviceId, 'user-alice', decision);
    };
    const first = await started();
    expect((await device.verification.enter('BCDF-GHJK', visitor)).kind).to.equal('invalid');
    expect(await decided(first.user_code, 'allow')).to.equal('approved');
    const second = await started();
    expect(await decided(second.user_code, 'deny')).to.equal('denied');
    await new Promise((resolve) => setImmediate(resolve)); // events are delivered in microtasks

    const deviceEntries = logger.entries.filter((e) => e.msg?.startsWith('device'));
    expect(deviceEntries.map((e) => [e.level, e.msg])).to.deep.equal([
      ['info', 'device authorization started'],
      ['info', 'device user code failed'],
      ['info', 'device authorization approved'],
      ['info', 'device authorization started'],
      ['info', 'device authorization denied'],
    ]);
    expect(deviceEntries[0]?.obj).to.deep.include({ clientId: 'tv', scope: ['read'] });
    expect(deviceEntries[1]?.obj).to.deep.include({ ip: '203.0.113.9' });
    expect(deviceEntries[2]?.obj).to.deep.include({
      clientId: 'tv',
      subject: 'user-alice',
      scope: ['read'],
    });
    expect(deviceEntries[2]?.obj['grantId']).to.be.a('string');
    expect(deviceEntries[4]?.obj).to.deep.include({ clientId: 'tv', subject: 'user-alice' });
    for (const entry of deviceEntries) expect(entry.obj).not.to.have.property('type');
    const logged = JSON.stringify(logger.entries);
    for (const secret of [first.device_code, first.user_code, second.device_code, second.user_code])
      expect(logged).not.to.contain(secret);
    expect(logged).not.to.contain('BCDF-GHJK');
  });
});
