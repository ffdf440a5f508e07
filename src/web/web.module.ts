/** The web pages (web/, built into web/dist): the HTML shells and their hashed assets. */
import { Module } from '@nestjs/common';
import { WebAssets } from './web-assets.js';
import { WebController } from './web.controller.js';

@Module({
  controllers: [WebController],
  providers: [WebAssets],
})
export class WebModule {}
