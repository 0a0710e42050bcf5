/**
 * `npm start` when it cannot work (issue 8, "The demo and the README's two
 * commands"): a busy port or a PORT that is not one ends the process with exit
 * code 1 and one line naming the problem, and the URL to open is never printed.
 * Also: the README's first block is the install, `npm start` and `npm test`,
 * the commands test/examples/demo-start.test.ts runs on a fresh clone.
 */
import type { Server } from 'node:net';
import { expect } from 'chai';
import {
  exitCode,
  freePort,
  freshClone,
  occupy,
  readmeFirstBlock,
  removeClone,
  spawnDemo,
  stopAndWait,
  STARTUP_MS,
  type Demo,
} from './demo-process.js';

describe("the README's first block", () => {
  it('is the install, then npm start and npm test (what demo-start.test.ts runs on a fresh clone)', () => {
    expect(readmeFirstBlock()).to.deep.equal(['npm ci', 'npm start', 'npm test']);
  });
});

describe('npm start when it cannot work', function () {
  this.timeout(STARTUP_MS + 15_000);
  let clone = '';
  before(() => {
    clone = freshClone();
  });
  after(() => {
    removeClone(clone);
  });

  describe('a busy port', () => {
    let holder: Server | undefined;
    let demo: Demo | undefined;
    after(async () => {
      await stopAndWait(demo);
      await new Promise<void>((resolve) => (holder ? holder.close(() => resolve()) : resolve()));
    });

    it('exits non-zero with a message naming the port, and never prints the URL to open', async () => {
      const port = await freePort();
      holder = await occupy(port);
      demo = spawnDemo(clone, {}, port);
      const code = await exitCode(demo);
      expect(code, `still running or killed:\n${demo.output()}\n${demo.errors()}`).to.be.a(
        'number',
      );
      expect(code).to.not.equal(0);
      expect(demo.errors()).to.include(`port ${port} is already in use`);
      expect(demo.output()).to.not.match(/open http/);
    });
  });

  describe('a PORT that is not a port', () => {
    let demo: Demo | undefined;
    after(async () => {
      await stopAndWait(demo);
    });

    it('exits non-zero with a message naming PORT', async () => {
      demo = spawnDemo(clone, { PORT: 'eighty' }, 0);
      const code = await exitCode(demo);
      expect(code).to.equal(1);
      expect(demo.errors()).to.include('PORT="eighty" is not a port number');
      expect(demo.output()).to.not.match(/open http/);
    });
  });
});
