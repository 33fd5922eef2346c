/**
 * Where things are in the YAML text: a path into the document ("devices", 3, "pwm", "channel")
 * → line and column, through the node ranges the `yaml` package keeps and a LineCounter.
 *
 * Must hold: every path gives a position: a path that does not exist (a missing setting)
 * resolves to its nearest existing ancestor, which is where the setting must be added.
 */
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { ConfigSource } from './types.js';

export type Path = readonly (string | number)[];

export interface Position {
  readonly line: number;
  readonly column: number;
}

export class YamlSource implements ConfigSource {
  constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Position of the value at `path` (of its key when `key` and the path ends in a map key). */
  positionOf(path: Path, o: { key?: boolean } = {}): Position {
    let node: unknown = this.doc.contents;
    let at: Node | null = isNode(node) ? node : null;
    for (const [i, segment] of path.entries()) {
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
        if (pair === undefined) break;
        const keyNode = isNode(pair.key) ? pair.key : null;
        const valueNode = isNode(pair.value) ? pair.value : null;
        at = (last && o.key === true ? keyNode : (valueNode ?? keyNode)) ?? at;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item: unknown = node.items[segment];
        if (!isNode(item)) break;
        at = item;
        node = item;
      } else {
        break;
      }
    }
    const offset = at?.range?.[0] ?? 0;
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  lineOf(path: Path): number {
    return this.positionOf(path).line;
  }
}

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && 'range' in v;
}
