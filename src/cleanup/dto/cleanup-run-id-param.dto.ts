import { Matches } from 'class-validator';

export class CleanupRunIdParamDto {
  /** @example "1764575000000-1a2b3c4d" */
  @Matches(/^\d{13}-[0-9a-f]{8}$/, { message: 'run_id is not a cleanup run id' })
  run_id: string;
}
