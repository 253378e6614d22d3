/**
 * The OData v4 `$filter` language as far as Defender supports it (reference §4.1): comparisons,
 * and/or/not, parentheses, `in (...)`, `startswith()`, `collection/any(x: ...)`, string literals with
 * '' escapes, unquoted ISO date literals, numbers, null, true/false. Parsing and type checking happen
 * once, against the entity's property types, so bad queries fail even on an empty collection.
 */
import { normalizeInstant } from './timestamps';

export class ODataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ODataError';
  }
}

/** A property's type: a primitive kind, or the ordered members of an enum. */
export type PropertyType =
  | 'string' | 'number' | 'boolean' | 'dateTime' | 'stringCollection' | 'complex' | readonly string[];

export interface FilterTarget {
  /** Used in messages, e.g. `Alert`. */
  entityType: string;
  properties: Readonly<Record<string, PropertyType>>;
  filterable: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Lexer

type Token =
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'number'; value: number; pos: number }
  | { kind: 'date'; value: string; pos: number }
  | { kind: 'ident'; value: string; pos: number }
  | { kind: 'punct'; value: '(' | ')' | ',' | '/' | ':'; pos: number }
  | { kind: 'end'; pos: number };

const DATE_LITERAL = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:\d{2})?/;
const NUMBER_LITERAL = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < text.length) {
    const char = text[pos];
    const rest = text.slice(pos);
    if (char === ' ' || char === '\t') {
      pos += 1;
    } else if (char === "'") {
      const { value, end } = readString(text, pos);
      tokens.push({ kind: 'string', value, pos });
      pos = end;
    } else if ('(),/:'.includes(char)) {
      tokens.push({ kind: 'punct', value: char as '(' | ')' | ',' | '/' | ':', pos });
      pos += 1;
    } else if (/^-?\d/.test(rest)) {
      const date = DATE_LITERAL.exec(rest);
      if (date) {
        const instant = normalizeInstant(date[0]);
        if (!instant) throw syntaxError(`'${date[0]}' is not a valid date-time literal (ISO 8601 with Z or an offset, e.g. 2019-11-22T00:00:00Z)`, pos);
        tokens.push({ kind: 'date', value: instant, pos });
        pos += date[0].length;
      } else {
        const number = NUMBER_LITERAL.exec(rest)!;
        tokens.push({ kind: 'number', value: Number(number[0]), pos });
        pos += number[0].length;
      }
    } else {
      const identifier = IDENTIFIER.exec(rest);
      if (!identifier) throw syntaxError(`unexpected character '${char}'`, pos);
      tokens.push({ kind: 'ident', value: identifier[0], pos });
      pos += identifier[0].length;
    }
  }
  tokens.push({ kind: 'end', pos: text.length });
  return tokens;
}

/** A single-quoted literal; a quote inside is written twice (`'o''brien'`). */
function readString(text: string, start: number): { value: string; end: number } {
  let value = '';
  let pos = start + 1;
  for (;;) {
    const quote = text.indexOf("'", pos);
    if (quote < 0) throw syntaxError('unterminated string literal', start);
    value += text.slice(pos, quote);
    if (text[quote + 1] !== "'") return { value, end: quote + 1 };
    value += "'";
    pos = quote + 2;
  }
}

function syntaxError(problem: string, pos: number): ODataError {
  return new ODataError(`Syntax error in $filter at position ${pos}: ${problem}.`);
}

// ---------------------------------------------------------------------------------------------
// Parser

type ComparisonOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
const COMPARISON_OPERATORS: readonly string[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'];
const RESERVED = ['and', 'or', 'not', 'in', ...COMPARISON_OPERATORS];

type LiteralValue = string | number | boolean | null;
type LiteralType = 'string' | 'number' | 'boolean' | 'null' | 'dateTime';

type Node =
  | { kind: 'literal'; type: LiteralType; value: LiteralValue; pos: number }
  | { kind: 'path'; segments: string[]; pos: number }
  | { kind: 'lambda'; collection: string[]; quantifier: 'any' | 'all'; variable?: string; body?: Node; pos: number }
  | { kind: 'call'; name: string; args: Node[]; pos: number }
  | { kind: 'compare'; operator: ComparisonOperator; left: Node; right: Node; pos: number }
  | { kind: 'in'; left: Node; items: Node[]; pos: number }
  | { kind: 'logical'; operator: 'and' | 'or'; left: Node; right: Node; pos: number }
  | { kind: 'not'; operand: Node; pos: number };

class Parser {
  private index = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): Node {
    const expression = this.parseOr();
    const next = this.peek();
    if (next.kind !== 'end') throw syntaxError(`unexpected ${describe(next)}`, next.pos);
    return expression;
  }

  private parseOr(): Node {
    let left = this.parseAnd();
    while (this.atKeyword('or')) {
      const pos = this.take().pos;
      left = { kind: 'logical', operator: 'or', left, right: this.parseAnd(), pos };
    }
    return left;
  }

  private parseAnd(): Node {
    let left = this.parseNot();
    while (this.atKeyword('and')) {
      const pos = this.take().pos;
      left = { kind: 'logical', operator: 'and', left, right: this.parseNot(), pos };
    }
    return left;
  }

  private parseNot(): Node {
    if (this.atKeyword('not')) {
      const pos = this.take().pos;
      return { kind: 'not', operand: this.parseNot(), pos };
    }
    return this.parseComparison();
  }

  private parseComparison(): Node {
    const left = this.parsePrimary();
    const next = this.peek();
    if (next.kind === 'ident' && COMPARISON_OPERATORS.includes(next.value)) {
      this.take();
      return { kind: 'compare', operator: next.value as ComparisonOperator, left, right: this.parsePrimary(), pos: next.pos };
    }
    if (this.atKeyword('in')) {
      this.take();
      return { kind: 'in', left, items: this.parseList(), pos: next.pos };
    }
    return left;
  }

  private parseList(): Node[] {
    this.expect('(');
    const items = [this.parsePrimary()];
    while (this.atPunct(',')) {
      this.take();
      items.push(this.parsePrimary());
    }
    this.expect(')');
    return items;
  }

  private parsePrimary(): Node {
    const token = this.take();
    switch (token.kind) {
      case 'string': return { kind: 'literal', type: 'string', value: token.value, pos: token.pos };
      case 'number': return { kind: 'literal', type: 'number', value: token.value, pos: token.pos };
      case 'date': return { kind: 'literal', type: 'dateTime', value: token.value, pos: token.pos };
      case 'punct':
        if (token.value !== '(') break;
        return this.parseParenthesised();
      case 'ident':
        return this.parseIdentifier(token);
      case 'end':
        break;
    }
    throw syntaxError(`expected a value but found ${describe(token)}`, token.pos);
  }

  private parseParenthesised(): Node {
    const inner = this.parseOr();
    this.expect(')');
    return inner;
  }

  private parseIdentifier(token: Extract<Token, { kind: 'ident' }>): Node {
    const { value: name, pos } = token;
    if (name === 'true' || name === 'false') return { kind: 'literal', type: 'boolean', value: name === 'true', pos };
    if (name === 'null') return { kind: 'literal', type: 'null', value: null, pos };
    if (RESERVED.includes(name)) throw syntaxError(`expected a value but found '${name}'`, pos);
    if (this.atPunct('(')) return { kind: 'call', name, args: this.parseArguments(), pos };
    const segments = [name];
    while (this.atPunct('/')) {
      this.take();
      const segment = this.take();
      if (segment.kind !== 'ident') throw syntaxError(`expected a property name after '/' but found ${describe(segment)}`, segment.pos);
      if ((segment.value === 'any' || segment.value === 'all') && this.atPunct('(')) {
        return this.parseLambda(segments, segment.value, pos);
      }
      segments.push(segment.value);
    }
    return { kind: 'path', segments, pos };
  }

  private parseArguments(): Node[] {
    this.expect('(');
    const args: Node[] = [];
    if (!this.atPunct(')')) {
      args.push(this.parseOr());
      while (this.atPunct(',')) {
        this.take();
        args.push(this.parseOr());
      }
    }
    this.expect(')');
    return args;
  }

  private parseLambda(collection: string[], quantifier: 'any' | 'all', pos: number): Node {
    this.expect('(');
    if (this.atPunct(')')) {
      this.take();
      if (quantifier === 'all') throw syntaxError("all() needs a lambda expression, e.g. all(t: t eq 'x')", pos);
      return { kind: 'lambda', collection, quantifier, pos };
    }
    const variable = this.take();
    if (variable.kind !== 'ident' || RESERVED.includes(variable.value)) {
      throw syntaxError(`expected a lambda variable name but found ${describe(variable)}`, variable.pos);
    }
    this.expect(':');
    const body = this.parseOr();
    this.expect(')');
    return { kind: 'lambda', collection, quantifier, variable: variable.value, body, pos };
  }

  private peek(): Token {
    return this.tokens[this.index];
  }

  private take(): Token {
    const token = this.tokens[this.index];
    if (token.kind !== 'end') this.index += 1;
    return token;
  }

  private atKeyword(keyword: string): boolean {
    const token = this.peek();
    return token.kind === 'ident' && token.value === keyword;
  }

  private atPunct(value: string): boolean {
    const token = this.peek();
    return token.kind === 'punct' && token.value === value;
  }

  private expect(value: '(' | ')' | ':'): void {
    const token = this.take();
    if (token.kind !== 'punct' || token.value !== value) throw syntaxError(`expected '${value}' but found ${describe(token)}`, token.pos);
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end': return 'the end of the expression';
    case 'string': return `the string literal '${token.value.replace(/'/g, "''")}'`;
    case 'date': return `the date-time literal ${token.value}`;
    default: return `'${token.value}'`;
  }
}

