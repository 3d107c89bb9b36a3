/**
 * Compiles JSON Schemas (the subset constrained decoding can guarantee) into grammar nodes.
 * Anything outside that subset is collected and reported by name, never silently ignored, so a
 * request either gets output that validates or a 400 that says which keyword to drop.
 */
import { Grammar, KEY_STRING, MAX_INTEGER_DIGITS, type GrammarNode, type SeqPart } from './json-grammar';

/** Keywords that only annotate. */
const ANNOTATIONS = new Set(['title', 'description', 'default', 'examples', '$schema', '$id', '$comment', 'deprecated', 'readOnly', 'writeOnly']);
/** Keywords this compiler enforces. */
const SUPPORTED = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'minItems',
  'maxItems',
  'enum',
  'const',
  'anyOf',
  '$ref',
  '$defs',
  'definitions',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
]);

/** The largest integer the grammar writes (MAX_INTEGER_DIGITS nines). */
const INTEGER_LIMIT = 10 ** MAX_INTEGER_DIGITS - 1;

export class UnsupportedSchemaError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

const utf8 = (text: string) => new TextEncoder().encode(text);
type Schema = Record<string, unknown>;

const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Builds one grammar from several schemas (a response format, each tool's parameters). */
export class GrammarBuilder {
  readonly nodes: GrammarNode[] = [{ kind: 'string', min: 0, max: Infinity }];
  private readonly seqs: SeqPart[][] = [];
  private anyNode = -1;

  constructor() {
    if (this.nodes.length - 1 !== KEY_STRING) throw new Error('key string node must be node 0');
  }

  private add(node: GrammarNode): number {
    this.nodes.push(node);
    return this.nodes.length - 1;
  }

  literal(value: unknown): number {
    return this.add({ kind: 'literal', bytes: utf8(JSON.stringify(value)) });
  }

  /** Any JSON value. */
  any(): number {
    if (this.anyNode >= 0) return this.anyNode;
    const any = (this.anyNode = this.add({ kind: 'union', options: [] }));
    const options = [
      this.add({ kind: 'object', props: [], extra: any }),
      this.add({ kind: 'array', items: any, min: 0, max: Infinity }),
      this.add({ kind: 'string', min: 0, max: Infinity }),
      this.add({ kind: 'number', integer: false }),
      this.literal(true),
      this.literal(false),
      this.literal(null),
    ];
    this.nodes[any] = { kind: 'union', options };
    return any;
  }

  /** Any JSON object (response_format json_object). */
  anyObject(): number {
    return this.add({ kind: 'object', props: [], extra: this.any() });
  }

  /** An object with these properties, all required, in this order. */
  fixedObject(props: Array<[key: string, node: number]>): number {
    return this.add({ kind: 'object', props: props.map(([key, node]) => ({ key: utf8(JSON.stringify(key)), node, required: true })), extra: -1 });
  }

  array(items: number, min: number, max: number): number {
    return this.add({ kind: 'array', items, min, max });
  }

  union(options: number[]): number {
    return options.length === 1 ? options[0] : this.add({ kind: 'union', options });
  }

  seq(parts: SeqPart[]): number {
    this.seqs.push(parts);
    return this.seqs.length - 1;
  }

  /**
   * Compiles `schema`; throws UnsupportedSchemaError listing every keyword it cannot enforce (and,
   * with `strict`, every breach of OpenAI's strict-mode rules).
   */
  schema(schema: unknown, strict = false): number {
    const problems: string[] = [];
    const refs = new Map<string, number>();
    const root = schema;
    const resolve = (ref: string, at: string): number => {
      const known = refs.get(ref);
      if (known !== undefined) return known;
      const m = /^#(?:\/(\$defs|definitions)\/(.+))?$/.exec(ref);
      const target = !m ? undefined : m[1] === undefined ? root : isObject(root) && isObject(root[m[1]]) ? (root[m[1]] as Schema)[m[2].replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
      if (target === undefined) {
        problems.push(`${at}: $ref "${ref}" (only "#", "#/$defs/NAME" and "#/definitions/NAME" are resolved)`);
        return this.any();
      }
      // Reserve the node first so a recursive schema refers back to it.
      const slot = this.add({ kind: 'union', options: [] });
      refs.set(ref, slot);
      this.nodes[slot] = { kind: 'union', options: [compile(target, ref)] };
      return slot;
    };

    const compile = (s: unknown, at: string): number => {
      if (s === true) return this.any();
      if (!isObject(s)) {
        problems.push(`${at}: ${s === false ? 'the false schema' : 'a schema that is not an object'}`);
        return this.any();
      }
      for (const key of Object.keys(s)) {
        if (!ANNOTATIONS.has(key) && !SUPPORTED.has(key)) problems.push(`${at}: "${key}"`);
      }
      if (typeof s.$ref === 'string') return resolve(s.$ref, at);
      if (s.const !== undefined) return this.literal(s.const);
      if (Array.isArray(s.enum)) {
        if (s.enum.length === 0) problems.push(`${at}: an empty enum`);
        return this.union(s.enum.map((v) => this.literal(v)));
      }
      if (Array.isArray(s.anyOf)) {
        if (s.anyOf.length === 0) problems.push(`${at}: an empty anyOf`);
        const rest = Object.fromEntries(Object.entries(s).filter(([k]) => k !== 'anyOf' && !ANNOTATIONS.has(k) && k !== '$defs' && k !== 'definitions'));
        if (Object.keys(rest).length > 0) problems.push(`${at}: anyOf beside other keywords (${Object.keys(rest).join(', ')})`);
        return this.union(s.anyOf.map((sub, i) => compile(sub, `${at}.anyOf[${i}]`)));
      }
      const types = s.type === undefined ? undefined : Array.isArray(s.type) ? s.type : [s.type];
      if (!types) {
        if (s.properties !== undefined || s.additionalProperties !== undefined || s.required !== undefined) return this.objectNode(s, at, compile, problems, strict);
        if (s.items !== undefined) return this.arrayNode(s, at, compile, problems);
        return this.any();
      }
      return this.union(
        types.map((t) => {
          switch (t) {
            case 'object':
              return this.objectNode(s, at, compile, problems, strict);
            case 'array':
              return this.arrayNode(s, at, compile, problems);
            case 'string':
              return this.add({ kind: 'string', min: nonNegative(s.minLength, 0), max: nonNegative(s.maxLength, Infinity) });
            case 'number':
            case 'integer':
              return this.add(t === 'integer' ? this.integerNode(s, at, problems) : { kind: 'number', integer: false, nonNegative: this.numberBounds(s, at, problems) });
            case 'boolean':
              return this.union([this.literal(true), this.literal(false)]);
            case 'null':
              return this.literal(null);
            default:
              problems.push(`${at}: type "${String(t)}"`);
              return this.any();
          }
        }),
      );
    };

    const node = compile(schema, '#');
    if (problems.length > 0) throw new UnsupportedSchemaError(problems);
    return node;
  }

  private objectNode(s: Schema, at: string, compile: (s: unknown, at: string) => number, problems: string[], strict: boolean): number {
    const props = isObject(s.properties) ? s.properties : {};
    const required = Array.isArray(s.required) ? s.required.filter((r): r is string => typeof r === 'string') : [];
    const additional = s.additionalProperties;
    if (strict) {
      if (additional !== false) problems.push(`${at}: strict mode needs "additionalProperties": false`);
      const missing = Object.keys(props).filter((k) => !required.includes(k));
      if (missing.length > 0) problems.push(`${at}: strict mode needs every property in "required" (missing ${missing.join(', ')})`);
    }
    const names = [...Object.keys(props), ...required.filter((r) => !(r in props))];
    if (names.length === 0) {
      const extra = additional === false ? -1 : additional === undefined || additional === true ? this.any() : compile(additional, `${at}.additionalProperties`);
      return this.add({ kind: 'object', props: [], extra });
    }
    return this.add({
      kind: 'object',
      props: names.map((name) => ({
        key: utf8(JSON.stringify(name)),
        node: name in props ? compile(props[name], `${at}.properties.${name}`) : this.any(),
        required: required.includes(name),
      })),
      extra: -1,
    });
  }

  /** A number's bounds the grammar can keep: `minimum: 0` (no sign); returns whether it applies. */
  private numberBounds(s: Schema, at: string, problems: string[]): boolean {
    const { minimum: min, maximum: max, exclusiveMinimum: xmin, exclusiveMaximum: xmax } = s;
    if (min !== undefined && min !== 0) problems.push(`${at}: "minimum": ${JSON.stringify(min)} on a number (only 0 is enforced; integers take any bounds)`);
    for (const [k, v] of [['maximum', max], ['exclusiveMinimum', xmin], ['exclusiveMaximum', xmax]] as const) {
      if (v !== undefined) problems.push(`${at}: "${k}": ${JSON.stringify(v)} on a number (integers take any bounds)`);
    }
    return min === 0;
  }

  /** An integer node with its bounds, kept digit by digit (values within ±(10^15 - 1)). */
  private integerNode(s: Schema, at: string, problems: string[]): GrammarNode {
    const num = (k: string): number | undefined => {
      const v = s[k];
      if (v === undefined) return undefined;
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      problems.push(`${at}: "${k}" is not a number`);
      return undefined;
    };
    const bounds = [num('minimum'), num('exclusiveMinimum'), num('maximum'), num('exclusiveMaximum')];
    const lo = Math.max(bounds[0] !== undefined ? Math.ceil(bounds[0]) : -Infinity, bounds[1] !== undefined ? Math.floor(bounds[1]) + 1 : -Infinity);
    const hi = Math.min(bounds[2] !== undefined ? Math.floor(bounds[2]) : Infinity, bounds[3] !== undefined ? Math.ceil(bounds[3]) - 1 : Infinity);
    if (lo > hi) problems.push(`${at}: no integer lies between the bounds`);
    // Bounds beyond what 15 digits reach (the openai SDK writes ±(2^53 - 1) for zod's .int()) hold by themselves.
    return {
      kind: 'number',
      integer: true,
      ...(lo > -INTEGER_LIMIT ? { lo: Math.min(lo, INTEGER_LIMIT) } : {}),
      ...(hi < INTEGER_LIMIT ? { hi: Math.max(hi, -INTEGER_LIMIT) } : {}),
    };
  }

  private arrayNode(s: Schema, at: string, compile: (s: unknown, at: string) => number, problems: string[]): number {
    if (Array.isArray(s.items)) problems.push(`${at}: tuple "items" (an array of schemas)`);
    const items = s.items === undefined || Array.isArray(s.items) ? this.any() : compile(s.items, `${at}.items`);
    return this.add({ kind: 'array', items, min: nonNegative(s.minItems, 0), max: nonNegative(s.maxItems, Infinity) });
  }

  build(): Grammar {
    return new Grammar(this.nodes, this.seqs);
  }
}

function nonNegative(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : fallback;
}

/** Checks a schema without keeping the grammar (request validation before queuing). */
export function checkSchema(schema: unknown, strict: boolean): string[] {
  try {
    const b = new GrammarBuilder();
    const node = b.schema(schema, strict);
    if (!Number.isFinite(b.build().minLen[node])) return ['#: the schema has no finite instance (required properties recurse forever)'];
    return [];
  } catch (e) {
    if (e instanceof UnsupportedSchemaError) return e.problems;
    throw e;
  }
}
