// The hostile inputs of `npm run test:hostile`: SQS bodies an attacker, a broken publisher or a broken Workload API
// could produce, each with the ending it must come to. Deterministic for a seed, so a failing run can be repeated.

/** Where a message must end: the SQS dead-letter queue (connector), the dead-letter topic, or acknowledged. */
export type Ending = 'sqs-dead-letter-queue' | 'dead-letter' | 'ignored';

export interface HostileMessage {
  /** Unique, and written into the body (as the envelope's MessageId where there is one) to find it again. */
  readonly id: string;
  readonly category: string;
  readonly body: string;
  readonly ending: Ending;
}

/** The servers the URLs point at: the allowed hostile answers, and an origin outside the allow-list. */
export interface HostileOrigins {
  /** On the allow-list: serves hostile answers at /huge, /drip, /wrong-type … */
  readonly answers: string;
  /** Not on the allow-list: must never receive a request. */
  readonly outsider: { readonly host: string; readonly port: number };
  readonly topicArn: string;
}

/** A small seeded generator (mulberry32): the same seed gives the same messages. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const validCrn = 'H000001';

function envelope(
  id: string,
  origins: HostileOrigins,
  message: unknown,
  extra: Record<string, unknown> = {},
) {
  return JSON.stringify({
    Type: 'Notification',
    MessageId: id,
    TopicArn: origins.topicArn,
    Message: typeof message === 'string' ? message : JSON.stringify(message),
    Timestamp: new Date().toISOString(),
    ...extra,
  });
}

function domainEvent(
  detailUrl: string | undefined,
  crn: string = validCrn,
  fields: Record<string, unknown> = {},
) {
  return {
    eventType: 'person.community.manager.allocated',
    version: 1,
    ...(detailUrl === undefined ? {} : { detailUrl }),
    occurredAt: new Date().toISOString(),
    personReference: { identifiers: [{ type: 'CRN', value: crn }] },
    ...fields,
  };
}

type Maker = (
  id: string,
  origins: HostileOrigins,
  pick: <T>(items: readonly T[]) => T,
) => {
  body: string;
  ending: Ending;
};

/** Characters that have broken parsers, logs and terminals. */
const nasty = [
  '\u0000',
  '\u0007',
  '\u001b[2J',
  '\u202e',
  '\ud83d\ude00',
  '\ud800',
  '\r\n',
  '\\',
  '"',
  "'",
  '%00',
];
const sqlLike = [
  "' OR '1'='1",
  "'; DROP TABLE OFFENDER; --",
  "N02ABS1' --",
  '1) UNION SELECT * FROM STAFF --',
];

/**
 * Each category: how its bodies are made and where they must end. URL tricks point at the outsider, which must
 * never be asked; hostile answers come from an allowed origin and must each end as a dead letter.
 */
