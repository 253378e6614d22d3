/** Login hosts msal knows through instance discovery; any other authority (the local twin) must be declared known. */
const MICROSOFT_LOGIN_HOSTS = new Set([
  'login.microsoftonline.com', 'login.microsoftonline.us', 'login.chinacloudapi.cn', 'login.partner.microsoftonline.cn',
]);

export function isMicrosoftLoginHost(host: string): boolean {
  return MICROSOFT_LOGIN_HOSTS.has(host.toLowerCase());
}
