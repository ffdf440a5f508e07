import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../common/auth-metadata.decorators.js';
import { ServesDuringStoreReset } from '../common/store-reset.decorator.js';
import { HealthStatusDto } from './dto/health-status.dto.js';
import { HealthService } from './health.service.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /**
   * Readiness: 200 when Redis answers, takes writes, persists its data and has not lost it; 503
   * with the reason, in fixed words, otherwise.
   */
  @Public()
  @ServesDuringStoreReset()
  @Get()
  @ApiOkResponse({ type: HealthStatusDto })
  @ApiServiceUnavailableResponse({ type: HealthStatusDto })
  async check(@Res({ passthrough: true }) res: Response): Promise<HealthStatusDto> {
    const status = await this.health.check();
    if (status.status !== 'ok') res.status(HttpStatus.SERVICE_UNAVAILABLE);
    return status;
  }
}
