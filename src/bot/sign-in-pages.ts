import fs from 'node:fs';
import { type ConfidentialClientApplication, CryptoProvider } from '@azure/msal-node';
import type restify from 'restify';
import { stringsForLocale } from '../cards/strings';
import type { SignInStates } from '../identity/sign-in-states';
import type { UserTokenService } from '../identity/user-tokens';
import { readTicket } from './sign-in-ticket';
import type { ActionSigner } from './signed-actions';

export interface SignInPagesDeps {
  msal: ConfidentialClientApplication;
  tokens: UserTokenService;
  states: SignInStates;
  signer: ActionSigner;
  /** The delegated scope the sign-in asks for (`<Defender resource>/.default`). */
  defenderScope: string;
  /** The bot's public base URL; `/auth/end` there is the app registration's redirect URI. */
  publicUrl(): string;
  log(line: string): void;
}

/** TeamsJS from the npm package, served by the bot itself (no CDN: the page's CSP allows only 'self'). */
const TEAMS_JS = fs.readFileSync(require.resolve('@microsoft/teams-js/dist/umd/MicrosoftTeams.min.js'));
/** Reports the sign-in's outcome to Teams; the outcome is in the page's JSON block, never in inline script. */
const END_SCRIPT = `(function () {
  var result = JSON.parse(document.getElementById('auth-result').textContent);
  microsoftTeams.app.initialize().then(function () {
    if (result.ok) microsoftTeams.authentication.notifySuccess(result.code);
    else microsoftTeams.authentication.notifyFailure(result.reason);
  });
})();
`;
const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'";
const MAX_QUERY_VALUE = 4096;

/**
 * The fallback sign-in, the Teams way (msteams-docs bots/how-to/authentication/auth-flow-bot.md):
 * Teams opens `/auth/start` (on the bot's own domain, listed in validDomains) in a window; it sends
 * the person to Entra's authorize endpoint with PKCE, a one-time `state`, their sign-in name and any
 * Conditional Access claims; Entra returns to `/auth/end`, which redeems the code with msal-node,
 * keeps the user's token, and hands Teams a one-time code through TeamsJS `notifySuccess`.
 */
export function registerSignInPages(server: restify.Server, deps: SignInPagesDeps): void {
  const redirectUri = () => `${deps.publicUrl()}/auth/end`;

  server.get('/auth/start', async (req, res) => {
    const ticket = readTicket(deps.signer, queryValue(req, 'ticket'));
    if (!ticket) return sendPage(res, 400, 'en-US', { ok: false, reason: 'invalid' });
    const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
    const [state, needs] = await Promise.all([deps.states.beginFlow(ticket.user, verifier, ticket.locale), deps.states.needs(ticket.user)]);
    const url = await deps.msal.getAuthCodeUrl({
      scopes: [deps.defenderScope],
      redirectUri: redirectUri(),
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
      state,
      ...(needs.loginHint ? { loginHint: needs.loginHint } : {}),
      ...(needs.claims ? { claims: needs.claims } : {}),
    });
    res.writeHead(302, { Location: url, 'Cache-Control': 'no-store' });
    res.end();
  });

  server.get('/auth/end', async (req, res) => {
    const flow = await deps.states.takeFlow(queryValue(req, 'state') ?? '');
    if (!flow) return sendPage(res, 400, 'en-US', { ok: false, reason: 'invalid' });
    const { locale } = flow;
    const error = queryValue(req, 'error');
    const code = queryValue(req, 'code');
    if (error || !code) {
      deps.log(`interactive sign-in ended without a code: ${error ?? 'no code'}`);
      return sendPage(res, 200, locale, { ok: false, reason: error ?? 'no_code' });
    }
    const outcome = await deps.tokens.redeemCode(flow.user, { code, codeVerifier: flow.codeVerifier, redirectUri: redirectUri() });
    if (!outcome.ok) {
      deps.log(`interactive sign-in could not redeem its code: ${outcome.reason}`);
      return sendPage(res, 200, locale, { ok: false, reason: outcome.reason });
    }
    await deps.states.forgetNeeds(flow.user);
    return sendPage(res, 200, locale, { ok: true, code: await deps.states.issueCode(flow.user) });
  });

  server.get('/auth/teams-js.js', (_req, res, next) => {
    res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=3600' });
    res.end(TEAMS_JS);
    next();
  });

  server.get('/auth/end.js', (_req, res, next) => {
    res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=3600' });
    res.end(END_SCRIPT);
    next();
  });
}

type PageResult = { ok: true; code: string } | { ok: false; reason: string };

function sendPage(res: restify.Response, status: number, locale: string, result: PageResult): void {
  const strings = stringsForLocale(locale).bot.signInPage;
  const text = result.ok ? strings.done : result.reason === 'invalid' ? strings.invalid : strings.failed;
  // `<` is escaped so the JSON cannot end its script element.
  const json = JSON.stringify(result).replace(/</g, '\\u003c');
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': PAGE_CSP, 'Cache-Control': 'no-store' });
  res.end(`<!doctype html><html lang="${locale.slice(0, 2)}"><head><meta charset="utf-8"><title>Defender ChatOps</title></head>
<body style="font-family: sans-serif; max-width: 36rem; margin: 3rem auto">
<p>${escapeHtml(text)}</p>
<script type="application/json" id="auth-result">${json}</script>
<script src="/auth/teams-js.js"></script>
<script src="/auth/end.js"></script>
</body></html>`);
}

function queryValue(req: restify.Request, name: string): string | undefined {
  const value = new URL(req.url ?? '/', 'http://bot.invalid').searchParams.get(name);
  return value !== null && value.length <= MAX_QUERY_VALUE ? value : undefined;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
