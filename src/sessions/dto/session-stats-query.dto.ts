import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class SessionStatsQueryDto {
  /**
   * Rows of per_user, 1 to 500 (default 50).
   */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  // A literal: the swagger plugin cannot carry an imported constant into the document.
  @Max(500)
  limit?: number;
}
