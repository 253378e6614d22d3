import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (installed by .ci/run); Playwright never downloads a browser here. */
const CHROMIUM = '/usr/bin/chromium';
/** Without the background-networking flags Chromium reaches out to Google services on start. */
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** A card in a Teams chat is at most about this wide (px). */
export const TEAMS_CARD_WIDTH = 450;

/** Teams' light-theme text colours, the same on default and emphasis containers. */
const TEAMS_FOREGROUND_COLORS = {
  default: { default: '#242424', subtle: '#616161' },
  dark: { default: '#252423', subtle: '#484644' },
  light: { default: '#FFFFFF', subtle: '#F5F5F5' },
  accent: { default: '#5B5FC7', subtle: '#7F85F5' },
  good: { default: '#0E700E', subtle: '#107C10' },
  warning: { default: '#835B00', subtle: '#8A6100' },
  attention: { default: '#C4314B', subtle: '#D13438' },
};

/** Teams' light theme, as close as a host config gets: Teams' spacing, type ramp, colours and 6 actions. */
const TEAMS_HOST_CONFIG = {
  supportsInteractivity: true,
  fontTypes: {
    default: {
      fontFamily: '"Segoe UI", "Liberation Sans", "DejaVu Sans", sans-serif',
      fontSizes: { small: 12, default: 14, medium: 14, large: 18, extraLarge: 24 },
      fontWeights: { lighter: 200, default: 400, bolder: 600 },
    },
    monospace: {
      fontFamily: 'Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace',
      fontSizes: { small: 12, default: 14, medium: 14, large: 18, extraLarge: 24 },
      fontWeights: { lighter: 200, default: 400, bolder: 600 },
    },
  },
  spacing: { small: 8, default: 12, medium: 16, large: 20, extraLarge: 24, padding: 16 },
  separator: { lineThickness: 1, lineColor: '#E0E0E0' },
  imageSizes: { small: 32, medium: 52, large: 100 },
  containerStyles: {
    default: { backgroundColor: '#FFFFFF', foregroundColors: TEAMS_FOREGROUND_COLORS },
    emphasis: { backgroundColor: '#F5F5F5', foregroundColors: TEAMS_FOREGROUND_COLORS },
    good: { backgroundColor: '#E7F2DA' },
    attention: { backgroundColor: '#FCF4F6' },
    warning: { backgroundColor: '#FBF6D9' },
    accent: { backgroundColor: '#E8EBFA' },
  },
  actions: {
    maxActions: 6, spacing: 'default', buttonSpacing: 8, actionsOrientation: 'horizontal', actionAlignment: 'left',
    showCard: { actionMode: 'inline', inlineTopMargin: 16 }, iconPlacement: 'leftOfTitle', iconSize: 16,
  },
  adaptiveCard: { allowCustomStyle: false },
  factSet: {
    title: { color: 'default', size: 'default', isSubtle: false, weight: 'bolder', wrap: true, maxWidth: 150 },
    value: { color: 'default', size: 'default', isSubtle: false, weight: 'default', wrap: true },
    spacing: 8,
  },
  inputs: {
    label: { inputSpacing: 'small', requiredInputs: { weight: 'bolder', suffix: ' *', suffixColor: 'attention' } },
    errorMessage: { size: 'small', color: 'attention' },
  },
};

/** Teams draws buttons as outlined pills (primary filled); the SDK's own stylesheet does the rest. */
const TEAMS_LOOK = `
  body { margin: 0; padding: 16px; background: #F5F5F5; width: fit-content; }
  #frame { width: ${TEAMS_CARD_WIDTH}px; border: 1px solid #E0E0E0; border-radius: 6px; overflow: hidden; background: #FFFFFF; }
  .ac-pushButton { font: 600 14px "Segoe UI", "Liberation Sans", sans-serif; min-height: 32px; padding: 4px 12px; border-radius: 4px;
    border: 1px solid #D1D1D1; background: #FFFFFF; color: #242424; cursor: pointer; }
  .ac-pushButton.style-positive { background: #5B5FC7; border-color: #5B5FC7; color: #FFFFFF; }
  .ac-pushButton.style-destructive { color: #C4314B; border-color: #C4314B; background: #FFFFFF; }
  .ac-input { font: 14px "Segoe UI", "Liberation Sans", sans-serif; }
  .ac-textInput, .ac-multichoiceInput { border: 1px solid #D1D1D1; border-radius: 4px; padding: 6px 8px; }
`;

/** What Chromium shows for one card, and everything that went wrong on the way. */
export interface RenderedCard {
  /** SDK parse and validation events, a missing render, console errors and uncaught page errors. */
  problems: string[];
  width: number;
  height: number;
  /** The text a person reads (the DOM's innerText). */
  text: string;
  buttons: { title: string; classes: string; visible: boolean }[];
}

/** What card-page.js defines in the page. */
interface PageGlobals {
  renderAdaptiveCard(card: unknown, hostConfig: unknown, lang: string): RenderedCard;
}

function moduleFile(specifier: string): string {
  return fs.readFileSync(require.resolve(specifier), 'utf8');
}

/**
 * One headless Chromium page with the official Adaptive Cards browser bundle, markdown-it and a
 * Teams-like host config, all injected from node_modules (the page makes no request).
 */
export class CardBrowser {
  private readonly pageProblems: string[] = [];

  private constructor(private readonly browser: Browser, private readonly page: Page) {
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') this.pageProblems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => this.pageProblems.push(`page error: ${error.message}`));
    page.on('request', (request) => this.pageProblems.push(`network request: ${request.url()}`));
  }

  static async launch(options: { deviceScaleFactor?: number } = {}): Promise<CardBrowser> {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: TEAMS_CARD_WIDTH + 64, height: 800 }, deviceScaleFactor: options.deviceScaleFactor ?? 1 });
      const cardBrowser = new CardBrowser(browser, page);
      await page.route('**/*', (route) => route.abort());
      await page.setContent(`<!doctype html><html lang="en"><head><meta charset="utf-8"><style>${moduleFile('adaptivecards/dist/adaptivecards.css')}${TEAMS_LOOK}</style></head>`
        + '<body><div id="frame"><div id="card"></div></div></body></html>');
      // The SDK renders TextBlock markdown (as Teams does) with markdown-it when the page has it.
      await page.addScriptTag({ content: moduleFile('markdown-it/browser') });
      await page.addScriptTag({ content: moduleFile('adaptivecards/dist/adaptivecards.min.js') });
      await page.addScriptTag({ content: fs.readFileSync(path.join(__dirname, 'card-page.js'), 'utf8') });
      return cardBrowser;
    } catch (error) {
      await browser.close();
      throw error;
    }
  }

  /** Renders the card (an Adaptive Card's JSON) in place of the previous one. */
  async render(card: unknown, lang = 'en-US'): Promise<RenderedCard> {
    this.pageProblems.length = 0;
    const rendered = await this.page.evaluate(
      ([payload, hostConfig, language]) => (globalThis as unknown as PageGlobals).renderAdaptiveCard(payload, hostConfig, language),
      [card, TEAMS_HOST_CONFIG, lang] as const,
    );
    return { ...rendered, problems: [...rendered.problems, ...this.pageProblems] };
  }

  /** Renders the card and writes a PNG of it, cropped to its frame. */
  async screenshot(card: unknown, file: string, lang = 'en-US'): Promise<RenderedCard> {
    const rendered = await this.render(card, lang);
    await this.page.locator('#frame').screenshot({ path: file, animations: 'disabled' });
    return rendered;
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}
