// A value that must be one of a fixed list of names (a flag's choices: a profile, a provider, a JWT
// algorithm, a planted bug): the check, and the one line a bad value gets, for every such flag.

export function isOneOf<T extends string>(names: readonly T[], value: unknown): value is T {
  return (names as readonly unknown[]).includes(value);
}

/** Names the flag and the allowed values. */
export function oneOfError(flag: string, names: readonly string[], value: string): string {
  return `${flag} must be one of ${names.join(', ')}, got '${value}'`;
}
