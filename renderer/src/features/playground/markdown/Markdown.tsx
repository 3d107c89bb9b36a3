import { memo, useMemo, useState, type ReactNode } from 'react';
import { highlight } from './highlight';
import { parseMarkdown, type Block, type Inline } from './parse';
import { texToText } from './tex';

/** Model output as React elements: never HTML, so nothing a model writes can run. */
export const Markdown = memo(function Markdown({ text }: { text: string }) {
  const blocks = useMemo(() => parseMarkdown(text), [text]);
  return <div className="md">{blocks.map(renderBlock)}</div>;
});

function renderBlock(b: Block, key: number): ReactNode {
  switch (b.t) {
    case 'heading': {
      const H = `h${Math.min(6, b.level + 2)}` as 'h3';
      return <H key={key}>{inlines(b.children)}</H>;
    }
    case 'para':
      return <p key={key}>{inlines(b.children)}</p>;
    case 'code':
      return <CodeBlock key={key} lang={b.lang} code={b.text} />;
    case 'math':
      return (
        <div key={key} className="math-block" role="math" aria-label={b.tex}>
          {texToText(b.tex)}
        </div>
      );
    case 'hr':
      return <hr key={key} />;
    case 'quote':
      return <blockquote key={key}>{b.children.map(renderBlock)}</blockquote>;
    case 'list': {
      const items = b.items.map((item, k) => <li key={k}>{listItem(item)}</li>);
      return b.ordered ? (
        <ol key={key} start={b.start}>
          {items}
        </ol>
      ) : (
        <ul key={key}>{items}</ul>
      );
    }
    case 'table':
      return (
        <div key={key} className="md-table">
          <table>
            <thead>
              <tr>
                {b.head.map((h, k) => (
                  <th key={k} style={b.align[k] ? { textAlign: b.align[k]! } : undefined}>
                    {inlines(h)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {b.rows.map((r, k) => (
                <tr key={k}>
                  {r.map((cell, j) => (
                    <td key={j} style={b.align[j] ? { textAlign: b.align[j]! } : undefined}>
                      {inlines(cell)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
  }
}

/** A tight list item (one paragraph) renders without a <p> so lists stay compact. */
function listItem(blocks: Block[]): ReactNode {
  if (blocks.length === 1 && blocks[0].t === 'para') return inlines(blocks[0].children);
  return blocks.map(renderBlock);
}

function inlines(list: Inline[]): ReactNode[] {
  return list.map((n, k) => {
    switch (n.t) {
      case 'text':
        return n.text;
      case 'code':
        return <code key={k}>{n.text}</code>;
      case 'strong':
        return <strong key={k}>{inlines(n.children)}</strong>;
      case 'em':
        return <em key={k}>{inlines(n.children)}</em>;
      case 'del':
        return <del key={k}>{inlines(n.children)}</del>;
      case 'link':
        return (
          <a key={k} href={n.href} target="_blank" rel="noopener noreferrer">
            {inlines(n.children)}
          </a>
        );
      case 'math':
        return (
          <span key={k} className="math" role="math" aria-label={n.tex}>
            {texToText(n.tex)}
          </span>
        );
      case 'br':
        return <br key={k} />;
    }
  });
}

export function CodeBlock({ code, lang }: { code: string; lang: string }) {
  const [copied, setCopied] = useState(false);
  const tokens = useMemo(() => highlight(code, lang), [code, lang]);
  const copy = () => {
    void navigator.clipboard?.writeText(code).then(
      () => {
        setCopied(true);
        setTimeout(() => setCopied(false), 1500);
      },
      () => setCopied(false),
    );
  };
  return (
    <figure className="code-block">
      <figcaption>
        <span>{lang || 'text'}</span>
        <button type="button" className="small" onClick={copy} aria-label={copied ? 'Copied' : `Copy ${lang || 'code'}`}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </figcaption>
      <pre>
        <code>
          {tokens.map((t, k) =>
            t.kind === 'plain' ? (
              t.text
            ) : (
              <span key={k} className={`tok-${t.kind}`}>
                {t.text}
              </span>
            ),
          )}
        </code>
      </pre>
    </figure>
  );
}
