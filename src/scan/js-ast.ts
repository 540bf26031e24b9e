import type { Argument, CallExpression, Expression, Node, ObjectExpression } from 'oxc-parser';

/** Small, typed helpers over oxc's ESTree nodes. */

export type Expr = Expression | Argument;

/** Look through wrappers that do not change what a value is: `x!`, `x as T`, `(x)`, `x?.y` chains, `await`. */
export function unwrap(node: Expr | null | undefined): Expr | undefined {
  let n: Node | null | undefined = node;
  for (;;) {
    if (!n) return undefined;
    switch (n.type) {
      case 'TSNonNullExpression':
      case 'TSAsExpression':
      case 'TSSatisfiesExpression':
      case 'TSTypeAssertion':
      case 'ParenthesizedExpression':
        n = n.expression;
        break;
      case 'ChainExpression':
        n = n.expression;
        break;
      case 'AwaitExpression':
        n = n.argument;
        break;
      default:
        return n as Expr;
    }
  }
}

/** The string value of a string literal or of a template literal without substitutions. */
export function stringValue(node: Expr | null | undefined): string | undefined {
  const n = unwrap(node);
  if (!n) return undefined;
  if (n.type === 'Literal' && typeof n.value === 'string') return n.value;
  if (n.type === 'TemplateLiteral' && n.expressions.length === 0) return n.quasis[0]?.value.cooked ?? undefined;
  return undefined;
}

/** Offset of the first character of a string literal's value (after the quote). */
export function valueStart(node: Expr): number {
  const n = unwrap(node) ?? node;
  return n.start + 1;
}

/** `name` for `name(...)`, undefined otherwise. */
export function calleeName(call: CallExpression): string | undefined {
  const c = unwrap(call.callee);
  return c?.type === 'Identifier' ? c.name : undefined;
}

/** `m` for `x.m(...)` and `x['m'](...)`, undefined otherwise. */
export function methodName(call: CallExpression): string | undefined {
  const c = unwrap(call.callee);
  if (c?.type !== 'MemberExpression') return undefined;
  if (!c.computed) return c.property.type === 'Identifier' ? c.property.name : undefined;
  return stringValue(c.property as Expression);
}

/** The receiver `x` of `x.m(...)`. */
export function receiver(call: CallExpression): Expr | undefined {
  const c = unwrap(call.callee);
  return c?.type === 'MemberExpression' ? unwrap(c.object) : undefined;
}

/** The last name in an expression: `b` for `a.b`, `a` for `a`, `m` for `x.m()`. */
export function lastName(node: Expr | undefined): string | undefined {
  const n = unwrap(node);
  if (!n) return undefined;
  if (n.type === 'Identifier') return n.name;
  if (n.type === 'MemberExpression' && !n.computed && n.property.type === 'Identifier') return n.property.name;
  if (n.type === 'MemberExpression' && !n.computed && n.property.type === 'PrivateIdentifier') return n.property.name;
  if (n.type === 'CallExpression') return methodName(n) ?? calleeName(n);
  if (n.type === 'ThisExpression') return 'this';
  return undefined;
}

/** Every member name along a receiver chain: `supabase.storage.from('x')` → storage, supabase. */
export function chainNames(node: Expr | undefined): string[] {
  const names: string[] = [];
  let n = unwrap(node);
  while (n) {
    if (n.type === 'MemberExpression') {
      const name = lastName(n);
      if (name) names.push(name);
      n = unwrap(n.object);
    } else if (n.type === 'CallExpression') {
      n = unwrap(n.callee);
    } else {
      if (n.type === 'Identifier') names.push(n.name);
      break;
    }
  }
  return names;
}

/** Static keys of an object literal: `{ a: 1, 'b': 2, c }` → a, b, c (with the key's offset). */
export function objectKeys(node: ObjectExpression): { name: string; offset: number }[] {
  const keys: { name: string; offset: number }[] = [];
  for (const p of node.properties) {
    if (p.type !== 'Property' || p.computed) continue;
    if (p.key.type === 'Identifier') keys.push({ name: p.key.name, offset: p.key.start });
    else {
      const s = stringValue(p.key as Expression);
      if (s !== undefined) keys.push({ name: s, offset: p.key.start + 1 });
    }
  }
  return keys;
}
