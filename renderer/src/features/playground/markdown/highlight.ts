/**
 * Syntax colouring for code blocks: one pass of regular expressions per language family
 * (comments, strings, numbers, keywords). Good enough to read code; never a parser.
 */
export type TokenKind = 'kw' | 'str' | 'num' | 'com' | 'fn' | 'plain';
export interface Token {
  kind: TokenKind;
  text: string;
}

const KEYWORDS: Record<string, string[]> = {
  python: ['def', 'return', 'if', 'elif', 'else', 'for', 'while', 'in', 'not', 'and', 'or', 'is', 'None', 'True', 'False', 'class', 'import', 'from', 'as', 'with', 'try', 'except', 'finally', 'raise', 'lambda', 'yield', 'pass', 'break', 'continue', 'global', 'nonlocal', 'assert', 'async', 'await', 'self'],
  js: ['const', 'let', 'var', 'function', 'return', 'if', 'else', 'for', 'while', 'do', 'of', 'in', 'new', 'class', 'extends', 'import', 'export', 'from', 'default', 'async', 'await', 'try', 'catch', 'finally', 'throw', 'typeof', 'instanceof', 'null', 'undefined', 'true', 'false', 'this', 'switch', 'case', 'break', 'continue', 'interface', 'type', 'enum', 'implements', 'public', 'private', 'readonly', 'static', 'yield'],
  c: ['int', 'long', 'short', 'char', 'float', 'double', 'void', 'bool', 'auto', 'const', 'static', 'struct', 'class', 'public', 'private', 'protected', 'return', 'if', 'else', 'for', 'while', 'do', 'switch', 'case', 'break', 'continue', 'new', 'delete', 'true', 'false', 'null', 'nullptr', 'template', 'typename', 'namespace', 'using', 'include', 'fn', 'let', 'mut', 'impl', 'pub', 'use', 'match', 'func', 'package', 'import', 'var', 'go', 'defer', 'String', 'final', 'extends'],
  shell: ['if', 'then', 'else', 'elif', 'fi', 'for', 'do', 'done', 'while', 'case', 'esac', 'function', 'return', 'export', 'local', 'in', 'echo', 'cd', 'sudo', 'docker', 'curl'],
  sql: ['select', 'from', 'where', 'insert', 'into', 'values', 'update', 'set', 'delete', 'create', 'table', 'join', 'left', 'right', 'inner', 'on', 'group', 'by', 'order', 'limit', 'and', 'or', 'not', 'null', 'as', 'count', 'distinct'],
  json: ['true', 'false', 'null'],
};

const FAMILY: Record<string, keyof typeof KEYWORDS> = {
  python: 'python', py: 'python',
  javascript: 'js', js: 'js', typescript: 'js', ts: 'js', tsx: 'js', jsx: 'js',
  c: 'c', cpp: 'c', 'c++': 'c', java: 'c', rust: 'c', rs: 'c', go: 'c', csharp: 'c', cs: 'c', kotlin: 'c', swift: 'c',
  bash: 'shell', sh: 'shell', shell: 'shell', zsh: 'shell', console: 'shell', dockerfile: 'shell', yaml: 'shell', yml: 'shell',
  sql: 'sql', json: 'json',
};

const COMMENT: Record<keyof typeof KEYWORDS, RegExp> = {
  python: /#[^\n]*/y,
  shell: /#[^\n]*/y,
  js: /\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$)/y,
  c: /\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$)/y,
  sql: /--[^\n]*/y,
  json: /(?!)/y,
};

const STRING = /"""[\s\S]*?(?:"""|$)|'''[\s\S]*?(?:'''|$)|"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?|`(?:\\.|[^`\\])*`?/y;
const NUMBER = /\b(?:0x[\da-f]+|\d+(?:\.\d+)?(?:e[+-]?\d+)?)\b/iy;
const WORD = /[A-Za-z_$][\w$]*/y;

export function highlight(code: string, lang: string): Token[] {
  const family = FAMILY[lang.toLowerCase()];
  if (!family) return [{ kind: 'plain', text: code }];
  const keywords = new Set(KEYWORDS[family]);
  const caseless = family === 'sql';
  const out: Token[] = [];
  let plain = '';
  const push = (kind: TokenKind, text: string) => {
    if (plain) out.push({ kind: 'plain', text: plain });
    plain = '';
    out.push({ kind, text });
  };
  const at = (re: RegExp, i: number): string | null => {
    re.lastIndex = i;
    const m = re.exec(code);
    return m && m[0].length ? m[0] : null;
  };
  let i = 0;
  while (i < code.length) {
    const com = at(COMMENT[family], i);
    if (com) {
      push('com', com);
      i += com.length;
      continue;
    }
    const str = family === 'shell' && code[i] === '`' ? null : at(STRING, i);
    if (str) {
      push('str', str);
      i += str.length;
      continue;
    }
    const word = at(WORD, i);
    if (word) {
      if (keywords.has(caseless ? word.toLowerCase() : word)) push('kw', word);
      else if (code[i + word.length] === '(') push('fn', word);
      else plain += word;
      i += word.length;
      continue;
    }
    const num = /\w/.test(code[i - 1] ?? '') ? null : at(NUMBER, i);
    if (num) {
      push('num', num);
      i += num.length;
      continue;
    }
    plain += code[i];
    i++;
  }
  if (plain) out.push({ kind: 'plain', text: plain });
  return out;
}
