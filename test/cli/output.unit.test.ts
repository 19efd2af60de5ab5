import { camelCase, jsonOutput, textOutput } from '../../src/cli/output.ts';

describe('a command’s output', () => {
  it('for people: lines, aligned tables, and values as their text or as indented JSON', () => {
    const lines: string[] = [];
    const out = textOutput((line) => lines.push(line));
    out.say('2 dead letter(s)');
    out.table(
      'rows',
      ['offset', 'failed at'],
      [
        ['0:1', '2026-11-27'],
        ['0:12', null],
      ],
    );
    out.value('published', { messageId: 'm-1' }, 'published as m-1');
    out.value('hidden', 1, false);
    out.value('shown', { a: 1 });
    out.end();
    expect(lines).toEqual([
      '2 dead letter(s)',
      'offset  failed at\n0:1     2026-11-27\n0:12',
      'published as m-1',
      '{\n  "a": 1\n}',
    ]);
  });

  it('for scripts (--json): one document at the end, tables as objects keyed by camelCase headings', () => {
    const lines: string[] = [];
    const out = jsonOutput((line) => lines.push(line));
    out.say('2 dead letter(s)');
    out.table(
      'deadLetters',
      ['offset', 'failed at', 'lag'],
      [
        ['0:1', '', 3],
        ['0:12', undefined, 0],
      ],
    );
    out.value('published', { messageId: 'm-1' }, 'published as m-1');
    expect(lines).toEqual([]);
    out.end();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      deadLetters: [
        { offset: '0:1', failedAt: null, lag: 3 },
        { offset: '0:12', failedAt: null, lag: 0 },
      ],
      published: { messageId: 'm-1' },
      messages: ['2 dead letter(s)'],
    });
  });

  it('turns headings into camelCase keys', () => {
    expect(['records to read', 'message id', 'retention ms', 'lag'].map(camelCase)).toEqual([
      'recordsToRead',
      'messageId',
      'retentionMs',
      'lag',
    ]);
  });
});
