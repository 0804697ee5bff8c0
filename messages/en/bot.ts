/** What the bot says, in English: same shape as `../es/bot.ts` (HTML texts; `errors` and `answers` plain text). */
import type { bot as es } from '../es/bot.js';
import { esc, shortId, shortIds } from '../html.js';

const model = {
  refusal: 'Hi 👋 This bot is only for the studio\'s models. If you are one of them, ask your admin for a link code and send me <code>/start CODE</code>.',
  linked: (name: string) => `All set, ${esc(name)}! Your Telegram is linked. Send me your videos (you can write the context in the video caption) and I will tell you when they are published. /help shows how.`,
  alreadyLinked: (name: string) => `Hi, ${esc(name)} 👋 You are already linked. Send me a video whenever you like. /help shows how.`,
  codeInvalid: 'That code is not valid or was already used. Ask your admin for a new code and send <code>/start CODE</code>.',
  codeExpired: 'That code has expired. Ask your admin for a new one and send <code>/start CODE</code>.',
  help: (limit: string) => [
    '<b>How to send content</b>',
    '• Send me a video (as a video, a file, a round video or a GIF). You can send several together as an album.',
    '• Write the context in the video caption, or in a message right after it.',
    `• Up to ${limit} per video. If it is bigger, trim or compress it before sending.`,
    '• I tell you when I receive it, when it is approved or rejected, and when it is published (with the link).',
    '',
    '/estado — your latest videos and where they stand',
    '/help — this help',
  ].join('\n'),
  received: (list: readonly string[]) => list.length === 1
    ? `✅ Got your video (${shortIds(list)}). I will tell you when it is published.`
    : `✅ Got your ${list.length} videos (${shortIds(list)}). I will tell you when they are published.`,
  alreadyReceived: 'I had already received that video; it is not registered twice.',
  submitFailed: 'I could not register your video right now (the system is not answering). Please send it again in a few minutes.',
  diskFull: 'I cannot receive videos right now: the studio\'s server is out of space. Please send it again later.',
  tooBig: (size: string, limit: string) =>
    `This video is ${size} and Telegram only lets bots download up to ${limit}. Please send a shorter or compressed version (for example, recorded in 720p or trimmed) and I will take it right away.`,
  tooBigForUs: (size: string, limit: string) =>
    `This video is ${size} and the most we take is ${limit}. Please send a shorter or compressed version (for example, recorded in 720p or trimmed).`,
  notVideo: 'I can only take videos 🎬. Send it as a video or as a video file (MP4, MOV…).',
  unreadable: 'I could not read that file. Please send it again as a video.',
  textHint: 'To send content, send me a video. The text in the video caption (or right after it) is used as context.',
  unknownCommand: 'I do not know that command. /help shows what I can do.',
  statusEmpty: 'You have not sent me any videos yet.',
  statusTitle: '<b>Your latest videos</b>',
  approved: (id: string) => `👍 Your video #${shortId(id)} was approved. I will tell you when it is published.`,
  rejected: (id: string, reason: string) => `❌ Your video #${shortId(id)} will not be published: ${esc(reason)}`,
  duplicate: (id: string, reason: string) => `ℹ️ #${shortId(id)}: ${esc(reason)}`,
  publishedAsDraft: (id: string, platform: string, caption: string) =>
    `📥 Your video #${shortId(id)} is in your ${esc(platform)} drafts inbox. Open the app, check the notification and post it with this text:\n\n<code>${esc(caption)}</code>`,
  published: (id: string, platform: string, url: string) => `🎉 Your video #${shortId(id)} is live on ${esc(platform)}!\n${esc(url)}`,
  contentStatus: {
    new: 'in progress', approved: 'approved', rejected: 'rejected', reusable: 'reusable', duplicate: 'repeated',
  },
  publicationStatus: {
    scheduled: 'scheduled', held: 'on hold', processing: 'being published', published: 'published', failed: 'has a problem (the team is on it)',
    canceled: 'canceled', unconfirmed: 'under review', published_as_draft: 'in your drafts inbox',
  },
  waitingApproval: 'waiting for approval',
  scheduledFor: (when: string) => `scheduled for ${when}`,
  error: 'Something went wrong with your message. Please try again in a moment.',
};

