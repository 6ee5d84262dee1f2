import { type IssueList, checkBoolean, checkKnownKeys, checkObject } from './validate';

/**
 * What the node tells the person about, unasked (docs/notifications.md says when each fires): the first reward ever
 * confirmed, a job this machine ran for a peer that failed, sharing paused (by a rule or by the user), a problem with
 * this node's certificate, and a failure of the node itself.
 */
export const NOTICE_KINDS = [
  'first-earnings',
  'job-failed',
  'sharing-paused',
  'certificate-problem',
  'node-failure',
] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** One notice, as the node pushes it (event `notice`) and the desktop app shows it. */
export interface Notice {
  readonly kind: NoticeKind;
  readonly title: string;
  readonly body: string;
  /** ISO time the node decided to notify. */
  readonly at: string;
}

/** Which kinds the person wants to hear about; the node emits none of the kinds turned off. */
export type NotificationSettings = Readonly<Record<NoticeKind, boolean>>;

export const DEFAULT_NOTIFICATIONS: NotificationSettings = Object.freeze(
  Object.fromEntries(NOTICE_KINDS.map((kind) => [kind, true])) as Record<NoticeKind, boolean>,
);

/** Settings page labels, one per kind. */
export const NOTICE_LABELS: Readonly<Record<NoticeKind, string>> = {
  'first-earnings': 'First earnings',
  'job-failed': 'A job that ran on this computer failed',
  'sharing-paused': 'Sharing paused (by a rule or by you)',
  'certificate-problem': 'A problem with this node’s certificate',
  'node-failure': 'The node failed or stopped answering',
};

/** Checks the `notifications` section of settings (or of a patch, where any key may be absent). */
export function checkNotifications(issues: IssueList, value: unknown, partial: boolean): void {
  const section = checkObject(issues, 'notifications', value);
  if (!section) return;
  checkKnownKeys(issues, 'notifications', section, NOTICE_KINDS);
  for (const kind of NOTICE_KINDS) {
    const path = `notifications.${kind}`;
    if (kind in section) checkBoolean(issues, path, section[kind]);
    else if (!partial) issues.add(path, `${path} is missing`);
  }
}

export function makeNotice(kind: NoticeKind, title: string, body: string, at: Date): Notice {
  return { kind, title, body, at: at.toISOString() };
}
