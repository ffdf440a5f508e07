/**
 * The built web pages (web/dist, made by web/build.mjs), read once at boot and kept in memory:
 * the HTML shell of each page and the hashed assets, each also gzipped once. A gateway started
 * without the build still runs; its pages answer 503 saying how to build them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Injectable, Logger } from '@nestjs/common';

/**
 * web/dist, from src/web (tests, through swc) and from dist/web (the build) alike. Outside dist/:
 * `nest build` empties dist/ and would take the pages with it.
 */
export const WEB_ROOT = fileURLToPath(new URL('../../web/dist/', import.meta.url));

export type PageName = 'home' | 'token-manager' | 'token-session-manager' | 'admin-manager';
export const PAGE_NAMES: readonly PageName[] = ['home', 'token-manager', 'token-session-manager', 'admin-manager'];

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json; charset=utf-8',
};

export interface WebFile {
  readonly body: Buffer;
  /** The body gzipped, when that is smaller. */
  readonly gzip: Buffer | null;
  readonly contentType: string;
}

@Injectable()
export class WebAssets {
  private readonly logger = new Logger('WebPages');
  private readonly pages = new Map<PageName, WebFile>();
  private readonly assets = new Map<string, WebFile>();

  constructor() {
    this.load(WEB_ROOT);
  }

  get built(): boolean {
    return this.pages.size === PAGE_NAMES.length;
  }

  page(name: PageName): WebFile | undefined {
    return this.pages.get(name);
  }

  /** A file under /assets/ by its exact (hashed) name; nothing outside the build is ever read. */
  asset(name: string): WebFile | undefined {
    return this.assets.get(name);
  }

  private load(root: string): void {
    try {
      for (const name of PAGE_NAMES)
        this.pages.set(name, webFile(readFileSync(join(root, 'pages', `${name}.html`)), 'text/html; charset=utf-8'));
      for (const entry of readdirSync(join(root, 'assets'), { withFileTypes: true })) {
        const type = CONTENT_TYPES[extname(entry.name)];
        if (entry.isFile() && type) this.assets.set(entry.name, webFile(readFileSync(join(root, 'assets', entry.name)), type));
      }
    } catch (err) {
      this.pages.clear();
      this.assets.clear();
      this.logger.warn(
        `Web pages not built (${(err as NodeJS.ErrnoException).code ?? (err as Error).message} under ${root}): run npm run build:web`,
      );
    }
  }
}

function webFile(body: Buffer, contentType: string): WebFile {
  const compressible = !contentType.startsWith('image/png');
  const gzip = compressible ? gzipSync(body, { level: 9 }) : null;
  return { body, gzip: gzip && gzip.length < body.length ? gzip : null, contentType };
}
