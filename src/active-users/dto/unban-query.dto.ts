import { IsOptional, IsString, MaxLength } from 'class-validator';

export class UnbanQueryDto {
  /** Why the ban is lifted; sent with the unban alert (SLACK_WEBHOOK_URL). */
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}
