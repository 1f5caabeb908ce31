/** Markup that is already safe to send: built by `html` or marked with `trusted`. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** What may be interpolated; `false`, null and undefined render nothing, so `${cond && html`…`}` works. */
export type HtmlPart = SafeHtml | string | number | false | null | undefined | readonly HtmlPart[];

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => entities[c] ?? c);
}

function renderPart(part: HtmlPart): string {
  if (part instanceof SafeHtml) return part.value;
  if (Array.isArray(part)) return part.map(renderPart).join('');
  if (part === false || part === null || part === undefined) return '';
  return escapeHtml(String(part));
}

/**
 * Tagged template for pages: every interpolation is escaped unless it is itself SafeHtml, so a
 * patient's reply or a staff name can never become markup. Attribute values must be quoted.
 */
export function html(strings: TemplateStringsArray, ...values: HtmlPart[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += renderPart(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** For the page's own constant stylesheet and script only; never for anything that came from outside. */
export function trusted(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
