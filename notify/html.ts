/**
 * The e-mails' HTML: every value escaped (text and attributes), inline styles only (mail clients drop <style>
 * blocks), one table-based layout for alerts and reports.
 */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Only http(s) links become anchors; anything else is shown as text. */
export function linkHtml(label: string, url: string): string {
  return /^https?:\/\//i.test(url)
    ? `<a href="${escapeHtml(url)}" style="color:#15803d;font-weight:600;text-decoration:none">${escapeHtml(label)}</a>`
    : escapeHtml(label);
}

/** Plain text with line breaks, escaped. */
export function paragraphs(text: string): string {
  return text.split('\n').map((line) => `<p style="margin:0 0 8px">${escapeHtml(line)}</p>`).join('');
}

/** The whole document around `body` (already HTML); `title` and `footer` are plain text. */
export function emailDocument(options: { lang: string; title: string; accent: string; body: string; footer: string }): string {
  return [
    '<!doctype html>',
    `<html lang="${escapeHtml(options.lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">`,
    `<title>${escapeHtml(options.title)}</title></head>`,
    '<body style="margin:0;padding:24px;background:#f4f4f5;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#18181b">',
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:680px;margin:0 auto;background:#ffffff;border-radius:8px">',
    `<tr><td style="padding:20px 24px;border-top:4px solid ${options.accent};border-radius:8px 8px 0 0">`,
    `<h1 style="margin:0 0 16px;font-size:20px">${escapeHtml(options.title)}</h1>`,
    options.body,
    '</td></tr>',
    `<tr><td style="padding:12px 24px;color:#71717a;font-size:12px">${escapeHtml(options.footer)}</td></tr>`,
    '</table></body></html>',
  ].join('\n');
}
