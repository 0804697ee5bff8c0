/**
 * Approval cards in the admin chat: thumbnail + caption per platform + Aprobar / Rechazar. Whoever decides
 * (the card's buttons, the dashboard, the API) the card is edited once to show the decision and who took it.
 */
import { GrammyError, InlineKeyboard, InputFile, type Api } from 'grammy';
import { existsSync } from 'node:fs';
import { findCard, insertCard, markCardDecided } from '../db/telegram.js';
import type { Content, Model } from '../db/schema.js';
import { logError, type BotDeps } from './deps.js';
import { adminTexts, clip, esc, formatMegabytes } from './messages.js';

/** Telegram's caption limit is 1024 characters; the decision line added later needs room too. */
const photoBodyLimit = 800;
const textBodyLimit = 3500;

export const callbackData = {
  approve: (contentId: string) => `ap:${contentId}`,
  reject: (contentId: string) => `rj:${contentId}`,
  retry: (publicationId: string) => `rt:${publicationId}`,
};

const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const callbackPattern = new RegExp(`^(ap|rj|rt):(${uuid})$`);

export type CallbackAction = { action: 'approve' | 'reject' | 'retry'; id: string };

/** Parses our own callback data; anything else (forged, stale, from another bot) is undefined. */
export function parseCallback(data: string): CallbackAction | undefined {
  const match = callbackPattern.exec(data);
  if (!match) return undefined;
  const action = ({ ap: 'approve', rj: 'reject', rt: 'retry' } as const)[match[1] as 'ap' | 'rj' | 'rt'];
  return { action, id: match[2]! };
}

export const approvalKeyboard = (contentId: string) =>
  new InlineKeyboard().text(adminTexts.card.approve, callbackData.approve(contentId)).text(adminTexts.card.reject, callbackData.reject(contentId));

/** The card's text (HTML), within the limit of where it goes. */
/** `warnings`: what each target platform will do with the content or refuse (core/labels.ts), already in the admin's words. */
export function approvalCardBody(content: Content, model: Pick<Model, 'name'>, limit: number, warnings: string[] = []): string {
  const facts = [
    content.durationSeconds !== null ? `${Math.round(content.durationSeconds)} s` : undefined,
    content.width && content.height ? `${content.width}×${content.height}` : undefined,
    content.sizeBytes !== null ? formatMegabytes(content.sizeBytes) : undefined,
  ].filter(Boolean).join(' · ');
  const head = [
    adminTexts.card.title(content.id),
    `👤 ${esc(model.name)}`,
    content.context ? `💬 ${esc(clip(content.context, 200))}` : undefined,
    facts ? `🎞 ${facts}` : undefined,
    ...warnings.map((w) => `⚠️ ${esc(clip(w, 160))}`),
  ].filter(Boolean).join('\n');
  const drafts = Object.entries(content.captionDrafts ?? {});
  if (drafts.length === 0 && content.generatedCaption) drafts.push(['caption', { caption: content.generatedCaption, tags: content.generatedTags ?? [], source: 'template' }]);
  // Each platform gets an equal share of what is left (tags and markup included).
  const share = Math.max(60, Math.floor((limit - head.length - 20) / Math.max(1, drafts.length)) - 30);
  const parts = drafts.map(([platform, draft]) => {
    const tags = draft.tags.map((t) => `#${t}`).join(' ');
    const text = clip([draft.caption, tags].filter(Boolean).join('\n'), share);
    return `<b>${esc(clip(platform, 30))}</b>\n${esc(text)}`;
  });
  return [head, ...parts].join('\n\n');
}

/** Sends the card (photo when the thumbnail is readable here, text otherwise) and remembers it. */
export async function sendApprovalCard(deps: BotDeps, api: Api, chatId: number, content: Content, model: Pick<Model, 'name'>, warnings: string[] = []) {
  if (await findCard(deps.db, content.id)) return;
  const keyboard = approvalKeyboard(content.id);
  if (content.thumbnailPath && existsSync(content.thumbnailPath)) {
    const body = approvalCardBody(content, model, photoBodyLimit, warnings);
    try {
      const sent = await api.sendPhoto(chatId, new InputFile(content.thumbnailPath), { caption: body, parse_mode: 'HTML', reply_markup: keyboard });
      await insertCard(deps.db, { contentId: content.id, chatId, messageId: sent.message_id, kind: 'photo', body });
      return;
    } catch (error) {
      // A thumbnail Telegram refuses (size, format) must not cost the card: send it as text.
      if (!(error instanceof GrammyError)) throw error;
      logError(deps, error, 'approval card photo refused; sending text', { contentId: content.id });
    }
  }
  const body = approvalCardBody(content, model, textBodyLimit, warnings);
  const sent = await api.sendMessage(chatId, body, { parse_mode: 'HTML', reply_markup: keyboard, link_preview_options: { is_disabled: true } });
  await insertCard(deps.db, { contentId: content.id, chatId, messageId: sent.message_id, kind: 'text', body });
}

export function decisionLine(decision: { approved: boolean; actor: string; reason?: string | null }): string {
  const who = adminTexts.actor(decision.actor);
  return decision.approved ? adminTexts.card.approvedBy(who) : adminTexts.card.rejectedBy(who, clip(decision.reason ?? '', 150));
}

const notModified = (error: unknown) => error instanceof GrammyError && /not modified/i.test(error.description);

/** Edits the card once (the first decision wins) to show the decision and drop the buttons. */
export async function markCard(deps: BotDeps, api: Api, contentId: string, line: string): Promise<boolean> {
  const card = await findCard(deps.db, contentId);
  if (!card || !(await markCardDecided(deps.db, contentId))) return false;
  const text = `${card.body}\n\n${line}`;
  // An empty inline keyboard removes the buttons.
  const options = { parse_mode: 'HTML' as const, reply_markup: { inline_keyboard: [] } };
  try {
    if (card.kind === 'photo') await api.editMessageCaption(card.chatId, card.messageId, { caption: text, ...options });
    else await api.editMessageText(card.chatId, card.messageId, text, { ...options, link_preview_options: { is_disabled: true } });
  } catch (error) {
    if (!notModified(error)) logError(deps, error, 'approval card not edited', { contentId });
  }
  return true;
}
