import { ActiveUserDto } from './active-user.dto.js';
import { UsersByMethodDto } from './users-by-method.dto.js';

/** The totals are for the whole gateway, not narrowed by `q`. */
export class ActiveUserListDto {
  /** Most recent access first. */
  items: ActiveUserDto[];
  /** Pass as `cursor` for the next page; null at the end. */
  next_cursor: string | null;
  /** Active users (seen within ACTIVE_USER_TTL_SECONDS). @example 150 */
  users: number;
  /** Current bans (also of people not active now). @example 2 */
  banned: number;
  /** Live browser sessions. @example 60 */
  active_sessions: number;
  users_by_method: UsersByMethodDto;
}
