import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class HourlyStatsQueryDto {
  /** How many hours back, 1 to 48 (default 24), the current one included. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(48)
  hours?: number;
}
