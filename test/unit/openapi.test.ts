import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type * as z from 'zod';
import { routes } from '../../infra/topology';
import { version } from '../../package.json';
import { buildOpenApiDocument, jsonSchemaOf, type JsonSchema } from '../../shared/api/openapi';
import { areas } from '../../shared/api/operations';
import { problemTypes, type ProblemSlug } from '../../shared/api/problems';
import { webPayload } from '../../shared/channels/web';
import { csatAnswerRequest } from '../../shared/csat/api';
import { customerPatchRequest, identityRequest, mergeRequest } from '../../shared/customers/customer-api';
import { customerSearchQuery } from '../../shared/customers/search';
import type { Note } from '../../shared/tickets/notes';
import type { Reply } from '../../shared/replies/reply';
import { agentProfileRequest, type AgentView, type agentViewSchema, presenceRequest } from '../../shared/routing/agent-api';
import type { Ticket } from '../../shared/domain/ticket';
import type { TicketDetail, TicketSummary } from '../../shared/store/ticket-queries';
import { linkRequest } from '../../shared/tickets/links';
import { listQuery } from '../../shared/tickets/list-request';
import { ticketMergeRequest, ticketSplitRequest } from '../../shared/tickets/merge';
import { noteRequest } from '../../shared/tickets/notes';
import { replyRequest } from '../../shared/replies/reply';
import { taskCreateRequest, taskListQuery, taskPatchRequest } from '../../shared/tickets/tasks';
import type { noteSchema, replySchema, ticketDetailResponse, ticketSchema, ticketSummarySchema } from '../../shared/tickets/ticket-schemas';
import { ticketPatchRequest } from '../../shared/tickets/ticket-update';
import { timelineQuery } from '../../shared/tickets/timeline';

/** The OpenAPI document: valid 3.1, exactly the routes that run, generated from the handlers' own validators. */

const repoRoot = join(__dirname, '..', '..');
const document = buildOpenApiDocument(areas, { version });
type OperationObject = {
  operationId: string;
  parameters?: { name: string; in: string; required: boolean; schema: JsonSchema; description?: string }[];
  requestBody?: { content: Record<string, { schema: JsonSchema; example?: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: JsonSchema }> }>;
  security: unknown[];
};
const methods = ['get', 'post', 'put', 'patch', 'delete'] as const;
const documented = Object.entries(document.paths).flatMap(([path, item]) =>
  methods.filter((m) => item[m]).map((m) => ({ key: `${m.toUpperCase()} ${path}`, operation: item[m] as OperationObject })),
);
const operationAt = (key: string) => documented.find((d) => d.key === key)!.operation;

describe('the document is valid OpenAPI 3.1', () => {
  test('its structure: version, info, paths, components, and every operation answers with problem documents', () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(document.info).toMatchObject({ title: expect.any(String), version });
    expect(Object.keys(document.components.securitySchemes)).toEqual(['bearerAuth']);
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(document.components.schemas.Problem).toMatchObject({ type: 'object', required: ['type', 'title', 'status', 'detail'] });
    for (const { key, operation } of documented) {
      expect({ key, summary: typeof (operation as { summary?: unknown }).summary }).toEqual({ key, summary: 'string' });
      const problemStatuses = Object.entries(operation.responses).filter(([, r]) => r.content?.['application/problem+json']);
      // Every operation can fail on our side; each problem response names its types.
      expect({ key, has500: problemStatuses.some(([s]) => s === '500') }).toEqual({ key, has500: true });
      for (const [status, response] of problemStatuses) {
        const schema = response.content!['application/problem+json'].schema as { allOf: [{ $ref: string }, { properties: { type: { enum: string[] } } }] };
        expect(schema.allOf[0]).toEqual({ $ref: '#/components/schemas/Problem' });
        for (const type of schema.allOf[1].properties.type.enum) expect({ key, type, status: problemTypes[type.split(':').pop() as ProblemSlug]?.status }).toEqual({ key, type, status: Number(status) });
      }
    }
  });

  test('signed-in routes need the bearer token and may answer 401 and 403; the others need none', () => {
    for (const route of routes) {
      const operation = operationAt(`${route.method} ${route.path}`);
      if (route.auth === 'jwt') {
        expect({ route: route.path, security: operation.security }).toEqual({ route: route.path, security: [{ bearerAuth: [] }] });
        expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403']));
      } else expect({ route: route.path, security: operation.security }).toEqual({ route: route.path, security: [] });
    }
    expect(operationAt('POST /webhooks/{channel}').parameters!.map((p) => p.name)).toEqual(expect.arrayContaining(['X-Switchboard-Signature', 'X-Twilio-Signature', 'X-Hub-Signature-256']));
    expect(operationAt('POST /csat/{token}').parameters!.find((p) => p.in === 'path')).toMatchObject({ name: 'token', required: true });
  });

  test('every schema is inline or a component: no JSON Schema $defs, whose "#/…" references would point into the OpenAPI document', () => {
    const text = JSON.stringify(document);
    expect(text).not.toContain('"$defs"');
    expect(text).not.toContain('"$schema"');
    for (const ref of text.matchAll(/"\$ref":"([^"]+)"/g)) expect(ref[1]).toMatch(/^#\/components\/schemas\/\w+$/);
  });

  test('the official OpenAPI 3.1 schema accepts it (@seriousme/openapi-schema-validator, references resolved)', () => {
    // The validator is an ES module; node runs it as published.
    const script = "import { Validator } from '@seriousme/openapi-schema-validator'; let s = ''; for await (const c of process.stdin) s += c; const r = await new Validator().validate(JSON.parse(s)); console.log(JSON.stringify(r));";
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, input: JSON.stringify(document), encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ valid: true });
    // And it would say so: a document without info.version is refused.
    const broken = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, input: JSON.stringify({ ...document, info: { title: 'x' } }), encoding: 'utf8' });
    expect(JSON.parse(broken.stdout).valid).toBe(false);
  });

  test('each operation has a unique id, and its path parameters are the ones its path names', () => {
    const ids = documented.map((d) => d.operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { key, operation } of documented) {
      const named = [...key.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      expect({ key, path: (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name).sort() }).toEqual({ key, path: named });
    }
  });
});

