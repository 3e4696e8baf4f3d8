import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MailKind } from './tables.js';

/** What a message says: its subject, its plain text and its HTML, with `{{name}}` placeholders. */
export interface MailTemplate {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export interface RenderedMail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** The values a template may name. Those a kind lacks are refused when an override names them. */
export type MailVariables = Readonly<Record<string, string>>;

const PLACEHOLDER = /\{\{\s*([a-zA-Z]+)\s*\}\}/g;

/** The placeholders each kind fills; an override naming another is a start-up error, not a blank in a user's inbox. */
export const MAIL_VARIABLES: Readonly<Record<MailKind, readonly string[]>> = {
  verify: ['appName', 'email', 'link', 'token', 'expiresInMinutes'],
  reset: ['appName', 'email', 'link', 'token', 'expiresInMinutes'],
  'email-change': ['appName', 'email', 'link', 'token', 'expiresInMinutes'],
  'password-changed': ['appName', 'email'],
  'email-changed': ['appName', 'email', 'newEmail'],
};

const page = (body: string) => `<!doctype html><html><body style="font-family:sans-serif">${body}</body></html>`;
const linkBlock = (action: string) =>
  `<p><a href="{{link}}">${action}</a></p><p>Or paste this code in the app: <code>{{token}}</code></p>` +
  '<p>It works once, for {{expiresInMinutes}} minutes.</p>';

const BUILT_IN: Readonly<Record<MailKind, MailTemplate>> = {
  verify: {
    subject: 'Confirm your email for {{appName}}',
    text: 'Confirm that {{email}} is yours:\n\n{{link}}\n\nOr paste this code in the app: {{token}}\n\nIt works once, for {{expiresInMinutes}} minutes. If you did not sign up for {{appName}}, ignore this message.\n',
    html: page(
      `<p>Confirm that {{email}} is yours.</p>${linkBlock('Confirm my email')}<p>If you did not sign up for {{appName}}, ignore this message.</p>`,
    ),
  },
  reset: {
    subject: 'Reset your {{appName}} password',
    text: 'Someone asked to reset the password of {{email}}. To choose a new one:\n\n{{link}}\n\nOr paste this code in the app: {{token}}\n\nIt works once, for {{expiresInMinutes}} minutes. If it was not you, ignore this message: your password stays as it is.\n',
    html: page(
      `<p>Someone asked to reset the password of {{email}}.</p>${linkBlock('Choose a new password')}<p>If it was not you, ignore this message: your password stays as it is.</p>`,
    ),
  },
  'email-change': {
    subject: 'Confirm your new email for {{appName}}',
    text: 'Confirm that {{email}} should become the email of your {{appName}} account:\n\n{{link}}\n\nOr paste this code in the app: {{token}}\n\nIt works once, for {{expiresInMinutes}} minutes. If you did not ask for this, ignore this message.\n',
    html: page(
      `<p>Confirm that {{email}} should become the email of your {{appName}} account.</p>${linkBlock('Confirm my new email')}<p>If you did not ask for this, ignore this message.</p>`,
    ),
  },
  'password-changed': {
    subject: 'Your {{appName}} password was changed',
    text: 'The password of {{email}} was just changed, and every device was signed out. If it was not you, reset your password at once.\n',
    html: page(
      '<p>The password of {{email}} was just changed, and every device was signed out.</p><p>If it was not you, reset your password at once.</p>',
    ),
  },
  'email-changed': {
    subject: 'Your {{appName}} email was changed',
    text: 'The email of your {{appName}} account changed from {{email}} to {{newEmail}}. If it was not you, contact the app’s support at once.\n',
    html: page(
      '<p>The email of your {{appName}} account changed from {{email}} to {{newEmail}}.</p><p>If it was not you, contact the app’s support at once.</p>',
    ),
  },
};

const PARTS = [
  ['subject', 'subject.txt'],
  ['text', 'text.txt'],
  ['html', 'html'],
] as const;

/**
 * The templates in use: the built-in ones, each part replaced by `<folder>/<kind>.subject.txt`,
 * `<kind>.text.txt` or `<kind>.html` when that file exists. Read once, at start; a placeholder a kind
 * does not fill throws, so a mistake shows when the server starts.
 */
export function loadTemplates(folder: string | undefined): Readonly<Record<MailKind, MailTemplate>> {
  if (folder === undefined) return BUILT_IN;
  if (!existsSync(folder)) throw new Error(`SHOEBOX_MAIL_TEMPLATES_DIR ${folder} does not exist`);
  const loaded = {} as Record<MailKind, MailTemplate>;
  for (const kind of Object.keys(BUILT_IN) as MailKind[]) {
    const template = { ...BUILT_IN[kind] };
    for (const [part, suffix] of PARTS) {
      const file = join(folder, `${kind}.${suffix}`);
      if (!existsSync(file)) continue;
      const content = readFileSync(file, 'utf8');
      for (const [, name] of content.matchAll(PLACEHOLDER)) {
        if (!MAIL_VARIABLES[kind].includes(name ?? '')) {
          throw new Error(`${file} names {{${name}}}, which ${kind} messages do not fill; they fill ${MAIL_VARIABLES[kind].join(', ')}`);
        }
      }
      template[part] = part === 'subject' ? content.trim() : content;
    }
    loaded[kind] = template;
  }
  return loaded;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);

const fill = (template: string, variables: MailVariables, encode: (value: string) => string) =>
  template.replace(PLACEHOLDER, (_, name: string) => encode(variables[name] ?? ''));

/** Fills a template; values are escaped in the HTML part, and line breaks are removed from the subject (no header injection). */
export function renderMail(template: MailTemplate, variables: MailVariables): RenderedMail {
  return {
    subject: fill(template.subject, variables, (value) => value.replace(/[\r\n]+/g, ' ')),
    text: fill(template.text, variables, (value) => value),
    html: fill(template.html, variables, escapeHtml),
  };
}
