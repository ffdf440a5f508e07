import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../common/auth-metadata.decorators.js';
import { ServesDuringStoreReset } from '../common/store-reset.decorator.js';
import { HealthStatusDto } from './dto/health-status.dto.js';
import { LivenessDto } from './dto/liveness.dto.js';
import { HealthService } from './health.service.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** Readiness (kept at /health for existing probes): the same check as /health/ready. */
  @Public()
  @ServesDuringStoreReset()
  @Get()
  @ApiOkResponse({ type: HealthStatusDto })
  @ApiServiceUnavailableResponse({ type: HealthStatusDto })
  async check(@Res({ passthrough: true }) res: Response): Promise<HealthStatusDto> {
    return this.ready(res);
  }

  /**
   * Readiness: 200 when Redis answers, takes writes, persists and holds the gateway's data (and, with
   * READY_CHECKS_UPSTREAM=true, the upstream answers HTTP); 503 with fixed reasons otherwise.
   */
  @Public()
  @ServesDuringStoreReset()
  @Get('ready')
  @ApiOkResponse({ type: HealthStatusDto })
  @ApiServiceUnavailableResponse({ type: HealthStatusDto })
  async ready(@Res({ passthrough: true }) res: Response): Promise<HealthStatusDto> {
    const status = await this.health.readiness();
    if (status.status !== 'ok') res.status(HttpStatus.SERVICE_UNAVAILABLE);
    return status;
  }

  /** Liveness: the process answers. Touches no dependency, so a Redis outage never gets a replica restarted. */
  @Public()
  @ServesDuringStoreReset()
  @Get('live')
  @ApiOkResponse({ type: LivenessDto })
  live(): LivenessDto {
    return this.health.liveness();
  }
}
