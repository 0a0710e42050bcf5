/**
 * A browser's part in the end-to-end tests, as plain HTTP: a cookie jar, no
 * automatic redirects, and the consent form read from the page's HTML.
 */
import { expect } from 'chai';

/** A browser's part, as plain HTTP: a cookie jar and no automatic redirects. */
export class HttpBrowser {
  private readonly cookies = new Map<string, string>();

  async get(url: string | URL): Promise<Response> {
    return this.send(url, { method: 'GET' });
  }

  async postForm(url: string | URL, form: URLSearchParams): Promise<Response> {
    return this.send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
  }

  private async send(
    url: string | URL,
    init: { method: string; headers?: Record<string, string>; body?: string },
  ): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0)
      headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, {
      method: init.method,
      headers,
      body: init.body,
      redirect: 'manual',
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    return res;
  }
}

export function location(res: Response, base: string | URL): URL {
  const value = res.headers.get('location');
  expect(value, `a Location header on the ${res.status} answer`).to.be.a('string');
  return new URL(value!, base);
}

export function decodeHtml(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_m, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_m, n: string) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The consent form: its action and its hidden inputs. */
export function parseConsentForm(
  html: string,
  pageUrl: URL,
): { action: URL; hidden: URLSearchParams } {
  const form = /<form\b[^>]*\bmethod="post"[^>]*>/i.exec(html);
  expect(form, 'a <form method="post"> on the consent page').to.not.equal(null);
  const action = /\baction="([^"]*)"/i.exec(form![0]);
  const hidden = new URLSearchParams();
  for (const [input] of html.matchAll(/<input\b[^>]*>/gi)) {
    if (!/\btype="hidden"/i.test(input)) continue;
    const name = /\bname="([^"]*)"/i.exec(input);
    const value = /\bvalue="([^"]*)"/i.exec(input);
    if (name) hidden.append(decodeHtml(name[1]!), decodeHtml(value?.[1] ?? ''));
  }
  return { action: new URL(decodeHtml(action?.[1] ?? ''), pageUrl), hidden };
}
