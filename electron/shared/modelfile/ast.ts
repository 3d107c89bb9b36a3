/**
 * The Modelfile as SLM Deck sees it: one node per line-level element, so comments and blank
 * lines survive an edit made through the form. Pure TypeScript (no Node APIs): the renderer
 * parses and renders Modelfiles live with the same code the core uses.
 */

export const INSTRUCTIONS = [
  'FROM',
  'PARAMETER',
  'TEMPLATE',
  'SYSTEM',
  'ADAPTER',
  'LICENSE',
  'MESSAGE',
  'REQUIRES',
  'RENDERER',
  'PARSER',
] as const;
export type Instruction = (typeof INSTRUCTIONS)[number];

export const MESSAGE_ROLES = ['system', 'user', 'assistant'] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];

/** 1-based line and column (UTF-16 units), plus the offset into the normalised text. */
export interface Pos {
  line: number;
  column: number;
  offset: number;
}

export interface InstructionNode {
  type: 'instruction';
  instruction: Instruction;
  /** PARAMETER only: the parameter name as written. */
  name?: string;
  /** MESSAGE only. */
  role?: MessageRole;
  /** PARAMETER and MESSAGE: where the name or role starts. */
  namePos?: Pos;
  /** The value with Ollama's quoting removed. */
  value: string;
  /** How the value was quoted in the source (the renderer picks its own quoting). */
  quote: 'none' | 'double' | 'triple';
  pos: Pos;
  valuePos: Pos;
  /** Position just after the value (end of its last line). */
  end: Pos;
}

export interface CommentNode {
  type: 'comment';
  /** Everything after the `#`, verbatim. */
  text: string;
  pos: Pos;
}

export interface BlankNode {
  type: 'blank';
  pos: Pos;
}

export type ModelfileNode = InstructionNode | CommentNode | BlankNode;

export type Severity = 'error' | 'warning';

/** A mistake (or a doubt) in a Modelfile, placed where the user can see it. */
export interface Diagnostic {
  severity: Severity;
  /** Stable machine-readable code, e.g. `unknown-parameter`. */
  code: string;
  /** What is wrong and what was expected, in one sentence. */
  message: string;
  hint?: string;
  line: number;
  column: number;
  offset: number;
  /** Length of the highlighted span in the normalised text (at least 1). */
  length: number;
  /** Set when the diagnostic concerns one parameter, so a form field can show it. */
  param?: string;
  /** Set when the diagnostic concerns a non-parameter field of the form. */
  field?: 'from' | 'system' | 'template' | 'stop';
}

export interface ParsedModelfile {
  /** The text the positions refer to: CRLF and lone CR turned into LF, BOM removed. */
  text: string;
  nodes: ModelfileNode[];
  diagnostics: Diagnostic[];
}

export function instructionNodes(nodes: readonly ModelfileNode[]): InstructionNode[] {
  return nodes.filter((n): n is InstructionNode => n.type === 'instruction');
}
