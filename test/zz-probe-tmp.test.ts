import express from 'express';
import request from 'supertest';
describe('probe', () => {
  it('x', async () => {
    const app = express();
    app.post('/e', (req, res) => { let n = 0; req.on('data', (c: Buffer) => n += c.length); req.on('end', () => res.json({ ct: req.headers['content-type'] ?? null, cl: req.headers['content-length'] ?? null, te: req.headers['transfer-encoding'] ?? null, n })); });
    console.log((await request(app).post('/e').send()).body);
    console.log((await request(app).post('/e').send('grant_type=x')).body);
    console.log((await request(app).post('/e').unset('Content-Type').send('grant_type=x')).body);
    console.log((await request(app).post('/e').send('grant_type=x').unset('Content-Type')).body);
    console.log((await request(app).post('/e').type('form').send(Buffer.from([0x61,0x3d,0xff]))).body);
  });
});
