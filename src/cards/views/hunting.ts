import zlib from 'node:zlib';
import type { HuntingResult } from '../../graph/model';
import { fill } from '../strings';
import { oneLine, type ViewContext } from '../format';
import { cardFrame, type CardFrame } from './common';

/** Rows and columns a result card shows: small enough for Teams, enough to see what came back. */
export const HUNT_ROWS_SHOWN = 10;
const HUNT_COLUMNS_SHOWN = 6;
const CELL_LENGTH = 60;

export interface HuntCardData extends CardFrame {
  query: string;
  rowCount: string;
  header: { text: string }[];
  rows: { cells: { text: string }[] }[];
  hasRows: boolean;
  portalUrl: string;
}

/** A compact table of the first rows, the row count, the query as run and a link to run it in the portal. */
export function huntView(input: { query: string; result: HuntingResult }, context: ViewContext): HuntCardData {
  const strings = context.strings.hunting;
  const columns = input.result.schema.slice(0, HUNT_COLUMNS_SHOWN).map((column) => column.Name);
  const shown = input.result.results.slice(0, HUNT_ROWS_SHOWN);
  const total = input.result.results.length;
  return {
    ...cardFrame([], undefined, context),
    query: oneLine(input.query, 1000),
    rowCount: total > shown.length ? fill(strings.someRows, { shown: shown.length, total }) : fill(strings.allRows, { total }),
    header: columns.map((name) => ({ text: oneLine(name, CELL_LENGTH) })),
    rows: shown.map((row) => ({ cells: columns.map((name) => ({ text: cellText(row[name]) })) })),
    hasRows: shown.length > 0,
    portalUrl: huntingPortalUrl(input.query),
  };
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return oneLine(typeof value === 'object' ? JSON.stringify(value) : String(value), CELL_LENGTH);
}

/**
 * The portal's advanced hunting page with the query filled in: `query` is the gzip-compressed query
 * in base64, as the portal's "Share link" writes it (observed; not documented by Microsoft).
 */
export function huntingPortalUrl(query: string): string {
  const packed = zlib.gzipSync(Buffer.from(query, 'utf8')).toString('base64');
  return `https://security.microsoft.com/v2/advanced-hunting?query=${encodeURIComponent(packed)}&timeRangeId=month`;
}
