import type { InstructionNode, ModelfileNode } from './ast';
import { isGoSpace } from './text';

/**
 * Renders nodes back to Modelfile text that Ollama's parser (and ours) reads back to the
 * same values. Values are written bare when that is unambiguous, else in triple quotes. A
 * Modelfile has no escapes, so a value with an inner line ending in """ cannot be written at
 * all (double quotes would close even earlier): that is reported, never written wrongly.
 */

export class UnrepresentableValueError extends Error {
  constructor(readonly node: Pick<InstructionNode, 'instruction' | 'name'>) {
    super(
      `The ${node.name ?? node.instruction} text has a line (before its last) ending in """, which a Modelfile cannot quote.`,
    );
    this.name = 'UnrepresentableValueError';
  }
}

/** Would Ollama close a value opened with `quotes` before its real end? */
function closesEarly(value: string, quotes: string): boolean {
  const q = quotes.length;
  const lines = value.split('\n');
  let sofar = quotes;
  for (let k = 0; k < lines.length - 1; k++) {
    sofar += lines[k];
    let b = sofar.length;
    while (b > 0 && isGoSpace(sofar[b - 1])) b--;
    if (b >= 2 * q && sofar.slice(b - q, b) === quotes) return true;
    sofar += '\n';
  }
  return false;
}

function canBeBare(value: string): boolean {
  return (
    value.length > 0 &&
    !value.includes('\n') &&
    !isGoSpace(value[0]) &&
    !isGoSpace(value[value.length - 1]) &&
    !value.startsWith('"')
  );
}

export function quoteValue(value: string, node: Pick<InstructionNode, 'instruction' | 'name'> = { instruction: 'SYSTEM' }): string {
  const v = value.replace(/\r\n?/g, '\n');
  if (v === '') return '""';
  if (canBeBare(v)) return v;
  if (!closesEarly(v, '"""')) return `"""${v}"""`;
  throw new UnrepresentableValueError(node);
}

export function renderNode(node: ModelfileNode): string {
  switch (node.type) {
    case 'blank':
      return '';
    case 'comment':
      return `#${node.text}`;
    case 'instruction': {
      const head =
        node.instruction === 'PARAMETER'
          ? `PARAMETER ${node.name ?? ''}`
          : node.instruction === 'MESSAGE'
            ? `MESSAGE ${node.role ?? 'user'}`
            : node.instruction;
      return `${head} ${quoteValue(node.value, node)}`;
    }
  }
}

export function renderModelfile(nodes: readonly ModelfileNode[]): string {
  return nodes.length ? nodes.map(renderNode).join('\n') + '\n' : '';
}