const admin = {
  help: [
    '<b>Admin chat commands</b>',
    '/status — scheduled, in-progress and failed publications; system health',
    '/daily — summary of the last 24 h (published, views, likes, clicks)',
    '/weekly — summary of the last 7 days',
    '/pause MODEL — pauses a model: her publications are held',
    '/resume MODEL — resumes her and releases her publications',
    '/failed — failed or unconfirmed publications, with a button to retry',
    '/retry ID — retries a publication (the first 8 characters of the ID are enough)',
    '',
    'Approval cards come with Approve / Reject buttons (when you reject, I ask for the reason).',
  ].join('\n'),

  publicationStatus: {
    scheduled: 'scheduled', held: 'held', processing: 'processing', published: 'published', failed: 'failed',
    canceled: 'canceled', unconfirmed: 'unconfirmed', published_as_draft: 'draft',
  },
  contentStatus: {
    new: 'pending', approved: 'approved', rejected: 'rejected', duplicate: 'repeated', reusable: 'reusable',
  },
  accountStatus: {
    paused: 'paused', session_expired: 'session expired', disabled: 'disabled', active: 'active',
  },
  modelStatus: {
    paused: '⏸ paused', testing: 'testing', active: 'active',
  },

  actor: (actor: string) => {
    if (actor === 'api') return 'the API';
    if (actor === 'admin') return 'the dashboard';
    if (actor === 'auto:rules') return 'the automatic rules';
    if (actor.startsWith('telegram:')) return actor.slice('telegram:'.length);
    return actor;
  },

  errors: {
    temporalUnavailable: 'Temporal is not answering; nothing was done. Try again in a moment.',
    alreadyDecided: 'That content was already decided.',
    notWaiting: 'That content is no longer waiting for a decision.',
    missingReason: 'The reason cannot be empty.',
    notFound: 'Not found (it may have been deleted).',
    ambiguousModel: (candidates: readonly string[]) => `Several models match: ${candidates.join(', ')}. Type the full name.`,
    unknownModel: 'No model has that name. /pause without a name lists the models.',
    missingModel: 'Type the name of a model. /pause without a name lists the models.',
    noWorkflow: 'That content has no running process; decide it from the dashboard.',
    invalidState: 'The publication is not in a state that allows that action.',
    captionViolations: (platforms: string[]) => `The caption for ${platforms.join(', ')} breaks a limit or a moderation rule: fix it (or override the rule) in the dashboard, under Contents.`,
    unavailable: 'The system is not answering; nothing was done. Try again in a moment.',
  },

  answers: {
    notAvailable: 'This action is not available.',
    unknownAction: 'Unknown or expired action.',
    failed: 'Something went wrong; nothing was done. Try again.',
    approved: '✅ Approved',
    contentNotFound: 'That content was not found.',
    alreadyDecided: (status: string) => `Already decided: ${status}.`,
    cardNotRegistered: 'This card is not registered; reject from the dashboard.',
    writeReason: 'Write the reason for the rejection',
    retrying: '🔁 Retrying',
    cannotRetry: (status: string) => `Cannot retry: the publication is ${status}.`,
  },

  status: {
    title: (light: string) => `<b>Status</b> ${light}`,
    scheduledHeld: (scheduled: number, held: number) => `📅 Scheduled: <b>${scheduled}</b> · ⏸ Held: <b>${held}</b>`,
    processing: (n: number) => `⚙️ Processing: <b>${n}</b>`,
    failedUnconfirmed: (failed: number, unconfirmed: number) => `🔴 Failed: <b>${failed}</b> · 🟠 Unconfirmed: <b>${unconfirmed}</b>`,
    published: (n: number) => `✅ Published: <b>${n}</b>`,
    pendingApproval: (n: number) => `📝 Waiting for approval: <b>${n}</b>`,
    health: (db: string, temporal: string, workers: string) => `<b>Health</b>: database ${db} · Temporal ${temporal} · workers: ${workers}`,
    noWorkers: 'no data',
    pausedModels: (names: readonly string[]) => `⏸ Paused models: ${names.map(esc).join(', ')}`,
    accountsTitle: '<b>Accounts not publishing</b>',
    account: (a: { model: string; platform: string; username: string; status: string }) =>
      `• ${esc(a.model)} · ${esc(a.platform)} @${esc(a.username)}: ${a.status}`,
    failedHint: '/failed to see and retry them',
  },

  summary: {
    dailyTitle: 'Summary of the last 24 h',
    weeklyTitle: 'Summary of the last 7 days',
    title: (title: string) => `📊 <b>${title}</b>`,
    row: (r: { published: string; views: string; likes: string; clicks: string }) =>
      `${r.published} published · ${r.views} views · ${r.likes} likes · ${r.clicks} clicks`,
    byPlatform: '<b>By platform</b>',
    byModel: '<b>By model</b>',
    item: (name: string, row: string) => `• ${esc(name)}: ${row}`,
    empty: 'No publications or clicks in this period.',
    more: (n: string) => `… and ${n} more in the dashboard`,
    earnings: (amount: string, sessions: string) => `💵 <b>Earnings</b>: ${amount} · ${sessions} live sessions`,
    bestPlatform: (name: string, amount: string, method: string) => `🏆 Best platform: ${esc(name)} (${amount} attributed, ${method})`,
    noBestPlatform: '🏆 Best platform: none with attributed earnings',
    method: { last_click: 'last click', linear: 'linear' },
  },

  models: {
    usage: (verb: string, list: string) => `Usage: <code>/${verb} NAME</code>\n\n<b>Models</b>\n${list}`,
    item: (name: string, status: string) => `• ${esc(name)} — ${status}`,
    more: (n: number) => `… and ${n} more: type part of the name.`,
    none: 'none',
    alreadyPaused: (name: string) => `${esc(name)} was already paused. /resume ${esc(name)} to resume her.`,
    paused: (name: string, held: number) =>
      `⏸ <b>${esc(name)}</b> paused: ${held} publication(s) held; any she gets from now on waits too. /resume ${esc(name)} to resume her.`,
    notPaused: (name: string) => `${esc(name)} was not paused.`,
    resumed: (name: string, released: number) => `▶️ <b>${esc(name)}</b> resumed: ${released} publication(s) released.`,
  },

  failed: {
    none: '✅ No failed or unconfirmed publications.',
    title: '<b>Publications waiting for a person</b>',
    item: (p: { id: string; model: string; platform: string; username: string; status: string; attempts: number; error: string }) =>
      `• <b>#${shortId(p.id)}</b> ${esc(p.model)} → ${esc(p.platform)} @${esc(p.username)} · ${p.status} · ${p.attempts} attempt(s)\n  ${esc(p.error)}`,
    noDetail: 'no detail',
    footer: 'Retry with the buttons or with /retry ID.',
    retryUsage: 'Usage: <code>/retry ID</code> (the ID from /failed; the first 8 characters are enough).',
    retryNotFound: (raw: string) => `No publication #${esc(raw)} was found.`,
    retryAmbiguous: (raw: string) => `#${esc(raw)} matches several publications; type more characters of the ID.`,
    retrying: (id: string) => `🔁 Retrying publication <b>#${shortId(id)}</b>. I will tell you if it fails again.`,
    retryRequested: (id: string, who: string) => `🔁 Retry of publication <b>#${shortId(id)}</b> requested by ${esc(who)}.`,
    cannotRetry: (id: string, status: string) => `Cannot retry #${shortId(id)}: it is ${status} (only failed, unconfirmed or held ones).`,
  },

  reject: {
    prompt: (id: string) => `✍️ Write the reason to reject <b>#${shortId(id)}</b> as a reply to this message. The model will read it.`,
    placeholder: 'Reason for the rejection',
    reasonNotText: 'Write the reason as text, as a reply to the previous message.',
    reasonTooLong: (max: number) => `The reason is too long (at most ${max} characters). Shorten it and reply again.`,
    done: (id: string) => `❌ Rejected <b>#${shortId(id)}</b>. The model will get the reason.`,
  },

  card: {
    approve: '✅ Approve',
    reject: '❌ Reject',
    title: (id: string) => `📝 <b>Approval pending</b> · #${shortId(id)}`,
    approvedBy: (who: string) => `✅ <b>Approved</b> by ${esc(who)}`,
    rejectedBy: (who: string, reason: string) => `❌ <b>Rejected</b> by ${esc(who)}: ${esc(reason)}`,
  },
};

export const bot = { model, admin } satisfies typeof es;
