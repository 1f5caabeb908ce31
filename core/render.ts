// core/ imports only core/, so the template shape is stated here structurally;
// templates/template.ts's MessageTemplate and MessageVars fit it as they are.
export interface RenderableTemplate<Vars> {
  sms: (vars: Vars) => string;
  email: { subject: (vars: Vars) => string; text: (vars: Vars) => string };
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** The SMS body, tidied: every extra space is a septet the patient pays for. */
export function renderSms<Vars>(template: RenderableTemplate<Vars>, vars: Vars): string {
  return tidy(template.sms(vars));
}

/** Subject, plain text and an HTML part made from the same paragraphs. */
export function renderEmail<Vars>(template: RenderableTemplate<Vars>, vars: Vars): RenderedEmail {
  const subject = tidy(template.email.subject(vars)).replace(/\s*\n\s*/g, ' ');
  const text = tidy(template.email.text(vars));
  return { subject, text, html: emailHtml(subject, text) };
}

function tidy(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n[ \t]+/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

const htmlEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => htmlEntities[c] ?? c);
}

/** The HTML part of an email, made from its plain-text paragraphs. */
export function emailHtml(subject: string, text: string): string {
  const paragraphs = text
    .split(/\n{2,}/)
    .filter((p) => p.length > 0)
    .map((p) => `<p style="margin:0 0 16px;">${escapeHtml(p).replace(/\n/g, '<br>\n')}</p>`)
    .join('\n');
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8">',
    `<title>${escapeHtml(subject)}</title></head>`,
    '<body style="margin:0;padding:24px;background:#f6f6f4;">',
    '<div style="max-width:560px;margin:0 auto;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#222222;">',
    paragraphs,
    '</div></body></html>',
  ].join('\n');
}
