import { Gauge, Registry } from 'prom-client';
import { reportLag } from '../../src/kafka/lag.ts';

function lagGauge() {
  const registry = new Registry();
  const gauge = new Gauge({
    name: 'allocations_consumer_lag',
    help: 'lag',
    labelNames: ['stage', 'topic', 'partition'] as const,
    registers: [registry],
  });
  const series = async () =>
    (await gauge.get()).values.map(({ labels, value }) => [labels['partition'], value]).sort();
  return { gauge, series };
}

const lag = [0, 1, 2, 3].map((partition) => ({
  partition,
  committed: 10,
  end: 10 + partition,
  lag: partition,
}));

describe('the consumer lag a replica reports', () => {
  it('is that of the partitions assigned to it, so that summing every replica counts each partition once', async () => {
    const { gauge, series } = lagGauge();
    reportLag(gauge, { stage: 'sink', topic: 'allocations' }, lag, [1, 3]);
    expect(await series()).toEqual([
      ['1', 1],
      ['3', 3],
    ]);
  });

  it('drops a partition once it is assigned elsewhere, rather than report its last figure for ever', async () => {
    const { gauge, series } = lagGauge();
    reportLag(gauge, { stage: 'sink', topic: 'allocations' }, lag, [0, 1, 2, 3]);
    reportLag(gauge, { stage: 'sink', topic: 'allocations' }, lag, [2]);
    expect(await series()).toEqual([['2', 2]]);
    // Out of the group (stopping, or crashed): nothing.
    reportLag(gauge, { stage: 'sink', topic: 'allocations' }, lag, []);
    expect(await series()).toEqual([]);
  });

  it('leaves another stage’s series alone', async () => {
    const { gauge } = lagGauge();
    reportLag(gauge, { stage: 'processor', topic: 'domain-events' }, lag, [0]);
    reportLag(gauge, { stage: 'sink', topic: 'allocations' }, lag, []);
    expect((await gauge.get()).values.map(({ labels }) => labels['stage'])).toEqual(['processor']);
  });
});