describe('exactly the routes that run are documented', () => {
  test('the documented (method, path) pairs are infra/topology.ts routes, no more, no fewer', () => {
    const served = new Set(routes.map((r) => `${r.method} ${r.path}`));
    const described = new Set(documented.map((d) => d.key));
    const fileFor = (key: string) => {
      const segment = key.split(' ')[1].split('/')[1];
      return areas.find((a) => a.operations.some((o) => o.path.split('/')[1] === segment))?.file ?? 'a new file in shared/api/operations/, listed in shared/api/operations/index.ts';
    };
    const undocumented = [...served].filter((k) => !described.has(k)).map((k) => `${k} is served (infra/topology.ts routes) but not documented: add its entry to ${fileFor(k)}`);
    const stale = [...described].filter((k) => !served.has(k)).map((k) => `${k} is documented in ${fileFor(k)} but not served: remove the entry, or add the route to infra/topology.ts`);
    expect([...undocumented, ...stale]).toEqual([]);
  });

  test("the README's API table lists every route", () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const api = readme.slice(readme.indexOf('\n## API\n'), readme.indexOf('\n### Errors'));
    const listed = new Set([...api.matchAll(/^\| `(GET|POST|PUT|PATCH|DELETE) ([^`?]+)[^`]*` \|/gm)].map((m) => `${m[1]} ${m[2]}`));
    const served = routes.map((r) => `${r.method} ${r.path}`);
    expect(served.filter((k) => !listed.has(k)).map((k) => `${k} is missing from the README's API table`)).toEqual([]);
    expect([...listed].filter((k) => !served.includes(k)).map((k) => `${k} is in the README's API table but not served`)).toEqual([]);
  });
});

describe('the schemas are the validators the handlers use', () => {
  /** What each handler validates with, imported from where it lives (the same modules the handlers import). */
  const validators: Record<string, { body?: z.ZodType; query?: z.ZodObject }> = {
    'POST /csat/{token}': { body: csatAnswerRequest },
    'GET /tickets': { query: listQuery },
    'GET /tickets/{id}': { query: timelineQuery },
    'POST /tickets/{id}/replies': { body: replyRequest },
    'PATCH /tickets/{id}': { body: ticketPatchRequest },
    'POST /tickets/{id}/notes': { body: noteRequest },
    'POST /tickets/{id}/merge': { body: ticketMergeRequest },
    'POST /tickets/{id}/split': { body: ticketSplitRequest },
    'POST /tickets/{id}/tasks': { body: taskCreateRequest },
    'PATCH /tickets/{id}/tasks/{taskId}': { body: taskPatchRequest },
    'GET /tasks': { query: taskListQuery },
    'POST /tickets/{id}/links': { body: linkRequest },
    'GET /customers': { query: customerSearchQuery },
    'PATCH /customers/{id}': { body: customerPatchRequest },
    'POST /customers/{id}/identities': { body: identityRequest },
    'POST /customers/{id}/merge': { body: mergeRequest },
    'PUT /agents/{id}': { body: agentProfileRequest },
    'PUT /agents/me/presence': { body: presenceRequest },
  };

  test.each(Object.entries(validators))('%s: the document holds the JSON Schema of its validator', (key, { body, query }) => {
    const operation = operationAt(key);
    if (body) expect(operation.requestBody!.content['application/json'].schema).toEqual(jsonSchemaOf(body, 'input'));
    if (query) {
      // One parameter per property of the query object, as the validator reads the query string.
      const object = jsonSchemaOf(query, 'input') as { properties: Record<string, JsonSchema>; required?: string[] };
      const parameters = operation.parameters!.filter((p) => p.in === 'query');
      const withoutDescription = ({ description: _, ...schema }: JsonSchema) => schema;
      expect(Object.fromEntries(parameters.map((p) => [p.name, p.schema]))).toEqual(Object.fromEntries(Object.entries(object.properties).map(([name, s]) => [name, withoutDescription(s)])));
      expect(parameters.filter((p) => p.required).map((p) => p.name)).toEqual(object.required ?? []);
    }
  });

  test('every documented JSON request body and query is one of those validators', () => {
    const withBody = documented.filter((d) => d.operation.requestBody?.content['application/json'] && d.key !== 'POST /webhooks/{channel}').map((d) => d.key);
    const withQuery = documented.filter((d) => d.operation.parameters?.some((p) => p.in === 'query') && !d.key.includes('/webhooks/')).map((d) => d.key);
    expect(withBody.filter((k) => !validators[k]?.body)).toEqual([]);
    expect(withQuery.filter((k) => !validators[k]?.query)).toEqual([]);
  });

  test("the webhook's JSON body is the web channel's payload schema, or a provider's own format", () => {
    const schema = operationAt('POST /webhooks/{channel}').requestBody!.content['application/json'].schema as { anyOf: JsonSchema[] };
    expect(schema.anyOf[0]).toEqual(jsonSchemaOf(webPayload, 'input'));
  });

  test('every request body has an example, and the example passes the validator', () => {
    for (const area of areas) {
      for (const operation of area.operations) {
        for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) {
          if (!media.schema || type !== 'application/json') continue;
          const result = media.schema.safeParse(media.example);
          expect({ key: `${operation.method} ${operation.path}`, type, valid: result.success, issues: result.error?.issues }).toEqual({ key: `${operation.method} ${operation.path}`, type, valid: true, issues: undefined });
        }
      }
    }
  });
});

