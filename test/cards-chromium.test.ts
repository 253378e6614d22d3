import { CARD_NAMES } from '../src/cards/render';
import { CardBrowser, TEAMS_CARD_WIDTH } from './support/card-browser';
import { elements, type Json } from './support/card-json';
import { everyCard, LOCALES } from './support/card-samples';

/** Every card, rendered by the official Adaptive Cards SDK in headless Chromium with Teams' light theme. */
let browser: CardBrowser;

beforeAll(async () => {
  browser = await CardBrowser.launch();
}, 20_000);

afterAll(async () => {
  await browser?.close();
});

const collapse = (text: string): string => text.replace(/\s+/g, ' ').trim();

/** Text a person sees without interacting: text, input labels and choices (placeholders and error messages stay hidden). */
function expectedTexts(card: Json): string[] {
  const texts = elements(card, 'TextBlock', 'TextRun').map((element) => element.text);
  const inputs = elements(card, 'Input.Text', 'Input.ChoiceSet').flatMap((input) => [
    input.label, ...((input.choices as Json[] | undefined) ?? []).map((choice) => choice.title),
  ]);
  return [...texts, ...inputs].filter((text): text is string => typeof text === 'string').map(collapse);
}

/** The card's buttons (its refresh action is not one). */
function expectedButtons(card: Json): { title: unknown; style: unknown }[] {
  return elements([card.body, card.actions], 'Action.Execute', 'Action.OpenUrl').map(({ title, style }) => ({ title, style: style ?? 'default' }));
}

describe.each(LOCALES)('every card in Chromium, %s', (locale) => {
  const cards = everyCard(locale);

  it.each(CARD_NAMES)('%s renders without a problem, shows all its text and its buttons as buttons', async (name) => {
    const card = cards[name].card.content as Json;
    const rendered = await browser.render(card, locale);

    expect(rendered.problems).toEqual([]);
    expect(rendered.width).toBeGreaterThan(TEAMS_CARD_WIDTH - 10);
    expect(rendered.width).toBeLessThanOrEqual(TEAMS_CARD_WIDTH);
    expect(rendered.height).toBeGreaterThan(50);

    const shown = collapse(rendered.text);
    const texts = expectedTexts(card);
    expect(texts.length).toBeGreaterThan(0);
    for (const text of texts) expect(shown).toContain(text);

    const buttons = expectedButtons(card);
    expect(rendered.buttons).toHaveLength(buttons.length);
    buttons.forEach(({ title, style }, index) => {
      expect(rendered.buttons[index]).toMatchObject({ title, visible: true });
      expect(rendered.buttons[index].classes.split(' ')).toContain(`style-${String(style)}`);
    });
  });
});

describe('the Chromium harness', () => {
  it('reports what the SDK objects to instead of rendering it silently', async () => {
    const broken = {
      type: 'AdaptiveCard', version: '1.5',
      body: [{ type: 'Bogus.Element', text: 'x' }, { type: 'Input.ChoiceSet', id: 'same', choices: [] }, { type: 'Input.Text', id: 'same' }],
    };
    const rendered = await browser.render(broken);
    expect(rendered.problems.length).toBeGreaterThanOrEqual(2);
    expect(rendered.problems.join('\n')).toMatch(/Bogus\.Element/);
    expect(rendered.problems.join('\n')).toMatch(/Duplicate Id "same"/);
  });
});
