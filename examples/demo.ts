/**
 * `npm start`: runs the demo authorization server.
 *   PORT (default 3000), ISSUER (default http://localhost:PORT),
 *   ACCESS_TOKEN_FORMAT = jwt (default) | opaque.
 */
import { createDemoApp } from './demo-app.js';

const port = Number(process.env['PORT'] ?? 3000);
const issuer = process.env['ISSUER'] ?? `http://localhost:${port}`;
const format = process.env['ACCESS_TOKEN_FORMAT'] === 'opaque' ? 'opaque' : 'jwt';
const { app } = createDemoApp({ issuer, accessTokenFormat: format });

app.listen(port, () => {
  console.log(`oauth2-stateless demo: open ${issuer}/ in a browser (sign in as alice / wonderland)`);
  console.log(`  metadata: ${issuer}/.well-known/oauth-authorization-server`);
  console.log(`  try:      curl -u demo-service:demo-service-secret -d grant_type=client_credentials ${issuer}/token`);
});
