/** Active users per auth method; a person who used both counts in both. */
export class UsersByMethodDto {
  /** @example 120 */
  jwt: number;
  /** @example 45 */
  oauth2: number;
}
