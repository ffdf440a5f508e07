/**
 * The web pages: `/`, `/token-manager`, `/token-session-manager` and `/admin-manager` answer
 * their HTML shell (revalidated on every visit), `/assets/<name>-<hash>.<ext>` the built scripts
 * and styles (cached for a year: a new build has new names). The pages are public files: what
 * they show comes from the REST API, which checks the session on every call.
 */
import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../common/auth-metadata.decorators.js';
import { NotFoundError } from '../common/domain-errors.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { pageCsp } from './page-csp.js';
import { type PageName, type WebFile, WebAssets } from './web-assets.js';

@ApiTags('web pages')
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
  @ApiOperation({ summary: 'Home page: sign in; who you are, your tokens at a glance, links by role; or the ban notice' })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: "The page's HTML shell; its content comes from the REST API" })
  home(@Req() req: Request, @Res() res: Response): void {
    this.sendPage(req, res, 'home');
  }

  @Get('token-manager')
  @ApiOperation({ summary: 'Token Manager page: create (shown once, with client snippets), list and revoke your tokens' })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: "The page's HTML shell" })
  tokenManager(@Req() req: Request, @Res() res: Response): void {
    this.sendPage(req, res, 'token-manager');
  }

  @Get('token-session-manager')
  @ApiOperation({ summary: 'Token & Session Manager page (admins): active users, sessions, tokens, cleanup, audit' })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: "The page's HTML shell" })
  tokenSessionManager(@Req() req: Request, @Res() res: Response): void {
    this.sendPage(req, res, 'token-session-manager');
  }

  @Get('admin-manager')
  @ApiOperation({ summary: 'Admin Manager page (super admin): the admins, add and remove' })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: "The page's HTML shell" })
  adminManager(@Req() req: Request, @Res() res: Response): void {
    this.sendPage(req, res, 'admin-manager');
  }

  @Get('assets/:file')
  @ApiOperation({ summary: 'A script, stylesheet or image of the pages, by its hashed name (cached for a year)' })
  @ApiOkResponse({ description: 'The file' })
  @ApiNotFoundResponse({ description: 'Not a file of this build' })
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
