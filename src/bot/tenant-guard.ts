import { ActivityTypes, type Middleware, type TurnContext } from 'botbuilder';
import { stringsForLocale } from '../cards/strings';

/**
 * Activities from tenants not on the allow-list get a polite refusal and nothing else: no sign-in,
 * no Defender call, no stored state.
 */
export class TenantGuard implements Middleware {
  constructor(private readonly allowedTenants: ReadonlySet<string>, private readonly log: (line: string) => void) {}

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const { activity } = context;
    const tenantId: string | undefined = activity.conversation?.tenantId ?? activity.channelData?.tenant?.id;
    if (tenantId && this.allowedTenants.has(tenantId.toLowerCase())) {
      await next();
      return;
    }
    this.log(`refused a ${activity.type} activity from tenant ${tenantId ?? '(none)'}: not on the allow-list`);
    const text = stringsForLocale(activity.locale).bot.otherTenant;
    if (activity.type === ActivityTypes.Message) {
      await context.sendActivity(text);
    } else if (activity.type === ActivityTypes.Invoke) {
      const body = activity.name === 'adaptiveCard/action'
        ? { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: text }
        : undefined;
      await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: body ? 200 : 403, body } });
    }
  }
}
