/**
 * A small stand-in for a browser in e2e tests: an HTTP(S) client that keeps cookies the way a
 * browser does (per host, not per port; Path, Secure, Max-Age/Expires), never follows redirects
 * by itself, and trusts an extra CA (the local OpenID provider's certificate).
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface BrowserResponse {
  readonly url: string;
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The Location header resolved against the request URL, when there is one. */
  readonly location: string | undefined;
  json<T = Record<string, unknown>>(): T;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** JSON body (sets content-type). */
  json?: unknown;
  /** Form body, application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  /** Send no cookies with this request. */
  withoutCookies?: boolean;
}

interface StoredCookie {
  name: string;
  value: string;
  host: string;
  path: string;
  secure: boolean;
  httpOnly: boolean;
  sameSite: string | undefined;
  expiresAt: number | undefined;
}

export class Browser {
  private readonly cookies: StoredCookie[] = [];

  constructor(private readonly ca?: string) {}

  get(url: string, options: Omit<RequestOptions, 'method'> = {}): Promise<BrowserResponse> {
    return this.request(url, { ...options, method: 'GET' });
  }

  post(url: string, options: Omit<RequestOptions, 'method'> = {}): Promise<BrowserResponse> {
    return this.request(url, { ...options, method: 'POST' });
  }

  async request(url: string, options: RequestOptions = {}): Promise<BrowserResponse> {
    const target = new URL(url);
    const headers: Record<string, string> = { 'user-agent': 'e2e-browser/1.0', ...options.headers };
    let body: string | undefined;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    } else if (options.form !== undefined) {
      body = new URLSearchParams(options.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const cookieHeader = options.withoutCookies ? '' : this.cookieHeaderFor(target);
    if (cookieHeader && headers.cookie === undefined) headers.cookie = cookieHeader;
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));

    const res = await new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(
        target,
        { method: options.method ?? 'GET', headers, ...(this.ca ? { ca: this.ca } : {}), agent: false },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (c: Buffer) => chunks.push(c));
          incoming.on('end', () =>
            resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: Buffer.concat(chunks).toString('utf8') }),
          );
          incoming.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    for (const line of res.headers['set-cookie'] ?? []) this.store(target, line);
    const location = typeof res.headers.location === 'string' ? new URL(res.headers.location, target).toString() : undefined;
    return {
      url,
      status: res.status,
      headers: res.headers,
      body: res.body,
      location,
      json: <T>() => JSON.parse(res.body) as T,
    };
  }

  /** The value of a cookie this browser would send to `url`, if any. */
  cookie(url: string, name: string): string | undefined {
    const target = new URL(url);
    return this.matching(target).find((c) => c.name === name)?.value;
  }

  /** Plants a cookie, as another site or a network attacker might. */
  setCookie(url: string, name: string, value: string): void {
    this.store(new URL(url), `${name}=${value}; Path=/`);
  }

  clearCookies(): void {
    this.cookies.length = 0;
  }

  private cookieHeaderFor(target: URL): string {
    return this.matching(target)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  private matching(target: URL): StoredCookie[] {
    const now = Date.now();
    return this.cookies.filter(
      (c) =>
        c.host === target.hostname &&
        (c.expiresAt === undefined || c.expiresAt > now) &&
        (!c.secure || target.protocol === 'https:') &&
        (target.pathname === c.path || target.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)),
    );
  }

  private store(origin: URL, line: string): void {
    const [pair, ...attributes] = line.split(';').map((part) => part.trim());
    const eq = pair.indexOf('=');
    if (eq <= 0) return;
    const cookie: StoredCookie = {
      name: pair.slice(0, eq),
      value: pair.slice(eq + 1),
      host: origin.hostname,
      path: '/',
      secure: false,
      httpOnly: false,
      sameSite: undefined,
      expiresAt: undefined,
    };
    for (const attribute of attributes) {
      const [key, ...rest] = attribute.split('=');
      const value = rest.join('=');
      switch (key.toLowerCase()) {
        case 'path':
          cookie.path = value || '/';
          break;
        case 'secure':
          cookie.secure = true;
          break;
        case 'httponly':
          cookie.httpOnly = true;
          break;
        case 'samesite':
          cookie.sameSite = value;
          break;
        case 'max-age':
          cookie.expiresAt = Date.now() + Number(value) * 1000;
          break;
        case 'expires':
          if (cookie.expiresAt === undefined) cookie.expiresAt = Date.parse(value);
          break;
        default:
          break;
      }
    }
    const index = this.cookies.findIndex((c) => c.name === cookie.name && c.host === cookie.host && c.path === cookie.path);
    if (index !== -1) this.cookies.splice(index, 1);
    if (cookie.expiresAt === undefined || cookie.expiresAt > Date.now()) this.cookies.push(cookie);
  }
}
