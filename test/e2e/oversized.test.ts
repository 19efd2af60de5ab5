// A detail the broker will not take, and one the service will not read: each is a dead letter with its reason,
// and the processor carries on with the next message.
import { deadLetterHeader } from '../../src/kafka/dead-letters.ts';
import { eventually } from '../support/eventually.ts';
import { testScope } from '../support/isolation.ts';
import { testPipeline, type TestPipeline } from '../support/pipeline.ts';

const eventDetail = (notes: string) => ({
  id: 'x',
  staffCode: 'N02ABS1',
  teamCode: 'N02ABS',
  createdDate: '2022-07-28T10:30:54.023+01:00',
  eventNumber: 2,
  spoOversightNotes: notes,
});
const eventAllocated = (detailUrl: string) => ({
  eventType: 'event.manager.allocated',
  version: 1,
  detailUrl,
  personReference: { identifiers: [{ type: 'CRN', value: 'X123456' }] },
});

describe('an allocation too large to carry', () => {
  const scope = testScope('e2e-oversized');
  let pipeline: TestPipeline;
  beforeAll(async () => {
    // Read up to 4 MiB, so that a 3 MB detail reaches the produce, which the broker (1 MB by default) refuses.
    pipeline = await testPipeline(scope, { env: { DETAIL_MAX_BYTES: String(4 * 1024 * 1024) } });
  });
  afterAll(async () => {
    await pipeline.close();
    await scope.close();
  });
  const processed = (messageId: string) =>
    eventually(() => pipeline.outcomeOf('processor', messageId) ?? false);

  it('is a dead letter when the broker refuses the enriched record, and the processor goes on', async () => {
    pipeline.api.register('/allocation/event/huge', {
      status: 200,
      body: eventDetail('x'.repeat(3_000_000)),
    });
    const huge = await pipeline.publish(eventAllocated(`${pipeline.api.url}/allocation/event/huge`));
    expect(await processed(huge)).toMatchObject({
      status: 'dead-letter',
      error: { code: 'invalid-message' },
    });
    expect((await pipeline.deadLetterOf(huge)).headers).toMatchObject({
      [deadLetterHeader.code]: 'invalid-message',
      [deadLetterHeader.stage]: 'processor',
    });

    pipeline.api.register('/allocation/event/small', { status: 200, body: eventDetail('Spo notes') });
    const next = await pipeline.publish(eventAllocated(`${pipeline.api.url}/allocation/event/small`));
    expect(await eventually(() => pipeline.outcomeOf('sink', next) ?? false)).toMatchObject({
      status: 'applied',
    });
  });

  it('is a dead letter, unread past its limit, when the detail is larger than DETAIL_MAX_BYTES', async () => {
    pipeline.api.register('/allocation/event/enormous', {
      status: 200,
      body: eventDetail('x'.repeat(5 * 1024 * 1024)),
    });
    const enormous = await pipeline.publish(eventAllocated(`${pipeline.api.url}/allocation/event/enormous`));
    expect(await processed(enormous)).toMatchObject({
      status: 'dead-letter',
      error: {
        code: 'invalid-detail',
        message: expect.stringContaining('more than 4194304 bytes') as string,
      },
    });
  });
});
