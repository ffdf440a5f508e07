export class AdminRemovedDto {
  /** @example "carol@example.com" */
  email: string;
  removed: true;
}
