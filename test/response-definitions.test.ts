/**
 * The response definitions the bot is built from: their words and verbs are unique, every one has
 * its texts in both languages, and each endpoint is the one the Defender twin serves, with the
 * delegated permission the twin checks, so the bot and the twin cannot drift apart.
 */
import { USAGE } from '../src/bot/commands/parse';
import { RESPONSE_DEFINITIONS, responseStep, verbOf } from '../src/bot/responses/registry';
import { enUS } from '../src/cards/strings/en-US';
import { svSE } from '../src/cards/strings/sv-SE';
import { requiredAccess } from '../src/defender/errors';
import { RESPONSE_ACTIONS } from '../src/twin/defender/response-actions';

describe.each(RESPONSE_DEFINITIONS.map((definition) => [definition.name, definition] as const))('response %s', (_name, definition) => {
  it('is reached by its verbs and typed by its first word, with help text in both languages', () => {
    expect(responseStep(verbOf(definition, 'ask'))).toEqual({ definition, step: 'ask' });
    expect(responseStep(verbOf(definition, 'confirm'))).toEqual({ definition, step: 'confirm' });
    expect(USAGE[definition.words[0]]).toBe(definition.usage);
    for (const strings of [enUS, svSE]) {
      expect(Object.keys(strings.help.commands)).toContain(definition.words[0]);
      const texts = definition.texts(strings);
      expect([texts.button, texts.confirm, texts.title, texts.text].every((text) => text.length > 0)).toBe(true);
      expect(texts.title).toContain('{device}');
      if (definition.choice) {
        expect(Object.keys(texts.choice!.options).sort()).toEqual([...definition.choice.values].sort());
        expect(texts.invalidChoice).toBeTruthy();
      }
      if (definition.argument) {
        expect(texts.text).toContain(`{${definition.argument.id}}`);
        expect(texts.invalidArgument).toBeTruthy();
      }
      if (definition.result) {
        expect(responseStep(verbOf(definition, 'result'))).toEqual({ definition, step: 'result' });
        const result = definition.result.texts(strings);
        expect(result.title).toContain('{device}');
        expect(result.throttled).toContain('{seconds}');
      }
    }
  });

  it("names the twin's endpoint, action type and delegated permission", () => {
    const twin = RESPONSE_ACTIONS.find((action) => action.segment === definition.endpoint.segment)!;
    expect(twin).toBeDefined();
    expect(twin.type).toBe(definition.endpoint.actionType);
    expect(requiredAccess(definition.endpoint.operation).delegatedPermissions).toEqual(twin.permission.delegated);
    expect(definition.family).toContain(definition.endpoint.actionType);
  });
});

it('no two responses share a word or a name', () => {
  const words = RESPONSE_DEFINITIONS.flatMap((definition) => definition.words);
  expect(new Set(words).size).toBe(words.length);
  expect(new Set(RESPONSE_DEFINITIONS.map((definition) => definition.name)).size).toBe(RESPONSE_DEFINITIONS.length);
});
