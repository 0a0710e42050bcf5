/**
 * The provider's three registries — grants, client-authentication methods,
 * endpoints — each with one door (`add…`) that the built-ins use too.
 *
 * Rules:
 * - a grant type, a method name and an endpoint name or path is registered once
 *   (TypeError otherwise), after its shape was checked;
 * - order is kept: client-authentication methods are tried in it, endpoints are
 *   mounted and listed in it;
 * - what may repeat at an endpoint (its own declaration, and at the token endpoint
 *   every grant's) is computed once per change and read per request, so a grant
 *   registered after the handlers were made is still honoured;
 * - every endpoint name the options give a path (`options.endpoints`) is one that
 *   was registered (TypeError naming it and the known ones).
 */
import type { ClientAuthenticationMethod } from '../client-auth/method.js';
import { checkEndpoint, type EndpointDefinition } from '../endpoints/registry.js';
import { checkGrant, type TokenGrant } from '../grants/grant.js';

export class Registries {
  readonly grants = new Map<string, TokenGrant>();
  readonly clientAuthMethods: ClientAuthenticationMethod[] = [];
  readonly endpoints = new Map<string, EndpointDefinition>();
  /** {@link repeatableAt}'s answers, dropped whenever a grant or endpoint is added. */
  readonly #repeatable = new Map<string, ReadonlySet<string>>();

  addGrant(grant: TokenGrant): void {
    checkGrant(grant);
    if (this.grants.has(grant.grantType)) {
      throw new TypeError(`grant ${grant.grantType}: a grant with that grant_type is registered`);
    }
    this.grants.set(grant.grantType, Object.freeze({ ...grant }));
    this.#repeatable.clear();
  }

  addClientAuthMethod(method: ClientAuthenticationMethod): void {
    if (method === null || typeof method !== 'object' || typeof method.name !== 'string') {
      throw new TypeError('client authentication method: expected { name, present, verify }');
    }
    if (typeof method.present !== 'function' || typeof method.verify !== 'function') {
      throw new TypeError(
        `client authentication method ${method.name}: needs present() and verify()`,
      );
    }
    if (this.clientAuthMethods.some((m) => m.name === method.name)) {
      throw new TypeError(`client authentication method ${method.name} is registered`);
    }
    this.clientAuthMethods.push(Object.freeze({ ...method }));
  }

  /** Adds an endpoint at `path` (its own, or the one the options gave it). */
  addEndpoint(endpoint: EndpointDefinition, path: string): void {
    const resolved = Object.freeze({ ...endpoint, path });
    checkEndpoint(resolved, this.endpoints);
    this.endpoints.set(endpoint.name, resolved);
    this.#repeatable.clear();
  }

  /**
   * Checks that every name in `paths` (`options.endpoints`) is a registered endpoint.
   * @throws TypeError naming the first unknown one and the known ones.
   */
  checkEndpointNames(paths: Readonly<Record<string, string>>): void {
    const unknown = Object.keys(paths).filter((name) => !this.endpoints.has(name));
    if (unknown.length > 0) {
      throw new TypeError(
        `options.endpoints.${unknown[0]} is not an endpoint; known: ${[...this.endpoints.keys()].join(', ')}`,
      );
    }
  }

  /** The parameters that may repeat at the endpoint `name`. */
  repeatableAt(name: string): ReadonlySet<string> {
    let set = this.#repeatable.get(name);
    if (set === undefined) {
      const own = this.endpoints.get(name)?.repeatable ?? [];
      const grants =
        name === 'token' ? [...this.grants.values()].flatMap((g) => g.repeatable ?? []) : [];
      set = new Set([...own, ...grants]);
      this.#repeatable.set(name, set);
    }
    return set;
  }
}
