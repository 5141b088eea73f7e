import type { ComponentChildren } from "preact";

/**
 * The admin pages' table: one header row of `head`, the rows as children. Each cell carries
 * its column's name (`data-label`), so on a phone the rows stack into labelled cards.
 */
export function AdminTable(
  props: { head: string[]; children: ComponentChildren; testid?: string },
) {
  return (
    <div class="card table-wrap">
      <table class="table table-stack" data-testid={props.testid}>
        <thead>
          <tr>
            {props.head.map((h, i) => <th key={i}>{h}</th>)}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}

/** The line that says what just happened ("User added."), when something did. */
export function Notice(props: { text?: string }) {
  return props.text ? <p class="notice" role="status">{props.text}</p> : null;
}

/** The line that says what went wrong, when something did. */
export function ErrorLine(props: { text?: string }) {
  return props.text ? <p class="error" role="alert">{props.text}</p> : null;
}
