/**
 * `SHOEBOX_*` names that are not settings yet are expected: the test suite's and the benchmarks'
 * own variables (DEVELOPERS.md lists them), which the processes they start inherit.
 */
const TOOLING = /^SHOEBOX_(TEST|BENCH)_|^SHOEBOX_RECORD_GOLDEN$/;

/**
 * One warning per `SHOEBOX_*` variable that no setting has, naming the closest known one when it
 * is close enough to be a typo. A misspelt setting is otherwise silently ignored, its default used.
 */
export function unknownVariableWarnings(names: Iterable<string>, known: readonly string[], where: (name: string) => string): string[] {
  const knownSet = new Set(known);
  const warnings: string[] = [];
  for (const name of names) {
    if (!name.startsWith('SHOEBOX_') || knownSet.has(name) || TOOLING.test(name)) continue;
    const closest = closestName(name, known);
    warnings.push(
      `${name}${where(name)} is not a Shoebox setting; ${closest ? `did you mean ${closest}?` : 'see `shoebox config` for the settings'}`,
    );
  }
  return warnings;
}

/** The known name fewest edits away, if a third of the name or less differs. */
function closestName(name: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    if (best === undefined || distance < best.distance) best = { name: candidate, distance };
  }
  const suffix = name.length - 'SHOEBOX_'.length;
  return best && best.distance <= Math.max(2, Math.floor(suffix / 3)) ? best.name : undefined;
}

/**
 * Edits (insert, delete, replace, or swap two neighbours) that turn `a` into `b`: the optimal
 * string alignment distance, so that a transposition like DATBASE counts as one typo.
 */
export function editDistance(a: string, b: string): number {
  // rows[i][j]: the distance between a's first i characters and b's first j.
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] ?? [];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(at(i, j), at(i - 2, j - 2) + 1);
    }
  }
  return at(a.length, b.length);
}
