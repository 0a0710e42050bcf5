import { createAuthorizationServer } from '../index.js';
import { providerOptions, secrets } from '../test/support/fixtures.js';
import request from 'supertest';
import express from 'express';
const oauth = createAuthorizationServer({ ...providerOptions(), logger: { debug(){}, info(){}, warn(){}, error(o: any, m: any){ console.log('ERR', m, o?.err) } } as any });
const app = express(); app.use(oauth.router());
const r = await request(app).post('/token').type('form').auth('service', secrets.service.secret).send('grant_type=client_credentials');
console.log(r.status, r.text);