export function categories(outsiderUrl: string): Record<string, Maker> {
  const { hostname, port } = new URL(outsiderUrl);
  const outsiderPort = Number(port);
  const decimal = (127 << 24) + 1;
  const urlTricks = [
    outsiderUrl,
    `http://localhost:${outsiderPort}/allocation/person/x`,
    `http://[::1]:${outsiderPort}/allocation/person/x`,
    `http://${decimal}:${outsiderPort}/allocation/person/x`,
    `http://0x7f.0.0.1:${outsiderPort}/allocation/person/x`,
    `http://0177.0.0.1:${outsiderPort}/allocation/person/x`,
    `http://127.1:${outsiderPort}/allocation/person/x`,
    `http://127.0.0.1.:${outsiderPort}/allocation/person/x`,
    `http://%31%32%37.0.0.1:${outsiderPort}/allocation/person/x`,
    `http://[::ffff:127.0.0.1]:${outsiderPort}/allocation/person/x`,
    `//${hostname}:${outsiderPort}/allocation/person/x`,
    `/allocation/person/x`,
    `file:///etc/passwd`,
    `data:application/json,{"crn":"X123456"}`,
    `ftp://${hostname}:${outsiderPort}/x`,
    `gopher://${hostname}:${outsiderPort}/x`,
    `javascript:alert(1)`,
    `ws://${hostname}:${outsiderPort}/x`,
  ];
  return {
    'not JSON': (id, _origins, pick) => ({
      body: pick([`${id} {`, `<xml id="${id}"/>`, `${id}\u0000\u0001`, `[1, 2 ${id}`]),
      ending: 'sqs-dead-letter-queue',
    }),
    'JSON that is no envelope': (id, _origins, pick) => ({
      body: pick([`"${id}"`, `["${id}"]`, `{"MessageId":"${id}"}`, `{"MessageId":"${id}","Message":42}`]),
      ending: 'sqs-dead-letter-queue',
    }),
    'deeply nested JSON': (id) => ({
      body: `{"MessageId":"${id}","Message":"{}","x":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
      ending: 'sqs-dead-letter-queue',
    }),
    'Message not a domain event': (id, origins, pick) => ({
      body: envelope(
        id,
        origins,
        pick(['not json', '[]', '{"version":1}', '{"eventType":"x"}', '{"eventType":7,"version":1}', 'null']),
      ),
      ending: 'sqs-dead-letter-queue',
    }),
    'version out of range': (id, origins, pick) => ({
      body: envelope(id, origins, {
        ...domainEvent('http://unused'),
        version: pick([3_000_000_000, -1, 1.5, '1']),
      }),
      ending: 'sqs-dead-letter-queue',
    }),
    'body over the size limit': (id, origins) => ({
      body: envelope(id, origins, {
        ...domainEvent(`${origins.answers}/never`),
        description: 'x'.repeat(80_000),
      }),
      ending: 'sqs-dead-letter-queue',
    }),
    'CRN of the wrong form': (id, origins, pick) => ({
      body: envelope(
        id,
        origins,
        domainEvent(
          `${origins.answers}/never`,
          pick([
            'x123456',
            'X1234567',
            'X12345',
            'X１２３４５６',
            `X123${pick(nasty)}456`,
            pick(sqlLike),
            'X'.repeat(50_000),
            '',
          ]),
        ),
      ),
      ending: 'sqs-dead-letter-queue',
    }),
    'MessageId over its limit': (id, origins) => ({
      body: envelope(`${id}-${'m'.repeat(300)}`, origins, domainEvent(`${origins.answers}/never`)),
      ending: 'sqs-dead-letter-queue',
    }),
    'no detail URL': (id, origins, pick) => ({
      body: envelope(id, origins, { ...domainEvent(undefined), eventType: `allocated${pick(nasty)}` }),
      ending: 'ignored',
    }),
    'detail URL outside the allow-list': (id, origins, pick) => ({
      body: envelope(id, origins, domainEvent(pick(urlTricks))),
      ending: 'dead-letter',
    }),
    'detail URL with credentials': (id, origins, pick) => {
      const allowed = new URL(origins.answers);
      return {
        body: envelope(
          id,
          origins,
          domainEvent(
            pick([
              `http://user:pass@${allowed.host}/ok/${id}`,
              `http://${allowed.host}@${hostname}:${outsiderPort}/x`,
              `http://user@${allowed.host}/ok/${id}`,
            ]),
          ),
        ),
        ending: 'dead-letter',
      };
    },
    'detail URL that redirects elsewhere': (id, origins, pick) => ({
      body: envelope(
        id,
        origins,
        domainEvent(`${origins.answers}/redirect/${pick([301, 302, 303, 307, 308])}/${id}`),
      ),
      ending: 'dead-letter',
    }),
    'detail answer: huge': (id, origins) => ({
      body: envelope(id, origins, domainEvent(`${origins.answers}/huge/${id}`)),
      ending: 'dead-letter',
    }),
    'detail answer: slow drip': (id, origins) => ({
      body: envelope(id, origins, domainEvent(`${origins.answers}/drip/${id}`)),
      ending: 'dead-letter',
    }),
    'detail answer: wrong content type': (id, origins) => ({
      body: envelope(id, origins, domainEvent(`${origins.answers}/wrong-type/${id}`)),
      ending: 'dead-letter',
    }),
    'detail answer: invalid JSON': (id, origins) => ({
      body: envelope(id, origins, domainEvent(`${origins.answers}/invalid-json/${id}`)),
      ending: 'dead-letter',
    }),
    'detail answer: 401 every time': (id, origins) => ({
      body: envelope(id, origins, domainEvent(`${origins.answers}/unauthorised/${id}`)),
      ending: 'dead-letter',
    }),
    'detail answer: 429 with Retry-After': (id, origins) => ({
      body: envelope(id, origins, domainEvent(`${origins.answers}/throttled/${id}`)),
      ending: 'dead-letter',
    }),
    'detail answer: 5xx': (id, origins, pick) => ({
      body: envelope(
        id,
        origins,
        domainEvent(`${origins.answers}/error/${pick([500, 502, 503, 504])}/${id}`),
      ),
      ending: 'dead-letter',
    }),
    'detail body: SQL-like and control characters': (id, origins) => ({
      body: envelope(id, origins, domainEvent(`${origins.answers}/strange-codes/${id}`)),
      ending: 'dead-letter',
    }),
    'detail body: of no known shape': (id, origins) => ({
      body: envelope(id, origins, domainEvent(`${origins.answers}/no-shape/${id}`)),
      ending: 'dead-letter',
    }),
    'detail body: requirement that does not exist': (id, origins) => ({
      body: envelope(id, origins, {
        ...domainEvent(`${origins.answers}/missing-requirement/${id}`),
        eventType: 'requirement.manager.allocated',
      }),
      ending: 'ignored',
    }),
  };
}

/** Categories that cost retries and timeouts: a smaller share, so that a run takes minutes, not hours. */
const slow = new Set([
  'detail answer: slow drip',
  'detail answer: 429 with Retry-After',
  'detail answer: 5xx',
]);

export function hostileMessages(count: number, origins: HostileOrigins, seed = 20261127): HostileMessage[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const outsiderUrl = `http://${origins.outsider.host}:${origins.outsider.port}/allocation/person/x`;
  const makers = Object.entries(categories(outsiderUrl));
  const weights = makers.map(([name]) => (slow.has(name) ? 1 : 5));
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const messages: HostileMessage[] = [];
  for (let index = 0; index < count; index += 1) {
    // Every category at least once, then by weight.
    let chosen = index < makers.length ? index : -1;
    if (chosen < 0) {
      let roll = random() * total;
      chosen = weights.findIndex((weight) => (roll -= weight) < 0);
    }
    const [category, make] = makers[chosen] ?? makers[0]!;
    const id = `hostile-${String(index).padStart(6, '0')}`;
    messages.push({ id, category, ...make(id, origins, pick) });
  }
  return messages;
}
