/** Why a browser login did not end in a session; shown as a page (or JSON) by LoginPageFilter. */
export class LoginError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    message: string,
    readonly bannedUntil?: Date,
    /** Set when the person is banned: who, so the browser can be told about the ban instead (the login controller leaves a ban notice on the session). */
    readonly bannedEmail?: string,
  ) {
    super(message);
    this.name = 'LoginError';
  }
}

export const loginDisabled = (): LoginError =>
  new LoginError(
    503,
    'login_disabled',
    'Browser login is off',
    'Browser login is not configured on this gateway (AUTH0_DOMAIN, AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET are not set). API tokens keep working.',
  );
