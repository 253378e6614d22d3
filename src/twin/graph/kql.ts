import type { ColumnType, HuntingRow, HuntingTable, HuntingValue } from './hunting-tables';

/**
 * The KQL subset the twin's advanced hunting runs (learn.microsoft.com/kusto/query): a table, then
 * `| where` (==, !=, =~, !~, <, <=, >, >=, has, !has, contains, !contains, startswith, in, !in,
 * and/or/not, parentheses, ago(), now(), datetime()), `| project`, `| summarize count() [by …]`,
 * `| take`/`| limit`, `| order by`/`| sort by … [asc|desc]` and `| top N by …`. Anything else is a
 * syntax error, as Graph reports one (400 BadRequest). Hand-written: the maintained Kusto parser on
 * npm (@kusto/language-service-next) parses but does not evaluate, and is a large transpiled bundle.
 */
export class KqlError extends Error {}

export interface KqlResult {
  schema: { Name: string; Type: ColumnType }[];
  results: HuntingRow[];
}

type Token = { kind: 'ident' | 'string' | 'number' | 'timespan' | 'op'; text: string; value?: number; pos: number };
type Expr =
  | { kind: 'column'; name: string; pos: number }
  | { kind: 'literal'; value: HuntingValue }
  | { kind: 'list'; items: Expr[] }
  | { kind: 'binary'; op: string; left: Expr; right: Expr }
  | { kind: 'not'; operand: Expr };

const TIMESPAN_UNITS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
const COMPARISONS = ['==', '!=', '=~', '!~', '<=', '>=', '<', '>', 'has', '!has', 'contains', '!contains', 'startswith', 'in', '!in'];
const MAX_QUERY_LENGTH = 10_000;

export function runKql(query: string, tables: Record<string, HuntingTable>, nowMs: number): KqlResult {
  if (query.length > MAX_QUERY_LENGTH) throw new KqlError(`The query is longer than ${MAX_QUERY_LENGTH} characters.`);
  return new Evaluator(tokenize(query), tables, nowMs).run();
}

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s+|\/\/[^\n]*|(?<timespan>\d+(?:\.\d+)?(?:ms|d|h|m|s)\b)|(?<number>\d+(?:\.\d+)?)|(?<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?<op>==|!=|=~|!~|<=|>=|!has\b|!contains\b|!in\b|[|(),<>=])|(?<ident>[A-Za-z_][A-Za-z0-9_]*)/y;
  let pos = 0;
  while (pos < query.length) {
    pattern.lastIndex = pos;
    const match = pattern.exec(query);
    if (!match) throw syntaxError(query.slice(pos, pos + 10), pos);
    const groups = match.groups ?? {};
    if (groups.timespan) {
      const [, amount, unit] = /^(\d+(?:\.\d+)?)(ms|d|h|m|s)$/.exec(groups.timespan)!;
      tokens.push({ kind: 'timespan', text: groups.timespan, value: Number(amount) * TIMESPAN_UNITS[unit], pos });
    } else if (groups.number) tokens.push({ kind: 'number', text: groups.number, value: Number(groups.number), pos });
    else if (groups.string) tokens.push({ kind: 'string', text: unquote(groups.string), pos });
    else if (groups.op) tokens.push({ kind: 'op', text: groups.op, pos });
    else if (groups.ident) tokens.push({ kind: 'ident', text: groups.ident, pos });
    pos = pattern.lastIndex;
  }
  return tokens;
}

function unquote(literal: string): string {
  return literal.slice(1, -1).replace(/\\(.)/g, (_all, char: string) => (char === 'n' ? '\n' : char === 't' ? '\t' : char));
}

function syntaxError(near: string, pos: number): KqlError {
  return new KqlError(`Query could not be parsed at '${near}' on line [1,${pos + 1}].`);
}

class Evaluator {
  private index = 0;
  private columns: Record<string, ColumnType> = {};

  constructor(private readonly tokens: Token[], private readonly tables: Record<string, HuntingTable>, private readonly nowMs: number) {}

  run(): KqlResult {
    const first = this.next();
    if (first?.kind !== 'ident') throw this.unexpected(first);
    const table = this.tables[first.text];
    if (!table) throw new KqlError(`Failed to resolve table or column expression named '${first.text}'.`);
    this.columns = { ...table.columns };
    let rows = table.rows.map((row) => ({ ...row }));
    while (this.peek()) {
      this.expectOp('|');
      rows = this.operator(rows);
    }
    return { schema: Object.entries(this.columns).map(([Name, Type]) => ({ Name, Type })), results: rows };
  }

