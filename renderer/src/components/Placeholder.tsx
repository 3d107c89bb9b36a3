/** A page whose feature has not landed yet says so plainly. */
export function Placeholder({ title, text }: { title: string; text: string }) {
  return (
    <section className="page" aria-labelledby="page-title">
      <h1 id="page-title">{title}</h1>
      <p className="muted">{text}</p>
    </section>
  );
}
