/**
 * The web pages: `/`, `/token-manager`, `/token-session-manager` and `/admin-manager` answer
 * their HTML shell (revalidated on every visit), `/assets/<name>-<hash>.<ext>` the built scripts
 * and styles (cached for a year: a new build has new names). The pages are public files: what
 * they show comes from the REST API, which checks the session on every call.
 */
import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../common/auth-metadata.decorators.js';
import { NotFoundError } from '../common/domain-errors.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { pageCsp } from './page-csp.js';
import { type PageName, type WebFile, WebAssets } from './web-assets.js';

@ApiExcludeController()
@Public()
@Controller()
export class WebController {
  private readonly csp: string;

  constructor(
    private readonly web: WebAssets,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.csp = pageCsp(config);
  }

  @Get()
  home(@Req() req: Request, @Res() res: Response): void {
    this.sendPage(req, res, 'home');
  }

  @Get('token-manager')
  tokenManager(@Req() req: Request, @Res() res: Response): void {
    this.sendPage(req, res, 'token-manager');
  }

  @Get('token-session-manager')
  tokenSessionManager(@Req() req: Request, @Res() res: Response): void {
    this.sendPage(req, res, 'token-session-manager');
  }

  @Get('admin-manager')
  adminManager(@Req() req: Request, @Res() res: Response): void {
    this.sendPage(req, res, 'admin-manager');
  }

  @Get('assets/:file')
  asset(@Param('file') file: string, @Req() req: Request, @Res() res: Response): void {
    const found = this.web.asset(file);
    if (!found) throw new NotFoundError('no such asset');
    res.setHeader('cache-control', 'public, max-age=31536000, immutable');
    send(req, res, found);
  }

  private sendPage(req: Request, res: Response, name: PageName): void {
    const page = this.web.page(name);
    res.setHeader('cache-control', 'no-cache');
    if (!page) {
      res.status(503).type('text/plain').send('The web pages are not built on this gateway: run npm run build (or npm run build:web).\n');
      return;
    }
    res.setHeader('content-security-policy', this.csp);
    send(req, res, page);
  }
}

function send(req: Request, res: Response, file: WebFile): void {
  res.setHeader('content-type', file.contentType);
  res.setHeader('vary', 'Accept-Encoding');
  if (file.gzip && req.acceptsEncodings('gzip') === 'gzip') {
    res.setHeader('content-encoding', 'gzip');
    res.send(file.gzip);
    return;
  }
  res.send(file.body);
}
