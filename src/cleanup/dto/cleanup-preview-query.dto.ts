import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class CleanupPreviewQueryDto {
  /**
   * How many stale items to list in detail, 1 to 1000 (default 100); the counts cover all of them.
   */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}
