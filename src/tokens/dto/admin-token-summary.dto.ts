export class AdminTokenSummaryDto {
  /** @example 1200 */
  total: number;
  /** @example 1100 */
  active: number;
  /** @example 80 */
  expired: number;
  /** @example 20 */
  revoked: number;
}
