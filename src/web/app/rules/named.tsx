/**
 * A field's label as seen ("Outcome") and as heard ("Outcome (rule 2)"): the rule's box
 * already says which rule it is on screen, and a screen reader or a test that jumps
 * between fields needs it in the name.
 */
export function named(text: string, where: string) {
  return (
    <>
      {text}
      <span className="sr-only"> ({where})</span>
    </>
  );
}
