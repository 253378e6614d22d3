export { TeamsTwin, type TeamsTwinOptions } from './teams-twin';
export { TEAMS_CHANNEL_ID } from './channel-auth';
export type { BotResponse, InvokeTiming, PostOptions } from './clients';
export type { RefreshInvoke } from './refresh';
export type { ConnectorCall, TeamsCloud } from './connector';
export type {
  Conversation, ConversationType, Team, TeamsChannelAccount, TranscriptEntry, WireActivity, WireAttachment,
} from './conversations';
export type {
  ClickResult, InvokeResponseBody, OAuthCardSso, PersonalInstallPrompt, SayResult, SsoExchange, TeamsClientKind,
} from './driver';
export { teamsUserId, botAccountId } from './ids';
export type { AppPackage, SignInWindow } from './sign-in-popup';
