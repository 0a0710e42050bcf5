/**
 * The built-in client-authentication methods, in the order their credentials are
 * looked for. A provider starts with these and may register more.
 */
import { clientSecretBasic } from './basic.js';
import { clientSecretJwt } from './client-secret-jwt.js';
import type { ClientAuthenticationMethod } from './method.js';
import { none } from './none.js';
import { clientSecretPost } from './post.js';
import { privateKeyJwt } from './private-key-jwt.js';

export const BUILT_IN_CLIENT_AUTH_METHODS: readonly ClientAuthenticationMethod[] = Object.freeze([
  clientSecretBasic,
  clientSecretPost,
  privateKeyJwt,
  clientSecretJwt,
  none,
]);
