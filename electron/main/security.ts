import type { App, Session, WebContents } from 'electron';
import { isOwnPage } from './app-protocol';

/** What the UI uses (copy buttons write to the clipboard); every other permission is refused. */
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

/** A permission is granted only to the app's own page, and only if the UI needs it. */
export function isPermissionAllowed(permission: string, requestingUrl: string): boolean {
  return ALLOWED_PERMISSIONS.has(permission) && isOwnPage(requestingUrl);
}

export function applyPermissionPolicy(session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'>): void {
  session.setPermissionRequestHandler((_wc, permission, callback, details) => callback(isPermissionAllowed(permission, details.requestingUrl)));
  session.setPermissionCheckHandler((_wc, permission, requestingOrigin) => isPermissionAllowed(permission, requestingOrigin));
}

/**
 * Every navigation and new-window guard in one place. The window may only show the app's own
 * pages; links go to `openLink` (the link policy), webviews and other windows are refused.
 */
export function applyNavigationGuards(app: Pick<App, 'on'>, openLink: (url: string) => void): void {
  app.on('web-contents-created', (_e, contents: WebContents) => {
    const guard = (event: { preventDefault(): void }, url: string) => {
      if (isOwnPage(url)) return;
      event.preventDefault();
      openLink(url);
    };
    contents.on('will-navigate', guard);
    contents.on('will-redirect', (event, url) => {
      if (!isOwnPage(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      openLink(url);
      return { action: 'deny' };
    });
  });
}
