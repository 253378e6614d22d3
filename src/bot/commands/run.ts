import type { Attachment } from 'botbuilder';
import type { Acting } from '../acting';
import type { Screens } from '../screens';
import type { Command } from './parse';

type DefenderCommand = Exclude<Command, { name: 'help' } | { name: 'signout' }>;

/** Runs a command that reads or acts in Defender as the acting user, and returns the card to post. */
export async function runDefenderCommand(command: DefenderCommand, acting: Acting, screens: Screens): Promise<Attachment> {
  switch (command.name) {
    case 'alerts':
      return screens.alertList(acting, command);
    case 'alert':
      return screens.alert(acting, command.alertId);
    case 'device': {
      const lookup = await screens.findDevice(acting, command.query);
      return lookup.found ? screens.device(acting, lookup.machine) : lookup.card;
    }
    case 'actions': {
      const lookup = await screens.findDevice(acting, command.query);
      return lookup.found ? screens.actions(acting, lookup.machine) : lookup.card;
    }
    case 'isolate':
    case 'release': {
      const lookup = await screens.findDevice(acting, command.query);
      if (!lookup.found) return lookup.card;
      const isolationType = command.name === 'isolate' ? command.isolationType : 'Full';
      return screens.confirm(acting, command.name, lookup.machine, { card: 'device' }, { comment: command.comment, isolationType });
    }
  }
}
