/**
 * The provider's clients (lib/engine/clients.ts): configured clients layered over
 * the stores' client registry.
 *
 * Rules checked:
 * - a client saved in the registry at run time authenticates at the token
 *   endpoint like a configured one; deleting it ends that;
 * - a configured client is found first and cannot be replaced or deleted through
 *   the registry (TypeError naming the fix);
 * - a save is `client.registered` the first time and `client.updated` after, a
 *   delete `client.deleted`, each once, with no secret;
 * - the registry refuses a client that breaks the rules of configured ones;
 * - a configured client naming a client-authentication method the server does
 *   not offer is a TypeError at construction.
 */
import { expect } from 'chai';
import {
  defineClient,
  generateClientSecret,
  memoryStores,
  Provider,
  type OAuthEvent,
} from '../../index.js';
import { basic, expectError } from '../support/engine.js';
import { frozenClock, providerOptions } from '../support/fixtures.js';

async function rejection(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (err) {
    return err;
  }
  return expect.fail('expected the call to reject');
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('client registry under the configured clients', () => {
  it('a client saved at run time authenticates; after delete() it no longer does', async () => {
    const clock = frozenClock();
    const provider = new Provider(providerOptions({ clock, stores: memoryStores({ clock }) }));
    const { secret, secretHash } = generateClientSecret();
    const partner = defineClient({ id: 'partner', secretHash, grantTypes: ['client_credentials'] });
    const ask = () =>
      provider.token({
        params: { grant_type: 'client_credentials' },
        authorization: basic('partner', secret),
      });
    expectError(await ask(), 401, 'invalid_client');
    await provider.stores.clients.save!(partner);
    expect((await ask()).status).to.equal(200);
    await provider.stores.clients.delete!('partner');
    expectError(await ask(), 401, 'invalid_client');
  });

  it('a configured client is found first and cannot be replaced or deleted through the registry', async () => {
    const provider = new Provider(providerOptions());
    const configured = await provider.stores.clients.find('service');
    expect(configured?.id).to.equal('service');
    const impostor = defineClient({
      id: 'service',
      secretHash: generateClientSecret().secretHash,
      grantTypes: ['client_credentials'],
    });
    const saved = await rejection(() => provider.stores.clients.save!(impostor));
    expect(saved).to.be.instanceOf(TypeError);
    expect(String(saved)).to.contain('configured client').and.contain('options.clients');
    const deleted = await rejection(() => provider.stores.clients.delete!('service'));
    expect(deleted).to.be.instanceOf(TypeError);
    expect(await provider.stores.clients.find('service')).to.equal(configured);
  });

  it('save and delete are client.registered, client.updated, client.deleted, once each, without the secret', async () => {
    const clock = frozenClock();
    const provider = new Provider(providerOptions({ clock }));
    const events: OAuthEvent[] = [];
    for (const type of ['client.registered', 'client.updated', 'client.deleted'] as const) {
      provider.events.on(type, (e) => void events.push(e));
    }
    const { secret, secretHash } = generateClientSecret();
    const partner = defineClient({ id: 'partner', secretHash, grantTypes: ['client_credentials'] });
    await provider.stores.clients.save!(partner);
    await provider.stores.clients.save!(
      defineClient({
        ...partner,
        id: 'partner',
        name: 'Renamed',
        tokenEndpointAuthMethods: undefined,
        secretHash,
      }),
    );
    await provider.stores.clients.delete!('partner');
    await settle();
    expect(events).to.deep.equal([
      { type: 'client.registered', time: clock(), clientId: 'partner' },
      { type: 'client.updated', time: clock(), clientId: 'partner' },
      { type: 'client.deleted', time: clock(), clientId: 'partner' },
    ]);
    expect(JSON.stringify(events)).not.to.contain(secret).and.not.to.contain(secretHash);
  });

  it('the registry refuses a client that breaks the rules of configured ones', async () => {
    const provider = new Provider(providerOptions());
    const bad = {
      ...defineClient({
        id: 'bad',
        grantTypes: ['client_credentials'],
        secretHash: generateClientSecret().secretHash,
      }),
      redirectUris: ['https://app.example/cb#fragment'],
    };
    const err = await rejection(() => provider.stores.clients.save!(bad));
    expect(err).to.be.instanceOf(TypeError);
    expect(String(err)).to.contain('redirectUris');
    expect(await provider.stores.clients.find('bad')).to.equal(undefined);
  });

  it('a configured client naming a method the server does not offer is a TypeError at construction', () => {
    expect(
      () =>
        new Provider(
          providerOptions({
            clients: [
              {
                id: 'mtls-client',
                secretHash: generateClientSecret().secretHash,
                tokenEndpointAuthMethods: ['tls_client_auth'],
                grantTypes: ['client_credentials'],
              },
            ],
          }),
        ),
    ).to.throw(TypeError, /"mtls-client".*tls_client_auth.*does not offer/);
  });
});
