/**
 * The YAML config's shape (SPEC §2) as zod schemas. Every object is strict: an unknown key is
 * usually a typo, and a typo in an incident tool is found at load time, not at 3 a.m.
 * Semantic checks (durations, addresses, event signatures, cross references) live in load.ts so
 * that each problem gets one precise line.
 */
import { z } from 'zod';

const text = z.string().min(1, 'must not be empty');
const DURATION_HINT = 'must be a duration like 90s, 30m, 12h or 3d';
const ADDRESS_HINT = 'must be an address (0x followed by 40 hex digits)';
const duration = z.string({ error: DURATION_HINT }).min(1, DURATION_HINT);
const address = z.string({ error: ADDRESS_HINT }).min(1, ADDRESS_HINT);
/** Discord snowflakes and Telegram chat ids: strings, or numbers small enough to survive YAML. */
const chatId = z
  .union([
    text,
    z
      .number()
      .int()
      .refine(Number.isSafeInteger, 'is too large for a YAML number (digits get lost): write it in quotes'),
  ])
  .transform(String);
const severity = z.enum(['S0', 'S1', 'S2', 'S3']);
const positiveInt = z.number().int().nonnegative();
const blockNumber = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/, 'must be a block number')]);

export const thresholdsSchema = z.strictObject({
  lockedUsd: z.number().positive().optional(),
  stuckTransfers: z.number().int().positive().optional(),
  oldestStuck: duration.optional(),
  halted: z.boolean().optional(),
});

export const chainSchema = z.strictObject({
  chainId: z.number().int().positive(),
  rpc: z.union([text, z.array(text).min(1, 'needs at least one RPC URL')]),
  confirmations: positiveInt.default(2),
  pollIntervalMs: z.number().int().min(50).default(1000),
  haltedAfter: duration.default('5m'),
});

const eventSourceSchema = z.strictObject({
  chain: text,
  address,
  event: text,
  fields: z.strictObject({ id: text, amount: text.optional(), token: text.optional() }),
  fromBlock: blockNumber.default(0),
});

const tokenSchema = z.strictObject({
  symbol: text,
  decimals: z.number().int().min(0).max(77),
  priceUsd: z.number().nonnegative().optional(),
  priceFeed: z
    .strictObject({ chain: text, address, maxAge: duration.default('1h') })
    .optional(),
});

export const bridgeSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/, 'must match [a-z0-9-]+'),
  name: text.optional(),
  stuckAfter: duration,
  source: eventSourceSchema,
  destination: eventSourceSchema,
  tokens: z.record(z.string(), tokenSchema).default({}),
  defaultToken: tokenSchema.optional(),
  pausable: address.optional(),
});

const apiTokenSchema = z.union([
  text,
  z.strictObject({ name: text, token: text, scope: z.enum(['read', 'write']).default('write') }),
]);

const tierSchema = z.strictObject({
  name: text,
  discord: text.optional(),
  telegram: text.optional(),
  pagerduty: text.optional(),
  ackTimeout: duration.optional(),
});

const audienceMap = z.strictObject({
  ops: chatId.optional(),
  dev: chatId.optional(),
  comms: chatId.optional(),
  community: chatId.optional(),
});

const rollbackGovernorSchema = z.strictObject({
  chain: text,
  address,
  signer: text.optional(),
  autoPause: z.array(z.strictObject({ bridge: text, minSeverity: severity })).default([]),
});

export const configSchema = z.strictObject({
  dataDir: text.default('./.firebreak'),
  storage: z.strictObject({ url: text }).optional(),
  server: z
    .strictObject({
      host: text.default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8787),
      apiTokens: z.array(apiTokenSchema).default([]),
      publicUrl: text.optional(),
    })
    .default({ host: '127.0.0.1', port: 8787, apiTokens: [] }),
  playbooks: text.optional(),
  chains: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'chain names must match [A-Za-z0-9_-]+'), chainSchema),
  bridges: z.array(bridgeSchema).min(1, 'configure at least one bridge'),
  severity: z
    .strictObject({
      S0: thresholdsSchema.optional(),
      S1: thresholdsSchema.optional(),
      S2: thresholdsSchema.optional(),
      S3: thresholdsSchema.optional(),
    })
    .optional(),
  maintenance: z
    .array(
      z.strictObject({
        start: text,
        end: text,
        bridges: z.array(text).optional(),
        note: z.string().optional(),
      }),
    )
    .default([]),
  alerts: z.strictObject({ routingKeys: z.array(text).default([]) }).optional(),
  oncall: z
    .strictObject({
      pagerduty: z.strictObject({ eventsUrl: text }).optional(),
      webhooks: z.array(z.strictObject({ url: text, secret: text.optional() })).default([]),
      tiers: z.array(tierSchema).default([]),
    })
    .optional(),
  discord: z
    .strictObject({
      token: text.optional(),
      applicationId: chatId.optional(),
      publicKey: text.optional(),
      channels: audienceMap.default({}),
      allowedRoleIds: z.array(chatId).default([]),
      api: text.default('https://discord.com/api'),
    })
    .optional(),
  telegram: z
    .strictObject({
      token: text.optional(),
      chats: audienceMap.default({}),
      webhookSecret: text.optional(),
      allowedUserIds: z.array(chatId).default([]),
      apiRoot: text.default('https://api.telegram.org'),
    })
    .optional(),
  ipfs: z
    .strictObject({
      enabled: z.boolean().default(true),
      listen: z.array(text).default(['/ip4/127.0.0.1/tcp/4001']),
      ipnsKey: text.default('status'),
      pinningServices: z.array(z.strictObject({ endpoint: text, token: text.optional() })).default([]),
    })
    .optional(),
  governance: z
    .strictObject({
      snapshot: z
        .strictObject({
          hub: text.default('https://hub.snapshot.org'),
          space: text,
          network: text,
          signer: text.optional(),
          minSeverity: severity.default('S1'),
          votingPeriod: duration.default('3d'),
        })
        .optional(),
      rollbackGovernor: z.union([rollbackGovernorSchema, z.array(rollbackGovernorSchema)]).optional(),
    })
    .optional(),
  anchor: z.strictObject({ chain: text, registry: address, signer: text.optional() }).optional(),
});

export type RawConfig = z.infer<typeof configSchema>;
export type RawBridge = z.infer<typeof bridgeSchema>;
export type RawToken = z.infer<typeof tokenSchema>;
export type RawThresholds = z.infer<typeof thresholdsSchema>;
