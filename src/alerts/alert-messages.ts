/**
 * What each alert says, as Slack incoming-webhook JSON ({text, blocks}). Pure functions: the
 * notifier only queues and delivers. Every value that came from a person (a ban reason, an email)
 * is escaped, so it cannot mention @channel or forge a link.
 */
import { describeDuration } from '../common/domain-errors.js';

export interface SlackMessage {
  /** Plain fallback text (notifications, clients without blocks). */
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

export type SlackBlock =
  | { readonly type: 'section'; readonly text: { readonly type: 'mrkdwn'; readonly text: string } }
  | { readonly type: 'context'; readonly elements: ReadonlyArray<{ readonly type: 'mrkdwn'; readonly text: string }> };

/** A finished (or stopped) cleanup run, as the alert needs it. */
export interface CleanupRunAlert {
  readonly runId: string;
  readonly trigger: 'manual' | 'scheduled';
  readonly actor: string;
  readonly found: number;
  readonly deleted: number;
  readonly freedBytes: number;
  readonly error: string | null;
}

export interface BanAlert {
  readonly email: string;
  readonly bannedBy: string;
  readonly reason: string;
  readonly until: number;
  readonly sessionsEnded: number;
  readonly tokensBlocked: number;
}

export interface UnbanAlert {
  readonly email: string;
  readonly unbannedBy: string;
  readonly reason: string;
}

/** Where the alert comes from and when, shown under every message. */
export interface AlertOrigin {
  readonly gateway: string;
  readonly nowMs: number;
}

/** Slack's mrkdwn control characters; https://api.slack.com/reference/surfaces/formatting#escaping */
export function escapeSlack(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A person's text, escaped, on one line and bounded. */
function quote(value: string, max = 500): string {
  const oneLine = value.replace(/[\r\n\t]+/g, ' ').trim();
  return escapeSlack(oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine);
}

function message(text: string, origin: AlertOrigin): SlackMessage {
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `LLM gateway ${quote(origin.gateway, 200)} · ${new Date(origin.nowMs).toISOString()}` }],
      },
    ],
  };
}

function runName(run: Pick<CleanupRunAlert, 'trigger' | 'actor'> & { runId: string | null }): string {
  const id = run.runId === null ? '' : ` \`${quote(run.runId, 40)}\``;
  return `${run.trigger} run${id} by ${quote(run.actor, 200)}`;
}

/** A cleanup run that stopped early. */
export function cleanupFailed(run: CleanupRunAlert, origin: AlertOrigin): SlackMessage {
  return message(
    `:x: *Redis cleanup failed* (${runName(run)}): ${quote(run.error ?? 'unknown error')}. ` +
      `It removed ${run.deleted} of ${run.found} stale entries before it stopped; its log says which.`,
    origin,
  );
}

/** A scheduled cleanup that could not start (no run log exists). */
export function scheduledCleanupNotRun(error: string, origin: AlertOrigin): SlackMessage {
  return message(`:x: *Scheduled Redis cleanup failed to run*: ${quote(error)}.`, origin);
}

/** A cleanup that removed more entries than CLEANUP_ALERT_THRESHOLD. */
export function cleanupRemovedMany(run: CleanupRunAlert, threshold: number, origin: AlertOrigin): SlackMessage {
  return message(
    `:broom: *Redis cleanup removed ${run.deleted} stale entries* (more than CLEANUP_ALERT_THRESHOLD, ${threshold}) ` +
      `in the ${runName(run)}, freeing ${run.freedBytes} bytes.`,
    origin,
  );
}

export function userBanned(ban: BanAlert, origin: AlertOrigin): SlackMessage {
  const reason = ban.reason.trim() === '' ? 'none given' : quote(ban.reason);
  return message(
    `:no_entry: *${quote(ban.email, 320)} was banned* by ${quote(ban.bannedBy, 320)} until ${new Date(ban.until).toISOString()} ` +
      `(${describeDuration(ban.until - origin.nowMs)}). Reason: ${reason}. ` +
      `Sessions ended: ${ban.sessionsEnded}; tokens blocked: ${ban.tokensBlocked}.`,
    origin,
  );
}

export function userUnbanned(unban: UnbanAlert, origin: AlertOrigin): SlackMessage {
  const reason = unban.reason.trim() === '' ? 'none given' : quote(unban.reason);
  return message(
    `:white_check_mark: *${quote(unban.email, 320)} was unbanned* by ${quote(unban.unbannedBy || 'unknown', 320)}. Reason: ${reason}.`,
    origin,
  );
}

export function redisDataLost(details: string, origin: AlertOrigin): SlackMessage {
  return message(
    `:rotating_light: *Redis lost its data*: ${quote(details, 1000)}. Bans, token allowlist records and sessions kept there ` +
      'are gone; the gateway refuses sign-in, token minting and /v1 calls until an operator confirms the reset (see docs/OPERATIONS.md).',
    origin,
  );
}
