import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { registerValueSchema } from '../../src/kafka/avro-schemas.ts';

/** A registry that answers each call from a script, as Apicurio answered processes racing to register. */
function scriptedRegistry(script: { register: (() => number)[]; lookup: (() => number)[] }) {
  const calls = { register: 0, lookup: 0 };
  const next = (steps: (() => number)[], at: number) => {
    const step = steps[Math.min(at, steps.length - 1)];
    if (!step) throw new Error('the script has no step');
    return step();
  };
  const registry = {
    register: () => Promise.resolve().then(() => ({ id: next(script.register, calls.register++) })),
    getRegistryIdBySchema: () => Promise.resolve().then(() => next(script.lookup, calls.lookup++)),
  } as unknown as SchemaRegistry;
  return { registry, calls };
}

const fails = (message: string) => () => {
  throw new Error(message);
};

describe('registering a schema while other processes register it', () => {
  it('tries again when the race left the schema not yet found, and returns the id it then finds', async () => {
    const { registry, calls } = scriptedRegistry({
      register: [fails("Confluent_Schema_Registry - A rule named 'COMPATIBILITY' already exists."), () => 7],
      lookup: [fails('Subject not found')],
    });
    await expect(registerValueSchema(registry, 'allocations', 'allocation')).resolves.toBe(7);
    expect(calls.register).toBe(2);
  });

  it('tries again when the registry answered NONE for a subject whose compatibility was not set yet', async () => {
    const { registry } = scriptedRegistry({
      register: [fails('Compatibility does not match the configuration (BACKWARD != NONE)'), () => 9],
      lookup: [fails('Subject not found')],
    });
    await expect(registerValueSchema(registry, 'allocations', 'allocation')).resolves.toBe(9);
  });

  it('gives up after a few tries and says what the registry last answered', async () => {
    const { registry, calls } = scriptedRegistry({
      register: [fails("A rule named 'COMPATIBILITY' already exists.")],
      lookup: [fails('Subject not found')],
    });
    await expect(registerValueSchema(registry, 'allocations', 'allocation')).rejects.toThrow(
      /already exists/,
    );
    expect(calls.register).toBeGreaterThan(1);
    expect(calls.register).toBeLessThan(10);
  });

  it('does not try again a schema the registry refuses as incompatible', async () => {
    const { registry, calls } = scriptedRegistry({
      register: [fails('Schema being registered is incompatible with an earlier schema')],
      lookup: [fails('Subject not found')],
    });
    await expect(registerValueSchema(registry, 'allocations', 'allocation')).rejects.toThrow(/incompatible/);
    expect(calls.register).toBe(1);
  });
});
