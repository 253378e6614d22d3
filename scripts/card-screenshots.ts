/**
 * Writes a PNG of every card to docs/cards/ (English, plus the device card in Swedish) as rendered
 * by the official Adaptive Cards SDK in headless Chromium with Teams' light theme: `npm run screenshots`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CARD_NAMES, type CardName } from '../src/cards/render';
import { CardBrowser } from '../test/support/card-browser';
import { everyCard } from '../test/support/card-samples';

const OUTPUT_DIRECTORY = path.resolve(__dirname, '..', 'docs', 'cards');

interface Shot { name: CardName; locale: string; file: string }

const SHOTS: Shot[] = [
  ...CARD_NAMES.map((name) => ({ name, locale: 'en-US', file: `${name}.png` })),
  { name: 'device', locale: 'sv-SE', file: 'device.sv-SE.png' },
  { name: 'incident', locale: 'sv-SE', file: 'incident.sv-SE.png' },
  { name: 'approval', locale: 'sv-SE', file: 'approval.sv-SE.png' },
  { name: 'release-reminder', locale: 'sv-SE', file: 'release-reminder.sv-SE.png' },
  { name: 'digest', locale: 'sv-SE', file: 'digest.sv-SE.png' },
];

async function main(): Promise<void> {
  fs.mkdirSync(OUTPUT_DIRECTORY, { recursive: true });
  const browser = await CardBrowser.launch({ deviceScaleFactor: 2 });
  try {
    for (const { name, locale, file } of SHOTS) {
      const rendered = await browser.screenshot(everyCard(locale)[name].card.content, path.join(OUTPUT_DIRECTORY, file), locale);
      if (rendered.problems.length > 0) throw new Error(`${name} (${locale}) did not render cleanly: ${rendered.problems.join('; ')}`);
      console.log(`wrote ${path.relative(process.cwd(), path.join(OUTPUT_DIRECTORY, file))}`);
    }
  } finally {
    await browser.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