  private operator(rows: HuntingRow[]): HuntingRow[] {
    const word = this.next();
    if (word?.kind !== 'ident') throw this.unexpected(word);
    switch (word.text) {
      case 'where': {
        const predicate = this.expression();
        return rows.filter((row) => truthy(this.evaluate(predicate, row)));
      }
      case 'project': {
        const names = this.columnList();
        this.columns = Object.fromEntries(names.map((name) => [name, this.columns[name]]));
        return rows.map((row) => Object.fromEntries(names.map((name) => [name, row[name] ?? null])));
      }
      case 'take':
      case 'limit':
        return rows.slice(0, this.count());
      case 'order':
      case 'sort':
        this.expectIdent('by');
        return this.sorted(rows);
      case 'top': {
        const count = this.count();
        this.expectIdent('by');
        return this.sorted(rows).slice(0, count);
      }
      case 'summarize':
        return this.summarize(rows);
      default:
        throw syntaxError(word.text, word.pos);
    }
  }

  private summarize(rows: HuntingRow[]): HuntingRow[] {
    let name = 'count_';
    const start = this.peek();
    if (start?.kind === 'ident' && this.tokens[this.index + 1]?.text === '=') {
      name = start.text;
      this.index += 2;
    }
    this.expectIdent('count');
    this.expectOp('(');
    this.expectOp(')');
    const by = this.peek()?.text === 'by' ? (this.index++, this.columnList()) : [];
    const groups = new Map<string, { key: HuntingRow; count: number }>();
    for (const row of rows) {
      const key = Object.fromEntries(by.map((column) => [column, row[column] ?? null]));
      const id = JSON.stringify(key);
      const group = groups.get(id) ?? { key, count: 0 };
      group.count += 1;
      groups.set(id, group);
    }
    this.columns = { ...Object.fromEntries(by.map((column) => [column, this.columns[column]])), [name]: 'Int64' };
    return [...groups.values()].map(({ key, count }) => ({ ...key, [name]: count }));
  }

  private sorted(rows: HuntingRow[]): HuntingRow[] {
    const keys: { column: string; descending: boolean }[] = [];
    do {
      const column = this.column();
      const direction = this.peek()?.kind === 'ident' && ['asc', 'desc'].includes(this.peek()!.text) ? this.next()!.text : 'desc';
      keys.push({ column, descending: direction === 'desc' });
    } while (this.peek()?.text === ',' && this.next());
    return [...rows].sort((a, b) => {
      for (const { column, descending } of keys) {
        const order = compare(a[column], b[column]);
        if (order !== 0) return descending ? -order : order;
      }
      return 0;
    });
  }

  private expression(): Expr {
    let left = this.conjunction();
    while (this.peek()?.text === 'or') {
      this.index++;
      left = { kind: 'binary', op: 'or', left, right: this.conjunction() };
    }
    return left;
  }

  private conjunction(): Expr {
    let left = this.comparison();
    while (this.peek()?.text === 'and') {
      this.index++;
      left = { kind: 'binary', op: 'and', left, right: this.comparison() };
    }
    return left;
  }

  private comparison(): Expr {
    const left = this.operand();
    const op = this.peek();
    if (!op || !COMPARISONS.includes(op.text)) return left;
    this.index++;
    return { kind: 'binary', op: op.text, left, right: op.text === 'in' || op.text === '!in' ? this.list() : this.operand() };
  }

  private list(): Expr {
    this.expectOp('(');
    const items: Expr[] = [this.operand()];
    while (this.peek()?.text === ',') {
      this.index++;
      items.push(this.operand());
    }
    this.expectOp(')');
    return { kind: 'list', items };
  }

  private operand(): Expr {
    const token = this.next();
    if (!token) throw new KqlError('Query could not be parsed: it ends too early.');
    if (token.kind === 'string') return { kind: 'literal', value: token.text };
    if (token.kind === 'number' || token.kind === 'timespan') return { kind: 'literal', value: token.value! };
    if (token.text === '(') {
      const inner = this.expression();
      this.expectOp(')');
      return inner;
    }
    if (token.kind !== 'ident') throw this.unexpected(token);
    if (token.text === 'not' && this.peek()?.text === '(') return { kind: 'not', operand: this.operand() };
    if (['ago', 'now', 'datetime'].includes(token.text) && this.peek()?.text === '(') return { kind: 'literal', value: this.timeFunction(token.text) };
    if (token.text === 'true' || token.text === 'false') return { kind: 'literal', value: token.text === 'true' };
    if (!(token.text in this.columns)) throw new KqlError(`Failed to resolve scalar expression named '${token.text}'.`);
    return { kind: 'column', name: token.text, pos: token.pos };
  }

