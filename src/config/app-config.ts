/**
 * The gateway's whole configuration: one typed object, read from the environment once at boot.
 * Every variable here is listed in .env.example with its default.
 */
export type { AppConfig, AuthFailMode } from './config-schema.js';

export const APP_CONFIG = Symbol('APP_CONFIG');
