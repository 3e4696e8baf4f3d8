import type { ParseContext, Parser } from './parsers.js';

/** What a default may depend on besides the parsers' context: the values of other variables. */
export interface DefaultContext extends ParseContext {
  /** The other variable's value: its own when set and valid, its default otherwise. */
  valueFor<U>(variable: Variable<U>): U;
}

/** A default computed from other values; `text` is how the docs name it, in Markdown, e.g. `` `http://HOST:PORT` ``. */
export class Derived<T> {
  constructor(
    readonly text: string,
    readonly derive: (context: DefaultContext) => T,
  ) {}
}

interface Described<T> {
  readonly name: string;
  /** One line for the docs: what the variable does. */
  readonly description: string;
  /** A value the docs show, written as it would be set. */
  readonly example: string;
  /** A parse error hides the value, and `shoebox config` prints it through `show` only (`[redacted]` without one). */
  readonly secret?: boolean;
  /** The value as `shoebox config` prints it; for a secret, this must hide what is secret in it. */
  show?(value: T): string;
}

interface Definition<T> extends Described<T> {
  readonly parse: Parser<T>;
  readonly fallback: T | Derived<T>;
  /** For a variable without a default: what happens when it is unset. */
  readonly unset?: string;
}

/**
 * One configuration variable: its name, how its value is parsed (the parser's type is the value's
 * type in `Config`), its default, and what the docs and `shoebox config` say about it.
 */
export class Variable<T> {
  // Kept whole: `show` is a method there, so a Variable<string> is a Variable<unknown> too.
  constructor(private readonly definition: Definition<T>) {}

  get name(): string {
    return this.definition.name;
  }
  get description(): string {
    return this.definition.description;
  }
  get example(): string {
    return this.definition.example;
  }
  get secret(): boolean {
    return this.definition.secret ?? false;
  }
  get unset(): string | undefined {
    return this.definition.unset;
  }
  get fallback(): T | Derived<T> {
    return this.definition.fallback;
  }

  parse(raw: string, context: ParseContext): T {
    return this.definition.parse(raw, context);
  }

  defaultValue(context: DefaultContext): T {
    const { fallback } = this.definition;
    return fallback instanceof Derived ? fallback.derive(context) : fallback;
  }

  /** The value as `shoebox config` prints it, secrets redacted. */
  show(value: T): string {
    if (this.definition.show) return this.definition.show(value);
    if (this.secret) return '[redacted]';
    return Array.isArray(value) ? value.join(',') : String(value);
  }
}

/** A variable with a default value (or one derived from other values). */
export const variable = <T>(spec: Described<NoInfer<T>> & { parse: Parser<T>; default: NoInfer<T> | Derived<NoInfer<T>> }): Variable<T> =>
  new Variable<T>({ ...spec, fallback: spec.default });

/**
 * A variable whose absence means something else happens: `unset` says what, in the docs' default
 * column and, in brackets, in `shoebox config`.
 */
export const optional = <T>(spec: Described<NoInfer<T>> & { parse: Parser<T>; unset: string }): Variable<T | undefined> =>
  new Variable<T | undefined>({
    ...spec,
    fallback: undefined,
    show: (value) => {
      if (value === undefined) return `(${spec.unset})`;
      if (spec.show) return spec.show(value);
      return spec.secret ? '[redacted]' : String(value);
    },
  });

/** Variables, or groups of them, as `Config` nests them. */
export interface Table {
  readonly [key: string]: Variable<unknown> | Table;
}

/** The typed values of a table: each variable's value has the type its parser returns, frozen. */
export type ValuesOf<S extends Table> = {
  readonly [K in keyof S]: S[K] extends Variable<infer T> ? Frozen<T> : S[K] extends Table ? ValuesOf<S[K]> : never;
};

type Frozen<T> = T extends readonly (infer U)[] ? readonly Frozen<U>[] : T extends object ? { readonly [K in keyof T]: Frozen<T[K]> } : T;

/** Every variable of a table, in its order, with the path of its value in `Config`. */
export function* variablesOf(table: Table, path: readonly string[] = []): Generator<{ variable: Variable<unknown>; path: string[] }> {
  for (const [key, entry] of Object.entries(table)) {
    if (entry instanceof Variable) yield { variable: entry, path: [...path, key] };
    else yield* variablesOf(entry, [...path, key]);
  }
}
