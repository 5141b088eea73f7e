/**
 * The second step of a destructive action, without JavaScript: the first button is a link to a
 * page with this card, whose button posts the change; "Cancel" goes back.
 */
export function Confirm(
  props: { title: string; message: string; action: string; button: string; cancel: string },
) {
  return (
    <section class="card confirm" aria-labelledby="confirm-title">
      <h1 id="confirm-title">{props.title}</h1>
      <p>{props.message}</p>
      <form method="post" action={props.action} class="confirm-actions">
        <button type="submit" class="btn btn-danger">{props.button}</button>
        <a class="btn" href={props.cancel}>Cancel</a>
      </form>
    </section>
  );
}
