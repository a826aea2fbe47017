import { join } from 'node:path';
import fc from 'fast-check';
import { loadConfigFile, macroPlaceholders, parseConfig } from '../../../shared/config';
import { parseReplyRequest } from '../../../shared/replies/reply';
import { customerNameFallback, findMacro, macroLanguageFor, macroList, macroPatch, renderMacro } from '../../../shared/tickets/macros';
import { problemOf } from '../../support/problems';

const macro = (text: Record<string, string>, set?: object) => ({ id: 'm', title: { en: 'M' }, text, ...(set ? { set } : {}) });
const configWith = (...macros: object[]) => parseConfig({ workspace: { macros } });
const errorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the config to be rejected');
};

describe('macros in config', () => {
  test('none by default; cdk.json\'s samples are valid and use only known placeholders', () => {
    expect(parseConfig({}).workspace.macros).toEqual([]);
    const samples = loadConfigFile(join(__dirname, '..', '..', '..', 'cdk.json')).workspace.macros;
    expect(samples.length).toBeGreaterThanOrEqual(2);
    for (const m of samples) expect(Object.keys(m.text).sort()).toEqual(['en', 'zh']);
  });

  test('an unknown placeholder is rejected at load, naming the macro, the language and the placeholder', () => {
    const message = errorOf(() => configWith(macro({ en: 'Hi {customerName}', zh: '{客户名}您好 {ticketID}' })));
    expect(message).toContain('workspace.macros.0.text.zh');
    expect(message).toContain('{客户名} is not a placeholder');
    expect(message).toContain('{ticketID} is not a placeholder');
    expect(errorOf(() => configWith(macro({ en: 'Hi {customer name}' })))).toContain('{customer name}');
    expect(errorOf(() => configWith(macro({ en: 'Empty {}' })))).toContain('{} is not a placeholder');
    for (const name of macroPlaceholders) expect(configWith(macro({ en: `{${name}}` })).workspace.macros).toHaveLength(1);
  });

  test('en is required (the fallback); language codes, unique ids, tags both added and removed are refused', () => {
    expect(errorOf(() => configWith(macro({ zh: '您好' })))).toContain('needs an en text');
    expect(errorOf(() => configWith(macro({ en: 'x', chinese: 'y' })))).toContain('language code');
    expect(errorOf(() => configWith(macro({ en: 'x' }), macro({ en: 'y' })))).toContain('macro ids must be unique');
    expect(errorOf(() => configWith(macro({ en: 'x' }, { addTags: ['a'], removeTags: ['a'] })))).toContain('both added and removed');
    expect(errorOf(() => configWith(macro({ en: 'x' }, { status: 'new' })))).toContain('workspace.macros.0.set.status');
    expect(errorOf(() => configWith({ ...macro({ en: 'x' }), id: 'Has Spaces' }))).toContain('workspace.macros.0.id');
    expect(configWith(macro({ en: 'x' }, { addTags: [' VIP '] })).workspace.macros[0]!.set).toEqual({ addTags: ['vip'] });
  });
});

