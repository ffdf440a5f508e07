import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../common/auth-metadata.decorators.js';
import { HealthStatusDto } from './dto/health-status.dto.js';
import { HealthService } from './health.service.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** Liveness and readiness: 200 when Redis answers, 503 with the reason when it does not. */
  @Public()
  @Get()
  @ApiOkResponse({ type: HealthStatusDto })
  @ApiServiceUnavailableResponse({ type: HealthStatusDto })
  async check(@Res({ passthrough: true }) res: Response): Promise<HealthStatusDto> {
    const status = await this.health.check();
    if (status.status !== 'ok') res.status(HttpStatus.SERVICE_UNAVAILABLE);
    return status;
  }
}
