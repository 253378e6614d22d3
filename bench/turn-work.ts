import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Buttons } from '../src/bot/buttons';
import { ActionSigner } from '../src/bot/signed-actions';
import { buttonTitles, createViews } from '../src/cards/views';
import { isolationStateFrom } from '../src/defender/isolation';
import { ALERT, MACHINE, MACHINE_ACTION } from '../src/defender/schemas';
import type { Twin } from '../src/twin';

export interface TurnWorkSettings {
  /** Timed batches per piece of work; the figure is the fastest batch's (the least disturbed by the machine). */
  batches: number;
  repetitionsPerBatch: number;
}

export interface TurnWorkFigure {
  work: string;
  msEach: number;
}

/** Alerts on the `alerts` card (the command's default page) and actions on the device card (the history it reads). */
const LIST_ALERTS = 10;
const DEVICE_ACTIONS = 50;
const LOCALE = 'en-US';

/**
 * Two pieces of the product's own work in a turn, timed alone in this process on the twin's data:
 * rendering the cards the measured turns send and parsing the Defender answers they read. Alone they
 * show what a change gains, where a turn's CPU on a shared machine varies more than that.
 */
export function measureTurnWork(twin: Twin, settings: TurnWorkSettings): TurnWorkFigure[] {
  const { alerts, machines, actions } = twin.defender.data;
  const listed = alerts.slice(0, LIST_ALERTS);
  const machine = machines[0];
  if (listed.length === 0 || !machine || actions.length === 0) throw new Error('the twin has no alerts, devices or machine actions to measure on');
  const history = Array.from({ length: DEVICE_ACTIONS }, (_, index) => actions[index % actions.length]);
  const alertsAnswer = JSON.stringify(listed);
  const actionsAnswer = JSON.stringify(history);
  const machineAnswer = JSON.stringify(machine);

  const views = createViews();
  const buttons = new Buttons(new ActionSigner(crypto.randomBytes(32).toString('base64url')), '19:bench@thread.tacv2', buttonTitles(LOCALE), LOCALE);
  const isolation = isolationStateFrom(history);
  const work: Record<string, () => unknown> = {
    [`\`alerts\` card (${listed.length} alerts, signed buttons)`]: () =>
      views.alertList(LOCALE, listed, { severities: [], statuses: [], mine: false }, (alert) => buttons.openAlert(alert.id)),
    'device card': () => views.device(
      LOCALE, machine, isolation, history.slice(0, 5), listed.slice(0, 3), buttons.responses(machine.id, isolation, { card: 'device' }, history, machine),
      buttons.deviceRefresh(machine.id, ['29:bench']),
    ),
    'action status card': () => views.actionStatus(LOCALE, history[0], [], buttons.actionRefresh(history[0].id, history[0].machineId, ['29:bench'])),
    [`Defender answer: ${listed.length} alerts`]: () => (JSON.parse(alertsAnswer) as unknown[]).map((alert) => ALERT.parse(alert)),
    'Defender answer: a device': () => MACHINE.parse(JSON.parse(machineAnswer)),
    [`Defender answer: ${DEVICE_ACTIONS} machine actions`]: () => (JSON.parse(actionsAnswer) as unknown[]).map((action) => MACHINE_ACTION.parse(action)),
  };
  return Object.entries(work).map(([name, run]) => ({ work: name, msEach: fastestBatchMs(run, settings) }));
}

function fastestBatchMs(run: () => unknown, { batches, repetitionsPerBatch }: TurnWorkSettings): number {
  for (let warmup = 0; warmup < repetitionsPerBatch; warmup++) run();
  let fastest = Infinity;
  for (let batch = 0; batch < batches; batch++) {
    const started = performance.now();
    for (let repetition = 0; repetition < repetitionsPerBatch; repetition++) run();
    fastest = Math.min(fastest, (performance.now() - started) / repetitionsPerBatch);
  }
  return fastest;
}
