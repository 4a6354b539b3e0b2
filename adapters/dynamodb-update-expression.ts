/**
 * Builds a DynamoDB UpdateExpression from plain field maps, every name and value placeholdered (so no
 * field name is ever a reserved word or an injection). Must never emit an empty SET clause silently:
 * callers always set at least one field.
 */
export interface UpdateExpression {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
}

/** SET every defined value (and if_not_exists for `setIfMissing`), REMOVE undefined ones and `remove`. */
export function buildUpdate(set: Record<string, unknown>, remove: ReadonlyArray<string>, setIfMissing: Record<string, unknown> = {}): UpdateExpression {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  const removes: string[] = [];
  let n = 0;
  const placeholder = (field: string): string => {
    const name = `#f${n++}`;
    names[name] = field;
    return name;
  };
  const value = (v: unknown): string => {
    const name = `:v${n++}`;
    values[name] = v;
    return name;
  };
  for (const [field, v] of Object.entries(set)) {
    if (v === undefined) removes.push(placeholder(field));
    else sets.push(`${placeholder(field)} = ${value(v)}`);
  }
  for (const [field, v] of Object.entries(setIfMissing)) {
    const name = placeholder(field);
    sets.push(`${name} = if_not_exists(${name}, ${value(v)})`);
  }
  for (const field of new Set(remove)) {
    if (!(field in set) && !(field in setIfMissing)) removes.push(placeholder(field));
  }
  const expression = `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`;
  return { expression, names, values };
}
