import fs from 'node:fs';
import vm from 'node:vm';
import { SESSION_COOKIE } from '../entra-authorize';

/** What Teams knows of the app package that matters for sign-in. */
export interface AppPackage {
  /** The manifest's `validDomains`: host names, optionally with a leading `*.` wildcard. */
  validDomains: string[];
}

/** One sign-in window Teams opened for a user, and how it ended. */
export interface SignInWindow {
  userOid: string;
  startUrl: string;
  /** Every URL the window loaded, in order (start page, Entra, the bot's callback page). */
  visited: string[];
  /** Teams refused to open the start URL, or the callback page broke the Teams auth contract. */
  refused?: string;
  /** What the callback page reported through TeamsJS. */
  result?: { kind: 'success'; value: string } | { kind: 'failure'; reason: string };
}

const MAX_REDIRECTS = 10;
const PAGE_RESULT_TIMEOUT_MS = 5000;
const TEAMS_JS = fs.readFileSync(require.resolve('@microsoft/teams-js/dist/umd/MicrosoftTeams.min.js'), 'utf8');

/**
 * The sign-in window of the Teams auth flow (msteams-docs bots/how-to/authentication/auth-flow-bot.md):
 * Teams opens the button's URL only if its host is in the app's `validDomains`, the person signs in
 * at Entra (their browser session is the twin's cookie), and the flow ends on a page of the same
 * domain that loads TeamsJS and calls `authentication.notifySuccess` (or `notifyFailure`).
 *
 * The page is not rendered in a browser: the twin checks its contract and runs its scripts in a
 * sandbox where Teams' side of TeamsJS records the call. The page must load the genuine TeamsJS
 * (the `@microsoft/teams-js` package) from its own origin, with no inline script.
 */
export async function openSignInWindow(
  userOid: string, startUrl: string, appPackage: AppPackage | undefined, entraBaseUrl: string,
): Promise<SignInWindow> {
  const window: SignInWindow = { userOid, startUrl, visited: [] };
  let start: URL;
  try {
    start = new URL(startUrl);
  } catch {
    return { ...window, refused: 'the sign-in URL is not a URL' };
  }
  if (!appPackage || !isValidDomain(start.hostname, appPackage.validDomains)) {
    return { ...window, refused: `${start.hostname} is not in the app package's validDomains` };
  }
  const entra = new URL(entraBaseUrl);
  let current = start;
  let page: Response | undefined;
  for (let hop = 0; hop <= MAX_REDIRECTS && !page; hop += 1) {
    window.visited.push(current.toString());
    const toEntra = current.origin === entra.origin;
    const response = await fetch(current, {
      redirect: 'manual',
      headers: toEntra ? { Cookie: `${SESSION_COOKIE}=${encodeURIComponent(userOid)}` } : {},
    });
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      current = new URL(location, current);
      continue;
    }
    page = response;
  }
  if (!page) return { ...window, refused: 'too many redirects' };
  if (current.origin !== start.origin) return { ...window, refused: `the flow ended on ${current.origin}, not on the start page's domain` };
  const html = await page.text();
  const result = await runCallbackPage(current, html, page.headers.get('content-security-policy') ?? '');
  return typeof result === 'string' ? { ...window, refused: result } : { ...window, result };
}

function isValidDomain(host: string, validDomains: string[]): boolean {
  return validDomains.some((domain) => {
    const wanted = domain.toLowerCase();
    return wanted.startsWith('*.') ? host.endsWith(wanted.slice(1)) : host === wanted;
  });
}

/** Runs the callback page's own scripts with Teams' side of TeamsJS; a string is what broke the contract. */
async function runCallbackPage(
  pageUrl: URL, html: string, csp: string,
): Promise<NonNullable<SignInWindow['result']> | string> {
  if (/<script(?![^>]*\bsrc=)[^>]*>\s*[^\s<]/i.test(html.replace(/<script[^>]*type="application\/json"[^>]*>[\s\S]*?<\/script>/gi, ''))) {
    return 'the callback page runs inline script';
  }
  if (!/script-src[^;]*'self'/.test(csp)) return 'the callback page\'s Content-Security-Policy does not allow its own scripts';
  const sources = [...html.matchAll(/<script[^>]*\bsrc="([^"]+)"[^>]*><\/script>/gi)].map((match) => new URL(match[1], pageUrl));
  if (sources.some((source) => source.origin !== pageUrl.origin)) return 'the callback page loads script from another origin';
  const scripts = await Promise.all(sources.map(async (source) => (await fetch(source)).text()));
  const teamsJsIndex = scripts.findIndex((script) => script === TEAMS_JS);
  if (teamsJsIndex < 0) return 'the callback page does not load TeamsJS (@microsoft/teams-js)';

  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('the callback page never called notifySuccess or notifyFailure'), PAGE_RESULT_TIMEOUT_MS);
    const finish = (result: NonNullable<SignInWindow['result']>) => {
      clearTimeout(timer);
      resolve(result);
    };
    const sandbox = {
      microsoftTeams: {
        app: { initialize: () => Promise.resolve() },
        authentication: {
          notifySuccess: (value?: string) => finish({ kind: 'success', value: String(value ?? '') }),
          notifyFailure: (reason?: string) => finish({ kind: 'failure', reason: String(reason ?? '') }),
        },
      },
      document: { getElementById: (id: string) => elementById(html, id) },
    };
    const context = vm.createContext(sandbox);
    scripts.forEach((script, index) => {
      if (index > teamsJsIndex) vm.runInContext(script, context, { timeout: 1000 });
    });
  });
}

function elementById(html: string, id: string): { textContent: string } | null {
  const match = new RegExp(`<(\\w+)[^>]*\\bid="${id}"[^>]*>([\\s\\S]*?)</\\1>`).exec(html);
  return match ? { textContent: match[2] } : null;
}
