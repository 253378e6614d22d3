/** The cards the bot shows, as the cards layer renders them (in the user's language). */
export type {
  CardAction, CardRefresh, CardViews as Views, MessageInput as MessageView,
} from '../cards/views';
