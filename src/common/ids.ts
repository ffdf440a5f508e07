/**
 * The shapes of the ids the gateway hands out and accepts, each checked in one place: DTOs,
 * the token codec, the session store and the request-id middlewares import them from here.
 */

/** A token id (the JWT's `jti`): 16 to 64 base64url characters. */
export const TOKEN_ID = /^[A-Za-z0-9_-]{16,64}$/;

/** A session's public id: SHA-256 of the cookie's session id, base64url (43 characters). */
export const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/** A caller's X-Request-Id the gateway keeps: 1 to 128 of `A-Z a-z 0-9 . _ : -`. */
export const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A cleanup job's (and its run's) id: the start in epoch ms, a dash, 8 hex digits. */
export const CLEANUP_RUN_ID = /^\d{13}-[0-9a-f]{8}$/;