// ---------------------------------------------------------------------------------------------
// Type checking and evaluation

interface Context {
  item: Record<string, unknown>;
  variables: Record<string, unknown>;
}
type Predicate = (context: Context) => boolean;

/** A typed operand: a property, a lambda variable or a literal. */
interface Operand {
  type: PropertyType | 'null';
  /** For messages: `property 'severity'`, `literal 'High'`. */
  label: string;
  /** Set for literals, whose value is known while type checking. */
  literal?: { value: LiteralValue };
  read: (context: Context) => unknown;
}

type Key = string | number | boolean | null;

const EDM_NAMES: Record<string, string> = {
  string: 'Edm.String', number: 'Edm.Int64', boolean: 'Edm.Boolean', dateTime: 'Edm.DateTimeOffset',
  stringCollection: 'Collection(Edm.String)', complex: 'a complex type', null: 'null',
};

function typeName(type: Operand['type']): string {
  return typeof type === 'string' ? EDM_NAMES[type] : 'an enumeration';
}

/** What comparisons order and match on: enum members by position, instants by their normalised text. */
function comparableKey(type: Operand['type'], value: unknown): Key {
  if (value === null || value === undefined) return null;
  if (Array.isArray(type)) return type.indexOf(value as string);
  if (type === 'dateTime') return normalizeInstant(String(value)) ?? String(value);
  return value as Key;
}

class FilterCompiler {
  constructor(private readonly target: FilterTarget) {}

  predicate(node: Node, variables: ReadonlyMap<string, PropertyType>): Predicate {
    switch (node.kind) {
      case 'logical': {
        const left = this.predicate(node.left, variables);
        const right = this.predicate(node.right, variables);
        return node.operator === 'and' ? (c) => left(c) && right(c) : (c) => left(c) || right(c);
      }
      case 'not': {
        const operand = this.predicate(node.operand, variables);
        return (c) => !operand(c);
      }
      case 'compare':
        return this.comparison(node.operator, this.operand(node.left, variables), this.operand(node.right, variables), node.pos);
      case 'in': {
        const left = this.operand(node.left, variables);
        const matchers = node.items.map((item) => {
          if (item.kind !== 'literal') throw syntaxError("the list after 'in' may only contain literals", item.pos);
          return this.comparison('eq', left, this.operand(item, variables), item.pos);
        });
        return (c) => matchers.some((matches) => matches(c));
      }
      case 'call':
        return this.functionCall(node, variables);
      case 'lambda':
        return this.lambda(node, variables);
      case 'literal':
        if (node.type === 'boolean') return () => node.value === true;
        break;
      case 'path': {
        const operand = this.operand(node, variables);
        if (operand.type === 'boolean') return (c) => operand.read(c) === true;
        break;
      }
    }
    throw new ODataError(`The $filter expression at position ${node.pos} must evaluate to true or false.`);
  }

  private operand(node: Node, variables: ReadonlyMap<string, PropertyType>): Operand {
    if (node.kind === 'literal') {
      const shown = node.type === 'string' ? `'${String(node.value).replace(/'/g, "''")}'` : String(node.value);
      return { type: node.type, label: `literal ${shown}`, literal: { value: node.value }, read: () => node.value };
    }
    if (node.kind !== 'path') {
      throw syntaxError('expected a property or a literal as an operand of a comparison', node.pos);
    }
    const [name, ...rest] = node.segments;
    const variableType = variables.get(name);
    if (variableType !== undefined) {
      if (rest.length > 0) throw new ODataError(`The lambda variable '${name}' has no property '${rest.join('/')}'.`);
      return { type: variableType, label: `lambda variable '${name}'`, read: (c) => c.variables[name] ?? null };
    }
    const type = this.propertyType(name);
    if (rest.length > 0) throw new ODataError(`Navigating into '${name}' ('${node.segments.join('/')}') is not supported in $filter.`);
    if (type === 'complex') throw new ODataError(`The property '${name}' of complex type cannot be used in $filter.`);
    return { type, label: `property '${name}'`, read: (c) => c.item[name] ?? null };
  }

  private propertyType(name: string): PropertyType {
    const type = this.target.properties[name];
    if (type === undefined) throw new ODataError(`Could not find a property named '${name}' on type '${this.target.entityType}'.`);
    if (!this.target.filterable.includes(name)) {
      throw new ODataError(`The property '${name}' cannot be used in the $filter query option.`);
    }
    return type;
  }