describe('rendering', () => {
  const texts = { en: 'Hi {customerName}, about {ticketId}. {agentName}', zh: '{customerName}，您好！工单 {ticketId}。{agentName}', 'zh-TW': '{customerName}，您好！工單 {ticketId}。{agentName}' };
  const values = { ticketId: 'tkt_0123456789abcdef', customerName: 'Ana', agentName: 'Mei' };

  test.each([
    [undefined, 'en'],
    ['en', 'en'],
    ['en-GB', 'en'],
    ['zh', 'zh'],
    ['zh-TW', 'zh-TW'],
    ['zh-HK', 'zh'],
    ['ja', 'en'],
    ['', 'en'],
  ])('a ticket in %j gets the %s text', (language, chosen) => {
    expect(macroLanguageFor(texts, language)).toBe(chosen);
    expect(renderMacro({ text: texts }, language, values)).toBe(texts[chosen as keyof typeof texts].replace('{customerName}', 'Ana').replace('{ticketId}', values.ticketId).replace('{agentName}', 'Mei'));
  });

  test('every placeholder, every time it appears', () => {
    expect(renderMacro({ text: { en: '{ticketId}{ticketId} {agentName} {customerName} {agentName}' } }, 'en', values)).toBe('tkt_0123456789abcdeftkt_0123456789abcdef Mei Ana Mei');
    expect(renderMacro({ text: { en: 'No placeholders.' } }, 'en', values)).toBe('No placeholders.');
  });

  test('a customer without a name is addressed by the language\'s fallback', () => {
    expect(renderMacro({ text: texts }, 'en', { ...values, customerName: undefined })).toBe(`Hi there, about ${values.ticketId}. Mei`);
    expect(renderMacro({ text: texts }, 'zh', { ...values, customerName: '  ' })).toBe(`尊敬的客户，您好！工单 ${values.ticketId}。Mei`);
    expect(renderMacro({ text: texts }, 'zh-TW', { ...values, customerName: undefined })).toMatch(new RegExp(`^${customerNameFallback.zh}，`));
    expect(renderMacro({ text: { en: 'x {customerName}', ja: 'y {customerName}' } }, 'ja', { ...values, customerName: undefined })).toBe('y there');
  });

  test('values are inserted as they are: one that looks like a placeholder is never filled in turn', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom('{customerName}', '{ticketId}', '{agentName}', '{', '}', ' '), fc.string()), { maxLength: 12 }),
        fc.string({ minLength: 1 }).filter((s) => s.trim().length > 0),
        fc.string(),
        (parts, customerName, agentName) => {
          const text = parts.join('');
          // A name is used without the spaces around it.
          const filled = { customerName: customerName.trim(), agentName, ticketId: 'tkt_0123456789abcdef' } as Record<string, string>;
          // The same text split at its placeholders and joined with the values: nothing else changes.
          const expected = text
            .split(/(\{(?:customerName|ticketId|agentName)\})/)
            .map((piece) => (/^\{(customerName|ticketId|agentName)\}$/.test(piece) ? filled[piece.slice(1, -1)] : piece))
            .join('');
          expect(renderMacro({ text: { en: text } }, 'en', { ticketId: filled.ticketId!, customerName, agentName })).toBe(expected);
        },
      ),
    );
  });
});

describe('a macro\'s ticket changes', () => {
  test('status as given; tags added and removed against the ticket\'s, each once; nothing to set is no patch', () => {
    expect(macroPatch({ tags: ['a', 'b'] }, { set: { status: 'pending', addTags: ['c', 'a'], removeTags: ['b'] } })).toEqual({ status: 'pending', tags: ['a', 'c'] });
    expect(macroPatch({}, { set: { removeTags: ['x'] } })).toEqual({ tags: [] });
    expect(macroPatch({ tags: ['a'] }, { set: { status: 'solved' } })).toEqual({ status: 'solved' });
    expect(macroPatch({ tags: ['a'] }, {})).toBeUndefined();
    expect(macroPatch({ tags: ['a'] }, { set: {} })).toBeUndefined();
  });

  test('a macro id config does not have is a 400 naming macroId and the ones it has', () => {
    const config = configWith(macro({ en: 'x' }));
    expect(findMacro(config.workspace.macros, 'm').id).toBe('m');
    expect(problemOf(() => findMacro(config.workspace.macros, 'nope')).errors).toEqual([{ field: 'macroId', message: expect.stringContaining('(m)') }]);
    expect(macroList(config.workspace.macros)).toEqual({ macros: config.workspace.macros });
  });

  test('a reply is text or a macro, exactly one', () => {
    expect(parseReplyRequest('{"macroId":"refund-issued","channel":"email"}')).toEqual({ macroId: 'refund-issued', channel: 'email' });
    const fields = (body: string) => problemOf(() => parseReplyRequest(body)).errors?.map((e) => e.field);
    expect(fields('{"text":"Hi","macroId":"refund-issued"}')).toEqual(['text']);
    expect(fields('{"channel":"email"}')).toEqual(['text']);
  });
});
