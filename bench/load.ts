/**
 * One burst of load with autocannon's programmatic API, bounded in time: a run
 * that has not finished `duration + 15` seconds after it started is stopped and
 * reported as an error. With `bearer` (and/or `dpop`), every request is built anew
 * with the next token (and DPoP proof) (autocannon's `setupRequest`, called once
 * per request built: each connection's first request when it starts, then one
 * per response; at most one per connection is built and never sent when the run
 * stops).
 */
import autocannon from 'autocannon';

export interface LoadRequest {
  /** Always on 127.0.0.1. */
  readonly port: number;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Called once per request built; its result is sent as `Authorization: Bearer <token>`. */
  readonly bearer?: () => string;
  /** Called once per request built; its result is sent as the `DPoP` header (a proof). */
  readonly dpop?: () => string;
}

/** What one run measured; `rps` counts every completed response. */
export interface LoadResult {
  /** Completed responses per second of the run's measured duration. */
  readonly rps: number;
  readonly responses: number;
  /** Seconds, as autocannon measured it. */
  readonly duration: number;
  readonly non2xx: number;
  /** Connection errors and timeouts. */
  readonly errors: number;
  readonly timeouts: number;
  readonly statusCodes: Record<string, number>;
  /** Milliseconds. */
  readonly latency: {
    readonly p50: number;
    readonly p99: number;
    readonly mean: number;
    readonly max: number;
  };
}

/** A request template whose `Authorization` header is the next token, and/or `DPoP` the next proof. */
function perRequest(request: LoadRequest): autocannon.Request {
  const { bearer, dpop } = request;
  return {
    setupRequest: (req) => {
      req.headers = {
        ...req.headers,
        ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer()}` }),
        ...(dpop === undefined ? {} : { dpop: dpop() }),
      };
      return req;
    },
  };
}

export async function fire(
  request: LoadRequest,
  duration: number,
  connections: number,
): Promise<LoadResult> {
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${request.port}${request.path}`,
        method: request.method,
        headers: { ...request.headers },
        ...(request.body === undefined ? {} : { body: request.body }),
        ...(request.bearer === undefined && request.dpop === undefined
          ? {}
          : { requests: [perRequest(request)] }),
        connections,
        pipelining: 1,
        duration,
        timeout: 10,
      },
      (err, res) => {
        clearTimeout(guard);
        if (err !== null && err !== undefined)
          reject(err instanceof Error ? err : new Error(String(err)));
        else resolve(res);
      },
    );
    const guard = setTimeout(
      () => {
        instance.stop();
        reject(
          new Error(
            `autocannon did not finish ${duration + 15} s after starting ${request.method} ${request.path}`,
          ),
        );
      },
      (duration + 15) * 1000,
    );
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {}))
    statusCodes[code] = stats.count ?? 0;
  return {
    rps: result.duration > 0 ? result.requests.total / result.duration : 0,
    responses: result.requests.total,
    duration: result.duration,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    latency: {
      p50: result.latency.p50,
      p99: result.latency.p99,
      mean: result.latency.mean,
      max: result.latency.max,
    },
  };
}