  private comparison(operator: ComparisonOperator, left: Operand, right: Operand, pos: number): Predicate {
    const type = this.commonType(operator, left, right, pos);
    const key = (value: unknown) => comparableKey(type, value);
    const equal = (c: Context) => key(left.read(c)) === key(right.read(c));
    const ordered = (test: (a: Key, b: Key) => boolean) => (c: Context) => {
      const a = key(left.read(c));
      const b = key(right.read(c));
      return a !== null && b !== null && test(a, b);
    };
    switch (operator) {
      case 'eq': return equal;
      case 'ne': return (c) => !equal(c);
      case 'gt': return ordered((a, b) => a! > b!);
      case 'ge': return ordered((a, b) => a! >= b!);
      case 'lt': return ordered((a, b) => a! < b!);
      case 'le': return ordered((a, b) => a! <= b!);
    }
  }

  /** The type both operands are compared as; rejects what OData would reject as incompatible. */
  private commonType(operator: ComparisonOperator, left: Operand, right: Operand, pos: number): Operand['type'] {
    for (const side of [left, right]) {
      if (side.type === 'stringCollection') {
        throw new ODataError(`The ${side.label} is a collection: test its items with any(), e.g. machineTags/any(tag: tag eq 'X').`);
      }
    }
    if (left.type === 'null') return right.type;
    if (right.type === 'null') return left.type;
    const enumSide = [left, right].find((side) => Array.isArray(side.type));
    if (enumSide) {
      const members = enumSide.type as readonly string[];
      const other = enumSide === left ? right : left;
      if (other.type === 'string' && other.literal) {
        const value = String(other.literal.value);
        if (!members.includes(value)) {
          throw new ODataError(`The string '${value}' is not a valid enumeration type constant for ${enumSide.label}; valid values: ${members.join(', ')}.`);
        }
        return members;
      }
      if (other.type === members) return members;
    } else if (left.type === right.type) {
      return left.type;
    }
    throw new ODataError(
      `A binary operator with incompatible types was detected at position ${pos}: found ${typeName(left.type)} (${left.label}) `
      + `and ${typeName(right.type)} (${right.label}) for operator '${operator}'.`,
    );
  }

  private functionCall(node: Extract<Node, { kind: 'call' }>, variables: ReadonlyMap<string, PropertyType>): Predicate {
    if (node.name !== 'startswith') {
      throw new ODataError(`The function '${node.name}' is not supported in $filter; supported: startswith.`);
    }
    if (node.args.length !== 2) throw new ODataError(`startswith takes 2 arguments, got ${node.args.length}.`);
    const [subject, prefix] = node.args.map((arg) => this.operand(arg, variables));
    for (const arg of [subject, prefix]) {
      if (arg.type !== 'string') throw new ODataError(`startswith needs string arguments; ${arg.label} is ${typeName(arg.type)}.`);
    }
    return (c) => {
      const text = subject.read(c);
      const start = prefix.read(c);
      return typeof text === 'string' && typeof start === 'string' && text.startsWith(start);
    };
  }

  private lambda(node: Extract<Node, { kind: 'lambda' }>, variables: ReadonlyMap<string, PropertyType>): Predicate {
    const collection = this.operandOfCollection(node, variables);
    if (!node.variable || !node.body) {
      return (c) => (collection(c)?.length ?? 0) > 0;
    }
    const variable = node.variable;
    const body = this.predicate(node.body, new Map([...variables, [variable, 'string' as const]]));
    const test = (c: Context, element: unknown) => body({ item: c.item, variables: { ...c.variables, [variable]: element } });
    return node.quantifier === 'any'
      ? (c) => (collection(c) ?? []).some((element) => test(c, element))
      : (c) => (collection(c) ?? []).every((element) => test(c, element));
  }

  private operandOfCollection(node: Extract<Node, { kind: 'lambda' }>, variables: ReadonlyMap<string, PropertyType>) {
    const operand = this.operand({ kind: 'path', segments: node.collection, pos: node.pos }, variables);
    if (operand.type !== 'stringCollection') {
      throw new ODataError(`${node.quantifier}() needs a collection, but ${operand.label} is ${typeName(operand.type)}.`);
    }
    return (c: Context) => operand.read(c) as unknown[] | null;
  }
}

/** Parses and type-checks a `$filter` expression; throws ODataError. */
export function compileFilter(expression: string, target: FilterTarget): (item: object) => boolean {
  if (expression.trim() === '') throw new ODataError('The $filter query option must not be empty.');
  const predicate = new FilterCompiler(target).predicate(new Parser(tokenize(expression)).parse(), new Map());
  return (item) => predicate({ item: item as Record<string, unknown>, variables: {} });
}

/** The key `$orderby` sorts a property's values by (null sorts first, as in OData). */
export function sortKey(type: PropertyType, value: unknown): Key {
  return comparableKey(type, value);
}