  private timeFunction(name: string): string {
    this.expectOp('(');
    let at = this.nowMs;
    if (name === 'ago') {
      const span = this.next();
      if (span?.kind !== 'timespan') throw this.unexpected(span);
      at -= span.value!;
    } else if (name === 'datetime') {
      const value = this.next();
      at = value?.kind === 'string' || value?.kind === 'ident' ? Date.parse(value.text) : Number.NaN;
      if (Number.isNaN(at)) throw this.unexpected(value);
    }
    this.expectOp(')');
    return new Date(at).toISOString();
  }

  private evaluate(expr: Expr, row: HuntingRow): HuntingValue | HuntingValue[] {
    switch (expr.kind) {
      case 'column':
        return row[expr.name] ?? null;
      case 'literal':
        return expr.value;
      case 'list':
        return expr.items.map((item) => this.evaluate(item, row) as HuntingValue);
      case 'not':
        return !truthy(this.evaluate(expr.operand, row));
      case 'binary':
        return this.binary(expr, row);
    }
  }

  private binary(expr: Extract<Expr, { kind: 'binary' }>, row: HuntingRow): boolean {
    if (expr.op === 'and') return truthy(this.evaluate(expr.left, row)) && truthy(this.evaluate(expr.right, row));
    if (expr.op === 'or') return truthy(this.evaluate(expr.left, row)) || truthy(this.evaluate(expr.right, row));
    const left = this.evaluate(expr.left, row) as HuntingValue;
    const right = this.evaluate(expr.right, row);
    const text = (value: unknown) => (value === null || value === undefined ? '' : String(value));
    const lower = (value: unknown) => text(value).toLowerCase();
    switch (expr.op) {
      case '==': return left === right;
      case '!=': return left !== right;
      case '=~': return lower(left) === lower(right);
      case '!~': return lower(left) !== lower(right);
      case '<': return compare(left, right as HuntingValue) < 0;
      case '<=': return compare(left, right as HuntingValue) <= 0;
      case '>': return compare(left, right as HuntingValue) > 0;
      case '>=': return compare(left, right as HuntingValue) >= 0;
      case 'has': return hasTerm(lower(left), lower(right));
      case '!has': return !hasTerm(lower(left), lower(right));
      case 'contains': return lower(left).includes(lower(right));
      case '!contains': return !lower(left).includes(lower(right));
      case 'startswith': return lower(left).startsWith(lower(right));
      case 'in': return (right as HuntingValue[]).includes(left);
      case '!in': return !(right as HuntingValue[]).includes(left);
      default: throw new KqlError(`Unsupported operator '${expr.op}'.`);
    }
  }

  private columnList(): string[] {
    const names = [this.column()];
    while (this.peek()?.text === ',') {
      this.index++;
      names.push(this.column());
    }
    return names;
  }

  private column(): string {
    const token = this.next();
    if (token?.kind !== 'ident') throw this.unexpected(token);
    if (!(token.text in this.columns)) throw new KqlError(`Failed to resolve scalar expression named '${token.text}'.`);
    return token.text;
  }

  private count(): number {
    const token = this.next();
    if (token?.kind !== 'number' || !Number.isInteger(token.value)) throw this.unexpected(token);
    return token.value!;
  }

  private expectOp(text: string): void {
    const token = this.next();
    if (token?.text !== text) throw this.unexpected(token);
  }

  private expectIdent(text: string): void {
    const token = this.next();
    if (token?.kind !== 'ident' || token.text !== text) throw this.unexpected(token);
  }

  private unexpected(token: Token | undefined): KqlError {
    return token ? syntaxError(token.text, token.pos) : new KqlError('Query could not be parsed: it ends too early.');
  }

  private peek(): Token | undefined {
    return this.tokens[this.index];
  }

  private next(): Token | undefined {
    return this.tokens[this.index++];
  }
}

function truthy(value: unknown): boolean {
  return value === true;
}

/** `has` matches a whole term: the text's alphanumeric runs (KQL's term index). */
function hasTerm(text: string, term: string): boolean {
  if (term === '') return true;
  let from = 0;
  for (;;) {
    const at = text.indexOf(term, from);
    if (at < 0) return false;
    const before = at === 0 || !/[a-z0-9]/.test(text[at - 1]);
    const after = at + term.length >= text.length || !/[a-z0-9]/.test(text[at + term.length]);
    if (before && after) return true;
    from = at + 1;
  }
}

function compare(left: HuntingValue | undefined, right: HuntingValue | undefined): number {
  if (left === right) return 0;
  if (left === null || left === undefined) return -1;
  if (right === null || right === undefined) return 1;
  if (typeof left === 'number' && typeof right === 'number') return left - right;
  // Ordinal, as ISO timestamps of different precision must compare by time.
  return String(left) < String(right) ? -1 : String(left) > String(right) ? 1 : 0;
}
