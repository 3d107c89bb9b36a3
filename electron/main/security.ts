import type { App, Session, WebContents } from 'electron';

/** Only http(s) links leave the app, and only through the system browser. */
export function isSafeExternalUrl(raw: string): boolean {
  try {
    const u = new URL(raw);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/**
 * Every navigation, new-window and permission guard in one place. The window may only show
 * our own bundled pages; everything else is refused or handed to the OS browser.
 */
export function applySecurityGuards(
  app: App,
  isOwnPage: (url: string) => boolean,
  openExternal: (url: string) => void,
): void {
  app.on('web-contents-created', (_e, contents: WebContents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isOwnPage(url)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isOwnPage(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (isSafeExternalUrl(url)) openExternal(url);
      return { action: 'deny' };
    });
  });
}

/** No page gets camera, microphone, geolocation, notifications or anything else. */
export function denyAllPermissions(session: Session): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}