// Compile-time: each response schema describes every field of the domain type it stands for, with
// compatible types. A field added to the domain without its schema fails `tsc` here.
type DeepReadonly<T> = T extends (infer E)[] ? readonly DeepReadonly<E>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;
type Describes<Domain, Schema extends z.ZodType> = [Exclude<keyof Domain, keyof z.output<Schema>>] extends [never]
  ? Domain extends DeepReadonly<z.output<Schema>>
    ? true
    : 'a field type differs'
  : Exclude<keyof Domain, keyof z.output<Schema>>;
const describes: {
  ticket: Describes<Ticket, typeof ticketSchema>;
  summary: Describes<TicketSummary, typeof ticketSummarySchema>;
  detail: Describes<TicketDetail, typeof ticketDetailResponse>;
  reply: Describes<Reply, typeof replySchema>;
  note: Describes<Note, typeof noteSchema>;
  agent: Describes<AgentView, typeof agentViewSchema>;
} = { ticket: true, summary: true, detail: true, reply: true, note: true, agent: true };

describe('problem types', () => {
  const sources = (dir: string): string[] =>
    readdirSync(join(repoRoot, dir)).flatMap((name) => {
      const path = join(dir, name);
      return statSync(join(repoRoot, path)).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
    });
  const code = ['shared', 'functions', 'infra', 'events'].flatMap(sources).map((path) => ({ path, text: readFileSync(join(repoRoot, path), 'utf8') }));

  test('every problem type the code answers with is in the catalogue (shared/api/problems.ts), with its status', () => {
    expect(describes.ticket).toBe(true);
    const found = code.flatMap(({ path, text }) => [
      ...[...text.matchAll(/new HttpProblem\(\s*(\d{3}),\s*'([a-z-]+)'/g)].map((m) => ({ path, slug: m[2], status: Number(m[1]) })),
      ...[...text.matchAll(/\bconflict\(\s*'([a-z-]+)'/g)].map((m) => ({ path, slug: m[1], status: 409 })),
    ]);
    expect(found.length).toBeGreaterThan(20);
    for (const { path, slug, status } of found) {
      expect({ path, slug, status: (problemTypes as Record<string, { status: number }>)[slug]?.status }).toEqual({ path, slug, status });
    }
    // A slug from a variable would escape this check.
    const dynamic = code.flatMap(({ path, text }) => [...text.matchAll(/\bconflict\(\s*(?!')([^)\s]+)/g)].map((m) => `${path}: conflict(${m[1]}`)).filter((s) => !s.includes('conflict(slug'));
    expect(dynamic).toEqual([]);
  });

  test("every problem type is in the README's Errors table, with its status", () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const errors = readme.slice(readme.indexOf('\n### Errors'), readme.indexOf('\n### ', readme.indexOf('\n### Errors') + 5));
    for (const [slug, { status }] of Object.entries(problemTypes)) {
      // A row names its type in full, or after another's (`urn:switchboard:problem:a` / `b`).
      const row = errors.split('\n').find((line) => line.includes(`\`urn:switchboard:problem:${slug}\``) || (line.includes('`urn:switchboard:problem:') && line.includes(`/ \`${slug}\``)));
      expect({ slug, status: row?.split('|')[1]?.trim() }).toEqual({ slug, status: String(status) });
    }
  });
});
