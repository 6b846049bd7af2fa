/** The API reference of the chat webhooks (src/comms/discord/interactions.ts, src/comms/telegram/webhook.ts). */
import { z } from 'zod';
import type { RouteDoc } from '../core/api.ts';

const refusal = z.object({ error: z.string() });

export const COMMS_ROUTES: RouteDoc[] = [
  {
    method: 'post',
    path: '/webhooks/discord',
    summary: 'Discord interactions endpoint (`/incident …` commands)',
    description:
      'Verified with Ed25519 (`X-Signature-Ed25519`, `X-Signature-Timestamp`) against `discord.publicKey`; a timestamp older than 5 minutes is a replay. Interaction ids are processed once. Mutating commands need one of `discord.allowedRoleIds`.',
    access: 'signed',
    tag: 'webhooks',
    body: z.looseObject({ id: z.string(), type: z.number().int(), data: z.looseObject({ name: z.string() }).optional() }).meta({ description: 'a Discord interaction' }),
    responses: {
      200: { description: 'an interaction response (type 1 pong, 4 message, 5 deferred)', schema: z.looseObject({ type: z.number().int() }) },
      400: { description: 'not JSON, or not an interaction', schema: refusal },
      401: { description: 'missing, forged or stale signature (or discord.publicKey unset)', schema: refusal },
    },
  },
  {
    method: 'post',
    path: '/webhooks/telegram',
    summary: 'Telegram Bot API webhook (`/status`, `/ack`, `/update`, `/note`, `/role`, `/declare`, `/resolve`)',
    description:
      '`X-Telegram-Bot-Api-Secret-Token` must equal `telegram.webhookSecret` (missing → 401, wrong → 403). Updates are processed once per `update_id`; mutating commands need one of `telegram.allowedUserIds`.',
    access: 'signed',
    tag: 'webhooks',
    body: z.looseObject({ update_id: z.number().int(), message: z.looseObject({}).optional() }).meta({ description: 'a Telegram Update' }),
    responses: {
      200: { description: 'handled (the reply is sent through the Bot API), ignored or a duplicate', schema: z.looseObject({}) },
      400: { description: 'not a JSON update', schema: refusal },
      401: { description: 'secret header missing (or telegram.webhookSecret unset)', schema: refusal },
      403: { description: 'wrong secret', schema: refusal },
    },
  },
];
