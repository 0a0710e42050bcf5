/**
 * A bounded HTTP fuzz of every endpoint (issue 8, "Property-based and fuzz
 * tests"): thousands of generated requests (./near-valid.ts, ./requests.ts) against two real
 * servers on 127.0.0.1 (./target.ts: JWT and opaque access tokens), a few at a
 * time over keep-alive sockets, each answer checked by ./harness.ts: no 5xx, no
 * hang (a per-request deadline), no stack trace, JSON errors from the JSON
 * endpoints, no redirect off the registered URIs, no HTML echoed.
 *
 * Deterministic: the requests come from fast-check's sampler with the seed of
 * test/property/runs.ts (FC_SEED picks another). A failure lists each bad
 * request with its index, the answer, and the seed. FUZZ_REQUESTS sets how many
 * requests each server gets (default 2000); FUZZ_VERBOSE=1 prints how many
 * answers each endpoint gave with each status.
 */
import { Agent } from 'node:http';
import { expect } from 'chai';
import fc from 'fast-check';
import { SEED } from '../property/runs.js';
import { describeOutcome, describeRequest, problemsOf, send } from './harness.js';
import { fuzzRequest } from './near-valid.js';
import { ENDPOINTS, type EndpointName, type FuzzRequest } from './requests.js';
import { startTarget, type Target } from './target.js';

const REQUESTS = Number(process.env['FUZZ_REQUESTS'] ?? 2000);
/** Requests in flight at once. */
const CONCURRENCY = 8;
/** How long one answer may take before it counts as a hang, in milliseconds. */
const DEADLINE_MS = 10_000;
/** Stop listing after this many bad answers. */
const MAX_REPORTED = 15;

interface Finding {
  index: number;
  text: string;
}

/** Sends `requests` to `target`, CONCURRENCY at a time; every bad answer, and the counts by endpoint and status. */
async function fuzz(
  target: Target,
  requests: readonly FuzzRequest[],
): Promise<{ findings: Finding[]; seen: Map<string, number> }> {
  const base = new URL(target.base);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const findings: Finding[] = [];
  const seen = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    while (next < requests.length && findings.length < MAX_REPORTED) {
      const index = next++;
      const req = requests[index]!;
      const outcome = await send(base, req, agent, DEADLINE_MS);
      const key = `${req.endpoint} ${'failure' in outcome ? 'no answer' : outcome.status}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      const problems = problemsOf(req, outcome);
      if (problems.length > 0)
        findings.push({
          index,
          text: `#${index}: ${problems.join('; ')}\n    ${describeRequest(req)}\n    answer ${describeOutcome(outcome)}`,
        });
    }
  };
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } finally {
    agent.destroy();
  }
  return { findings, seen };
}

for (const format of ['jwt', 'opaque'] as const) {
  describe(`fuzz: every endpoint over HTTP (${format} access tokens, seed ${SEED})`, function () {
    this.timeout(120_000);
    let target: Target | undefined;
    before(async () => {
      target = await startTarget(format);
    });
    after(async () => {
      await target?.close();
    });

    it(`${REQUESTS} random requests: no 5xx, no hang, no stack trace, JSON errors from JSON endpoints, no open redirect`, async () => {
      const requests = fc.sample(fuzzRequest(target!), {
        seed: SEED + (format === 'jwt' ? 0 : 1),
        numRuns: REQUESTS,
      });
      const { findings, seen } = await fuzz(target!, requests);
      if (process.env['FUZZ_VERBOSE'] !== undefined)
        console.log(
          [...seen]
            .sort()
            .map(([k, n]) => `      ${k}: ${n}`)
            .join('\n'),
        );
      const report = findings.map((f) => f.text).join('\n');
      expect(
        findings,
        `${findings.length} bad answer(s) (seed ${SEED}, FUZZ_REQUESTS=${REQUESTS}; replay with FC_SEED=${SEED}):\n${report}`,
      ).to.deep.equal([]);
      expect(target!.errors, 'errors that reached the host app').to.deep.equal([]);
      // the fuzz reached every endpoint, and got past the refusals at some
      for (const name of Object.keys(ENDPOINTS) as EndpointName[])
        expect(
          [...seen.keys()].some((k) => k.startsWith(`${name} `)),
          name,
        ).to.equal(true);
      for (const wanted of [
        'token 200',
        'authorize 302',
        'protect (any scope) 200',
        'introspect 200',
      ])
        expect(
          seen.get(wanted) ?? 0,
          `${wanted} in ${JSON.stringify([...seen])}`,
        ).to.be.greaterThan(0);
    });
  });
}
